//! Datasets: IDX files, u8 storage normalised on the fly, seeded splits, shuffling and batching.

pub mod dataset;
pub mod epochs;
pub mod idx;
pub mod synthetic;
