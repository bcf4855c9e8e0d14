//! Custom and bounce blacklists and unsubscribe configs: one row per (account, address).

use chrono::NaiveDate;
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, Transaction, params};
use sesame_core::ports::{
    BlockUpdate, Blocks, BounceBlock, BounceBlockQuery, CustomBlock, CustomBlockQuery,
    UnsubscribeConfig,
};
use sesame_core::types::{AccountId, EmailAddress};

use crate::codec::{bound, millis, parsed, time};

fn date(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<NaiveDate>> {
    row.get::<_, Option<String>>(idx)?
        .map(|raw| {
            NaiveDate::parse_from_str(&raw, "%Y-%m-%d").map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e))
            })
        })
        .transpose()
}

fn day_text(day: Option<NaiveDate>) -> Option<String> {
    day.map(|d| d.format("%Y-%m-%d").to_string())
}

const CUSTOM_COLUMNS: &str = "id, account, email, expire_date, created_at";

fn custom_from_row(row: &Row<'_>) -> rusqlite::Result<CustomBlock> {
    Ok(CustomBlock {
        id: row.get(0)?,
        account: parsed(row, 1, AccountId::parse)?,
        email: parsed(row, 2, EmailAddress::parse)?,
        expire_date: date(row, 3)?,
        created_at: time(row, 4)?,
    })
}

pub(super) fn upsert_custom(tx: &Transaction<'_>, blocks: &[CustomBlock]) -> rusqlite::Result<()> {
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO custom_blacklist ({CUSTOM_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (account, email) DO UPDATE SET expire_date = excluded.expire_date"
    ))?;
    for b in blocks {
        upsert.execute(params![
            b.id,
            b.account.as_str(),
            b.email.as_str(),
            day_text(b.expire_date),
            millis(b.created_at)
        ])?;
    }
    Ok(())
}

pub(super) fn list_custom(
    tx: &Transaction<'_>,
    q: &CustomBlockQuery,
) -> rusqlite::Result<(Vec<CustomBlock>, u64)> {
    // Dates as `YYYY-MM-DD` text compare in calendar order.
    let filter = "account = ?1 AND (?2 IS NULL OR instr(lower(email), lower(?2)) > 0) \
                  AND (?3 IS NULL OR (expire_date IS NULL OR expire_date >= ?4) = ?3)";
    let today = day_text(Some(q.today));
    let page = tx
        .prepare_cached(&format!(
            "SELECT {CUSTOM_COLUMNS} FROM custom_blacklist WHERE {filter} \
             ORDER BY created_at, id LIMIT ?5 OFFSET ?6"
        ))?
        .query_map(
            params![
                q.account.as_str(),
                q.email,
                q.active,
                today,
                bound(q.limit),
                bound(q.offset)
            ],
            custom_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let total = tx
        .prepare_cached(&format!(
            "SELECT count(*) FROM custom_blacklist WHERE {filter}"
        ))?
        .query_row(
            params![q.account.as_str(), q.email, q.active, today],
            |row| row.get(0),
        )?;
    Ok((page, total))
}

pub(super) fn update_custom(
    tx: &Transaction<'_>,
    account: &AccountId,
    id: u64,
    email: &EmailAddress,
    expire_date: Option<NaiveDate>,
) -> rusqlite::Result<BlockUpdate> {
    let exists = tx
        .prepare_cached("SELECT 1 FROM custom_blacklist WHERE id = ?1 AND account = ?2")?
        .query_row(params![id, account.as_str()], |_| Ok(()))
        .optional()?
        .is_some();
    if !exists {
        return Ok(BlockUpdate::Missing);
    }
    let taken = tx
        .prepare_cached(
            "SELECT 1 FROM custom_blacklist WHERE account = ?1 AND email = ?2 AND id != ?3",
        )?
        .query_row(params![account.as_str(), email.as_str(), id], |_| Ok(()))
        .optional()?
        .is_some();
    if taken {
        return Ok(BlockUpdate::AddressTaken);
    }
    tx.prepare_cached(
        "UPDATE custom_blacklist SET email = ?3, expire_date = ?4 WHERE id = ?1 AND account = ?2",
    )?
    .execute(params![
        id,
        account.as_str(),
        email.as_str(),
        day_text(expire_date)
    ])?;
    Ok(BlockUpdate::Updated)
}

pub(super) fn delete_from(
    tx: &Transaction<'_>,
    table: &str,
    account: &AccountId,
    emails: &[EmailAddress],
) -> rusqlite::Result<u64> {
    let mut delete = tx.prepare_cached(&format!(
        "DELETE FROM {table} WHERE account = ?1 AND email = ?2"
    ))?;
    let mut removed = 0;
    for email in emails {
        removed += delete.execute(params![account.as_str(), email.as_str()])? as u64;
    }
    Ok(removed)
}

const BOUNCE_COLUMNS: &str = "account, email, bounced_at, reason";

fn bounce_from_row(row: &Row<'_>) -> rusqlite::Result<BounceBlock> {
    Ok(BounceBlock {
        account: parsed(row, 0, AccountId::parse)?,
        email: parsed(row, 1, EmailAddress::parse)?,
        bounced_at: time(row, 2)?,
        reason: row.get(3)?,
    })
}

pub(super) fn put_bounce(tx: &Transaction<'_>, b: &BounceBlock) -> rusqlite::Result<()> {
    tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO bounce_blacklist ({BOUNCE_COLUMNS}) VALUES (?1, ?2, ?3, ?4)"
    ))?
    .execute(params![
        b.account.as_str(),
        b.email.as_str(),
        millis(b.bounced_at),
        b.reason
    ])?;
    Ok(())
}

pub(super) fn list_bounces(
    tx: &Transaction<'_>,
    q: &BounceBlockQuery,
) -> rusqlite::Result<(Vec<BounceBlock>, u64)> {
    let filter = "account = ?1 AND bounced_at >= ?2 AND bounced_at < ?3 \
                  AND (?4 IS NULL OR instr(lower(email), lower(?4)) > 0)";
    let (from, until) = (millis(q.from), millis(q.until));
    let page = tx
        .prepare_cached(&format!(
            "SELECT {BOUNCE_COLUMNS} FROM bounce_blacklist WHERE {filter} \
             ORDER BY bounced_at DESC, email DESC LIMIT ?5 OFFSET ?6"
        ))?
        .query_map(
            params![
                q.account.as_str(),
                from,
                until,
                q.email,
                bound(q.limit),
                bound(q.offset)
            ],
            bounce_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let total = tx
        .prepare_cached(&format!(
            "SELECT count(*) FROM bounce_blacklist WHERE {filter}"
        ))?
        .query_row(params![q.account.as_str(), from, until, q.email], |row| {
            row.get(0)
        })?;
    Ok((page, total))
}

pub(super) fn blocks(
    tx: &Transaction<'_>,
    account: &AccountId,
    emails: &[EmailAddress],
) -> rusqlite::Result<Vec<Blocks>> {
    let mut custom = tx.prepare_cached(&format!(
        "SELECT {CUSTOM_COLUMNS} FROM custom_blacklist WHERE account = ?1 AND email = ?2"
    ))?;
    let mut bounce = tx.prepare_cached(&format!(
        "SELECT {BOUNCE_COLUMNS} FROM bounce_blacklist WHERE account = ?1 AND email = ?2"
    ))?;
    emails
        .iter()
        .map(|email| {
            let key = params![account.as_str(), email.as_str()];
            Ok(Blocks {
                custom: custom.query_row(key, custom_from_row).optional()?,
                bounce: bounce.query_row(key, bounce_from_row).optional()?,
            })
        })
        .collect()
}

const UNSUB_COLUMNS: &str = "account, address, language, enabled, created_at";

fn unsub_from_row(row: &Row<'_>) -> rusqlite::Result<UnsubscribeConfig> {
    Ok(UnsubscribeConfig {
        account: parsed(row, 0, AccountId::parse)?,
        address: parsed(row, 1, EmailAddress::parse)?,
        language: row.get(2)?,
        enabled: row.get(3)?,
        created_at: time(row, 4)?,
    })
}

pub(super) fn create_unsub(tx: &Transaction<'_>, c: &UnsubscribeConfig) -> rusqlite::Result<bool> {
    let written = tx
        .prepare_cached(&format!(
            "INSERT INTO unsubscribe_configs ({UNSUB_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT DO NOTHING"
        ))?
        .execute(params![
            c.account.as_str(),
            c.address.as_str(),
            c.language,
            c.enabled,
            millis(c.created_at)
        ])?;
    Ok(written > 0)
}

pub(super) fn update_unsub(tx: &Transaction<'_>, c: &UnsubscribeConfig) -> rusqlite::Result<bool> {
    let changed = tx
        .prepare_cached(
            "UPDATE unsubscribe_configs SET language = ?3, enabled = ?4 \
             WHERE account = ?1 AND address = ?2",
        )?
        .execute(params![
            c.account.as_str(),
            c.address.as_str(),
            c.language,
            c.enabled
        ])?;
    Ok(changed > 0)
}

pub(super) fn get_unsub(
    tx: &Transaction<'_>,
    account: &AccountId,
    address: &EmailAddress,
) -> rusqlite::Result<Option<UnsubscribeConfig>> {
    tx.prepare_cached(&format!(
        "SELECT {UNSUB_COLUMNS} FROM unsubscribe_configs WHERE account = ?1 AND address = ?2"
    ))?
    .query_row(params![account.as_str(), address.as_str()], unsub_from_row)
    .optional()
}

pub(super) fn list_unsub(
    tx: &Transaction<'_>,
    account: &AccountId,
    offset: u64,
    limit: u64,
) -> rusqlite::Result<(Vec<UnsubscribeConfig>, u64)> {
    let page = tx
        .prepare_cached(&format!(
            "SELECT {UNSUB_COLUMNS} FROM unsubscribe_configs WHERE account = ?1 \
             ORDER BY created_at, address LIMIT ?2 OFFSET ?3"
        ))?
        .query_map(
            params![account.as_str(), bound(limit), bound(offset)],
            unsub_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let total = tx
        .prepare_cached("SELECT count(*) FROM unsubscribe_configs WHERE account = ?1")?
        .query_row([account.as_str()], |row| row.get(0))?;
    Ok((page, total))
}

pub(super) fn delete_unsub(
    tx: &Transaction<'_>,
    account: &AccountId,
    address: &EmailAddress,
) -> rusqlite::Result<bool> {
    let deleted = tx
        .prepare_cached("DELETE FROM unsubscribe_configs WHERE account = ?1 AND address = ?2")?
        .execute(params![account.as_str(), address.as_str()])?;
    Ok(deleted > 0)
}
