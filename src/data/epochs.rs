//! The order in which training visits the examples, batch by batch, epoch after epoch.

use crate::rng::Rng;

/// Hands out batches of example indices without allocating after construction.
///
/// Each epoch visits every index exactly once; the last batch of an epoch is partial when the
/// batch size does not divide `n` (batches never straddle two epochs). The first epoch starts in
/// stored order, shuffled when a shuffling rng is given; each later epoch starts lazily, on the
/// batch after the previous epoch's last, by shuffling the previous epoch's order again. The rng
/// is borrowed rather than owned because training draws augmentation offsets from the same
/// stream, so the order of draws is part of what a seed reproduces.
#[derive(Debug, Clone, Default)]
pub struct EpochOrder {
    order: Vec<usize>,
    /// Examples of the current epoch already handed out.
    position: usize,
}

impl EpochOrder {
    /// The first epoch over `0..n`.
    pub fn new(n: usize, shuffle: Option<&mut Rng>) -> EpochOrder {
        let mut order: Vec<usize> = (0..n).collect();
        if let Some(rng) = shuffle {
            rng.shuffle(&mut order);
        }
        EpochOrder { order, position: 0 }
    }

    /// An order saved part-way through an epoch; None unless `order` is a permutation of
    /// `0..order.len()` and `position` lies within it (the values come from a file).
    pub fn resume(order: Vec<usize>, position: usize) -> Option<EpochOrder> {
        let mut seen = vec![false; order.len()];
        for &i in &order {
            if i >= seen.len() || std::mem::replace(&mut seen[i], true) {
                return None;
            }
        }
        (position <= order.len()).then_some(EpochOrder { order, position })
    }

    /// This epoch's order of the examples, and how many of them were handed out.
    pub fn state(&self) -> (&[usize], usize) {
        (&self.order, self.position)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The next batch: up to `batch_size` indices (fewer only at the end of an epoch; none when
    /// there are no examples). `shuffle` reshuffles when this batch starts a new epoch.
    pub fn next_batch(&mut self, batch_size: usize, shuffle: Option<&mut Rng>) -> &[usize] {
        if self.position >= self.order.len() {
            self.position = 0;
            if let Some(rng) = shuffle {
                rng.shuffle(&mut self.order);
            }
        }
        let start = self.position;
        self.position = start.saturating_add(batch_size).min(self.order.len());
        &self.order[start..self.position]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 examples in batches of 4, three epochs: every epoch is 4 + 4 + 2 and holds each index once.
    fn three_epochs(shuffle: Option<u64>) -> Vec<Vec<usize>> {
        let mut rng = shuffle.map(Rng::new);
        let mut order = EpochOrder::new(10, rng.as_mut());
        let first = order.order.as_ptr();
        let mut epochs = Vec::new();
        for _ in 0..3 {
            let mut seen = Vec::new();
            let mut sizes = Vec::new();
            for _ in 0..3 {
                let batch = order.next_batch(4, rng.as_mut());
                sizes.push(batch.len());
                seen.extend_from_slice(batch);
            }
            assert_eq!(sizes, [4, 4, 2]);
            let mut sorted = seen.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..10).collect::<Vec<_>>());
            epochs.push(seen);
        }
        assert_eq!(order.order.as_ptr(), first, "no reallocation across epochs");
        epochs
    }

    #[test]
    fn stored_order_repeats_every_epoch() {
        for epoch in three_epochs(None) {
            assert_eq!(epoch, (0..10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn shuffled_epochs_differ_and_a_seed_repeats_them() {
        let epochs = three_epochs(Some(5));
        assert_ne!(epochs[0], epochs[1]);
        assert_ne!(epochs[1], epochs[2]);
        assert_eq!(three_epochs(Some(5)), epochs);
    }

    #[test]
    fn a_batch_larger_than_the_data_is_one_epoch() {
        let mut order = EpochOrder::new(3, None);
        assert_eq!(order.next_batch(8, None), &[0, 1, 2]);
        assert_eq!(order.next_batch(8, None), &[0, 1, 2]);
        assert!(EpochOrder::new(0, None).next_batch(8, None).is_empty());
    }
}
