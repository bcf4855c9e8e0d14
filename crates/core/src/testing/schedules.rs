//! In-memory schedules with the local scheduler loop's [`DueSchedules`] view.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::lock;
use crate::error::StoreError;
use crate::ports::{
    DueSchedules, Fired, Schedule, ScheduleName, Schedules, first_fire, latest_due, next_after,
    whole_seconds,
};

#[derive(Debug, Clone)]
struct Stored {
    schedule: Schedule,
    next: DateTime<Utc>,
}

/// Schedules in memory. Clones share the same schedules.
#[derive(Debug, Clone, Default)]
pub struct InMemorySchedules {
    state: Arc<Mutex<BTreeMap<ScheduleName, Stored>>>,
}

impl InMemorySchedules {
    /// Names of every stored schedule, in name order.
    pub fn names(&self) -> Vec<ScheduleName> {
        lock(&self.state).keys().cloned().collect()
    }
}

/// The schedule as stored: times cut to whole seconds.
fn normalised(schedule: &Schedule) -> Schedule {
    Schedule {
        first: whole_seconds(schedule.first),
        until: schedule.until.map(whole_seconds),
        ..schedule.clone()
    }
}

impl Schedules for InMemorySchedules {
    async fn put(&self, schedule: &Schedule) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        match first_fire(schedule) {
            Some(next) => {
                let schedule = normalised(schedule);
                state.insert(schedule.name.clone(), Stored { schedule, next });
            }
            None => {
                state.remove(&schedule.name);
            }
        }
        Ok(())
    }

    async fn delete(&self, name: &ScheduleName) -> Result<bool, StoreError> {
        Ok(lock(&self.state).remove(name).is_some())
    }

    async fn get(&self, name: &ScheduleName) -> Result<Option<Schedule>, StoreError> {
        Ok(lock(&self.state).get(name).map(|s| s.schedule.clone()))
    }
}

impl DueSchedules for InMemorySchedules {
    async fn take_due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Fired>, StoreError> {
        let mut state = lock(&self.state);
        let mut due: Vec<(DateTime<Utc>, ScheduleName)> = state
            .iter()
            .filter(|(_, s)| s.next <= now)
            .map(|(name, s)| (s.next, name.clone()))
            .collect();
        due.sort();
        due.truncate(limit);
        let mut fired = Vec::with_capacity(due.len());
        for (next, name) in due {
            let Some(stored) = state.get_mut(&name) else {
                continue;
            };
            let s = &stored.schedule;
            fired.push(Fired {
                name: name.clone(),
                payload: s.payload.clone(),
                at: latest_due(next, s.every_hours, s.until, now),
            });
            match s
                .every_hours
                .and_then(|e| next_after(s.first, e, s.until, now))
            {
                Some(after) => stored.next = after,
                None => {
                    state.remove(&name);
                }
            }
        }
        Ok(fired)
    }
}
