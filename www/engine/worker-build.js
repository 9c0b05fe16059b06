//! A new run's engine: built from a spec (an edit that keeps the data reuses the data the engine
//! already holds), or loaded from a model file with its weights and progress. Either replaces the
//! engine of the current run and answers with what the page draws: the summary, the parameter
//! layout and the data's sample and test split.
import { Push, STATS_EVERY } from './protocol.js';
import { session, run, afterReply } from './worker-state.js';
import { wasm, created, free } from './wasm-engine.js';
import { counts, giveData } from './worker-data.js';
import { post, own } from './worker-post.js';
import { resetRun, schedule, position, postParams } from './training-loop.js';

/** The engine of the current run; a request that needs one fails without it. */
export function requireEngine() {
  if (!session.engine) throw new Error('The network is not built yet.');
  return session.engine;
}

function buildResult() {
  const { engine, current: d, runId } = session;
  const { nTrain, nTest } = counts(d, session.trainLimit);
  const sample = own(Uint8Array, engine.trainSample(Math.min(32, nTrain)));
  const testImages = own(Uint8Array, engine.testImages());
  const testLabels = own(Uint8Array, engine.testLabels());
  const value = {
    runId,
    summary: engine.summary(),
    layout: engine.paramLayout(),
    data: { nTrain, nTest: testLabels.length || nTest, shape: d.shape, classes: d.classes, sample, testImages, testLabels },
  };
  return { value, transfer: [sample.buffer, testImages.buffer, testLabels.buffer] };
}

function replaceEngine(next, nextSpec) {
  if (session.engine) {
    try {
      free(session.engine);
    } catch {
      // a freed or trapped instance: nothing left to release
    }
  }
  session.engine = next;
  session.spec = nextSpec;
  session.runId += 1;
  resetRun();
  next.setStatsEvery(run.watchStats ? STATS_EVERY : 0);
}

/**
 * Gives a new engine its data: the data the running engine holds, parsed and split, when it is the
 * same (an edit, a reset, a loaded model on the data in use), else `d` parsed from its IDX bytes.
 */
function provideData(next, d, limit) {
  const { engine } = session;
  if (engine && d === session.current && limit === session.trainLimit) next.takeDataFrom(engine);
  else giveData(next, d, limit);
}

/** A network built from `nextSpec` on data `d`; on error nothing changes. */
export function build(nextSpec, d, limit) {
  const next = created(new wasm.Engine(nextSpec));
  try {
    provideData(next, d, limit);
  } catch (err) {
    free(next);
    throw err;
  }
  replaceEngine(next, nextSpec);
  session.current = d;
  session.trainLimit = limit;
  session.loadedModel = null;
  const result = buildResult();
  // Pushes of the new run must arrive after the reply that tells the page its runId.
  afterReply.push(() => {
    if (run.training) {
      post({ type: Push.STATUS, runId: session.runId, status: 'training' });
      schedule();
    }
    postParams();
  });
  return result;
}

/**
 * A network from a model file, with its weights, optimizer state and progress, on data `d`. On
 * error nothing changes. The reply is a build's plus the loaded spec and where the saved run was.
 */
export function loadModel(bytes, d, limit) {
  const next = created(wasm.Engine.load(bytes));
  let nextSpec;
  let progress;
  try {
    nextSpec = next.spec();
    try {
      provideData(next, d, limit);
    } catch (err) {
      throw new Error(`The model does not fit this data: ${err.message}`);
    }
    // Where the saved run was (no step is taken): steps, epoch, whether it is done.
    progress = next.trainSteps(0);
  } catch (err) {
    free(next);
    throw err;
  }
  run.training = false;
  replaceEngine(next, nextSpec);
  session.current = d;
  session.trainLimit = limit;
  session.loadedModel = bytes;
  run.last = progress;
  run.lastEpoch = progress.epoch;
  const result = buildResult();
  result.value.spec = nextSpec;
  result.value.progress = { ...progress, runId: session.runId, position: position(progress), examplesPerSecond: 0 };
  afterReply.push(() => postParams());
  return result;
}
