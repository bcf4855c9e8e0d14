//! Accounts, API keys and named sequences.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use sesame_core::StoreError;
use sesame_core::model::ApiKey;
use sesame_core::ports::{Keys, Sequences};
use sesame_core::types::{AccountId, SecretId};

use super::SqliteRecords;
use crate::codec::{millis, parsed, time};

fn ensure_account(
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
fn put(tx: &Transaction<'_>, key: &ApiKey) -> rusqlite::Result<()> {
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

fn get(tx: &Transaction<'_>, id: &SecretId) -> rusqlite::Result<Option<ApiKey>> {
    tx.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE secret_id = ?1"
    ))?
    .query_row([id.as_str()], key_from_row)
    .optional()
}

fn list(tx: &Transaction<'_>) -> rusqlite::Result<Vec<ApiKey>> {
    tx.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, rowid"
    ))?
    .query_map([], key_from_row)?
    .collect()
}

fn revoke(tx: &Transaction<'_>, id: &SecretId) -> rusqlite::Result<bool> {
    let changed = tx
        .prepare_cached("UPDATE api_keys SET revoked = 1 WHERE secret_id = ?1")?
        .execute([id.as_str()])?;
    Ok(changed > 0)
}

fn next_sequence(tx: &Transaction<'_>, name: &str) -> rusqlite::Result<u64> {
    tx.prepare_cached(
        "INSERT INTO sequences (name, value) VALUES (?1, 1)
         ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
    )?
    .query_row([name], |row| row.get(0))
}

impl Keys for SqliteRecords {
    async fn ensure_account(
        &self,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let account = account.clone();
        self.store
            .write(move |tx| ensure_account(tx, &account, now))
            .await
    }

    async fn put(&self, key: &ApiKey) -> Result<(), StoreError> {
        let key = key.clone();
        self.store.write(move |tx| put(tx, &key)).await
    }

    async fn get(&self, id: &SecretId) -> Result<Option<ApiKey>, StoreError> {
        let id = id.clone();
        self.store.read(move |tx| get(tx, &id)).await
    }

    async fn list(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.store.read(list).await
    }

    async fn revoke(&self, id: &SecretId) -> Result<bool, StoreError> {
        let id = id.clone();
        self.store.write(move |tx| revoke(tx, &id)).await
    }
}

impl Sequences for SqliteRecords {
    async fn next(&self, name: &str) -> Result<u64, StoreError> {
        let name = name.to_owned();
        self.store.write(move |tx| next_sequence(tx, &name)).await
    }
}
