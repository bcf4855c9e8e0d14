//! [`SqliteJobQueue`]: the job queue port as a table of jobs with leases.
//!
//! A job is visible when `visible_at <= now`; receiving it pushes `visible_at` to the end of
//! the lease and counts the receive. Leases use the system clock, shared by every process on
//! the file. A receipt is `<id>.<receive_count>`: it names one lease of one job, so a worker
//! whose lease expired cannot ack or delay the job another worker has received since.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Transaction, params};
use sesame_core::StoreError;
use sesame_core::ports::{JobQueue, Leased};
use tokio::time::Instant;

use crate::SqliteStore;
use crate::codec::bound;

/// How often a waiting `receive` looks again when nothing in this process wakes it (jobs
/// enqueued by another process, delays running out).
const POLL: Duration = Duration::from_millis(50);

/// Receives after which a job is moved to `dead_jobs` instead of being handed out again.
pub const DEFAULT_MAX_RECEIVES: u32 = 10;

/// A job queue in a SQLite database. Cheap to clone; build it with [`SqliteStore::job_queue`].
#[derive(Debug, Clone)]
pub struct SqliteJobQueue {
    store: SqliteStore,
    max_receives: u32,
}

fn now_millis() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

fn later(delay: Duration) -> i64 {
    now_millis().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))
}

fn parse_receipt(receipt: &str) -> Option<(i64, u32)> {
    let (id, count) = receipt.split_once('.')?;
    Some((id.parse().ok()?, count.parse().ok()?))
}

impl SqliteJobQueue {
    pub(crate) fn new(store: SqliteStore) -> Self {
        Self {
            store,
            max_receives: DEFAULT_MAX_RECEIVES,
        }
    }

    /// Moves a job to the dead-letter table once it has been received `max` times (at least 1)
    /// without being acked, instead of handing it out again.
    pub fn with_max_receives(mut self, max: u32) -> Self {
        self.max_receives = max.max(1);
        self
    }

    /// Jobs moved to the dead-letter table so far.
    pub async fn dead_letter_count(&self) -> Result<u64, StoreError> {
        self.store
            .read(|tx| tx.query_row("SELECT count(*) FROM dead_jobs", [], |row| row.get(0)))
            .await
    }

    /// Leases up to `max` visible jobs in one transaction. Candidates that used up their
    /// receives are dead-lettered first (in the same transaction) rather than returned.
    async fn take(&self, max: usize, lease: Duration) -> Result<Vec<Leased>, StoreError> {
        let max_receives = self.max_receives;
        self.store
            .write(move |tx| take(tx, bound(max as u64), lease, max_receives))
            .await
    }
}

fn take(
    tx: &Transaction<'_>,
    max: i64,
    lease: Duration,
    max_receives: u32,
) -> rusqlite::Result<Vec<Leased>> {
    let now = now_millis();
    const CANDIDATES: &str =
        "SELECT id FROM jobs WHERE visible_at <= ?1 ORDER BY visible_at, id LIMIT ?2";
    let exhausted = format!("id IN ({CANDIDATES}) AND receive_count >= ?3");
    let dead = tx
        .prepare_cached(&format!(
            "INSERT INTO dead_jobs (id, body, receive_count, enqueued_at, died_at)
             SELECT id, body, receive_count, enqueued_at, ?1 FROM jobs WHERE {exhausted}"
        ))?
        .execute(params![now, max, max_receives])?;
    if dead > 0 {
        tracing::warn!(
            jobs = dead,
            max_receives,
            "jobs moved to the dead-letter table"
        );
        tx.prepare_cached(&format!("DELETE FROM jobs WHERE {exhausted}"))?
            .execute(params![now, max, max_receives])?;
    }
    tx.prepare_cached(
        "UPDATE jobs SET visible_at = ?4, receive_count = receive_count + 1
         WHERE id IN (SELECT id FROM jobs WHERE visible_at <= ?1 AND receive_count < ?3 ORDER BY visible_at, id LIMIT ?2)
         RETURNING id, body, receive_count",
    )?
    .query_map(params![now, max, max_receives, later(lease)], |row| {
        let (id, body, receive_count): (i64, String, u32) = (row.get(0)?, row.get(1)?, row.get(2)?);
        Ok(Leased { receipt: format!("{id}.{receive_count}"), body, receive_count })
    })?
    .collect()
}

impl JobQueue for SqliteJobQueue {
    async fn enqueue(&self, bodies: &[String], delay: Duration) -> Result<(), StoreError> {
        if bodies.is_empty() {
            return Ok(());
        }
        let bodies = bodies.to_vec();
        self.store
            .write(move |tx| {
                let (now, visible_at) = (now_millis(), later(delay));
                let mut insert = tx.prepare_cached(
                    "INSERT INTO jobs (body, visible_at, enqueued_at) VALUES (?1, ?2, ?3)",
                )?;
                for body in &bodies {
                    insert.execute(params![body, visible_at, now])?;
                }
                Ok(())
            })
            .await?;
        self.store.jobs_changed().notify_waiters();
        Ok(())
    }

    async fn receive(
        &self,
        max: usize,
        lease: Duration,
        wait: Duration,
    ) -> Result<Vec<Leased>, StoreError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let deadline = Instant::now() + wait;
        loop {
            // Registered before looking, so an enqueue between the look and the wait still wakes us.
            let changed = self.store.jobs_changed().notified();
            let jobs = self.take(max, lease).await?;
            let now = Instant::now();
            if !jobs.is_empty() || now >= deadline {
                return Ok(jobs);
            }
            tokio::select! {
                _ = changed => {}
                _ = tokio::time::sleep_until(deadline.min(now + POLL)) => {}
            }
        }
    }

    async fn ack(&self, receipt: &str) -> Result<(), StoreError> {
        let Some((id, count)) = parse_receipt(receipt) else {
            tracing::warn!(receipt, "ack with a malformed receipt ignored");
            return Ok(());
        };
        self.store
            .write(move |tx| {
                tx.prepare_cached("DELETE FROM jobs WHERE id = ?1 AND receive_count = ?2")?
                    .execute(params![id, count])?;
                Ok(())
            })
            .await
    }

    async fn retry_later(&self, receipt: &str, delay: Duration) -> Result<(), StoreError> {
        let Some((id, count)) = parse_receipt(receipt) else {
            tracing::warn!(receipt, "retry with a malformed receipt ignored");
            return Ok(());
        };
        self.store
            .write(move |tx| {
                tx.prepare_cached(
                    "UPDATE jobs SET visible_at = ?3 WHERE id = ?1 AND receive_count = ?2",
                )?
                .execute(params![id, count, later(delay)])?;
                Ok(())
            })
            .await?;
        self.store.jobs_changed().notify_waiters();
        Ok(())
    }
}
