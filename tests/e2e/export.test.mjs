// Export: the trained network for PyTorch and Keras (a ZIP of a training script and its weights) and
// as ONNX, downloaded from the buttons under the network; each file matches the network on the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPlayground } from './harness.mjs';
import { unzip } from './downloads.mjs';
import { waitReady, choosePreset } from './playground.mjs';

test('the trained network downloads for PyTorch, Keras and ONNX, matching the page', async () => {
  const app = await openPlayground();
  const { page } = app;
  try {
    await waitReady(page);
    await choosePreset(page, 'convnetjs');
    for (let i = 0; i < 5; i++) await page.click('#btn-step');
    await page.waitForFunction(() => window.nnp.run.get().report?.steps === 5, null, { timeout: 10_000 });
    const params = await page.evaluate(() => window.nnp.run.get().summary.totalParams);
    const get = async (kind) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-export="${kind}"]`)]);
      return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
    };

    const pytorch = await get('pytorch');
    assert.equal(pytorch.name, 'nn-playground-mnist-5-pytorch.zip');
    const files = unzip(pytorch.bytes);
    assert.deepEqual([...files.keys()].sort(), ['model.safetensors', 'train_pytorch.py']);
    const script = files.get('train_pytorch.py').toString('utf8');
    assert.match(script, /import torch/);
    assert.match(script, new RegExp(params.toLocaleString('en-US').replace(/,/g, '[,_]?')), 'the script states the parameter count');
    // safetensors: an 8-byte header length, a JSON header, then every parameter as 4-byte floats.
    const weights = files.get('model.safetensors');
    const headerLength = Number(weights.readBigUInt64LE(0));
    const header = JSON.parse(weights.subarray(8, 8 + headerLength).toString('utf8'));
    const floats = Object.entries(header).filter(([k]) => k !== '__metadata__').reduce((n, [, t]) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(floats, params, 'every parameter is in the weights file');

    const keras = unzip((await get('keras')).bytes);
    assert.deepEqual([...keras.keys()].sort(), ['model_keras.npz', 'train_keras.py']);
    assert.match(keras.get('train_keras.py').toString('utf8'), /keras/);

    const onnx = await get('onnx');
    assert.equal(onnx.name, 'nn-playground-mnist-5-onnx.onnx');
    assert.ok(onnx.bytes.length > params * 4, 'the ONNX model holds the weights');
    assert.match(await page.textContent('.model-status'), /Exported nn-playground-mnist-5-onnx\.onnx/);
    await app.screenshot('export');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
