//! Statistics counters over SQLite: one row per (account, day, dims, counter name), bumped by
//! upserts in one transaction per `add`. SQLite serialises writers, so no sharding is needed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::params;
use sesame_core::StoreError;
use sesame_core::ports::{CounterKey, Counters};
use sesame_core::types::AccountId;

use super::SqliteRecords;
use super::quota::day_text;
use crate::codec::parsed;

/// The counters' table (appended to the schema's migrations).
pub(crate) const MIGRATION: &str = "
CREATE TABLE counters (
    account  TEXT NOT NULL,
    day      TEXT NOT NULL,
    dims     TEXT NOT NULL,
    name     TEXT NOT NULL,
    value    INTEGER NOT NULL,
    PRIMARY KEY (account, day, dims, name)
) WITHOUT ROWID;
";

type Row = (CounterKey, String, i64);

impl Counters for SqliteRecords {
    async fn add(&self, key: &CounterKey, deltas: &[(&str, i64)]) -> Result<(), StoreError> {
        if deltas.is_empty() {
            return Ok(());
        }
        let (account, day, dims) = (
            key.account.as_str().to_owned(),
            day_text(key.day),
            key.dims.clone(),
        );
        let deltas: Vec<(String, i64)> =
            deltas.iter().map(|(n, d)| ((*n).to_owned(), *d)).collect();
        self.store
            .write(move |tx| {
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO counters (account, day, dims, name, value) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (account, day, dims, name) DO UPDATE SET value = value + excluded.value",
                )?;
                for (name, delta) in &deltas {
                    upsert.execute(params![account, day, dims, name, delta])?;
                }
                Ok(())
            })
            .await
    }

    async fn read(
        &self,
        account: &AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(CounterKey, BTreeMap<String, i64>)>, StoreError> {
        let (raw_account, from, to) = (account.as_str().to_owned(), day_text(from), day_text(to));
        let rows: Vec<Row> = self
            .store
            .read(move |tx| {
                let mut stmt = tx.prepare_cached(
                    "SELECT account, day, dims, name, value FROM counters
                     WHERE account = ?1 AND day >= ?2 AND day <= ?3
                     ORDER BY day, dims, name",
                )?;
                let rows = stmt.query_map(params![raw_account, from, to], |row| {
                    let key = CounterKey {
                        account: parsed(row, 0, AccountId::parse)?,
                        day: parsed(row, 1, |s| NaiveDate::parse_from_str(s, "%Y-%m-%d"))?,
                        dims: row.get(2)?,
                    };
                    Ok((key, row.get(3)?, row.get(4)?))
                })?;
                rows.collect()
            })
            .await?;
        let mut out: Vec<(CounterKey, BTreeMap<String, i64>)> = Vec::new();
        for (key, name, value) in rows {
            match out.last_mut() {
                Some((last, counters)) if *last == key => {
                    counters.insert(name, value);
                }
                _ => out.push((key, BTreeMap::from([(name, value)]))),
            }
        }
        Ok(out)
    }
}
