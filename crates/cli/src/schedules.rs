//! The scheduler loop of `sesame serve`: takes due schedules from the store (one-time and
//! recurring batch tasks) and runs each fired payload through core, as EventBridge Scheduler
//! and the scheduler function do on AWS.
//!
//! `take_due` advances a schedule in the same transaction that takes it, so a fire is taken
//! once even if several processes share the database; the fire is therefore at most once: if
//! running it fails, it is logged, and the periodic task tick still finds the due work.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tracing::Instrument;

use sesame_core::app::FiredReport;
use sesame_core::ports::{Clock, DueSchedules};

use crate::wiring::LocalSesame;

/// How often the store is asked for due schedules (the resolution of local schedules).
const POLL: Duration = Duration::from_secs(1);
/// Fires taken per round; more wait for the next round (a second later).
const BATCH: usize = 16;

/// Runs until `shutdown` turns true.
pub async fn run(app: Arc<LocalSesame>, mut shutdown: watch::Receiver<bool>) {
    loop {
        match app.schedules.take_due(app.clock.now(), BATCH).await {
            Ok(fired) => {
                for fire in fired {
                    let span = tracing::info_span!("schedule", name = %fire.name, at = %fire.at);
                    run_one(&app, &fire.payload).instrument(span).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "taking due schedules failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = shutdown.changed() => return,
        }
    }
}

async fn run_one(app: &LocalSesame, payload: &str) {
    match app.run_fired(payload).await {
        Ok(FiredReport::Task(report)) => tracing::info!(
            started = report.started,
            expanded = report.expanded,
            "schedule fired"
        ),
        // Already logged, with the reason, by core.
        Ok(FiredReport::Dropped(_)) => {}
        Err(e) => tracing::warn!(error = %e, "running a fired schedule failed"),
    }
}
