//! The schedules port: one-time and recurring triggers (timed and recurring batch tasks).
//!
//! A schedule fires its `payload` (a versioned scheduler trigger JSON, see the scheduler
//! function) at `first`, then, when recurring, every `every_hours` hours until `until`.
//! On AWS the schedules live in EventBridge Scheduler, which fires them by invoking the
//! scheduler function; locally they are stored rows that the `sesame serve` scheduler loop
//! takes through [`DueSchedules`], a port only local backends implement.
//!
//! Times are kept to whole seconds (EventBridge's precision); adapters drop any fraction.

use std::fmt;
use std::future::Future;
use std::num::NonZeroU32;

use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::types::IdError;

/// A schedule's unique name: 1–64 of `[A-Za-z0-9_.-]` (what EventBridge Scheduler accepts),
/// e.g. `task-123`. Unique installation-wide: callers put the account in it where it matters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScheduleName(String);

impl ScheduleName {
    /// Parses a schedule name.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(IdError)
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ScheduleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A one-time or recurring trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Unique name.
    pub name: ScheduleName,
    /// The first (for a one-time schedule, the only) fire time.
    pub first: DateTime<Utc>,
    /// `None`: fire once at `first`. `Some(n)`: fire at `first`, `first + n h`, `first + 2n h` …
    pub every_hours: Option<NonZeroU32>,
    /// A recurring schedule never fires after this instant (inclusive bound). Ignored for a
    /// one-time schedule.
    pub until: Option<DateTime<Utc>>,
    /// What the firing hands to the scheduler, verbatim (a versioned trigger JSON).
    pub payload: String,
}

/// A schedule fire taken by a local scheduler loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// The schedule that fired.
    pub name: ScheduleName,
    /// Its payload.
    pub payload: String,
    /// The scheduled instant this fire stands for (not the time it was taken).
    pub at: DateTime<Utc>,
}

/// Stored triggers: create, replace, read and delete.
pub trait Schedules: Send + Sync + 'static {
    /// Creates the schedule, or replaces the one with the same name (its next fire is then
    /// computed afresh from the new `first`). Idempotent.
    fn put(&self, schedule: &Schedule) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes a schedule. Returns false if there was none. Idempotent.
    fn delete(&self, name: &ScheduleName) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The schedule as last put, while it can still fire; `None` once deleted, or once a
    /// one-time (or ended recurring) schedule has fired for the last time.
    fn get(
        &self,
        name: &ScheduleName,
    ) -> impl Future<Output = Result<Option<Schedule>, StoreError>> + Send;
}

/// Local backends only: the scheduler loop's view of what is due. (On AWS, EventBridge
/// Scheduler fires schedules itself and no adapter implements this.)
pub trait DueSchedules: Schedules {
    /// Takes up to `limit` schedules whose next fire time is at or before `now`, earliest
    /// first, and in the same atomic step advances each: a one-time schedule (or a recurring
    /// one past its `until`) is removed, a recurring one moves to its first instant after
    /// `now`. So each fire is taken exactly once however many loops call this concurrently.
    /// Fires missed while nobody was taking (the server was down) are coalesced: a recurring
    /// schedule fires once, `at` its latest due instant, instead of once per missed interval.
    fn take_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Fired>, StoreError>> + Send;
}

/// The instant a recurring schedule fires after `now` (strictly), given its `first` fire and
/// period; `None` when that instant is past `until`. Shared by every local adapter so they
/// advance schedules identically.
pub fn next_after(
    first: DateTime<Utc>,
    every_hours: NonZeroU32,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let period = i64::from(every_hours.get()) * 3600;
    let next = if now < first {
        first
    } else {
        let periods = (now - first).num_seconds() / period + 1;
        first + chrono::Duration::seconds(periods * period)
    };
    match until {
        Some(until) if next > until => None,
        _ => Some(next),
    }
}

/// The latest fire instant at or before `now` of a schedule whose next fire was `due`
/// (`due <= now`): the instant a coalesced fire stands for.
pub fn latest_due(
    due: DateTime<Utc>,
    every_hours: Option<NonZeroU32>,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let Some(every) = every_hours else {
        return due;
    };
    let period = i64::from(every.get()) * 3600;
    let last = due + chrono::Duration::seconds((now - due).num_seconds() / period * period);
    match until {
        Some(until) if last > until => {
            let back = ((last - until).num_seconds() + period - 1) / period;
            last - chrono::Duration::seconds(back * period)
        }
        _ => last,
    }
}

/// Drops the sub-second part: schedules are kept to whole seconds.
pub fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

/// The first fire of a freshly put schedule, or `None` when it can never fire (a recurring
/// schedule whose `until` is before its `first`): such a put only removes the old schedule.
pub fn first_fire(schedule: &Schedule) -> Option<DateTime<Utc>> {
    let first = whole_seconds(schedule.first);
    match (schedule.every_hours, schedule.until) {
        (Some(_), Some(until)) if whole_seconds(until) < first => None,
        _ => Some(first),
    }
}
