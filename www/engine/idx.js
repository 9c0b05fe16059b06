//! IDX files on the JS side: inflate .gz, read the header to tell images from labels, pair files.
//!
//! The engine parses and checks the data itself; this only finds out what each file is, so a person
//! can drop files in any order and a wrong file gets a message before anything changes.
//! IDX: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then each
//! dimension as a big-endian u32, then the values. Images are [n, rows, cols]; labels are [n].

const GZIP = [0x1f, 0x8b];

export function isGzip(bytes) {
  return bytes.length >= 2 && bytes[0] === GZIP[0] && bytes[1] === GZIP[1];
}

/** Inflates gzip bytes (the browser's DecompressionStream); other bytes are returned as they are. */
export async function inflate(bytes, name = 'the file') {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    throw new Error(`${name} looks gzipped but could not be decompressed: the file is damaged or incomplete.`);
  }
}

function hex(bytes, n = 4) {
  return [...bytes.subarray(0, n)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
}

/**
 * Reads an IDX header.
 * @returns {{ kind: 'images'|'labels', count: number, shape: number[], maxLabel: number, headerBytes: number }}
 */
export function readIdx(bytes, name = 'the file') {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `${name} is not an IDX file: it starts with ${hex(bytes) || 'nothing'}, but an IDX file starts with 00 00 08 03 (images) or 00 00 08 01 (labels).`,
    );
  }
  if (bytes[2] !== 0x08) {
    throw new Error(`${name} stores its values as type 0x${bytes[2].toString(16)}, but only unsigned bytes (0x08) are supported.`);
  }
  const ndims = bytes[3];
  if (ndims !== 1 && ndims !== 3) {
    throw new Error(`${name} has ${ndims} dimensions; expected 3 (images: count, rows, columns) or 1 (labels).`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new Error(`${name} ends inside its header (${bytes.length} bytes).`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const expected = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    throw new Error(
      `${name} says it holds ${dims.join('×')} values (${expected.toLocaleString('en-US')} bytes with its header), but it has ${bytes.length.toLocaleString('en-US')} bytes: the file is cut short or is not what its header says.`,
    );
  }
  if (dims[0] === 0) throw new Error(`${name} holds no examples.`);
  if (ndims === 3) {
    return { kind: 'images', count: dims[0], shape: [1, dims[1], dims[2]], maxLabel: -1, headerBytes };
  }
  let maxLabel = 0;
  for (let i = headerBytes; i < bytes.length; i++) if (bytes[i] > maxLabel) maxLabel = bytes[i];
  return { kind: 'labels', count: dims[0], shape: [], maxLabel, headerBytes };
}

/** The first n examples of an IDX file, as a new IDX file. */
export function sliceIdx(bytes, n) {
  const info = readIdx(bytes);
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
 * @param {{ name: string, bytes: Uint8Array }[]} files  already inflated
 * @returns {{ train: { images, labels }, test: { images, labels } | null, shape: number[], classes: number, notes: string[] }}
 */
export function pairFiles(files) {
  if (files.length !== 2 && files.length !== 4) {
    throw new Error(
      `Give 2 files (images and labels) or 4 (training and test images and labels); got ${files.length}.`,
    );
  }
  const read = files.map((f) => ({ ...f, info: readIdx(f.bytes, f.name) }));
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
    train: { images: img.train.bytes, labels: lab.train.bytes },
    test: img.test ? { images: img.test.bytes, labels: lab.test.bytes } : null,
    shape: img.train.info.shape,
    classes,
    notes,
  };
}
