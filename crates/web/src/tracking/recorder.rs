//! The background recorder: the edge hands verified hits to a bounded channel and answers at
//! once; one task drains the channel in batches into [`Sesame::record_hits`]. A full channel
//! (the store far behind) drops the hit and counts it, so the answer never waits on the store;
//! a store failure is retried (recording is idempotent by hit id) before a batch is given up.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sesame_core::Sesame;
use sesame_core::app::RawHit;
use sesame_core::ports::Ports;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Most hits recorded in one store call.
const BATCH: usize = 2048;
/// Attempts of one batch before it is given up (and counted as lost).
const ATTEMPTS: u32 = 6;

/// Counts of what the recorder did, for logs and the benchmark.
#[derive(Debug, Default)]
pub struct RecorderStats {
    /// Hits handed over by the edge.
    pub accepted: AtomicU64,
    /// Hits refused because the channel was full.
    pub dropped: AtomicU64,
    /// Hits whose batch the store refused after every attempt.
    pub failed: AtomicU64,
    /// Hits recorded (stored or ignored as not recordable).
    pub recorded: AtomicU64,
}

/// The edge's side of the recorder. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Recorder {
    tx: mpsc::Sender<RawHit>,
    stats: Arc<RecorderStats>,
}

impl Recorder {
    /// Starts the recording task with a channel of `capacity` hits. The task ends, after
    /// recording everything queued, once every clone of the returned `Recorder` is dropped.
    pub fn spawn<P: Ports>(app: Arc<Sesame<P>>, capacity: usize) -> (Self, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let stats = Arc::new(RecorderStats::default());
        let counts = Arc::clone(&stats);
        // Its own thread and runtime: classifying a batch of thousands of hits takes
        // milliseconds of CPU, which on a worker of the serving runtime would hold up every
        // connection queued behind it (the edge's p99). The OS shares the CPU instead.
        let task =
            tokio::task::spawn_blocking(
                move || match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime.block_on(drain(app, rx, counts)),
                    Err(e) => tracing::error!(error = %e, "tracking recorder runtime not started"),
                },
            );
        (Self { tx, stats }, task)
    }

    /// Hands a hit over without waiting. False when the channel is full or closed.
    pub fn submit(&self, hit: RawHit) -> bool {
        match self.tx.try_send(hit) {
            Ok(()) => {
                self.stats.accepted.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(_) => {
                let dropped = self.stats.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped.is_power_of_two() {
                    tracing::warn!(dropped, "tracking recorder full; hits dropped");
                }
                false
            }
        }
    }

    /// The counters.
    pub fn stats(&self) -> Arc<RecorderStats> {
        Arc::clone(&self.stats)
    }
}

async fn drain<P: Ports>(
    app: Arc<Sesame<P>>,
    mut rx: mpsc::Receiver<RawHit>,
    stats: Arc<RecorderStats>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let mut delay = Duration::from_millis(50);
        for attempt in 1..=ATTEMPTS {
            match app.record_hits(&batch).await {
                Ok(report) => {
                    tracing::debug!(
                        stored = report.stored,
                        events = report.events,
                        ignored = report.ignored,
                        "hits recorded"
                    );
                    stats
                        .recorded
                        .fetch_add(batch.len() as u64, Ordering::Relaxed);
                    break;
                }
                Err(e) if attempt < ATTEMPTS => {
                    tracing::warn!(error = %e, attempt, "recording hits failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(e) => {
                    tracing::error!(error = %e, hits = batch.len(), "recording hits failed; batch lost");
                    stats
                        .failed
                        .fetch_add(batch.len() as u64, Ordering::Relaxed);
                }
            }
        }
        batch.clear();
    }
    tracing::info!(
        recorded = stats.recorded.load(Ordering::Relaxed),
        dropped = stats.dropped.load(Ordering::Relaxed),
        failed = stats.failed.load(Ordering::Relaxed),
        "tracking recorder stopped"
    );
}
