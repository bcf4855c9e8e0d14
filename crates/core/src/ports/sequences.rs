//! The sequences port: installation-wide counters that number templates, receiver lists,
//! tasks and blocklist uploads.

use std::future::Future;

use crate::error::StoreError;

/// Named installation-wide sequences.
pub trait Sequences: Send + Sync + 'static {
    /// A fresh value of the named sequence (1, 2, 3, …). Never repeats, even under concurrent
    /// callers in several processes.
    fn next(&self, name: &str) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
