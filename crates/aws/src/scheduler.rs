//! [`EventBridgeSchedules`]: the schedules port over EventBridge Scheduler.
//!
//! Each [`Schedule`] is one EventBridge schedule in Sesame's schedule group, targeting the
//! scheduler function (invoked through a role EventBridge assumes) with the payload as input:
//!
//! - one-time: `at(yyyy-mm-ddThh:mm:ss)` in UTC, deleted by EventBridge after it fired
//!   (`ActionAfterCompletion: DELETE`);
//! - recurring: `rate(N hours)` from `StartDate`, ending at `EndDate` when `until` is set
//!   (then also deleted after the last fire).
//!
//! EventBridge refuses a `StartDate` more than a few minutes in the past, and an `at()` in the
//! past would never fire, so a schedule whose time has passed is registered at its next
//! instant from now (one-time: a minute from now, so it still runs). The schedule as put is
//! kept in the description (`sesame:first=<epoch seconds>`), so `get` returns what was put.
//! Fires are taken by EventBridge itself; this adapter does not implement `DueSchedules`.

use std::num::NonZeroU32;

use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::error::ProvideErrorMetadata;
use aws_sdk_scheduler::primitives::DateTime as AwsDateTime;
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, FlexibleTimeWindow, FlexibleTimeWindowMode, Target,
};
use chrono::{DateTime, Duration, Utc};
use sesame_core::StoreError;
use sesame_core::ports::{
    Schedule, ScheduleName, Schedules, first_fire, next_after, whole_seconds,
};

use crate::error::{build_error, corrupt, sdk_error};

/// Where EventBridge schedules go and what they invoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleTarget {
    /// The schedule group holding Sesame's schedules (`default` works too).
    pub group: String,
    /// ARN of the scheduler function the schedules invoke.
    pub target_arn: String,
    /// ARN of the role EventBridge Scheduler assumes to invoke it.
    pub role_arn: String,
}

/// Schedules in EventBridge Scheduler. Cheap to clone (the SDK client is shared).
#[derive(Debug, Clone)]
pub struct EventBridgeSchedules {
    client: Client,
    group: String,
    /// Target and role ARNs; `None` in a function that only reads and deletes schedules.
    invoke: Option<(String, String)>,
}

const DESCRIPTION_PREFIX: &str = "sesame:first=";

/// Creates a schedule group unless it exists (tests and first-time setup; template.yaml
/// makes the deployed one).
pub async fn create_schedule_group(client: &Client, name: &str) -> Result<(), StoreError> {
    match client.create_schedule_group().name(name).send().await {
        Ok(_) => Ok(()),
        Err(err) if err.code() == Some("ConflictException") => Ok(()),
        Err(err) => Err(sdk_error("CreateScheduleGroup", err)),
    }
}

/// What one put sends, for both CreateSchedule and UpdateSchedule.
struct Spec {
    expression: String,
    start: Option<AwsDateTime>,
    end: Option<AwsDateTime>,
    after: ActionAfterCompletion,
    description: String,
}

fn aws_time(at: DateTime<Utc>) -> AwsDateTime {
    AwsDateTime::from_secs(at.timestamp())
}

fn chrono_time(at: &AwsDateTime) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(at.secs(), 0).ok_or_else(|| corrupt("schedule: date out of range"))
}

fn rate(every: NonZeroU32) -> String {
    match every.get() {
        1 => "rate(1 hour)".to_owned(),
        n => format!("rate({n} hours)"),
    }
}

/// The EventBridge form of a schedule that can still fire, given the time now.
fn spec(s: &Schedule, first: DateTime<Utc>, now: DateTime<Utc>) -> Option<Spec> {
    let description = format!("{DESCRIPTION_PREFIX}{}", first.timestamp());
    match s.every_hours {
        None => {
            let at = first.max(whole_seconds(now) + Duration::minutes(1));
            Some(Spec {
                expression: format!("at({})", at.format("%Y-%m-%dT%H:%M:%S")),
                start: None,
                end: None,
                after: ActionAfterCompletion::Delete,
                description,
            })
        }
        Some(every) => {
            let until = s.until.map(whole_seconds);
            let start = if first > now {
                first
            } else {
                next_after(first, every, until, now)?
            };
            Some(Spec {
                expression: rate(every),
                start: Some(aws_time(start)),
                end: until.map(aws_time),
                after: if until.is_some() {
                    ActionAfterCompletion::Delete
                } else {
                    ActionAfterCompletion::None
                },
                description,
            })
        }
    }
}

/// Reads a schedule back from GetSchedule's answer.
fn parse(
    name: &ScheduleName,
    expression: &str,
    description: Option<&str>,
    start: Option<&AwsDateTime>,
    end: Option<&AwsDateTime>,
    input: Option<&str>,
) -> Result<Schedule, StoreError> {
    let recorded_first = description
        .and_then(|d| d.strip_prefix(DESCRIPTION_PREFIX))
        .and_then(|secs| secs.parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0));
    let unknown = || {
        corrupt(format!(
            "schedule {name}: expression {expression:?} is not Sesame's"
        ))
    };
    let (first, every_hours) = if let Some(at) = expression
        .strip_prefix("at(")
        .and_then(|e| e.strip_suffix(')'))
    {
        let at = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S")
            .map_err(|_| unknown())?
            .and_utc();
        (recorded_first.unwrap_or(at), None)
    } else {
        let n = expression
            .strip_prefix("rate(")
            .and_then(|e| {
                e.strip_suffix(" hours)")
                    .or_else(|| e.strip_suffix(" hour)"))
            })
            .and_then(|n| n.parse::<u32>().ok())
            .and_then(NonZeroU32::new)
            .ok_or_else(unknown)?;
        let first = match (recorded_first, start) {
            (Some(first), _) => first,
            (None, Some(start)) => chrono_time(start)?,
            (None, None) => return Err(unknown()),
        };
        (first, Some(n))
    };
    Ok(Schedule {
        name: name.clone(),
        first,
        every_hours,
        until: match (every_hours, end) {
            (Some(_), Some(end)) => Some(chrono_time(end)?),
            _ => None,
        },
        payload: input.unwrap_or_default().to_owned(),
    })
}

/// Every setting of schedule `$s` (`Spec` `$spec`) on a CreateSchedule or UpdateSchedule
/// request, sent: the two take the same fields but are distinct SDK builder types.
macro_rules! with_settings {
    ($request:expr, $adapter:expr, $s:expr, $spec:expr) => {
        $request
            .name($s.name.as_str())
            .group_name(&$adapter.group)
            .schedule_expression(&$spec.expression)
            .schedule_expression_timezone("UTC")
            .set_start_date($spec.start)
            .set_end_date($spec.end)
            .description(&$spec.description)
            .flexible_time_window(Self::window()?)
            .action_after_completion($spec.after.clone())
            .target($adapter.target(&$s.payload)?)
            .send()
    };
}

impl EventBridgeSchedules {
    /// Schedules in `target.group`, invoking `target.target_arn` as `target.role_arn`. The
    /// client comes from `aws_config`, so `AWS_ENDPOINT_URL_SCHEDULER` etc. apply.
    pub fn new(client: Client, target: ScheduleTarget) -> Self {
        Self {
            client,
            group: target.group,
            invoke: Some((target.target_arn, target.role_arn)),
        }
    }

    /// Schedules of `group` for a function that knows no target to invoke (the scheduler
    /// function cannot name its own ARN without a template cycle): `get` and `delete` work;
    /// `put` fails with a non-retryable error naming the missing configuration.
    pub fn without_target(client: Client, group: impl Into<String>) -> Self {
        Self {
            client,
            group: group.into(),
            invoke: None,
        }
    }

    fn target(&self, payload: &str) -> Result<Target, StoreError> {
        let Some((target_arn, role_arn)) = &self.invoke else {
            tracing::error!(
                "creating a schedule needs SESAME_SCHEDULER_TARGET_ARN and SESAME_SCHEDULER_ROLE_ARN"
            );
            return Err(corrupt("no schedule target is configured in this function"));
        };
        Target::builder()
            .arn(target_arn)
            .role_arn(role_arn)
            .input(payload)
            .build()
            .map_err(|e| build_error("CreateSchedule", e))
    }

    fn window() -> Result<FlexibleTimeWindow, StoreError> {
        FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|e| build_error("CreateSchedule", e))
    }

    /// Creates the schedule; `Ok(false)` when one of that name exists.
    async fn create(&self, s: &Schedule, spec: &Spec) -> Result<bool, StoreError> {
        let request = self.client.create_schedule();
        let out = with_settings!(request, self, s, spec).await;
        match out {
            Ok(_) => Ok(true),
            Err(err) if err.code() == Some("ConflictException") => Ok(false),
            Err(err) => Err(sdk_error("CreateSchedule", err)),
        }
    }

    /// Replaces every setting of an existing schedule; `Ok(false)` when it is gone.
    async fn update(&self, s: &Schedule, spec: &Spec) -> Result<bool, StoreError> {
        let request = self.client.update_schedule();
        let out = with_settings!(request, self, s, spec).await;
        match out {
            Ok(_) => Ok(true),
            Err(err) if err.code() == Some("ResourceNotFoundException") => Ok(false),
            Err(err) => Err(sdk_error("UpdateSchedule", err)),
        }
    }
}

impl Schedules for EventBridgeSchedules {
    async fn put(&self, schedule: &Schedule) -> Result<(), StoreError> {
        // The adapter reads the system clock only to keep EventBridge from refusing (or never
        // firing) a time already past; what fires when is still decided by the schedule.
        let spec = first_fire(schedule).and_then(|first| spec(schedule, first, Utc::now()));
        let Some(spec) = spec else {
            self.delete(&schedule.name).await?;
            return Ok(());
        };
        // Create, or replace; a schedule deleted between the two calls (it fired) is created
        // again. Bounded: each lost race means another writer's call went through.
        for _ in 0..5 {
            if self.create(schedule, &spec).await? || self.update(schedule, &spec).await? {
                return Ok(());
            }
        }
        Err(StoreError::Unavailable(format!(
            "schedule {}: concurrent create and delete, retry later",
            schedule.name
        )))
    }

    async fn delete(&self, name: &ScheduleName) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_schedule()
            .name(name.as_str())
            .group_name(&self.group)
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(err) if err.code() == Some("ResourceNotFoundException") => Ok(false),
            Err(err) => Err(sdk_error("DeleteSchedule", err)),
        }
    }

    async fn get(&self, name: &ScheduleName) -> Result<Option<Schedule>, StoreError> {
        let out = self
            .client
            .get_schedule()
            .name(name.as_str())
            .group_name(&self.group)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(err) if err.code() == Some("ResourceNotFoundException") => return Ok(None),
            Err(err) => return Err(sdk_error("GetSchedule", err)),
        };
        let expression = out
            .schedule_expression()
            .ok_or_else(|| corrupt(format!("schedule {name}: no expression")))?;
        parse(
            name,
            expression,
            out.description(),
            out.start_date(),
            out.end_date(),
            out.target().and_then(Target::input),
        )
        .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn schedule(every: Option<u32>, until: Option<DateTime<Utc>>) -> Schedule {
        Schedule {
            name: ScheduleName::parse("task-1").unwrap(),
            first: t(10),
            every_hours: every.and_then(NonZeroU32::new),
            until,
            payload: "{}".to_owned(),
        }
    }

    #[test]
    fn a_future_one_time_schedule_is_an_at_expression_deleted_after_completion() {
        let s = schedule(None, None);
        let spec = spec(&s, t(10), t(0)).unwrap();
        assert_eq!(spec.expression, "at(2024-05-01T10:00:00)");
        assert_eq!(spec.after, ActionAfterCompletion::Delete);
        assert_eq!((spec.start, spec.end), (None, None));
    }

    #[test]
    fn a_past_one_time_schedule_fires_a_minute_from_now() {
        let spec = spec(&schedule(None, None), t(10), t(12)).unwrap();
        assert_eq!(spec.expression, "at(2024-05-01T12:01:00)");
        assert_eq!(
            spec.description,
            format!("sesame:first={}", t(10).timestamp())
        );
    }

    #[test]
    fn a_recurring_schedule_is_a_rate_from_its_next_instant() {
        let s = schedule(Some(1), None);
        let hourly = spec(&s, t(10), t(0)).unwrap();
        assert_eq!(hourly.expression, "rate(1 hour)");
        assert_eq!(hourly.start, Some(aws_time(t(10))));
        assert_eq!(hourly.after, ActionAfterCompletion::None);
        let s = schedule(Some(6), Some(t(40)));
        let late = spec(&s, t(10), t(17)).unwrap();
        assert_eq!(late.expression, "rate(6 hours)");
        assert_eq!(late.start, Some(aws_time(t(22))));
        assert_eq!(late.end, Some(aws_time(t(40))));
        assert_eq!(late.after, ActionAfterCompletion::Delete);
        assert!(spec(&s, t(10), t(41)).is_none(), "ended");
    }

    #[test]
    fn get_reads_back_what_was_put_even_when_registered_later() {
        let s = schedule(Some(6), Some(t(40)));
        let spec = spec(&s, t(10), t(17)).unwrap();
        let parsed = parse(
            &s.name,
            &spec.expression,
            Some(&spec.description),
            spec.start.as_ref(),
            spec.end.as_ref(),
            Some("{}"),
        )
        .unwrap();
        assert_eq!(parsed, s);
    }

    #[test]
    fn foreign_expressions_are_refused() {
        let name = ScheduleName::parse("x").unwrap();
        assert!(parse(&name, "cron(0 12 * * ? *)", None, None, None, None).is_err());
        assert!(parse(&name, "rate(5 minutes)", None, None, None, None).is_err());
    }
}
