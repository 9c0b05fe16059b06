//! The shared memory through which the workers of one run exchange their shards' gradients
//! (team.js leads, team-member.js follows), and the waits on it.
//!
//! A step: the leader bumps GEN; every worker begins the same step, computes its own shards
//! (shards.rs: shard s belongs to worker s mod k), writes each gradient into slot s and its
//! [lossSum, correct] into the results, and counts itself in DONE. Once DONE holds all k, every
//! worker adds all slots in shard order and updates its weights; the members count themselves in
//! APPLIED, which the leader waits for before the next step overwrites the slots.

/** Indices into the control words. */
export const Ctrl = Object.freeze({
  /** The leader's step count in this session; a member waits for it to move. */
  GEN: 0,
  /** What GEN's move asks for: Command. */
  CMD: 1,
  /** Workers (leader included) whose shards of the current step are written, summed over steps. */
  DONE: 2,
  /** Members that finished a step, summed over steps. */
  APPLIED: 3,
  /** 1 + the index of a member that failed, or 0. */
  FAIL: 4,
  /** The leader gave up on the step: a member waiting for the others returns to its messages. */
  ABORT: 5,
  /** For the tests: 1 + the index of a member that fails at its next shard, as if its engine trapped. */
  FAULT: 6,
  /** Per member m: the step (GEN) whose shards it last wrote, at MEMBER_DONE + m. */
  MEMBER_DONE: 7,
});

export const Command = Object.freeze({ STEP: 1, LEAVE: 2 });

/** The most workers one run uses (as many as a batch can have shards: shards.rs MAX_SHARDS). */
export const MAX_WORKERS = 32;

/** A member that makes no progress for this long is taken for dead and the run goes on without it. */
export const STALL_MS = 15000;

/** The shared buffers of one session: control words, results, and one gradient slot per shard. */
export function createExchange(shards, params) {
  return {
    ctrl: new Int32Array(new SharedArrayBuffer(4 * (Ctrl.MEMBER_DONE + MAX_WORKERS))),
    results: new Float64Array(new SharedArrayBuffer(8 * 2 * shards)),
    slots: new Float32Array(new SharedArrayBuffer(4 * shards * params)),
    params,
  };
}

/** Bytes the slots of `shards` gradients of `params` values take. */
export function exchangeBytes(shards, params) {
  return 4 * shards * params;
}

/** Which shards worker `w` of `k` computes (shards.rs `shards_of_worker`). */
export function* shardsOf(shards, k, w) {
  for (let s = w; s < shards; s += k) yield s;
}

/** Writes shard `s`'s gradient (`grads`, a view of wasm memory) and its [lossSum, correct]. */
export function writeShard(x, s, grads, part) {
  x.slots.set(grads, s * x.params);
  x.results[2 * s] = part[0];
  x.results[2 * s + 1] = part[1];
}

/** Adds every shard to `engine`'s step in shard order, through its gradient buffer. */
export function addAllShards(x, engine, shards, gradientsView) {
  for (let s = 0; s < shards; s += 1) {
    gradientsView().set(x.slots.subarray(s * x.params, (s + 1) * x.params));
    engine.addShard(s, x.results[2 * s], x.results[2 * s + 1]);
  }
}

/**
 * Blocks until control word `i` reaches `target`. Returns true when it did, false when `giveUp()`
 * says to stop waiting (checked whenever the word moves and at least every `checkMs`).
 */
export function waitAtLeast(ctrl, i, target, giveUp = () => false, checkMs = 1000) {
  for (;;) {
    const v = Atomics.load(ctrl, i);
    if (v >= target) return true;
    if (giveUp()) return false;
    Atomics.wait(ctrl, i, v, checkMs);
  }
}

/** Moves control word `i` up by one and wakes whoever waits on it. */
export function count(ctrl, i) {
  Atomics.add(ctrl, i, 1);
  Atomics.notify(ctrl, i);
}
