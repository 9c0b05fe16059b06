//! Hands the browser a file to save. Works from the page and from inside a widget's shadow root:
//! the temporary link goes into the document's body, which a shadow root cannot hold.

/**
 * Saves `data` (a Blob, bytes or text) as a file called `name`, through a temporary object URL
 * that is revoked once the download has it.
 * @param {string} name
 * @param {Blob | BufferSource | string} data
 * @param {string} [type]  the MIME type, when `data` is not a Blob already
 */
export function download(name, data, type = 'application/octet-stream') {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference to the data by now; the URL is not needed any more.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
