//! Accounts, API keys and named sequences.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use sesame_core::model::ApiKey;
use sesame_core::types::{AccountId, SecretId};

use crate::codec::{millis, parsed, time};

pub(super) fn ensure_account(
    tx: &Transaction<'_>,
    account: &AccountId,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO accounts (id, created_at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![account.as_str(), millis(now)])?;
    Ok(())
}

const KEY_COLUMNS: &str = "secret_id, account, sealed_secret, created_at, revoked";

fn key_from_row(row: &Row<'_>) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        secret_id: parsed(row, 0, SecretId::parse)?,
        account: parsed(row, 1, AccountId::parse)?,
        sealed_secret: row.get(2)?,
        created_at: time(row, 3)?,
        revoked: row.get(4)?,
    })
}

/// Keys are fresh ids; should one be written twice, the later write wins.
pub(super) fn put(tx: &Transaction<'_>, key: &ApiKey) -> rusqlite::Result<()> {
    tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO api_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
    ))?
    .execute(params![
        key.secret_id.as_str(),
        key.account.as_str(),
        key.sealed_secret,
        millis(key.created_at),
        key.revoked
    ])?;
    Ok(())
}

pub(super) fn get(tx: &Transaction<'_>, id: &SecretId) -> rusqlite::Result<Option<ApiKey>> {
    tx.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE secret_id = ?1"
    ))?
    .query_row([id.as_str()], key_from_row)
    .optional()
}

pub(super) fn list(tx: &Transaction<'_>) -> rusqlite::Result<Vec<ApiKey>> {
    tx.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, rowid"
    ))?
    .query_map([], key_from_row)?
    .collect()
}

pub(super) fn revoke(tx: &Transaction<'_>, id: &SecretId) -> rusqlite::Result<bool> {
    let changed = tx
        .prepare_cached("UPDATE api_keys SET revoked = 1 WHERE secret_id = ?1")?
        .execute([id.as_str()])?;
    Ok(changed > 0)
}

pub(super) fn next_sequence(tx: &Transaction<'_>, name: &str) -> rusqlite::Result<u64> {
    tx.prepare_cached(
        "INSERT INTO sequences (name, value) VALUES (?1, 1)
         ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
    )?
    .query_row([name], |row| row.get(0))
}
