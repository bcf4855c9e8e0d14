//! What woke the scheduler, parsed from the two payloads that reach it:
//!
//! - an EventBridge rule event (`"detail-type": "Scheduled Event"`), as sent by the
//!   one-minute `Schedule` in template.yaml;
//! - an EventBridge Scheduler target input, which is our own versioned JSON:
//!   `{"v":1,"kind":"tick"}`, `{"v":1,"kind":"recheck"}` or `{"v":1,"kind":"rollover"}` for
//!   the function's own schedules;
//!   any other version 1 kind is a schedule core made (a batch task:
//!   `{"v":1,"kind":"task","task_id":…}`) and goes to core's `run_fired` as it is, which
//!   drops what it does not understand. Unknown versions and fields of the function's own
//!   kinds are refused rather than half-understood, so a schedule written by a newer Sesame
//!   never runs as something else.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde::Deserialize;
use serde_json::Value;

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The periodic tick: sweep lost deliveries (and, later, advance active tasks).
    Tick,
    /// The hourly DNS re-check of sender domains: disables a domain whose records disappeared
    /// and activates pending DKIM keys that were published.
    Recheck,
    /// The warm-up rollover alone: judge every scope's finished quota days (the tick does
    /// it too; this kind lets a schedule at local midnight do it at once).
    Rollover,
    /// A schedule core created (one-time or recurring batch task): its payload, verbatim.
    Fired(String),
}

/// Why a payload was refused.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// An EventBridge event this function does not handle.
    #[error("unexpected EventBridge event {event_source:?} / {detail_type:?}")]
    UnexpectedEvent {
        /// Event source.
        event_source: String,
        /// Event detail type.
        detail_type: String,
    },
    /// Neither an EventBridge event nor a JSON object with a numeric `v`.
    #[error("the input is not a versioned scheduler payload")]
    Unversioned,
    /// A `v` this version does not know.
    #[error("scheduler payload version {0} is not supported")]
    UnsupportedVersion(u64),
    /// A known version with an unknown kind or fields.
    #[error("invalid scheduler payload: {0}")]
    Invalid(serde_json::Error),
}

/// Scheduler target input, version 1 (`v` is taken off before this is parsed).
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum InputV1 {
    /// `{"v":1,"kind":"tick"}`. A struct variant, not a unit one, so that extra fields are
    /// refused like everywhere else.
    Tick {},
    /// `{"v":1,"kind":"recheck"}`.
    Recheck {},
    /// `{"v":1,"kind":"rollover"}`.
    Rollover {},
}

impl From<InputV1> for Trigger {
    fn from(input: InputV1) -> Self {
        match input {
            InputV1::Tick {} => Trigger::Tick,
            InputV1::Recheck {} => Trigger::Recheck,
            InputV1::Rollover {} => Trigger::Rollover,
        }
    }
}

/// Parses whatever invoked the function.
pub fn parse(payload: Value) -> Result<Trigger, TriggerError> {
    if payload.get("detail-type").is_some() {
        return parse_rule_event(payload);
    }
    let Value::Object(mut fields) = payload else {
        return Err(TriggerError::Unversioned);
    };
    let version = fields
        .remove("v")
        .and_then(|v| v.as_u64())
        .ok_or(TriggerError::Unversioned)?;
    if version != 1 {
        return Err(TriggerError::UnsupportedVersion(version));
    }
    match fields.get("kind").and_then(Value::as_str) {
        Some("tick" | "recheck" | "rollover") | None => {
            serde_json::from_value::<InputV1>(Value::Object(fields))
                .map(Trigger::from)
                .map_err(TriggerError::Invalid)
        }
        Some(_) => {
            fields.insert("v".to_owned(), Value::from(version));
            Ok(Trigger::Fired(Value::Object(fields).to_string()))
        }
    }
}

fn parse_rule_event(payload: Value) -> Result<Trigger, TriggerError> {
    let event: EventBridgeEvent = serde_json::from_value(payload).map_err(TriggerError::Invalid)?;
    if event.source == "aws.events" && event.detail_type == "Scheduled Event" {
        Ok(Trigger::Tick)
    } else {
        Err(TriggerError::UnexpectedEvent {
            event_source: event.source,
            detail_type: event.detail_type,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_scheduled_rule_event_is_a_tick() {
        let event = include_str!("../events/eventbridge-scheduled-event.json");
        assert_eq!(
            parse(serde_json::from_str(event).unwrap()).unwrap(),
            Trigger::Tick
        );
    }

    #[test]
    fn a_rollover_input_is_a_rollover_and_extra_fields_are_refused() {
        let input = include_str!("../events/scheduler-rollover.json");
        assert_eq!(
            parse(serde_json::from_str(input).unwrap()).unwrap(),
            Trigger::Rollover
        );
        assert!(matches!(
            parse(json!({"v": 1, "kind": "rollover", "day": "2026-01-01"})),
            Err(TriggerError::Invalid(_))
        ));
    }

    #[test]
    fn a_scheduler_tick_input_is_a_tick() {
        let input = include_str!("../events/scheduler-tick.json");
        assert_eq!(
            parse(serde_json::from_str(input).unwrap()).unwrap(),
            Trigger::Tick
        );
    }

    #[test]
    fn other_version_1_kinds_are_fired_schedules_passed_on_verbatim() {
        let task = include_str!("../events/scheduler-task.json");
        let Ok(Trigger::Fired(payload)) = parse(serde_json::from_str(task).unwrap()) else {
            panic!("a task input is a fired schedule");
        };
        assert_eq!(
            serde_json::from_str::<Value>(&payload).unwrap(),
            serde_json::from_str::<Value>(task).unwrap()
        );
        assert!(matches!(
            parse(json!({"v": 1, "kind": "from_the_future"})),
            Ok(Trigger::Fired(_))
        ));
    }

    #[test]
    fn unknown_fields_and_versions_of_the_functions_own_kinds_are_refused() {
        assert!(matches!(
            parse(json!({"v": 1, "kind": "tick", "extra": true})),
            Err(TriggerError::Invalid(_))
        ));
        assert!(matches!(
            parse(json!({"v": 1})),
            Err(TriggerError::Invalid(_))
        ));
        assert!(matches!(
            parse(json!({"v": 2, "kind": "tick"})),
            Err(TriggerError::UnsupportedVersion(2))
        ));
        assert!(matches!(
            parse(json!({"kind": "tick"})),
            Err(TriggerError::Unversioned)
        ));
        assert!(matches!(
            parse(json!("tick")),
            Err(TriggerError::Unversioned)
        ));
    }

    #[test]
    fn other_eventbridge_events_are_refused() {
        let event = json!({
            "version": "0", "id": "1", "detail-type": "EC2 Instance State-change Notification",
            "source": "aws.ec2", "account": "123456789012", "time": "2024-01-01T00:00:00Z",
            "region": "us-east-1", "resources": [], "detail": {}
        });
        assert!(matches!(
            parse(event),
            Err(TriggerError::UnexpectedEvent { .. })
        ));
    }
}
