//! The job queue port: at-least-once delivery of work with a visibility timeout.

use std::future::Future;
use std::time::Duration;

use crate::error::StoreError;

/// A job taken from the queue; invisible to other consumers until its lease expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leased {
    /// Opaque handle for [`JobQueue::ack`] and [`JobQueue::retry_later`].
    pub receipt: String,
    /// The payload exactly as enqueued (parsed by the consumer, so one bad body fails alone).
    pub body: String,
    /// How many times this job has been received, this time included.
    pub receive_count: u32,
}

/// An at-least-once queue. A job that is neither acked nor retried reappears when its lease
/// expires, so a crashed consumer loses nothing; consumers must therefore be idempotent.
pub trait JobQueue: Send + Sync + 'static {
    /// Enqueues bodies, each visible after `delay`. All or nothing is not promised across
    /// bodies; an error means some may have been enqueued (consumers are idempotent).
    fn enqueue(
        &self,
        bodies: &[String],
        delay: Duration,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Takes up to `max` visible jobs, leasing each for `lease`. May wait up to `wait` for work.
    fn receive(
        &self,
        max: usize,
        lease: Duration,
        wait: Duration,
    ) -> impl Future<Output = Result<Vec<Leased>, StoreError>> + Send;
    /// Removes a finished job. Acking an already-removed job is not an error.
    fn ack(&self, receipt: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Makes a leased job visible again after `delay` (retry with backoff).
    fn retry_later(
        &self,
        receipt: &str,
        delay: Duration,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The resolution of leases and delays: the queue rounds them up to a multiple of this.
    fn delay_granularity(&self) -> Duration {
        Duration::ZERO
    }
}
