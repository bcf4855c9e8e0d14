//! The delivery worker of `sesame serve`: takes jobs from the queue and runs the core
//! delivery use-case on each, up to `workers` at once. On shutdown it stops taking jobs and
//! lets in-flight ones finish; anything unfinished is returned by its lease expiring.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use sesame_core::app::DeliveryReport;
use sesame_core::ports::JobQueue;

use crate::wiring::LocalSesame;

/// How long a received job stays invisible to other receivers: longer than one attempt
/// (connect + send timeouts) so a slow send is not handed out twice.
const LEASE: Duration = Duration::from_secs(300);
/// Longest wait for work per receive call.
const POLL: Duration = Duration::from_millis(500);

/// Runs until `shutdown` turns true, then drains in-flight deliveries (bounded by `grace`).
pub async fn run(
    app: Arc<LocalSesame>,
    workers: usize,
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
) {
    let permits = Arc::new(Semaphore::new(workers));
    let mut inflight = JoinSet::new();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let free = permits.available_permits().clamp(1, 64);
        let permit_wait = permits.clone().acquire_many_owned(1);
        let first = tokio::select! {
            p = permit_wait => p.expect("semaphore is never closed"),
            _ = shutdown.changed() => break,
        };
        let jobs = tokio::select! {
            r = app.queue.receive(free, LEASE, POLL) => r,
            _ = shutdown.changed() => break,
        };
        let jobs = match jobs {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "receiving jobs failed");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let mut first = Some(first);
        for job in jobs {
            let permit = match first.take() {
                Some(p) => p,
                None => permits
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("semaphore is never closed"),
            };
            let app = app.clone();
            inflight.spawn(async move {
                let _permit = permit;
                let result = match app.deliver(&job.body).await {
                    DeliveryReport::Done | DeliveryReport::Malformed => {
                        app.queue.ack(&job.receipt).await
                    }
                    DeliveryReport::RetryAfter(delay) => {
                        app.queue.retry_later(&job.receipt, delay).await
                    }
                };
                if let Err(e) = result {
                    tracing::warn!(error = %e, "settling a job failed; its lease will return it");
                }
            });
        }
        while inflight.try_join_next().is_some() {}
    }
    tracing::info!(
        inflight = inflight.len(),
        "delivery worker stopping; finishing in-flight jobs"
    );
    if tokio::time::timeout(grace, async {
        while inflight.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        tracing::warn!(
            "in-flight deliveries did not finish in time; their leases will return them to the queue"
        );
        inflight.abort_all();
    }
}

/// Periodically enqueues deliveries whose jobs were lost (see `Sesame::requeue_stale`).
pub async fn sweep(app: Arc<LocalSesame>, mut shutdown: watch::Receiver<bool>) {
    let grace = app.settings.claim_window.max(Duration::from_secs(60));
    loop {
        if let Err(e) = app.requeue_stale(grace).await {
            tracing::warn!(error = %e, "stale sweep failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Periodically re-checks the DNS records of sender domains (see
/// `Sesame::recheck_identities`): a domain whose required records disappeared stops sending,
/// and published pending DKIM keys become active. The first run is one period after start.
pub async fn recheck(app: Arc<LocalSesame>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
        match app.recheck_identities().await {
            Ok(report) => tracing::info!(
                checked = report.checked,
                disabled = report.disabled,
                enabled = report.enabled,
                promoted = report.promoted,
                "dns re-check done"
            ),
            Err(e) => tracing::warn!(error = %e, "dns re-check failed"),
        }
    }
}
