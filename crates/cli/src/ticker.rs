//! The batch-task tick of `sesame serve`: every `every`, starts due task runs and expands
//! active ones (see `Sesame::tick`). When a tick stops at its chunk budget with work left, the
//! next one follows at once, so a large list expands at full speed while each tick stays
//! short. Several processes may tick the same database: every step is a compare-and-set.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::wiring::LocalSesame;

/// Runs until `shutdown` turns true.
pub async fn run(app: Arc<LocalSesame>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        let more = match app.tick().await {
            Ok(report) => {
                if report.started + report.expanded + report.paused + report.completed > 0 {
                    tracing::info!(
                        started = report.started,
                        expanded = report.expanded,
                        skipped = report.skipped,
                        rows_read = report.rows_read,
                        paused = report.paused,
                        completed = report.completed,
                        "task tick"
                    );
                }
                report.more
            }
            Err(e) => {
                tracing::warn!(error = %e, "task tick failed");
                false
            }
        };
        if *shutdown.borrow() {
            return;
        }
        if more {
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}
