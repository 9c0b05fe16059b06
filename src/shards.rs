//! How a training batch is split into shards for data-parallel training.
//!
//! Each shard's gradient is computed on its own, from zero, and the shards' gradients are added
//! in shard order. The split depends only on the batch size, never on how many workers share the
//! shards, so one worker and eight workers do the same additions in the same order and get the
//! same bits.

use std::ops::Range;

/// The fewest examples a shard gets: below about this, a shard's matrix products get too thin
/// for the SIMD tiles and the per-shard overhead shows.
pub const MIN_SHARD: usize = 8;

/// Shard counts a batch may be split into: numbers that 2, 3 and 4 workers share evenly where
/// possible (2 workers get 2 or 4 shards each of 4 or 8, not 2 against 1 of 3).
const COUNTS: [usize; 9] = [1, 2, 4, 6, 8, 12, 16, 24, 32];

/// The most workers one run can use: there is no work for more.
pub const MAX_SHARDS: usize = COUNTS[COUNTS.len() - 1];

/// How many shards a batch of `batch` examples is split into: the largest of `COUNTS` that
/// leaves every shard at least `MIN_SHARD` examples (1 for a small batch).
pub fn shard_count(batch: usize) -> usize {
    COUNTS.iter().copied().filter(|&k| k * MIN_SHARD <= batch).max().unwrap_or(1)
}

/// The examples of shard `s` of `shards`, within a batch of `batch`: consecutive ranges whose
/// sizes differ by at most one (the first `batch % shards` shards have the extra example).
pub fn shard_range(batch: usize, shards: usize, s: usize) -> Range<usize> {
    debug_assert!(s < shards);
    let base = batch / shards;
    let extra = batch % shards;
    let start = s * base + s.min(extra);
    let len = base + usize::from(s < extra);
    start..start + len
}

/// Which shards worker `w` of `workers` computes: every `workers`-th, starting at `w`.
pub fn shards_of_worker(shards: usize, workers: usize, w: usize) -> impl Iterator<Item = usize> {
    (w..shards).step_by(workers.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_batch_size_only() {
        assert_eq!(shard_count(1), 1);
        assert_eq!(shard_count(15), 1);
        assert_eq!(shard_count(16), 2);
        assert_eq!(shard_count(20), 2);
        assert_eq!(shard_count(32), 4);
        assert_eq!(shard_count(47), 4);
        assert_eq!(shard_count(48), 6);
        assert_eq!(shard_count(64), 8);
        assert_eq!(shard_count(4096), MAX_SHARDS);
    }

    #[test]
    fn ranges_cover_the_batch_once_in_order() {
        for batch in 1..300 {
            let shards = shard_count(batch);
            let mut next = 0;
            for s in 0..shards {
                let r = shard_range(batch, shards, s);
                assert_eq!(r.start, next);
                assert!(r.len() >= MIN_SHARD.min(batch));
                next = r.end;
            }
            assert_eq!(next, batch);
        }
    }

    #[test]
    fn every_shard_has_exactly_one_worker() {
        for workers in 1..10 {
            let mut seen = [0; 12];
            for w in 0..workers {
                for s in shards_of_worker(12, workers, w) {
                    seen[s] += 1;
                }
            }
            assert_eq!(seen, [1; 12]);
        }
    }
}
