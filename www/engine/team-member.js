//! A member of a run's team of workers (team.js leads): it holds a copy of the leader's engine,
//! computes its share of every step's shards and applies the same update, so that its weights stay
//! the leader's bit for bit. Between sessions of steps it waits for the leader's messages.
import { loadEngine, wasm, created, free, gradientsView } from './wasm-engine.js';
import { giveData } from './worker-data.js';
import { Ctrl, Command, shardsOf, writeShard, addAllShards, waitAtLeast, count } from './shard-exchange.js';

/** This member's engine and the data it was given (kept, so that a new sync on the same data does not parse it again). */
let engine = null;
let data = null;
let limit = 0;

self.onmessage = async ({ data: msg }) => {
  if (msg.type !== 'sync' || msg.silent) return; // silent: a test of the leader's give-up
  const { index, k, x, syncId } = msg;
  try {
    await loadEngine();
    load(msg);
  } catch (err) {
    self.postMessage({ type: 'failed', syncId, message: err?.message ?? String(err) });
    return;
  }
  // The leader waits for this message, not in a blocking wait: a worker that blocks cannot start
  // the workers it creates.
  self.postMessage({ type: 'ready', syncId });
  follow(x, index, k);
};

/** A copy of the leader's engine from its saved state, with the data it trains on. */
function load({ model, data: d, limit: l }) {
  const next = created(wasm.Engine.load(new Uint8Array(model)));
  try {
    if (d) {
      giveData(next, d, l);
      data = d;
      limit = l;
    } else if (engine) {
      next.takeDataFrom(engine);
    } else {
      giveData(next, data, limit);
    }
  } catch (err) {
    free(next);
    throw err;
  }
  if (engine) free(engine);
  engine = next;
}

/** Takes part in the leader's steps until it says to leave, gives up on a step, or this member fails. */
function follow(x, index, k) {
  const { ctrl } = x;
  const aborted = () => Atomics.load(ctrl, Ctrl.ABORT) !== 0;
  // Each copy comes with a new exchange whose steps count from 1.
  for (let gen = 1; ; gen += 1) {
    if (!waitAtLeast(ctrl, Ctrl.GEN, gen, aborted)) return;
    if (Atomics.load(ctrl, Ctrl.CMD) === Command.LEAVE) return;
    try {
      const shards = engine.beginStep();
      for (const s of shardsOf(shards, k, index)) {
        if (Atomics.load(ctrl, Ctrl.FAULT) === index + 1) throw new Error('a member failed on purpose (fault injection)');
        const part = engine.computeShard(s);
        writeShard(x, s, gradientsView(engine), part);
      }
      Atomics.store(ctrl, Ctrl.MEMBER_DONE + index, gen);
      count(ctrl, Ctrl.DONE);
      if (!waitAtLeast(ctrl, Ctrl.DONE, k * gen, aborted)) return;
      addAllShards(x, engine, shards, () => gradientsView(engine));
      engine.finishStep();
    } catch (err) {
      fail(ctrl, index, err);
      return;
    }
    count(ctrl, Ctrl.APPLIED);
  }
}

/** Tells the leader this member cannot go on; its engine is no longer the leader's copy. */
function fail(ctrl, index, err) {
  Atomics.compareExchange(ctrl, Ctrl.FAIL, 0, index + 1);
  Atomics.notify(ctrl, Ctrl.DONE);
  console.warn(`worker ${index + 1} of the run stopped: ${err?.message ?? err}`);
}
