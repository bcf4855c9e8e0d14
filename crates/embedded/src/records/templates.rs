//! Templates: ids are installation-wide, every statement is also filtered by account.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use sesame_core::StoreError;
use sesame_core::model::Template;
use sesame_core::ports::Templates;
use sesame_core::types::{AccountId, TemplateId};

use super::SqliteRecords;
use crate::codec::{bound, millis, parsed, time};

const COLUMNS: &str = "id, account, name, html, text, status, created_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Template> {
    Ok(Template {
        id: TemplateId(row.get(0)?),
        account: parsed(row, 1, AccountId::parse)?,
        name: row.get(2)?,
        html: row.get(3)?,
        text: row.get(4)?,
        status: row.get(5)?,
        created_at: time(row, 6)?,
    })
}

fn create(tx: &Transaction<'_>, t: &Template) -> rusqlite::Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO templates ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?
    .execute(params![
        t.id.0,
        t.account.as_str(),
        t.name,
        t.html,
        t.text,
        t.status,
        millis(t.created_at)
    ])?;
    Ok(())
}

fn update(tx: &Transaction<'_>, t: &Template) -> rusqlite::Result<bool> {
    let changed = tx
        .prepare_cached(
            "UPDATE templates SET name = ?3, html = ?4, text = ?5 WHERE id = ?1 AND account = ?2",
        )?
        .execute(params![t.id.0, t.account.as_str(), t.name, t.html, t.text])?;
    Ok(changed > 0)
}

fn get(
    tx: &Transaction<'_>,
    account: &AccountId,
    id: TemplateId,
) -> rusqlite::Result<Option<Template>> {
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM templates WHERE id = ?1 AND account = ?2"
    ))?
    .query_row(params![id.0, account.as_str()], from_row)
    .optional()
}

/// Page and total come from one read transaction, so they agree with each other.
fn list(
    tx: &Transaction<'_>,
    account: &AccountId,
    offset: u64,
    limit: u64,
) -> rusqlite::Result<(Vec<Template>, u64)> {
    let page = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM templates WHERE account = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3"
        ))?
        .query_map(params![account.as_str(), bound(limit), bound(offset)], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let total = tx
        .prepare_cached("SELECT count(*) FROM templates WHERE account = ?1")?
        .query_row([account.as_str()], |row| row.get(0))?;
    Ok((page, total))
}

fn delete(tx: &Transaction<'_>, account: &AccountId, id: TemplateId) -> rusqlite::Result<bool> {
    let changed = tx
        .prepare_cached("DELETE FROM templates WHERE id = ?1 AND account = ?2")?
        .execute(params![id.0, account.as_str()])?;
    Ok(changed > 0)
}

impl Templates for SqliteRecords {
    async fn create(&self, template: &Template) -> Result<(), StoreError> {
        let template = template.clone();
        self.store.write(move |tx| create(tx, &template)).await
    }

    async fn update(&self, template: &Template) -> Result<bool, StoreError> {
        let template = template.clone();
        self.store.write(move |tx| update(tx, &template)).await
    }

    async fn get(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<Option<Template>, StoreError> {
        let account = account.clone();
        self.store.read(move |tx| get(tx, &account, id)).await
    }

    async fn list(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Template>, u64), StoreError> {
        let account = account.clone();
        self.store
            .read(move |tx| list(tx, &account, offset, limit))
            .await
    }

    async fn delete(&self, account: &AccountId, id: TemplateId) -> Result<bool, StoreError> {
        let account = account.clone();
        self.store.write(move |tx| delete(tx, &account, id)).await
    }
}
