//! Fired schedules: what a schedule's payload asks core to do, run by whichever loop took the
//! fire (the `sesame serve` scheduler loop, or the scheduler function EventBridge invoked).
//!
//! A payload is versioned JSON, `{"v":1,"kind":…}`. Known kinds are parsed strictly (unknown
//! fields refused); a payload this version cannot understand (another version, an unknown
//! kind, a malformed body) is logged and dropped: running it again cannot help, and a schedule
//! written by a newer Sesame must never run as something else.

use serde::Deserialize;
use serde_json::Value;

use super::tasks::TickReport;
use crate::Sesame;
use crate::error::SesError;
use crate::ports::Ports;

/// Payload version 1 (`v` is taken off before this is parsed).
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum FiredV1 {
    /// `{"v":1,"kind":"task","task_id":"123"}`: a timed or recurring batch task is due.
    Task {
        /// The task, as decimal text.
        #[allow(dead_code)]
        task_id: String,
    },
}

/// What running a fired payload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FiredReport {
    /// A task schedule fired: the task tick ran (it starts every due run, this one included).
    Task(TickReport),
    /// The payload was not understood; it was logged and nothing ran.
    Dropped(String),
}

/// Why a payload is dropped, or what it asks for.
fn parse(payload: &str) -> Result<FiredV1, String> {
    let Ok(Value::Object(mut fields)) = serde_json::from_str::<Value>(payload) else {
        return Err("the payload is not a JSON object".to_owned());
    };
    match fields.remove("v").and_then(|v| v.as_u64()) {
        Some(1) => serde_json::from_value(Value::Object(fields))
            .map_err(|e| format!("invalid version 1 payload: {e}")),
        Some(other) => Err(format!("payload version {other} is not supported")),
        None => Err("the payload has no numeric version `v`".to_owned()),
    }
}

impl<P: Ports> Sesame<P> {
    /// Runs what a fired schedule's payload asks for. A payload that is not understood is
    /// logged and dropped (`FiredReport::Dropped`), never an error; an error means the work
    /// failed on a store and may succeed later (the periodic tick catches up on due tasks).
    #[tracing::instrument(skip_all, err)]
    pub async fn run_fired(&self, payload: &str) -> Result<FiredReport, SesError> {
        match parse(payload) {
            Ok(FiredV1::Task { .. }) => Ok(FiredReport::Task(self.tick().await?)),
            Err(reason) => {
                tracing::error!(%reason, "fired schedule payload dropped");
                Ok(FiredReport::Dropped(reason))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    #[tokio::test]
    async fn a_task_payload_runs_the_task_tick() {
        let app = crate::testing::sesame(Settings::default());
        let report = app
            .run_fired(r#"{"v":1,"kind":"task","task_id":"42"}"#)
            .await
            .expect("run");
        assert_eq!(report, FiredReport::Task(TickReport::default()));
    }

    #[tokio::test]
    async fn payloads_not_understood_are_dropped_without_error() {
        let app = crate::testing::sesame(Settings::default());
        for payload in [
            r#"{"v":1,"kind":"launch_rockets"}"#,
            r#"{"v":1,"kind":"task","task_id":"1","extra":true}"#,
            r#"{"v":1,"kind":"task"}"#,
            r#"{"v":2,"kind":"task","task_id":"1"}"#,
            r#"{"kind":"task","task_id":"1"}"#,
            r#""task""#,
            "not json at all",
            "",
        ] {
            let report = app.run_fired(payload).await.expect("never an error");
            assert!(
                matches!(report, FiredReport::Dropped(_)),
                "{payload:?} gave {report:?}"
            );
        }
    }
}
