//! One run on several workers: this worker leads, and members (team-member.js) hold copies of its
//! engine. Every step's shards are shared out, their gradients exchanged through shared memory
//! (shard-exchange.js) and summed in shard order by every worker, so the run's numbers are the
//! same bits on any number of workers. Without shared memory (a page that is not cross-origin
//! isolated) the run trains on this worker alone, and the reason is told to the page.
//!
//! Members copy the leader's state (its saved model and its data) when a session of steps starts;
//! anything that changes the leader's engine outside a step (an edit, a reset, a new learning
//! rate) makes the copies stale, and the next session copies again.
import { session } from './worker-state.js';
import { gradientsView } from './wasm-engine.js';
import { Ctrl, Command, MAX_WORKERS, STALL_MS, createExchange, exchangeBytes, shardsOf, writeShard, addAllShards, waitAtLeast, count } from './shard-exchange.js';

/** The gradient slots of one run may take at most this much shared memory. */
const EXCHANGE_BUDGET = 256 * 1024 * 1024;

/**
 * A step is shared only when it computes at least this many FLOPs per gradient value exchanged
 * (shards × parameters): below it, copying and adding the shards' gradients takes longer than the
 * computing saved. Measured with `./dev bench --workers` on 2 cores: the MLP workload (48 FLOPs
 * per value) trained at 0.82× on 2 workers, LeNet-ish (300) at 1.75×, the ConvNetJS net (7,900) at 1.80×.
 */
const MIN_FLOPS_PER_VALUE = 150;

/** FLOPs of a step per gradient value exchanged, per engine (its summary is read once). */
const flopsPerValue = new WeakMap();

function workPerValue(engine, shards) {
  if (!flopsPerValue.has(engine)) {
    const { trainingFlops } = engine.summary();
    flopsPerValue.set(engine, (trainingFlops * (session.spec?.batchSize ?? 1)) / Math.max(1, shards * engine.gradientsLen()));
  }
  return flopsPerValue.get(engine);
}

const team = {
  /** Workers the page asks for, this one included. */
  wanted: 1,
  /** The members' Worker objects (index i + 1 in the exchange). */
  members: [],
  /** The session's shared buffers, its worker count, and the leader's step count in it. */
  x: null,
  k: 1,
  gen: 0,
  /** The members hold this worker's current state and wait for steps. */
  synced: false,
  /** A copy to the members under way: { id, k, waiting, onReady }. */
  syncing: null,
  /** Why the last session used fewer workers than wanted ('' when it used them all). */
  reason: '',
  /** A failure the page has not been told of yet. */
  lost: '',
  /** Why the run went back to one worker (a failure), until the page asks for a count again. */
  fallback: '',
  /** For the tests: the member (2 = the first) told to stay silent at the next copy. */
  silentAtSync: 0,
};

/** Where nested workers with shared memory exist: a cross-origin isolated page in a current browser. */
function sharedMemoryMissing() {
  if (typeof SharedArrayBuffer !== 'function' || !self.crossOriginIsolated) {
    return 'The page is not cross-origin isolated, so its workers cannot share memory: one worker trains.';
  }
  if (typeof Worker !== 'function') return 'This browser cannot start workers from a worker: one worker trains.';
  return '';
}

/** Sets how many workers the run may use; answers how many it will use and why not more. */
export function setWorkers(n) {
  team.wanted = Math.max(1, Math.min(MAX_WORKERS, Math.floor(n) || 1));
  team.fallback = '';
  leave();
  while (team.members.length > team.wanted - 1) team.members.pop().terminate();
  return describe();
}

/** The workers the next steps use, and why not as many as wanted. */
export function describe() {
  const { k, reason } = plan(session.engine);
  return { wanted: team.wanted, workers: k, reason };
}

/** How many workers the engine's run can use now, and why not as many as wanted. */
function plan(engine) {
  if (team.wanted <= 1 || !engine) return { k: 1, reason: team.fallback };
  const missing = sharedMemoryMissing();
  if (missing) return { k: 1, reason: missing };
  const shards = engine.shardsPerBatch();
  let k = Math.min(team.wanted, shards);
  let reason = k < team.wanted ? `A batch of this size splits into ${shards} part${shards === 1 ? '' : 's'} of at least 8 examples, so ${k} worker${k === 1 ? '' : 's'} train${k === 1 ? 's' : ''}.` : '';
  if (k > 1 && exchangeBytes(shards, engine.gradientsLen()) > EXCHANGE_BUDGET) {
    k = 1;
    reason = 'This network has too many parameters to exchange their gradients at every step: one worker trains.';
  } else if (k > 1 && workPerValue(engine, shards) < MIN_FLOPS_PER_VALUE) {
    k = 1;
    reason = 'This network computes too little per step to share it: exchanging the gradients would take longer than the computing it saves, so one worker trains.';
  }
  return { k, reason };
}

/** The leader's engine changed outside a step: the members' copies are out of date. */
export function markStale() {
  leave();
}

/** Lets the members go back to their messages (they wait for steps otherwise) and ends the session. */
function leave() {
  if (team.x) {
    const { ctrl } = team.x;
    Atomics.store(ctrl, Ctrl.CMD, Command.LEAVE);
    Atomics.add(ctrl, Ctrl.GEN, 1);
    Atomics.notify(ctrl, Ctrl.GEN);
  }
  team.x = null;
  team.synced = false;
  endSync();
}

/** A copy under way is over (done, failed or dropped): the training loop asks `ready` again. */
function endSync() {
  const syncing = team.syncing;
  team.syncing = null;
  syncing?.onReady();
}

/** Drops every member after a failure; the run goes on with the workers that are left (here, this one). */
function disband(why) {
  if (team.x) {
    Atomics.store(team.x.ctrl, Ctrl.ABORT, 1);
    Atomics.notify(team.x.ctrl, Ctrl.GEN);
    Atomics.notify(team.x.ctrl, Ctrl.DONE);
  }
  for (const m of team.members) m.terminate();
  team.members = [];
  team.x = null;
  team.synced = false;
  team.wanted = 1;
  team.reason = why;
  team.lost = why;
  team.fallback = why;
  endSync();
}

/** A failure to report once: the page learns that the run fell back to fewer workers. */
export function takeLoss() {
  const why = team.lost;
  team.lost = '';
  return why;
}

/**
 * Whether `engine` can train now: alone, or with members that hold its state. If they do not yet,
 * copies its state to them and calls `onReady` once they do (or once the run has fallen back to
 * this worker alone): a worker that blocks while its new workers start would wait forever, so
 * this waits for their messages instead.
 */
export function ready(engine, onReady) {
  const { k, reason } = plan(engine);
  team.reason = reason;
  if (k <= 1) {
    leave();
    return true;
  }
  if (team.synced && team.k === k) return true;
  if (team.syncing?.k !== k) sync(engine, k, onReady);
  return false;
}

function sync(engine, k, onReady) {
  leave();
  team.syncing = { id: (nextSyncId += 1), k, waiting: k - 1, onReady };
  try {
    while (team.members.length < k - 1) {
      const m = startMember();
      m.onmessage = ({ data }) => answered(m, data);
      m.onerror = (event) => answered(m, { type: 'failed', syncId: team.syncing?.id, message: event.message || 'its script did not load' });
      team.members.push(m);
    }
  } catch (err) {
    disband(`More workers could not be started (${err.message}): one worker trains.`);
    return;
  }
  const shards = engine.shardsPerBatch();
  team.x = createExchange(shards, engine.gradientsLen());
  team.k = k;
  team.gen = 0;
  const model = engine.save();
  const data = { current: session.current, limit: session.trainLimit };
  const { id } = team.syncing;
  const silent = team.silentAtSync;
  team.silentAtSync = 0;
  team.members.slice(0, k - 1).forEach((m, i) => {
    const message = { type: 'sync', syncId: id, index: i + 1, k, x: team.x, model, limit: data.limit, silent: silent === i + 2 };
    // The data goes to a member once: it keeps what it was given for the next copies.
    const holds = sentData.get(m);
    m.postMessage({ ...message, data: holds?.current === data.current && holds.limit === data.limit ? null : data.current });
    sentData.set(m, data);
  });
  // A member that neither answers nor fails (its thread starved or lost) must not keep the run
  // waiting: after STALL_MS without every answer, this worker trains alone.
  setTimeout(() => {
    if (team.syncing?.id === id) disband(`The run's other workers did not answer for ${STALL_MS / 1000} s while copying the network; training goes on with one worker.`);
  }, STALL_MS);
}

/** The data (and train limit) each member holds. */
const sentData = new WeakMap();

let nextSyncId = 0;

/**
 * A member worker. Browsers start workers only from the page's origin: where this module comes from
 * another one (the element served from a package's host), a same-origin blob imports it.
 */
function startMember() {
  const url = new URL('./team-member.js', import.meta.url);
  if (url.origin === self.location.origin) return new Worker(url, { type: 'module' });
  const blob = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};\n`], { type: 'text/javascript' }));
  return new Worker(blob, { type: 'module' });
}

/** A member's answer to a sync: ready to follow, or failed (a message of an earlier sync is ignored). */
function answered(member, { type, syncId, message }) {
  const syncing = team.syncing;
  if (!syncing || syncId !== syncing.id) return;
  if (type === 'ready') {
    syncing.waiting -= 1;
    if (syncing.waiting > 0) return;
    team.synced = true;
    endSync();
  } else {
    const n = team.members.indexOf(member) + 2;
    disband(`Worker ${n} of this run could not copy the network (${message}); training goes on with one worker.`);
  }
}

/** A give-up test for a wait: a member failed, or nothing moved for STALL_MS. */
function stalled(ctrl, i) {
  let last = Atomics.load(ctrl, i);
  let since = performance.now();
  return () => {
    if (Atomics.load(ctrl, Ctrl.FAIL) !== 0) return true;
    const v = Atomics.load(ctrl, i);
    if (v !== last) {
      last = v;
      since = performance.now();
    }
    return performance.now() - since > STALL_MS;
  };
}

function failure(ctrl, when) {
  const failed = Atomics.load(ctrl, Ctrl.FAIL);
  const who = failed ? `Worker ${failed}` : 'A worker';
  const how = failed ? 'stopped' : `did not answer for ${STALL_MS / 1000} s`;
  return `${who} of this run ${how} ${when}; training goes on with one worker, from the same weights.`;
}

/**
 * Trains up to `n` steps like `engine.trainSteps(n)` (the same report, the same bits): on the team
 * once `ready` said so, else alone.
 */
export function trainSteps(engine, n) {
  if (!team.synced || n === 0) return engine.trainSteps(n);
  let last = null;
  let lossSum = 0;
  let batches = 0;
  let correct = 0;
  let seen = 0;
  let nonFinite = false;
  let done = engine.trainSteps(0).done;
  while (batches < n && !done) {
    last = team.synced ? stepTogether(engine) : engine.trainSteps(1);
    batches += 1;
    lossSum += last.loss;
    correct += last.correct;
    seen += last.seen;
    done = last.done;
    if (last.nonFinite) {
      nonFinite = true;
      break;
    }
  }
  if (!last) return engine.trainSteps(0);
  return {
    ...last,
    loss: Math.fround(lossSum / batches),
    accuracy: Math.fround(correct / seen),
    lossSum, batches, correct, seen, nonFinite,
  };
}

/** How many workers the last steps used (1 when alone). */
export function workersInUse() {
  return team.synced ? team.k : 1;
}

export function workersReason() {
  return team.reason;
}

/** One step shared with the members; if one fails, this worker computes every shard itself. */
function stepTogether(engine) {
  const { x, k } = team;
  const { ctrl } = x;
  const gen = team.gen + 1;
  // The members have added the previous step's slots before this step writes them again.
  if (!waitAtLeast(ctrl, Ctrl.APPLIED, (k - 1) * (gen - 1), stalled(ctrl, Ctrl.APPLIED))) {
    disband(failure(ctrl, 'after a step'));
    return engine.trainSteps(1);
  }
  Atomics.store(ctrl, Ctrl.CMD, Command.STEP);
  Atomics.store(ctrl, Ctrl.GEN, gen);
  Atomics.notify(ctrl, Ctrl.GEN);
  team.gen = gen;
  const shards = engine.beginStep();
  for (const s of shardsOf(shards, k, 0)) {
    const part = engine.computeShard(s); // first: it may grow wasm memory, which detaches older views
    writeShard(x, s, gradientsView(engine), part);
  }
  count(ctrl, Ctrl.DONE);
  let from = x;
  if (!waitAtLeast(ctrl, Ctrl.DONE, k * gen, stalled(ctrl, Ctrl.DONE))) {
    disband(failure(ctrl, 'during a step'));
    // Members may still be writing the shared slots: every shard again, into memory of our own.
    from = { slots: new Float32Array(shards * x.params), results: new Float64Array(2 * shards), params: x.params };
    for (let s = 0; s < shards; s += 1) {
      const part = engine.computeShard(s);
      writeShard(from, s, gradientsView(engine), part);
    }
  }
  addAllShards(from, engine, shards, () => gradientsView(engine));
  return engine.finishStep();
}

/**
 * For the tests: makes worker number `worker` (1 is this one, 2 the first member) fail at its next
 * shard, or (`atSync`) stay silent when the next copy of the network reaches it.
 */
export function injectFault(worker, atSync = false) {
  if (atSync) team.silentAtSync = worker;
  else if (team.x) Atomics.store(team.x.ctrl, Ctrl.FAULT, worker);
}
