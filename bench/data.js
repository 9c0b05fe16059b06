// The benchmark's data, in the worker: the MNIST digits the page ships (www/data/mnist, gzipped IDX),
// fetched and inflated the way the page does, then split as the workloads' conventions say:
// Fisher–Yates over the indices 0..9999 in stored order driven by mulberry32(seed); the first nTrain
// indices train (in that order), the last nTest test. Our engine does the same split itself
// (setData with the seed); the peers get the split made here. The worker checks that both agree.

/** mulberry32, the seeded generator of the split (the same as `Mulberry32` in src/data/dataset.rs). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Indices 0..n-1 shuffled in place by Fisher–Yates driven by mulberry32(seed). */
export function splitPermutation(seed, n) {
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

async function fetchGunzip(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url}: ${response.status} ${response.statusText}`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Fetches and inflates the two IDX files: { imagesIdx, labelsIdx } (uncompressed bytes, as the engine takes them). */
export async function fetchMnist(dataUrl) {
  const [imagesIdx, labelsIdx] = await Promise.all([
    fetchGunzip(new URL('images-idx3-ubyte.gz', dataUrl)),
    fetchGunzip(new URL('labels-idx1-ubyte.gz', dataUrl)),
  ]);
  return { imagesIdx, labelsIdx };
}

/**
 * The split for the peers: { trainX, trainY, testX, testY, nTrain, nTest, inputSize, testImagesU8 }.
 * X = Float32Array of pixel/255, NHWC 28×28×1 (row-major; with one channel the same bytes as the engine's CHW).
 */
export function splitMnist({ imagesIdx, labelsIdx }, seed, nTrain, nTest) {
  // The shipped digits, which the engine's parser checks when our engine takes them: here only the
  // counts and sizes of their fixed headers are read.
  const iv = new DataView(imagesIdx.buffer, imagesIdx.byteOffset, imagesIdx.byteLength);
  const lv = new DataView(labelsIdx.buffer, labelsIdx.byteOffset, labelsIdx.byteLength);
  if (iv.getUint32(0) !== 0x803 || lv.getUint32(0) !== 0x801) throw new Error('expected the shipped MNIST images and labels files');
  const n = iv.getUint32(4);
  const size = iv.getUint32(8) * iv.getUint32(12);
  if (lv.getUint32(4) !== n) throw new Error(`images (${n}) and labels (${lv.getUint32(4)}) differ in count`);
  if (nTrain + nTest > n) throw new Error(`${nTrain} + ${nTest} examples asked, the file holds ${n}`);
  const pixels = imagesIdx.subarray(16, 16 + n * size);
  const labels = labelsIdx.subarray(8, 8 + n);
  const order = splitPermutation(seed, n);
  const take = (indices) => {
    const u8 = new Uint8Array(indices.length * size);
    const y = new Uint8Array(indices.length);
    indices.forEach((k, i) => {
      u8.set(pixels.subarray(k * size, (k + 1) * size), i * size);
      y[i] = labels[k];
    });
    const x = new Float32Array(u8.length);
    for (let i = 0; i < u8.length; i++) x[i] = u8[i] / 255;
    return { u8, x, y };
  };
  const train = take(order.slice(0, nTrain));
  const test = take(order.slice(n - nTest));
  return {
    inputSize: size, nTrain, nTest,
    trainX: train.x, trainY: train.y, trainU8: train.u8,
    testX: test.x, testY: test.y, testU8: test.u8,
  };
}
