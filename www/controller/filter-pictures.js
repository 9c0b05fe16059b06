//! The filter pictures' weights: the worker posts the conv weights only while some filter picture is
//! on screen in a visible tab, so a page showing none pays nothing for them.

/** Whether any conv card's filters are on screen (the network editor says). */
export function setParamsWanted(c, on) {
  c.paramsWanted = on;
  syncWatch(c);
}

/** Tells the worker whether to send weights, when that has changed. */
export function syncWatch(c) {
  const engine = c.run.get().engine;
  if (!engine || engine.error) return;
  const on = c.paramsWanted && document.visibilityState !== 'hidden';
  if (on === c.watchSent) return;
  c.watchSent = on;
  c.client.watchParams(on).catch(() => {
    c.watchSent = undefined;
  });
}
