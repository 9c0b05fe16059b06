//! The settings in the address bar: written after every change, read back when a person edits the
//! link or goes back in history. Only the page does this; an embedded widget leaves the address alone.
import { encodeState, decodeState } from '../state/url.js';
import { notify } from './notices.js';

/** @param {import('../controller.js').Controller} c */
export function writeHash(c) {
  if (!c.page) return;
  const hash = `#${encodeState(c.settings.get())}`;
  if (hash !== window.location.hash) history.replaceState(null, '', hash);
}

export function onHash(c) {
  // A fragment that is not settings (an in-page link such as "#col-output") changes nothing: the
  // hash goes back to the settings.
  if (!window.location.hash.includes('=')) {
    writeHash(c);
    return;
  }
  const { state, notices } = decodeState(window.location.hash);
  for (const text of notices) notify(c, 'warning', text);
  if (c.settings.get().dataset === 'custom' && state.dataset === 'mnist') state.dataset = 'custom';
  c.settings.set(state, { source: 'url' });
}
