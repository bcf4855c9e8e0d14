//! [`SqliteSchedules`]: stored one-time and recurring triggers for the `sesame serve`
//! scheduler loop. `take_due` reads and advances due rows in one immediate transaction, so a
//! fire is taken once even by several loops (processes) sharing the database.

use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};
use sesame_core::StoreError;
use sesame_core::ports::{
    DueSchedules, Fired, Schedule, ScheduleName, Schedules, first_fire, latest_due, next_after,
    whole_seconds,
};

use crate::SqliteStore;
use crate::codec::{bound, millis, opt_time, parsed, time};

/// The schedules' table (appended to the schema's migrations).
pub(crate) const MIGRATION: &str = "
CREATE TABLE schedules (
    name         TEXT PRIMARY KEY,
    first_at     INTEGER NOT NULL,
    every_hours  INTEGER,
    until_at     INTEGER,
    payload      TEXT NOT NULL,
    next_at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX schedules_by_next ON schedules (next_at, name);
";

/// Schedules in a SQLite database. Cheap to clone; build it with [`SqliteStore::schedules`].
#[derive(Debug, Clone)]
pub struct SqliteSchedules {
    store: SqliteStore,
}

impl SqliteStore {
    /// The schedules adapter over this store.
    pub fn schedules(&self) -> SqliteSchedules {
        SqliteSchedules {
            store: self.clone(),
        }
    }
}

const COLUMNS: &str = "name, first_at, every_hours, until_at, payload, next_at";

fn schedule_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(Schedule, DateTime<Utc>)> {
    let every: Option<u32> = row.get(2)?;
    let schedule = Schedule {
        name: parsed(row, 0, ScheduleName::parse)?,
        first: time(row, 1)?,
        every_hours: every.and_then(NonZeroU32::new),
        until: opt_time(row, 3)?,
        payload: row.get(4)?,
    };
    Ok((schedule, time(row, 5)?))
}

fn take_due(
    tx: &Transaction<'_>,
    now: DateTime<Utc>,
    limit: usize,
) -> rusqlite::Result<Vec<Fired>> {
    let due: Vec<(Schedule, DateTime<Utc>)> = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM schedules WHERE next_at <= ?1 ORDER BY next_at, name LIMIT ?2"
        ))?;
        stmt.query_map(params![millis(now), bound(limit as u64)], schedule_row)?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut fired = Vec::with_capacity(due.len());
    for (s, next) in due {
        let after = s
            .every_hours
            .and_then(|e| next_after(s.first, e, s.until, now));
        match after {
            Some(after) => tx.execute(
                "UPDATE schedules SET next_at = ?2 WHERE name = ?1",
                params![s.name.as_str(), millis(after)],
            )?,
            None => tx.execute(
                "DELETE FROM schedules WHERE name = ?1",
                params![s.name.as_str()],
            )?,
        };
        fired.push(Fired {
            at: latest_due(next, s.every_hours, s.until, now),
            name: s.name,
            payload: s.payload,
        });
    }
    Ok(fired)
}

impl Schedules for SqliteSchedules {
    async fn put(&self, schedule: &Schedule) -> Result<(), StoreError> {
        let s = schedule.clone();
        self.store
            .write(move |tx| {
                let Some(next) = first_fire(&s) else {
                    tx.execute("DELETE FROM schedules WHERE name = ?1", params![s.name.as_str()])?;
                    return Ok(());
                };
                tx.execute(
                    &format!(
                        "INSERT OR REPLACE INTO schedules ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                    ),
                    params![
                        s.name.as_str(),
                        millis(whole_seconds(s.first)),
                        s.every_hours.map(NonZeroU32::get),
                        s.until.map(|u| millis(whole_seconds(u))),
                        s.payload,
                        millis(next),
                    ],
                )?;
                Ok(())
            })
            .await
    }

    async fn delete(&self, name: &ScheduleName) -> Result<bool, StoreError> {
        let name = name.clone();
        self.store
            .write(move |tx| {
                let n = tx.execute(
                    "DELETE FROM schedules WHERE name = ?1",
                    params![name.as_str()],
                )?;
                Ok(n > 0)
            })
            .await
    }

    async fn get(&self, name: &ScheduleName) -> Result<Option<Schedule>, StoreError> {
        let name = name.clone();
        self.store
            .read(move |tx| {
                let mut stmt =
                    tx.prepare_cached(&format!("SELECT {COLUMNS} FROM schedules WHERE name = ?1"))?;
                let mut rows = stmt.query_map(params![name.as_str()], schedule_row)?;
                rows.next().transpose().map(|r| r.map(|(s, _)| s))
            })
            .await
    }
}

impl DueSchedules for SqliteSchedules {
    async fn take_due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Fired>, StoreError> {
        self.store.write(move |tx| take_due(tx, now, limit)).await
    }
}
