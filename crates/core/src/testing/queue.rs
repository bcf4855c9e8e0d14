//! An in-memory job queue with leases, on tokio's clock (so `tokio::time::pause` applies).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::lock;
use crate::error::StoreError;
use crate::ports::{JobQueue, Leased};

#[derive(Debug)]
struct Job {
    body: String,
    visible_at: Instant,
    receive_count: u32,
}

#[derive(Debug, Default)]
struct State {
    /// By id: ids grow, so iteration order is enqueue order.
    jobs: BTreeMap<u64, Job>,
    next_id: u64,
}

/// A job queue in memory. Receipts are `<id>:<receive_count>`, so a receipt from an expired
/// lease cannot ack or retry the job once it was received again. Clones share the queue.
#[derive(Debug, Clone, Default)]
pub struct InMemoryJobQueue {
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
}

impl InMemoryJobQueue {
    /// Jobs in the queue, leased or not.
    pub fn len(&self) -> usize {
        lock(&self.state).jobs.len()
    }

    /// Whether the queue holds no job at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bodies of every job in the queue, leased or not, in enqueue order.
    pub fn bodies(&self) -> Vec<String> {
        lock(&self.state)
            .jobs
            .values()
            .map(|j| j.body.clone())
            .collect()
    }

    fn take(&self, max: usize, lease: Duration) -> Vec<Leased> {
        let now = Instant::now();
        let mut state = lock(&self.state);
        let mut visible: Vec<(&u64, &mut Job)> = state
            .jobs
            .iter_mut()
            .filter(|(_, j)| j.visible_at <= now)
            .collect();
        visible.sort_by_key(|(id, j)| (j.visible_at, **id));
        visible
            .into_iter()
            .take(max)
            .map(|(id, job)| {
                job.visible_at = now + lease;
                job.receive_count += 1;
                Leased {
                    receipt: format!("{id}:{}", job.receive_count),
                    body: job.body.clone(),
                    receive_count: job.receive_count,
                }
            })
            .collect()
    }

    /// The job a receipt names, if the receipt is from its current lease.
    fn with_current<T>(
        &self,
        receipt: &str,
        f: impl FnOnce(&mut BTreeMap<u64, Job>, u64) -> T,
    ) -> Option<T> {
        let (id, count) = receipt.split_once(':')?;
        let (id, count) = (id.parse::<u64>().ok()?, count.parse::<u32>().ok()?);
        let mut state = lock(&self.state);
        let current = state
            .jobs
            .get(&id)
            .is_some_and(|j| j.receive_count == count);
        current.then(|| f(&mut state.jobs, id))
    }
}

impl JobQueue for InMemoryJobQueue {
    async fn enqueue(&self, bodies: &[String], delay: Duration) -> Result<(), StoreError> {
        let visible_at = Instant::now() + delay;
        {
            let mut state = lock(&self.state);
            for body in bodies {
                state.next_id += 1;
                let id = state.next_id;
                state.jobs.insert(
                    id,
                    Job {
                        body: body.clone(),
                        visible_at,
                        receive_count: 0,
                    },
                );
            }
        }
        self.arrived.notify_waiters();
        Ok(())
    }

    async fn receive(
        &self,
        max: usize,
        lease: Duration,
        wait: Duration,
    ) -> Result<Vec<Leased>, StoreError> {
        let deadline = Instant::now() + wait;
        loop {
            let arrived = self.arrived.notified();
            let jobs = self.take(max, lease);
            if !jobs.is_empty() || Instant::now() >= deadline {
                return Ok(jobs);
            }
            // Delayed jobs become visible without a notification, hence the short poll.
            let poll = deadline.min(Instant::now() + Duration::from_millis(20));
            tokio::select! {
                _ = arrived => {}
                _ = tokio::time::sleep_until(poll) => {}
            }
        }
    }

    async fn ack(&self, receipt: &str) -> Result<(), StoreError> {
        self.with_current(receipt, |jobs, id| jobs.remove(&id));
        Ok(())
    }

    async fn retry_later(&self, receipt: &str, delay: Duration) -> Result<(), StoreError> {
        let visible_at = Instant::now() + delay;
        self.with_current(receipt, |jobs, id| {
            if let Some(job) = jobs.get_mut(&id) {
                job.visible_at = visible_at;
            }
        });
        self.arrived.notify_waiters();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_receipt_from_an_expired_lease_cannot_ack_the_job() {
        let queue = InMemoryJobQueue::default();
        queue
            .enqueue(&["job".to_owned()], Duration::ZERO)
            .await
            .unwrap();
        let stale = queue
            .receive(1, Duration::ZERO, Duration::ZERO)
            .await
            .unwrap()
            .remove(0);
        let current = queue
            .receive(1, Duration::from_secs(30), Duration::ZERO)
            .await
            .unwrap()
            .remove(0);
        queue.ack(&stale.receipt).await.unwrap();
        assert_eq!(queue.bodies(), ["job"]);
        queue.ack(&current.receipt).await.unwrap();
        assert!(queue.is_empty());
    }
}
