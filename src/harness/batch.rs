//! Batches: a fixed index range of one root table with its child rows.
//! Batch `k` of a root table is always rows `k·B .. (k+1)·B`, whatever the
//! worker count, so a batch recorded as committed means the same rows on
//! every run (ARCHITECTURE.md § Exactly-once resume).

use crate::target::Rows;

/// One unit of loading, committed in one transaction with its progress row.
#[derive(Debug)]
pub struct Batch {
    /// Index of the root table (in the profile) driving this batch.
    pub root: usize,
    /// Batch number within the root table: rows `index·B .. (index+1)·B`.
    pub index: u64,
    /// The root table's rows, then each child table's, in load order.
    pub tables: Vec<Rows>,
}

impl Batch {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.len() as u64).sum()
    }
}
