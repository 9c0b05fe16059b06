//! The notices above the page's columns: what happened that a person should know (a setting a link
//! got wrong, an engine restart, a failed step). At most four are kept; each has an id to dismiss it,
//! and may offer one action as a button (`{ label, run }`), such as taking a new version of the page.

let nextNotice = 1;

/** A new id for a notice, unique on the page (several widgets share the count). */
export function noticeId() {
  return nextNotice++;
}

/**
 * @param {import('../controller.js').Controller} c
 * @param {{ label: string, run: () => void }} [action]
 * @returns {number} the notice's id
 */
export function notify(c, kind, text, action = null) {
  const id = noticeId();
  c.run.set({ notices: [...c.run.get().notices, { id, kind, text, action }].slice(-4) });
  return id;
}

export function dismiss(c, id) {
  c.run.set({ notices: c.run.get().notices.filter((n) => n.id !== id) });
}
