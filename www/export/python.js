//! Writing Python: literals, the network table of the scripts' headers, and the data-loading code
//! both scripts share (plain Python: IDX files, gzipped or not, and the page's train/test split).

import { formatDims } from './network.js';

/** A number as a Python float literal (1 → 1.0, 1e-8 → 1e-08 is not needed: Python reads 1e-8). */
export function pyFloat(x) {
  if (!Number.isFinite(x)) throw new Error(`${x} cannot be written as a Python number`);
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

export function pyInt(x) {
  if (!Number.isInteger(x)) throw new Error(`${x} is not a whole number`);
  return String(x);
}

export function pyBool(x) {
  return x ? 'True' : 'False';
}

/** A Python string literal (JSON's escapes are Python's too). */
export function pyStr(s) {
  return JSON.stringify(String(s));
}

/** 12345 → "12,345" */
export function thousands(n) {
  return n.toLocaleString('en-US');
}

/**
 * The network as a table for a header comment: one row per layer with its output shape and
 * parameters, and the total. `describe(layer)` gives each row's words.
 * @returns {string[]} lines without the comment marker
 */
export function networkTable(layers, input, totalParams, describe) {
  const rows = [['input', formatDims(input), '', '']];
  for (const l of layers) rows.push([l.name, formatDims(l.outDims), l.params ? thousands(l.params) : '', describe(l)]);
  const width = (k) => Math.max(...rows.map((r) => r[k].length));
  const [w0, w1, w2] = [width(0), width(1), Math.max(width(2), 'parameters'.length)];
  const line = (r) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2].padStart(w2)}  ${r[3]}`.trimEnd();
  return [
    line(['layer', 'output', 'parameters', '']),
    ...rows.map(line),
    line(['', '', thousands(totalParams), 'in total']),
  ];
}

/** Lines with a prefix, for comments and docstrings. */
export function indent(lines, prefix) {
  return lines.map((l) => (l ? `${prefix}${l}` : prefix.trimEnd()));
}

/**
 * The settings of the data, as Python constants (the data loader below reads them).
 * @param {ReturnType<import('./model.js').dataDescription>} data
 * @param {number[]} input  [c, h, w]
 */
export function dataConstants(data, input, classes) {
  const folder = data.name === 'custom' ? 'data' : `data/${data.name}`;
  const lines = [
    `INPUT_SHAPE = (${input.join(', ')})  # channels, height, width of one image`,
    `CLASSES = ${classes}`,
    `DATA_FOLDER = ${pyStr(folder)}  # --data changes it`,
    `IMAGES_FILE = ${pyStr(data.files.images)}`,
    `LABELS_FILE = ${pyStr(data.files.labels)}`,
  ];
  if (data.separateTest) {
    lines.push(
      `TEST_IMAGES_FILE = ${pyStr(data.files.testImages)}`,
      `TEST_LABELS_FILE = ${pyStr(data.files.testLabels)}`,
      `N_TRAIN = ${data.nTrain ?? 0}  # training images the page used, the first of the file (0: all)`,
    );
  } else {
    lines.push(
      'TEST_IMAGES_FILE = None  # no separate test files: the page splits one pair',
      'TEST_LABELS_FILE = None',
      `SPLIT_SEED = ${data.splitSeed}  # the page's split: a seeded shuffle, the first N_TRAIN train, the last N_TEST test`,
      `N_TRAIN = ${data.nTrain ?? 0}  # 0: every image not kept for testing`,
      `N_TEST = ${data.nTest ?? 0}  # 0: a fifth of the images`,
    );
  }
  return lines;
}

/** The plain-Python data loader both scripts share; it uses the constants of `dataConstants`. */
export const DATA_LOADER = `
def read_idx(path):
    """Reads an IDX file, gzipped or not: returns (dimensions, the values as bytes)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\\x1f\\x8b":  # gzip's signature: the page detects compression the same way
        raw = gzip.decompress(raw)
    zero, value_type, ndims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or value_type != 0x08 or ndims not in (1, 3):
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (images or labels)")
    dims = struct.unpack(f">{ndims}I", raw[4 : 4 + 4 * ndims])
    values = raw[4 + 4 * ndims :]
    if len(values) != math.prod(dims):
        raise ValueError(f"{path} should hold {math.prod(dims)} values after its header but has {len(values)}")
    return dims, values


def read_pair(images_path, labels_path):
    """An images file and its labels file: (pixels, labels), each image's pixels 0-255, one byte per label."""
    (count, height, width), pixels = read_idx(images_path)
    (label_count,), labels = read_idx(labels_path)
    if count != label_count:
        raise ValueError(f"{images_path} holds {count} images but {labels_path} holds {label_count} labels")
    if (1, height, width) != INPUT_SHAPE:
        raise ValueError(f"{images_path} holds {height}x{width} images; this network takes {INPUT_SHAPE[1]}x{INPUT_SHAPE[2]}")
    if max(labels) >= CLASSES:
        raise ValueError(f"{labels_path} has the label {max(labels)}, but this network has {CLASSES} classes")
    return pixels, labels


def take(pair, indices):
    """The examples of a pair at the given indices, in that order."""
    pixels, labels = pair
    size = math.prod(INPUT_SHAPE)
    return b"".join(pixels[i * size : (i + 1) * size] for i in indices), bytes(labels[i] for i in indices)


def mulberry32(seed):
    """The small random number generator of the page's split: floats in [0, 1)."""
    a = seed & 0xFFFFFFFF
    while True:
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = ((a ^ (a >> 15)) * (a | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        yield (t ^ (t >> 14)) / 4294967296


def split_permutation(seed, n):
    """The page's shuffle of 0..n-1: Fisher-Yates from the end, driven by mulberry32(seed)."""
    order = list(range(n))
    rand = mulberry32(seed)
    for i in range(n - 1, 0, -1):
        j = min(int(next(rand) * (i + 1)), i)
        order[i], order[j] = order[j], order[i]
    return order


def find_file(folder, name):
    """The path of \`name\` in \`folder\`, gzipped or not, or None."""
    stem = name[:-3] if name.endswith(".gz") else name
    for candidate in (name, stem + ".gz", stem):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            return path
    return None


def need_file(folder, name):
    path = find_file(folder, name)
    if path is None:
        raise FileNotFoundError(f"{name} (or {name.removesuffix('.gz')}) is not in {folder}; see the top of this script")
    return path


FULL_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def load_data(folder, n_train=None, n_test=None):
    """The training and test examples, as (pixels, labels) pairs.

    - The four standard files (train-* and t10k-*, e.g. the full MNIST or Fashion-MNIST): their
      60,000 training and 10,000 test images.
    - Else separate test files, when the page had them: the first N_TRAIN training images.
    - Else one images/labels pair, split as the page splits it, so that the test images are the page's.
    """
    full = [find_file(folder, name) for name in FULL_MNIST_FILES]
    if all(full):
        train, test = read_pair(full[0], full[1]), read_pair(full[2], full[3])
        n_train = n_train or len(train[1])
        return take(train, range(min(n_train, len(train[1])))), test
    if TEST_IMAGES_FILE:
        train = read_pair(need_file(folder, IMAGES_FILE), need_file(folder, LABELS_FILE))
        test = read_pair(need_file(folder, TEST_IMAGES_FILE), need_file(folder, TEST_LABELS_FILE))
        n_train = n_train if n_train is not None else N_TRAIN
        n_train = n_train or len(train[1])
        return take(train, range(min(n_train, len(train[1])))), test
    everything = read_pair(need_file(folder, IMAGES_FILE), need_file(folder, LABELS_FILE))
    count = len(everything[1])
    n_test = n_test or N_TEST or max(1, round(count * 0.2))
    n_train = n_train if n_train is not None else N_TRAIN
    n_train = min(n_train or count - n_test, count - n_test)
    if n_train < 1:
        raise ValueError(f"{count} images are too few to keep {n_test} for testing")
    order = split_permutation(SPLIT_SEED, count)
    return take(everything, order[:n_train]), take(everything, order[count - n_test :])
`.trim();
