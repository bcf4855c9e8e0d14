//! The events port over SQLite: raw hits (purged once expired), the per-account feed with its
//! engagement flags in the same transaction, unsubscribes and the tracking switch.

use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, Transaction, params};
use sesame_core::StoreError;
use sesame_core::ports::{Engagement, Event, EventKind, Events, Hit};
use sesame_core::tracking::{Reason, Target, TrackKind};
use sesame_core::types::{AccountId, EmailAddress, MessageId};

use super::SqliteRecords;
use crate::codec::{millis, opt_time, parsed, time};

/// The events' tables (appended to the schema's migrations). Addresses in keys are lowercase;
/// `recipient_raw` keeps the spelling the message used.
pub(crate) const MIGRATION: &str = "
CREATE TABLE tracking_hits (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    account        TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    recipient_raw  TEXT NOT NULL,
    kind           TEXT NOT NULL,
    target         TEXT NOT NULL,
    at             INTEGER NOT NULL,
    user_agent     TEXT,
    ip             TEXT,
    reason         TEXT NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX tracking_hits_by_copy ON tracking_hits (account, message_id, recipient, at);
CREATE INDEX tracking_hits_by_expiry ON tracking_hits (expires_at);

CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    account      TEXT NOT NULL,
    id           TEXT NOT NULL,
    cursor       TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    at           INTEGER NOT NULL,
    recorded_at  INTEGER NOT NULL,
    detail       TEXT NOT NULL,
    UNIQUE (account, id)
);
CREATE INDEX events_feed ON events (account, cursor);

CREATE TABLE engagement (
    account          TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    opened_at        INTEGER,
    clicked_at       INTEGER,
    unsubscribed_at  INTEGER,
    complained_at    INTEGER,
    PRIMARY KEY (account, message_id, recipient)
) WITHOUT ROWID;

CREATE TABLE unsubscribes (
    account    TEXT NOT NULL,
    sender     TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (account, sender, recipient)
) WITHOUT ROWID;

CREATE TABLE tracking_settings (
    account  TEXT PRIMARY KEY,
    enabled  INTEGER NOT NULL
) WITHOUT ROWID;
";

fn lower(address: &EmailAddress) -> String {
    address.as_str().to_ascii_lowercase()
}

fn kind_of(raw: &str) -> Option<TrackKind> {
    [TrackKind::Open, TrackKind::Click, TrackKind::Unsubscribe]
        .into_iter()
        .find(|k| k.as_str() == raw)
}

fn bad(idx: usize, what: &'static str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, what.into())
}

fn hit_from(row: &Row<'_>) -> rusqlite::Result<Hit> {
    let kind: String = row.get(4)?;
    let reason: String = row.get(9)?;
    Ok(Hit {
        id: row.get(0)?,
        account: parsed(row, 1, AccountId::parse)?,
        message_id: parsed(row, 2, MessageId::parse)?,
        recipient: parsed(row, 3, EmailAddress::parse)?,
        kind: kind_of(&kind).ok_or_else(|| bad(4, "unknown hit kind"))?,
        target: Target::from_stored(&row.get::<_, String>(5)?),
        at: time(row, 6)?,
        user_agent: row.get(7)?,
        ip: row.get(8)?,
        reason: Reason::parse(&reason).ok_or_else(|| bad(9, "unknown reason"))?,
        expires_at: time(row, 10)?,
    })
}

fn event_from(row: &Row<'_>) -> rusqlite::Result<Event> {
    let kind: String = row.get(4)?;
    Ok(Event {
        id: row.get(0)?,
        account: parsed(row, 1, AccountId::parse)?,
        message_id: parsed(row, 2, MessageId::parse)?,
        recipient: parsed(row, 3, EmailAddress::parse)?,
        kind: EventKind::parse(&kind).ok_or_else(|| bad(4, "unknown event kind"))?,
        at: time(row, 5)?,
        recorded_at: time(row, 6)?,
        detail: row.get(7)?,
    })
}

/// The engagement column an event kind sets, if any.
fn flag_column(kind: EventKind) -> Option<&'static str> {
    match kind {
        EventKind::Opened => Some("opened_at"),
        EventKind::Clicked => Some("clicked_at"),
        EventKind::Unsubscribed => Some("unsubscribed_at"),
        EventKind::Complained => Some("complained_at"),
        EventKind::Delivered | EventKind::Bounced => None,
    }
}

fn append(tx: &Transaction<'_>, e: &Event) -> rusqlite::Result<bool> {
    let inserted =
        tx.prepare_cached(
            "INSERT OR IGNORE INTO events
             (account, id, cursor, message_id, recipient, kind, at, recorded_at, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            e.account.as_str(),
            e.id,
            e.cursor(),
            e.message_id.as_str(),
            e.recipient.as_str(),
            e.kind.as_str(),
            millis(e.at),
            millis(e.recorded_at),
            e.detail,
        ])? == 1;
    if let (true, Some(column)) = (inserted, flag_column(e.kind)) {
        // The column name comes from the fixed list above, never from input.
        let sql = format!(
            "INSERT INTO engagement (account, message_id, recipient, {column}) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account, message_id, recipient)
             DO UPDATE SET {column} = coalesce({column}, excluded.{column})"
        );
        tx.prepare_cached(&sql)?.execute(params![
            e.account.as_str(),
            e.message_id.as_str(),
            lower(&e.recipient),
            millis(e.at),
        ])?;
    }
    Ok(inserted)
}

impl Events for SqliteRecords {
    async fn put_hits(&self, hits: &[Hit]) -> Result<(), StoreError> {
        let hits = hits.to_vec();
        self.store
            .write(move |tx| {
                let mut insert = tx.prepare_cached(
                    "INSERT OR IGNORE INTO tracking_hits
                     (id, account, message_id, recipient, recipient_raw, kind, target, at,
                      user_agent, ip, reason, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )?;
                let mut latest = i64::MIN;
                for h in &hits {
                    latest = latest.max(millis(h.at));
                    insert.execute(params![
                        h.id,
                        h.account.as_str(),
                        h.message_id.as_str(),
                        lower(&h.recipient),
                        h.recipient.as_str(),
                        h.kind.as_str(),
                        h.target.stored(),
                        millis(h.at),
                        h.user_agent,
                        h.ip,
                        h.reason.as_str(),
                        millis(h.expires_at),
                    ])?;
                }
                // Expiry: hits past their TTL go as newer ones arrive (an indexed range).
                tx.prepare_cached("DELETE FROM tracking_hits WHERE expires_at < ?1")?
                    .execute([latest])?;
                Ok(())
            })
            .await
    }

    async fn list_hits(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Hit>, StoreError> {
        let (account, message_id, recipient) = (
            account.as_str().to_owned(),
            message_id.as_str().to_owned(),
            lower(recipient),
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.store
            .read(move |tx| {
                tx.prepare_cached(
                    "SELECT id, account, message_id, recipient_raw, kind, target, at, user_agent,
                            ip, reason, expires_at
                     FROM tracking_hits
                     WHERE account = ?1 AND message_id = ?2 AND recipient = ?3 AND at >= ?4
                     ORDER BY at, id LIMIT ?5",
                )?
                .query_map(
                    params![account, message_id, recipient, millis(since), limit],
                    hit_from,
                )?
                .collect()
            })
            .await
    }

    async fn append_events(&self, events: &[Event]) -> Result<Vec<bool>, StoreError> {
        let events = events.to_vec();
        self.store
            .write(move |tx| events.iter().map(|e| append(tx, e)).collect())
            .await
    }

    async fn list_events(
        &self,
        account: &AccountId,
        after: Option<&str>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let account = account.as_str().to_owned();
        let after = after.unwrap_or_default().to_owned();
        // Cursors sort as (recorded time, id); everything at or before `until` ends below
        // this bound.
        let bound = format!("{:015}.", millis(until).max(0));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.store
            .read(move |tx| {
                tx.prepare_cached(
                    "SELECT id, account, message_id, recipient, kind, at, recorded_at, detail
                     FROM events WHERE account = ?1 AND cursor > ?2 AND cursor < ?3
                     ORDER BY cursor LIMIT ?4",
                )?
                .query_map(params![account, after, bound, limit], event_from)?
                .collect()
            })
            .await
    }

    async fn engagements(
        &self,
        account: &AccountId,
        keys: &[(MessageId, EmailAddress)],
    ) -> Result<Vec<Engagement>, StoreError> {
        let account = account.as_str().to_owned();
        let keys: Vec<(String, String)> = keys
            .iter()
            .map(|(m, r)| (m.as_str().to_owned(), lower(r)))
            .collect();
        self.store
            .read(move |tx| {
                let mut select = tx.prepare_cached(
                    "SELECT opened_at, clicked_at, unsubscribed_at, complained_at FROM engagement
                     WHERE account = ?1 AND message_id = ?2 AND recipient = ?3",
                )?;
                keys.iter()
                    .map(|(m, r)| {
                        select
                            .query_row(params![account, m, r], |row| {
                                Ok(Engagement {
                                    opened_at: opt_time(row, 0)?,
                                    clicked_at: opt_time(row, 1)?,
                                    unsubscribed_at: opt_time(row, 2)?,
                                    complained_at: opt_time(row, 3)?,
                                })
                            })
                            .optional()
                            .map(Option::unwrap_or_default)
                    })
                    .collect()
            })
            .await
    }

    async fn unsubscribe(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipient: &EmailAddress,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let row = (account.as_str().to_owned(), lower(sender), lower(recipient));
        self.store
            .write(move |tx| {
                Ok(tx.execute(
                    "INSERT OR IGNORE INTO unsubscribes (account, sender, recipient, at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![row.0, row.1, row.2, millis(at)],
                )? == 1)
            })
            .await
    }

    async fn is_unsubscribed(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipient: &EmailAddress,
    ) -> Result<bool, StoreError> {
        let row = (account.as_str().to_owned(), lower(sender), lower(recipient));
        self.store
            .read(move |tx| {
                tx.prepare_cached(
                    "SELECT 1 FROM unsubscribes WHERE account = ?1 AND sender = ?2 AND recipient = ?3",
                )?
                .exists(params![row.0, row.1, row.2])
            })
            .await
    }

    async fn unsubscribed_among(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipients: &[EmailAddress],
    ) -> Result<Vec<bool>, StoreError> {
        let (account, sender) = (account.as_str().to_owned(), lower(sender));
        let recipients: Vec<String> = recipients.iter().map(lower).collect();
        // One read transaction for the whole chunk instead of a round trip per recipient.
        self.store
            .read(move |tx| {
                let mut exists = tx.prepare_cached(
                    "SELECT 1 FROM unsubscribes WHERE account = ?1 AND sender = ?2 AND recipient = ?3",
                )?;
                recipients
                    .iter()
                    .map(|r| exists.exists(params![account, sender, r]))
                    .collect()
            })
            .await
    }

    async fn set_tracking(&self, account: &AccountId, enabled: bool) -> Result<(), StoreError> {
        let account = account.as_str().to_owned();
        self.store
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO tracking_settings (account, enabled) VALUES (?1, ?2)
                     ON CONFLICT (account) DO UPDATE SET enabled = excluded.enabled",
                    params![account, enabled],
                )?;
                Ok(())
            })
            .await
    }

    async fn tracking_enabled(&self, account: &AccountId) -> Result<bool, StoreError> {
        let account = account.as_str().to_owned();
        self.store
            .read(move |tx| {
                Ok(tx
                    .prepare_cached("SELECT enabled FROM tracking_settings WHERE account = ?1")?
                    .query_row([account], |row| row.get::<_, bool>(0))
                    .optional()?
                    .unwrap_or(true))
            })
            .await
    }
}
