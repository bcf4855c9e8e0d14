//! The quota ledger over SQLite: one usage row per key (its scope text and day text, see
//! [`QuotaKey`]), changed only inside an immediate (write-locked) transaction, so the
//! read-check-write of `reserve` is atomic across every connection and process sharing the
//! file. Rows are never removed.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Transaction, params};
use sesame_core::StoreError;
use sesame_core::ports::{QuotaKey, QuotaLedger};

use super::SqliteRecords;
use crate::codec::bound;

/// The ledger's table (appended to the schema's migrations).
pub(crate) const MIGRATION: &str = "
CREATE TABLE quota_usage (
    scope  TEXT NOT NULL,
    day    TEXT NOT NULL,
    used   INTEGER NOT NULL,
    PRIMARY KEY (scope, day)
) WITHOUT ROWID;
";

/// A day as stored: `YYYY-MM-DD`, which sorts like the days (as [`QuotaKey::day_text`]).
pub(crate) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn used(tx: &Transaction<'_>, scope: &str, day: &str) -> rusqlite::Result<u64> {
    let used: Option<i64> = tx
        .query_row(
            "SELECT used FROM quota_usage WHERE scope = ?1 AND day = ?2",
            params![scope, day],
            |row| row.get(0),
        )
        .optional()?;
    Ok(used.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

fn set_used(tx: &Transaction<'_>, scope: &str, day: &str, used: u64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO quota_usage (scope, day, used) VALUES (?1, ?2, ?3)
         ON CONFLICT (scope, day) DO UPDATE SET used = excluded.used",
        params![scope, day, bound(used)],
    )?;
    Ok(())
}

impl QuotaLedger for SqliteRecords {
    async fn reserve(&self, key: &QuotaKey, want: u64, limit: u64) -> Result<u64, StoreError> {
        let (scope, day) = (key.scope.to_string(), key.day_text());
        // Usage is stored as a signed integer: a limit above i64::MAX is no tighter than it.
        let limit = limit.min(i64::MAX as u64);
        self.store
            .write(move |tx| {
                let used = used(tx, &scope, &day)?;
                let granted = want.min(limit.saturating_sub(used));
                if granted > 0 {
                    set_used(tx, &scope, &day, used + granted)?;
                }
                Ok(granted)
            })
            .await
    }

    async fn release(&self, key: &QuotaKey, n: u64) -> Result<(), StoreError> {
        let (scope, day) = (key.scope.to_string(), key.day_text());
        self.store
            .write(move |tx| {
                tx.execute(
                    "UPDATE quota_usage SET used = MAX(used - ?3, 0) WHERE scope = ?1 AND day = ?2",
                    params![scope, day, bound(n)],
                )?;
                Ok(())
            })
            .await
    }

    async fn usage(&self, key: &QuotaKey) -> Result<u64, StoreError> {
        let (scope, day) = (key.scope.to_string(), key.day_text());
        self.store.read(move |tx| used(tx, &scope, &day)).await
    }
}
