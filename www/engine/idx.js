//! IDX files on the JS side: inflate .gz (with a cap from the header's promised size), pair a
//! person's files into images and labels, and cut a file to its first examples.
//!
//! What each file is (images or labels, how many, what size) is read by the engine's parser
//! (`idxInfo`), so the page and the engine judge a file alike; a person can drop files in any order
//! and a wrong file gets a message before anything changes.
//! IDX: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then each
//! dimension as a big-endian u32, then the values. Images are [n, rows, cols]; labels are [n].

const GZIP = [0x1f, 0x8b];

export function isGzip(bytes) {
  return bytes.length >= 2 && bytes[0] === GZIP[0] && bytes[1] === GZIP[1];
}

/** The largest IDX file the page takes, unpacked (the full 60,000-image MNIST training set is 47 MB). */
export const MAX_IDX_BYTES = 128_000_000;

class TooLarge extends Error {}

/**
 * The size an IDX file's header promises (header and values), once its first bytes are there, or
 * null when they are not an IDX header (the engine's parser says what is wrong later).
 */
function promisedSize(head) {
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0 || head[2] !== 0x08) return null;
  const dims = head[3];
  if (dims < 1 || dims > 3 || head.length < 4 + 4 * dims) return null;
  let size = 1;
  for (let d = 0; d < dims; d++) size *= ((head[4 + 4 * d] << 24) >>> 0) + (head[5 + 4 * d] << 16) + (head[6 + 4 * d] << 8) + head[7 + 4 * d];
  return 4 + 4 * dims + size;
}

function megabytes(n) {
  return `${Math.round(n / 1e6).toLocaleString('en-US')} MB`;
}

/**
 * Inflates gzip bytes (the browser's DecompressionStream); other bytes are returned as they are.
 * Inflating stops as soon as the output is larger than its IDX header promises or than
 * MAX_IDX_BYTES, so a small file that unpacks to gigabytes (a "gzip bomb") costs nothing.
 */
export async function inflate(bytes, name = 'the file') {
  const tooLarge = () => new TooLarge(`${name} is over ${megabytes(MAX_IDX_BYTES)} unpacked, more than the page takes; use fewer images.`);
  if (!isGzip(bytes)) {
    if (bytes.length > MAX_IDX_BYTES) throw tooLarge();
    return bytes;
  }
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks = [];
  let total = 0;
  let promised = null;
  let headerRead = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (!headerRead && total >= 16) {
        headerRead = true;
        promised = promisedSize(concat(chunks, total).subarray(0, 16));
      }
      if (total > MAX_IDX_BYTES) throw tooLarge();
      if (promised !== null && total > promised) {
        throw new TooLarge(`${name} unpacks to more than its header says (${promised.toLocaleString('en-US')} bytes): the file is damaged or not what it claims to be.`);
      }
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    if (err instanceof TooLarge) throw new Error(err.message);
    throw new Error(`${name} looks gzipped but could not be decompressed: the file is damaged or incomplete.`);
  }
  return concat(chunks, total);
}

function concat(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The first n examples of an IDX file (whose `info` the engine read), as a new IDX file. */
export function sliceIdx(bytes, n, info) {
  if (n >= info.count) return bytes;
  const per = info.kind === 'images' ? info.shape[1] * info.shape[2] : 1;
  const out = new Uint8Array(info.headerBytes + n * per);
  out.set(bytes.subarray(0, out.length));
  new DataView(out.buffer).setUint32(4, n);
  return out;
}

function looksLikeTest(name) {
  return /t10k|test|val/i.test(name);
}

/**
 * Sorts a person's files into an images+labels pair and an optional test pair.
 * @param {{ name: string, bytes: Uint8Array, info: IdxInfo }[]} files  already inflated, each with
 *   what the engine read of it: { kind, count, shape: [1, rows, cols], maxLabel, headerBytes }
 * @returns {{ train: { images, labels, info, labelsInfo }, test: { images, labels, info } | null, names: { images, labels, testImages, testLabels },
 *   shape: number[], classes: number, notes: string[] }}
 */
export function pairFiles(files) {
  if (files.length !== 2 && files.length !== 4) {
    throw new Error(
      `Give 2 files (images and labels) or 4 (training and test images and labels); got ${files.length}.`,
    );
  }
  const read = files;
  const images = read.filter((f) => f.info.kind === 'images');
  const labels = read.filter((f) => f.info.kind === 'labels');
  if (images.length !== labels.length) {
    throw new Error(
      `Expected as many label files as image files, but got ${images.length} image file(s) (${images.map((f) => f.name).join(', ') || 'none'}) and ${labels.length} label file(s) (${labels.map((f) => f.name).join(', ') || 'none'}).`,
    );
  }
  const byRole = (list) => {
    if (list.length === 1) return { train: list[0], test: null };
    const [a, b] = list;
    if (looksLikeTest(a.name) !== looksLikeTest(b.name)) return looksLikeTest(a.name) ? { train: b, test: a } : { train: a, test: b };
    return a.info.count >= b.info.count ? { train: a, test: b } : { train: b, test: a };
  };
  const img = byRole(images);
  const lab = byRole(labels);
  const check = (im, lb, role) => {
    if (im.info.count !== lb.info.count) {
      throw new Error(`The ${role} images (${im.name}) hold ${im.info.count.toLocaleString('en-US')} examples but the labels (${lb.name}) hold ${lb.info.count.toLocaleString('en-US')}; they must match.`);
    }
  };
  check(img.train, lab.train, 'training');
  if (img.test) {
    check(img.test, lab.test, 'test');
    const [a, b] = [img.train.info.shape, img.test.info.shape];
    if (a.join() !== b.join()) throw new Error(`The training images are ${a[1]}×${a[2]} but the test images are ${b[1]}×${b[2]}.`);
  }
  const maxLabel = Math.max(lab.train.info.maxLabel, lab.test?.info.maxLabel ?? 0);
  const classes = maxLabel + 1;
  if (classes < 2) throw new Error('The labels hold only one class (0); a classifier needs at least 2.');
  const describe = (f, role) => `${f.name}: ${role} ${f.info.kind}, ${f.info.count.toLocaleString('en-US')}${f.info.kind === 'images' ? ` of ${f.info.shape[1]}×${f.info.shape[2]}` : ''}`;
  const notes = [describe(img.train, 'training'), describe(lab.train, 'training')];
  if (img.test) notes.push(describe(img.test, 'test'), describe(lab.test, 'test'));
  return {
    train: { images: img.train.bytes, labels: lab.train.bytes, info: img.train.info, labelsInfo: lab.train.info },
    test: img.test ? { images: img.test.bytes, labels: lab.test.bytes, info: img.test.info } : null,
    names: { images: img.train.name, labels: lab.train.name, testImages: img.test?.name ?? null, testLabels: lab.test?.name ?? null },
    shape: img.train.info.shape,
    classes,
    notes,
  };
}
