//! One scheduler invocation: parse the trigger, run it.
//!
//! A payload that cannot be understood is logged as an error and the invocation succeeds:
//! retrying the same bytes cannot help, and the next tick comes within a minute anyway. A
//! store failure fails the invocation, so it shows in the function's error metric.

use std::time::Duration;

use serde_json::{Value, json};

use sesame_core::Sesame;
use sesame_core::app::FiredReport;
use sesame_core::ports::Ports;

use crate::trigger::{self, Trigger};

/// Task ticks one minute's invocation runs at most (each expands up to the configured chunk
/// budget; with the defaults, 10 × 50 × 1 000 recipients).
const MAX_TASK_TICKS: usize = 10;

/// Runs whatever `payload` asks for; returns a small summary for the invocation record.
pub async fn handle<P: Ports>(
    app: &Sesame<P>,
    stale_grace: Duration,
    payload: Value,
) -> Result<Value, lambda_runtime::Error> {
    let trigger = match trigger::parse(payload) {
        Ok(trigger) => trigger,
        Err(err) => {
            tracing::error!(error = %err, "scheduler payload refused");
            return Ok(json!({"refused": err.to_string()}));
        }
    };
    match trigger {
        Trigger::Tick => {
            let requeued = app.requeue_stale(stale_grace).await?;
            // Warm-up first, so the task tick below reserves against today's quotas.
            let rollover = app.roll_over_warmups().await?;
            // Batch tasks: start due runs and expand chunks, tick after tick while a tick
            // stops at its chunk budget with work left (bounded: the next minute continues).
            let mut started = 0;
            let mut expanded = 0;
            for _ in 0..MAX_TASK_TICKS {
                let report = app.tick().await?;
                started += report.started;
                expanded += report.expanded;
                if !report.more {
                    break;
                }
            }
            Ok(json!({
                "requeued": requeued,
                "warmup_days_judged": rollover.judged,
                "task_runs_started": started,
                "expanded": expanded,
            }))
        }
        Trigger::Fired(payload) => match app.run_fired(&payload).await? {
            FiredReport::Task(report) => Ok(json!({
                "task_runs_started": report.started,
                "expanded": report.expanded,
            })),
            FiredReport::Dropped(reason) => Ok(json!({"refused": reason})),
        },
        Trigger::Rollover => {
            let report = app.roll_over_warmups().await?;
            Ok(json!({"warmup_scopes": report.scopes, "warmup_days_judged": report.judged}))
        }
        Trigger::Recheck => {
            let report = app.recheck_identities().await?;
            Ok(json!({
                "checked": report.checked,
                "disabled": report.disabled,
                "enabled": report.enabled,
                "promoted": report.promoted,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sesame_core::app::{Content, SendCommand};
    use sesame_core::ports::JobQueue;
    use sesame_core::settings::Settings;
    use sesame_core::testing::TestPorts;
    use sesame_core::types::AccountId;

    use super::*;

    const GRACE: Duration = Duration::from_secs(120);

    fn app() -> Sesame<TestPorts> {
        sesame_core::testing::sesame(Settings::default())
    }

    fn fixture(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    /// A message accepted whose delivery job was then lost (received and dropped).
    async fn lost_delivery(app: &Sesame<TestPorts>) {
        let account = AccountId::parse("1000001").unwrap();
        app.create_identity(&account, "example.com", None, vec![])
            .await
            .unwrap();
        app.trust_identity(&account, "example.com").await.unwrap();
        app.create_sender(&account, "noreply@example.com", None)
            .await
            .unwrap();
        let command = SendCommand {
            from: "noreply@example.com".into(),
            destination: vec!["ann@example.org".into()],
            subject: "Hi".into(),
            content: Some(Content::Simple {
                html: None,
                text: Some("SGVsbG8=".into()),
            }),
            ..SendCommand::default()
        };
        app.send_email(&account, command).await.unwrap();
        for job in app
            .queue
            .receive(10, Duration::from_secs(3600), Duration::ZERO)
            .await
            .unwrap()
        {
            app.queue.ack(&job.receipt).await.unwrap();
        }
    }

    #[tokio::test]
    async fn the_minute_tick_requeues_deliveries_whose_jobs_were_lost() {
        let app = app();
        lost_delivery(&app).await;
        let event = fixture(include_str!("../events/eventbridge-scheduled-event.json"));

        let early = handle(&app, GRACE, event.clone()).await.unwrap();
        assert_eq!(
            early,
            json!({"requeued": 0, "warmup_days_judged": 0, "task_runs_started": 0, "expanded": 0})
        );

        app.clock.advance(chrono::Duration::minutes(5));
        let late = handle(&app, GRACE, event).await.unwrap();
        assert_eq!(
            late,
            json!({"requeued": 1, "warmup_days_judged": 0, "task_runs_started": 0, "expanded": 0})
        );
        assert_eq!(app.queue.len(), 1);
    }

    #[tokio::test]
    async fn a_scheduler_tick_input_runs_the_same_sweep() {
        let app = app();
        let input = fixture(include_str!("../events/scheduler-tick.json"));
        assert_eq!(
            handle(&app, GRACE, input).await.unwrap(),
            json!({"requeued": 0, "warmup_days_judged": 0, "task_runs_started": 0, "expanded": 0})
        );
    }

    #[tokio::test]
    async fn a_task_schedule_input_runs_the_task_tick() {
        let app = app();
        let input = fixture(include_str!("../events/scheduler-task.json"));
        let summary = handle(&app, GRACE, input).await.unwrap();
        assert_eq!(summary, json!({"task_runs_started": 0, "expanded": 0}));
    }

    #[tokio::test]
    async fn the_rollover_input_and_the_tick_judge_each_finished_quota_day_once() {
        let app = app();
        let account = AccountId::parse("acme").unwrap();
        let domain = sesame_core::types::Domain::parse("mail.example.com").unwrap();
        assert_eq!(
            app.reserve_batch(&account, &domain, 500)
                .await
                .unwrap()
                .granted,
            500
        );
        app.clock.advance(chrono::Duration::days(1));
        let input = fixture(include_str!("../events/scheduler-rollover.json"));
        let summary = handle(&app, GRACE, input.clone()).await.unwrap();
        assert_eq!(
            summary,
            json!({"warmup_scopes": 1, "warmup_days_judged": 1})
        );
        let again = handle(&app, GRACE, input).await.unwrap();
        assert_eq!(again, json!({"warmup_scopes": 1, "warmup_days_judged": 0}));
        app.clock.advance(chrono::Duration::days(1));
        let tick = fixture(include_str!("../events/scheduler-tick.json"));
        let summary = handle(&app, GRACE, tick).await.unwrap();
        assert_eq!(summary["warmup_days_judged"], 1, "{summary}");
        assert_eq!(
            app.reserve_batch(&account, &domain, 5_000)
                .await
                .unwrap()
                .granted,
            1_000
        );
    }

    #[tokio::test]
    async fn an_unknown_kind_is_refused_without_failing_the_invocation() {
        let app = app();
        let input = json!({"v": 1, "kind": "from_the_future", "x": 1});
        let summary = handle(&app, GRACE, input).await.unwrap();
        assert!(summary["refused"].is_string(), "{summary}");
        assert!(app.queue.is_empty());
    }

    #[tokio::test]
    async fn the_hourly_recheck_disables_a_domain_whose_records_are_gone() {
        let app = app();
        let account = AccountId::parse("acme").unwrap();
        let view = app
            .create_identity(&account, "mail.example.com", None, vec![])
            .await
            .unwrap();
        for record in &view.records {
            match record.record_type {
                "TXT" => app
                    .resolver
                    .set_txt(&record.host, &[record.expected.as_str()]),
                _ => app
                    .resolver
                    .set_mx(&record.host, &[(10, record.expected.as_str())]),
            }
        }
        let verified = app
            .update_identity(&account, "mail.example.com", None)
            .await
            .unwrap();
        assert!(verified.identity.verified);

        app.resolver.remove("mail.example.com");
        let input = fixture(include_str!("../events/scheduler-recheck.json"));
        let summary = handle(&app, GRACE, input).await.unwrap();
        assert_eq!(summary["checked"], 1);
        assert_eq!(summary["disabled"], 1);
        let after = app
            .get_identity(&account, "mail.example.com")
            .await
            .unwrap();
        assert!(!after.identity.verified);
    }
}
