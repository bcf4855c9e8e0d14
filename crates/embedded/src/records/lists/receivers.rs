//! Recipient groups and their rows. Receiver ids are installation-wide, so rows are keyed by
//! `(receiver, seq)`; every statement first checks that the group belongs to the account.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use sesame_core::ports::{
    DetailPage, DetailQuery, NewDetail, Receiver, ReceiverDetail, ReceiverId, ReceiverQuery,
    ReceiverStatus, UploadStart,
};
use sesame_core::types::AccountId;

use crate::codec::{bound, millis, opt_time, parsed, time};

const COLUMNS: &str = "id, account, name, description, status, count, invalid_count, data_keys, \
                       upload_started_at, created_at";

fn status(row: &Row<'_>, idx: usize) -> rusqlite::Result<ReceiverStatus> {
    let code: u64 = row.get(idx)?;
    ReceiverStatus::from_code(code)
        .ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, code as i64))
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Receiver> {
    let keys: Option<String> = row.get(7)?;
    let data_keys = keys
        .map(|k| serde_json::from_str(&k))
        .transpose()
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?;
    Ok(Receiver {
        id: ReceiverId(row.get(0)?),
        account: parsed(row, 1, AccountId::parse)?,
        name: row.get(2)?,
        desc: row.get(3)?,
        status: status(row, 4)?,
        count: row.get(5)?,
        invalid_count: row.get(6)?,
        data_keys,
        upload_started_at: opt_time(row, 8)?,
        created_at: time(row, 9)?,
    })
}

fn detail_from_row(row: &Row<'_>) -> rusqlite::Result<ReceiverDetail> {
    Ok(ReceiverDetail {
        seq: row.get(0)?,
        email: row.get(1)?,
        template_data: row.get(2)?,
        invalid_reason: row.get(3)?,
        created_at: time(row, 4)?,
    })
}

/// `None` when the name is taken in the account.
pub(super) fn create(tx: &Transaction<'_>, r: &Receiver) -> rusqlite::Result<bool> {
    let keys = r
        .data_keys
        .as_ref()
        .map(|k| serde_json::Value::from(k.clone()).to_string());
    let written = tx
        .prepare_cached(&format!(
            "INSERT INTO receivers ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT DO NOTHING"
        ))?
        .execute(params![
            r.id.0,
            r.account.as_str(),
            r.name,
            r.desc,
            r.status.code(),
            r.count,
            r.invalid_count,
            keys,
            r.upload_started_at.map(millis),
            millis(r.created_at)
        ])?;
    Ok(written > 0)
}

pub(super) fn get(
    tx: &Transaction<'_>,
    account: &AccountId,
    id: ReceiverId,
) -> rusqlite::Result<Option<Receiver>> {
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM receivers WHERE id = ?1 AND account = ?2"
    ))?
    .query_row(params![id.0, account.as_str()], from_row)
    .optional()
}

pub(super) fn list(
    tx: &Transaction<'_>,
    q: &ReceiverQuery,
) -> rusqlite::Result<(Vec<Receiver>, u64)> {
    let filter = "account = ?1 AND (?2 IS NULL OR status = ?2) \
                  AND (?3 IS NULL OR instr(lower(name), lower(?3)) > 0)";
    let status = q.status.map(ReceiverStatus::code);
    let page = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM receivers WHERE {filter} \
             ORDER BY created_at DESC, id DESC LIMIT ?4 OFFSET ?5"
        ))?
        .query_map(
            params![
                q.account.as_str(),
                status,
                q.keyword,
                bound(q.limit),
                bound(q.offset)
            ],
            from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let total = tx
        .prepare_cached(&format!("SELECT count(*) FROM receivers WHERE {filter}"))?
        .query_row(params![q.account.as_str(), status, q.keyword], |row| {
            row.get(0)
        })?;
    Ok((page, total))
}

pub(super) fn delete(
    tx: &Transaction<'_>,
    account: &AccountId,
    id: ReceiverId,
) -> rusqlite::Result<bool> {
    let deleted = tx
        .prepare_cached("DELETE FROM receivers WHERE id = ?1 AND account = ?2")?
        .execute(params![id.0, account.as_str()])?;
    if deleted > 0 {
        tx.prepare_cached("DELETE FROM receiver_details WHERE receiver = ?1")?
            .execute([id.0])?;
    }
    Ok(deleted > 0)
}

pub(super) fn begin_upload(
    tx: &Transaction<'_>,
    account: &AccountId,
    id: ReceiverId,
    now: DateTime<Utc>,
    stale_before: DateTime<Utc>,
) -> rusqlite::Result<UploadStart> {
    let Some(before) = get(tx, account, id)? else {
        return Ok(UploadStart::Missing);
    };
    let running = before.status == ReceiverStatus::Uploading
        && before.upload_started_at.is_some_and(|t| t >= stale_before);
    if running {
        return Ok(UploadStart::Busy);
    }
    tx.prepare_cached("UPDATE receivers SET status = ?2, upload_started_at = ?3 WHERE id = ?1")?
        .execute(params![id.0, ReceiverStatus::Uploading.code(), millis(now)])?;
    Ok(UploadStart::Started(before))
}

/// Rows are numbered from the group's `last_seq`, which only grows (deleted groups take
/// their rows with them, so numbers are never reused within a group).
pub(super) fn append(
    tx: &Transaction<'_>,
    account: &AccountId,
    id: ReceiverId,
    rows: &[NewDetail],
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<u64>> {
    let last: Option<u64> = tx
        .prepare_cached("SELECT last_seq FROM receivers WHERE id = ?1 AND account = ?2")?
        .query_row(params![id.0, account.as_str()], |row| row.get(0))
        .optional()?;
    let Some(mut seq) = last else {
        return Ok(None);
    };
    let at = millis(now);
    let mut insert = tx.prepare_cached(
        "INSERT INTO receiver_details (receiver, seq, email, template_data, invalid_reason, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut invalid = 0u64;
    for row in rows {
        seq += 1;
        invalid += u64::from(row.invalid_reason.is_some());
        insert.execute(params![
            id.0,
            seq,
            row.email,
            row.template_data,
            row.invalid_reason,
            at
        ])?;
    }
    tx.prepare_cached(
        "UPDATE receivers SET last_seq = ?2, count = count + ?3, invalid_count = invalid_count + ?4 \
         WHERE id = ?1",
    )?
    .execute(params![id.0, seq, rows.len() as u64, invalid])?;
    Ok(Some(seq))
}

pub(super) fn end_upload(
    tx: &Transaction<'_>,
    account: &AccountId,
    id: ReceiverId,
    data_keys: Option<Vec<String>>,
) -> rusqlite::Result<bool> {
    let keys = data_keys.map(|k| serde_json::Value::from(k).to_string());
    let changed = tx
        .prepare_cached(
            "UPDATE receivers SET status = CASE WHEN count > 0 THEN ?3 ELSE ?4 END, \
             upload_started_at = NULL, data_keys = coalesce(?5, data_keys) \
             WHERE id = ?1 AND account = ?2",
        )?
        .execute(params![
            id.0,
            account.as_str(),
            ReceiverStatus::Ready.code(),
            ReceiverStatus::Empty.code(),
            keys
        ])?;
    Ok(changed > 0)
}

const DETAIL_COLUMNS: &str = "seq, email, template_data, invalid_reason, created_at";

fn owns(tx: &Transaction<'_>, account: &AccountId, id: ReceiverId) -> rusqlite::Result<bool> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM receivers WHERE id = ?1 AND account = ?2")?
        .query_row(params![id.0, account.as_str()], |_| Ok(()))
        .optional()?
        .is_some())
}

pub(super) fn after(
    tx: &Transaction<'_>,
    account: &AccountId,
    id: ReceiverId,
    after_seq: u64,
    limit: u64,
) -> rusqlite::Result<Vec<ReceiverDetail>> {
    if !owns(tx, account, id)? {
        return Ok(Vec::new());
    }
    tx.prepare_cached(&format!(
        "SELECT {DETAIL_COLUMNS} FROM receiver_details WHERE receiver = ?1 AND seq > ?2 \
         ORDER BY seq LIMIT ?3"
    ))?
    .query_map(
        params![id.0, bound(after_seq), bound(limit)],
        detail_from_row,
    )?
    .collect()
}

pub(super) fn list_details(tx: &Transaction<'_>, q: &DetailQuery) -> rusqlite::Result<DetailPage> {
    if !owns(tx, &q.account, q.receiver)? {
        return Ok(DetailPage::default());
    }
    let filter = "receiver = ?1 AND (?2 IS NULL OR instr(lower(email), lower(?2)) > 0) \
                  AND (?3 IS NULL OR created_at >= ?3) AND (?4 IS NULL OR created_at < ?4) \
                  AND (?5 IS NULL OR (invalid_reason IS NULL) = ?5)";
    let (from, until) = (q.from.map(millis), q.until.map(millis));
    let rows = tx
        .prepare_cached(&format!(
            "SELECT {DETAIL_COLUMNS} FROM receiver_details WHERE {filter} ORDER BY seq \
             LIMIT ?6 OFFSET ?7"
        ))?
        .query_map(
            params![
                q.receiver.0,
                q.email,
                from,
                until,
                q.valid,
                bound(q.limit),
                bound(q.offset)
            ],
            detail_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let (total, invalid): (u64, u64) = tx
        .prepare_cached(&format!(
            "SELECT count(*), count(invalid_reason) FROM receiver_details WHERE {filter}"
        ))?
        .query_row(
            params![q.receiver.0, q.email, from, until, q.valid],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
    Ok(DetailPage {
        rows,
        total,
        valid: total - invalid,
        invalid,
    })
}
