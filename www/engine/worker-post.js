//! Posting to the page: messages, with the typed arrays they carry transferred, not copied.

export function post(msg, transfer = []) {
  self.postMessage(msg, transfer);
}

/** A typed array that owns its whole buffer (so it can be transferred), whatever the engine returned. */
export function own(Type, value) {
  if (value instanceof Type && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) return value;
  return Type.from(value);
}
