//! Complaints and event marks (the feedback port).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use sesame_core::StoreError;
use sesame_core::ports::{Complaint, ComplaintQuery, CounterKey, Feedback};
use sesame_core::types::{AccountId, EmailAddress, MessageId};

use super::SqliteRecords;
use super::quota::day_text;
use crate::codec::{bound, json, millis, to_json};

/// Schema of the feedback tables (appended to the migrations in `schema.rs`).
pub(crate) const MIGRATION: &str = "
CREATE TABLE complaints (
    account      TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    complained_at INTEGER NOT NULL,
    body         BLOB NOT NULL,
    PRIMARY KEY (account, message_id, recipient)
) WITHOUT ROWID;
CREATE INDEX complaints_by_time ON complaints (account, complained_at);
CREATE TABLE event_marks (
    account    TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    keep_until INTEGER NOT NULL,
    PRIMARY KEY (account, event_id)
) WITHOUT ROWID;
";

/// The mark and the counter upserts in one transaction: both or neither. The upsert is the
/// counters adapter's (`records/counters.rs`), on its table.
fn count_once(
    tx: &Transaction<'_>,
    account: &AccountId,
    event_id: &str,
    keep_until: DateTime<Utc>,
    key: &CounterKey,
    deltas: &[(String, i64)],
) -> rusqlite::Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO event_marks (account, event_id, keep_until) VALUES (?1, ?2, ?3)
             ON CONFLICT (account, event_id) DO NOTHING",
        )?
        .execute(params![account.as_str(), event_id, millis(keep_until)])?;
    if n == 0 {
        return Ok(false);
    }
    let mut upsert = tx.prepare_cached(
        "INSERT INTO counters (account, day, dims, name, value) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account, day, dims, name) DO UPDATE SET value = value + excluded.value",
    )?;
    let day = day_text(key.day);
    for (name, delta) in deltas {
        upsert.execute(params![key.account.as_str(), day, key.dims, name, delta])?;
    }
    Ok(true)
}

fn put_complaint(tx: &Transaction<'_>, c: &Complaint) -> rusqlite::Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO complaints (account, message_id, recipient, complained_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            c.account.as_str(),
            c.message_id.as_str(),
            c.recipient.as_str().to_ascii_lowercase(),
            millis(c.complained_at),
            to_json(c)?,
        ])?;
    Ok(n == 1)
}

fn list_complaints(
    tx: &Transaction<'_>,
    q: &ComplaintQuery,
) -> rusqlite::Result<(Vec<Complaint>, u64)> {
    let window = params![q.account.as_str(), millis(q.from), millis(q.until)];
    let total: i64 = tx
        .prepare_cached(
            "SELECT COUNT(*) FROM complaints
             WHERE account = ?1 AND complained_at >= ?2 AND complained_at < ?3",
        )?
        .query_row(window, |row| row.get(0))?;
    let rows = tx
        .prepare_cached(
            "SELECT body FROM complaints
             WHERE account = ?1 AND complained_at >= ?2 AND complained_at < ?3
             ORDER BY complained_at, message_id, recipient LIMIT ?4 OFFSET ?5",
        )?
        .query_map(
            params![
                q.account.as_str(),
                millis(q.from),
                millis(q.until),
                bound(q.limit),
                bound(q.offset)
            ],
            |row| json::<Complaint>(row, 0),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, total as u64))
}

fn complained(
    tx: &Transaction<'_>,
    account: &AccountId,
    message_id: &MessageId,
    recipient: &EmailAddress,
) -> rusqlite::Result<bool> {
    Ok(tx
        .prepare_cached(
            "SELECT 1 FROM complaints WHERE account = ?1 AND message_id = ?2 AND recipient = ?3",
        )?
        .query_row(
            params![
                account.as_str(),
                message_id.as_str(),
                recipient.as_str().to_ascii_lowercase()
            ],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn record_late_bounce(
    tx: &Transaction<'_>,
    key: (&AccountId, &MessageId, &EmailAddress),
    text: &str,
    at: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    use sesame_core::model::DeliverStatus::{Dropped, Rejected};
    let n = tx
        .prepare_cached(
            "UPDATE deliveries SET deliver_status = ?4, deliver_message = ?5, deliver_time = ?6,
                    claimed_until = NULL, pending = 0
             WHERE account = ?1 AND message_id = ?2 AND recipient = ?3
               AND deliver_status NOT IN (?4, ?7)",
        )?
        .execute(params![
            key.0.as_str(),
            key.1.as_str(),
            key.2.as_str(),
            Rejected.code(),
            text,
            millis(at),
            Dropped.code()
        ])?;
    Ok(n == 1)
}

impl Feedback for SqliteRecords {
    async fn record_late_bounce(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        deliver_message: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (a, m, r) = (account.clone(), message_id.clone(), recipient.clone());
        let text = deliver_message.to_owned();
        self.store
            .write(move |tx| record_late_bounce(tx, (&a, &m, &r), &text, at))
            .await
    }

    async fn count_once(
        &self,
        account: &AccountId,
        event_id: &str,
        keep_until: DateTime<Utc>,
        key: &CounterKey,
        deltas: &[(&str, i64)],
    ) -> Result<bool, StoreError> {
        let (account, event_id, key) = (account.clone(), event_id.to_owned(), key.clone());
        let deltas: Vec<(String, i64)> =
            deltas.iter().map(|(n, d)| ((*n).to_owned(), *d)).collect();
        self.store
            .write(move |tx| count_once(tx, &account, &event_id, keep_until, &key, &deltas))
            .await
    }

    async fn put_complaint(&self, complaint: &Complaint) -> Result<bool, StoreError> {
        let complaint = complaint.clone();
        self.store
            .write(move |tx| put_complaint(tx, &complaint))
            .await
    }

    async fn list_complaints(
        &self,
        query: &ComplaintQuery,
    ) -> Result<(Vec<Complaint>, u64), StoreError> {
        let query = query.clone();
        self.store.read(move |tx| list_complaints(tx, &query)).await
    }

    async fn complained(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
    ) -> Result<bool, StoreError> {
        let (a, m, r) = (account.clone(), message_id.clone(), recipient.clone());
        self.store.read(move |tx| complained(tx, &a, &m, &r)).await
    }
}
