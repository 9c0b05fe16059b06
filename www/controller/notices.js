//! The notices above the page's columns: what happened that a person should know (a setting a link
//! got wrong, an engine restart, a failed step). At most four are kept; each has an id to dismiss it.

let nextNotice = 1;

/** A new id for a notice, unique on the page (several widgets share the count). */
export function noticeId() {
  return nextNotice++;
}

/** @param {import('../controller.js').Controller} c */
export function notify(c, kind, text) {
  const notices = [...c.run.get().notices, { id: noticeId(), kind, text }].slice(-4);
  c.run.set({ notices });
}

export function dismiss(c, id) {
  c.run.set({ notices: c.run.get().notices.filter((n) => n.id !== id) });
}
