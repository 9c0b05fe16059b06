// A page's script using the npm package as its README shows, type-checked (tsc --noEmit) by
// tests/unit/types.test.mjs against the package's declarations; never run. Each @ts-expect-error
// line must be an error, so the types are not `any`.
import 'nn-playground';
import type { NnPlayground, Settings, StepDetail, EpochDetail, DoneDetail, DivergedDetail, ErrorDetail, RunState } from 'nn-playground';
import init, { Engine, validateSpec, engineVersion, simdEnabled } from 'nn-playground/pkg/nn_playground.js';
import type { ModelSpec, Summary, TrainSteps, Evaluation, EngineError } from 'nn-playground/pkg/nn_playground.js';

// The element, found or made: the tag-name map types both.
const found = document.querySelector('nn-playground');
const w: NnPlayground = found ?? document.createElement('nn-playground');
document.body.append(w);

// Methods: Promises that resolve once done.
await w.play();
await w.pause();
await w.step();
await w.reset();
const all: Promise<void>[] = [w.play(), w.pause(), w.step(), w.reset()];
await Promise.all(all);
// @ts-expect-error play() takes no arguments
w.play(1);

// settings: a copy to read, an object of settings (values or the attributes' text) to assign.
const settings: Settings = w.settings;
const lr: number = w.settings.lr;
const optimizer: 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adadelta' = settings.optimizer;
w.settings = { lr: 0.01, epochs: 1 };
w.settings = { lr: '0.01', batchSize: 64, augment: true };
w.settings = { layers: 'conv2d:8:5:1:same:relu,maxpool2d:2:2' };
w.settings = { layers: [{ type: 'conv2d', filters: 8, kernel: 5 }, { type: 'maxpool2d', size: 2 }, { type: 'dense', units: 64, activation: 'relu' }] };
// @ts-expect-error not a setting
w.settings = { learningRate: 0.01 };
// @ts-expect-error a learning rate is a number or its text
w.settings = { lr: [0.01] };
// @ts-expect-error no such layer type
w.settings = { layers: [{ type: 'lstm', units: 8 }] };

// run: what the engine reports, a store.
const state: Readonly<RunState> | undefined = w.run?.get();
const unsubscribe: (() => void) | undefined = w.run?.subscribe((r) => {
  if (r.phase === 'done' && r.evaluation) console.log(r.evaluation.accuracy.toFixed(3), r.evaluation.confusion.length);
  if (r.report) console.log(r.report.steps, r.report.loss);
}, ['phase', 'report']);
unsubscribe?.();

// Events: their detail types, from the element's event map.
w.addEventListener('step', (e) => {
  const detail: StepDetail = e.detail;
  console.log(detail.steps + 1, e.detail.loss.toFixed(4), e.detail.accuracy, e.detail.epoch);
  // @ts-expect-error steps is a number
  const wrong: string = e.detail.steps;
});
w.addEventListener('epoch', (e) => {
  const detail: EpochDetail = e.detail;
  console.log(detail.epoch, e.detail.testAccuracy?.toFixed(3));
  // @ts-expect-error testAccuracy may be missing
  e.detail.testAccuracy.toFixed(3);
});
w.addEventListener('done', (e) => {
  const detail: DoneDetail = e.detail;
  const accuracy: number | null = detail.testAccuracy;
  console.log(e.detail.steps, accuracy);
});
w.addEventListener('diverged', (e) => {
  const detail: DivergedDetail = e.detail;
  const kind: 'exploding' | 'diverged' | 'stuck' = detail.kind;
  console.log(kind, e.detail.message.length);
});
w.addEventListener('error', (e) => {
  const detail: ErrorDetail = e.detail;
  console.log(detail.message.toUpperCase());
});
// The element's other events are the HTMLElement's.
w.addEventListener('click', (e) => console.log(e.clientX));
// Bubbling out of the shadow root, the page may listen above it too.
document.body.addEventListener('done', (e) => console.log((e as CustomEvent<DoneDetail>).detail.testAccuracy));

// The engine's module, as README's "The engine's JavaScript API" uses it.
await init();
console.log(engineVersion(), simdEnabled());
const spec: ModelSpec = {
  layers: [
    { type: 'conv2d', filters: 8, kernel: 5, padding: 'same', activation: 'relu' },
    { type: 'maxpool2d', size: 2 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { type: 'adam', lr: 0.001 },
  batchSize: 32,
  epochs: 1,
  seed: 1,
};
// @ts-expect-error an optimizer needs its learning rate
const noLr: ModelSpec = { layers: [], optimizer: { type: 'sgd' } };
const { summary, problems } = validateSpec(spec);
// @ts-expect-error the summary is null when the layers do not fit together
console.log(summary.totalParams);
const params: number | undefined = summary?.totalParams;
console.log(params, problems.map((p) => `${p.layer ?? 'network'}: ${p.message}`));
try {
  const engine = new Engine(spec);
  const built: Summary = engine.summary();
  engine.setData(new Uint8Array(16), new Uint8Array(8), 0, 8000, 2000);
  const report: TrainSteps = engine.trainSteps(10);
  const evaluation: Evaluation = engine.evaluate(2000);
  const confusion: Uint32Array = evaluation.confusion;
  const probs: Float32Array = engine.predict(new Float32Array(28 * 28));
  console.log(built.layers.length, report.loss, report.done, confusion[0], probs[0]);
  engine.free();
} catch (err) {
  const e = err as EngineError;
  console.log(e.code, e.problems?.map((p) => p.message));
}

export { lr, optimizer, state, noLr };
