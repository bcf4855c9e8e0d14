//! Messages and their per-recipient deliveries: insert, claim, outcome, listing, stale scan.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use sesame_core::StoreError;
use sesame_core::model::{DeliverStatus, Delivery, Message, SendStatus};
use sesame_core::ports::{Claim, Deliveries, DeliveryQuery, Outcome};
use sesame_core::types::{AccountId, EmailAddress, MessageId};

use super::SqliteRecords;
use crate::codec::{bound, coded, json, millis, opt_time, parsed, time};

/// The primary key of a delivery, owned so it can move to the blocking pool.
pub(super) struct Key {
    account: String,
    message_id: String,
    recipient: String,
}

impl Key {
    pub(super) fn new(
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
    ) -> Self {
        Self {
            account: account.as_str().to_owned(),
            message_id: message_id.as_str().to_owned(),
            recipient: recipient.as_str().to_owned(),
        }
    }
}

const COLUMNS: &str = "account, message_id, recipient, sender, send_status, deliver_status, deliver_message, \
                       request_time, deliver_time, attempts, claimed_until";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        account: parsed(row, 0, AccountId::parse)?,
        message_id: parsed(row, 1, MessageId::parse)?,
        recipient: parsed(row, 2, EmailAddress::parse)?,
        from: row.get(3)?,
        send_status: coded(row, 4, SendStatus::from_code)?,
        deliver_status: coded(row, 5, DeliverStatus::from_code)?,
        deliver_message: row.get(6)?,
        request_time: time(row, 7)?,
        deliver_time: opt_time(row, 8)?,
        attempts: row.get(9)?,
        claimed_until: opt_time(row, 10)?,
    })
}

/// One transaction: a duplicate message id or recipient fails the whole insert.
pub(super) fn insert_message(
    tx: &Transaction<'_>,
    message: &Message,
    body: &[u8],
    deliveries: &[Delivery],
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO messages (account, id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        message.account.as_str(),
        message.id.as_str(),
        millis(message.created_at),
        body
    ])?;
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO deliveries ({COLUMNS}, pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?;
    for d in deliveries {
        insert.execute(params![
            d.account.as_str(),
            d.message_id.as_str(),
            d.recipient.as_str(),
            d.from,
            d.send_status.code(),
            d.deliver_status.code(),
            d.deliver_message,
            millis(d.request_time),
            d.deliver_time.map(millis),
            d.attempts,
            d.claimed_until.map(millis),
            !d.is_final(),
        ])?;
    }
    Ok(())
}

pub(super) fn get_message(
    tx: &Transaction<'_>,
    account: &AccountId,
    id: &MessageId,
) -> rusqlite::Result<Option<Message>> {
    tx.prepare_cached("SELECT body FROM messages WHERE account = ?1 AND id = ?2")?
        .query_row([account.as_str(), id.as_str()], |row| json(row, 0))
        .optional()
}

/// One conditional UPDATE decides the winner, so concurrent claimers (even in other
/// processes) cannot both succeed; only a loser reads the row again to say why it lost.
pub(super) fn claim(
    tx: &Transaction<'_>,
    key: &Key,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> rusqlite::Result<Claim> {
    let claimed = tx
        .prepare_cached(&format!(
            "UPDATE deliveries SET attempts = attempts + 1, claimed_until = ?5
             WHERE account = ?1 AND message_id = ?2 AND recipient = ?3 AND pending = 1
               AND (claimed_until IS NULL OR claimed_until <= ?4)
             RETURNING {COLUMNS}"
        ))?
        .query_row(
            params![
                key.account,
                key.message_id,
                key.recipient,
                millis(now),
                millis(until)
            ],
            from_row,
        )
        .optional()?;
    if let Some(delivery) = claimed {
        return Ok(Claim::Claimed(delivery));
    }
    let pending: Option<bool> = tx
        .prepare_cached("SELECT pending FROM deliveries WHERE account = ?1 AND message_id = ?2 AND recipient = ?3")?
        .query_row(params![key.account, key.message_id, key.recipient], |row| row.get(0))
        .optional()?;
    Ok(match pending {
        None => Claim::Missing,
        Some(false) => Claim::AlreadyFinal,
        Some(true) => Claim::Held,
    })
}

pub(super) fn record_outcome(tx: &Transaction<'_>, key: &Key, o: &Outcome) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE deliveries SET send_status = ?4, deliver_status = ?5, deliver_message = ?6, deliver_time = ?7,
                claimed_until = ?8, pending = ?9
         WHERE account = ?1 AND message_id = ?2 AND recipient = ?3 AND pending",
    )?
    .execute(params![
        key.account,
        key.message_id,
        key.recipient,
        o.send_status.code(),
        o.deliver_status.code(),
        o.deliver_message,
        millis(o.at),
        o.retry_at.map(millis),
        !o.deliver_status.is_final(),
    ])?;
    Ok(())
}

/// Four statement shapes (with or without message id and recipient), each with a plain
/// condition the planner can match to an index; all are cached after first use.
pub(super) fn list(tx: &Transaction<'_>, q: &DeliveryQuery) -> rusqlite::Result<Vec<Delivery>> {
    let mut sql = format!(
        "SELECT {COLUMNS} FROM deliveries WHERE account = ?1 AND request_time >= ?2 AND request_time < ?3"
    );
    if q.message_id.is_some() {
        sql.push_str(" AND message_id = ?4");
    }
    if q.recipient.is_some() {
        sql.push_str(" AND recipient = ?5");
    }
    sql.push_str(" ORDER BY request_time, seq LIMIT ?6 OFFSET ?7");
    let mut statement = tx.prepare_cached(&sql)?;
    let mut bind =
        |index: usize, value: &dyn rusqlite::ToSql| statement.raw_bind_parameter(index, value);
    bind(1, &q.account.as_str())?;
    bind(2, &millis(q.from))?;
    bind(3, &millis(q.until))?;
    if let Some(id) = &q.message_id {
        bind(4, &id.as_str())?;
    }
    if let Some(recipient) = &q.recipient {
        bind(5, &recipient.as_str())?;
    }
    bind(6, &bound(q.limit))?;
    bind(7, &bound(q.offset))?;
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

pub(super) fn stale(
    tx: &Transaction<'_>,
    before: DateTime<Utc>,
    limit: u64,
) -> rusqlite::Result<Vec<Delivery>> {
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM deliveries
         WHERE pending = 1 AND coalesce(claimed_until, request_time) < ?1
         ORDER BY coalesce(claimed_until, request_time), seq LIMIT ?2"
    ))?
    .query_map(params![millis(before), bound(limit)], from_row)?
    .collect()
}

impl Deliveries for SqliteRecords {
    async fn insert_message(
        &self,
        message: &Message,
        deliveries: &[Delivery],
    ) -> Result<(), StoreError> {
        if deliveries
            .iter()
            .any(|d| d.account != message.account || d.message_id != message.id)
        {
            return Err(StoreError::Corrupt(
                "a delivery does not belong to its message".to_owned(),
            ));
        }
        let body = serde_json::to_vec(message)
            .map_err(|e| StoreError::Corrupt(format!("message not serialisable: {e}")))?;
        let (message, deliveries) = (message.clone(), deliveries.to_vec());
        self.store
            .write(move |tx| insert_message(tx, &message, &body, &deliveries))
            .await
    }

    async fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError> {
        let (account, id) = (account.clone(), id.clone());
        self.store
            .read(move |tx| get_message(tx, &account, &id))
            .await
    }

    async fn claim(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let key = Key::new(account, message_id, recipient);
        self.store
            .write(move |tx| claim(tx, &key, now, until))
            .await
    }

    async fn record_outcome(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        outcome: &Outcome,
    ) -> Result<(), StoreError> {
        let key = Key::new(account, message_id, recipient);
        let outcome = outcome.clone();
        self.store
            .write(move |tx| record_outcome(tx, &key, &outcome))
            .await
    }

    async fn list(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        let query = query.clone();
        self.store.read(move |tx| list(tx, &query)).await
    }

    async fn stale(&self, before: DateTime<Utc>, limit: u64) -> Result<Vec<Delivery>, StoreError> {
        self.store.read(move |tx| stale(tx, before, limit)).await
    }
}
