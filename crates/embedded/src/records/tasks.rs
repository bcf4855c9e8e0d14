//! Batch tasks: a JSON body beside the columns queries need, a partial index of tasks that
//! need the scheduler, and task deliveries written insert-if-absent in one transaction.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use sesame_core::StoreError;
use sesame_core::model::Message;
use sesame_core::ports::{Task, TaskDelivery, TaskId, TaskQuery, Tasks};
use sesame_core::types::{AccountId, EmailAddress, MessageId};

use super::SqliteRecords;
use crate::codec::{bound, json, millis, to_json};

/// Tasks, and the per-recipient TemplateData of task deliveries (a nullable column, so a
/// delivery row stays one insert).
pub(crate) const MIGRATION: &str = "
CREATE TABLE tasks (
    id         INTEGER PRIMARY KEY,
    account    TEXT NOT NULL,
    status     INTEGER NOT NULL,
    receiver   INTEGER NOT NULL,
    task_type  INTEGER NOT NULL,
    deleted    INTEGER NOT NULL,
    revision   INTEGER NOT NULL,
    wake_at    INTEGER,
    body       BLOB NOT NULL
);
CREATE INDEX tasks_by_account ON tasks (account, id) WHERE deleted = 0;
CREATE INDEX tasks_due ON tasks (wake_at, id) WHERE wake_at IS NOT NULL;
ALTER TABLE deliveries ADD COLUMN task_data TEXT;
";

fn body(task: &Task) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(task).map_err(|e| StoreError::Corrupt(format!("task not serialisable: {e}")))
}

fn create(tx: &Transaction<'_>, task: &Task, body: &[u8]) -> rusqlite::Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO tasks (id, account, status, receiver, task_type, deleted, revision, wake_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            bound(task.id.0),
            task.account.as_str(),
            task.status.code() as i64,
            bound(task.receiver.0),
            task.task_type.code() as i64,
            task.deleted,
            bound(task.revision),
            task.wake_at.map(millis),
            body,
        ])?;
    Ok(n == 1)
}

fn update(tx: &Transaction<'_>, task: &Task, body: &[u8]) -> rusqlite::Result<bool> {
    let n = tx
        .prepare_cached(
            "UPDATE tasks SET status = ?3, deleted = ?4, revision = ?5, wake_at = ?6, body = ?7
             WHERE id = ?1 AND account = ?2 AND revision = ?5 - 1",
        )?
        .execute(params![
            bound(task.id.0),
            task.account.as_str(),
            task.status.code() as i64,
            task.deleted,
            bound(task.revision),
            task.wake_at.map(millis),
            body,
        ])?;
    Ok(n == 1)
}

fn list(tx: &Transaction<'_>, q: &TaskQuery) -> rusqlite::Result<(Vec<Task>, u64)> {
    let status = q.status.map(|s| s.code() as i64);
    let receiver = q.receiver.map(|r| bound(r.0));
    let kind = q.task_type.map(|t| t.code() as i64);
    let filter = "account = ?1 AND deleted = 0
        AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR receiver = ?3)
        AND (?4 IS NULL OR task_type = ?4)";
    let total: i64 = tx
        .prepare_cached(&format!("SELECT count(*) FROM tasks WHERE {filter}"))?
        .query_row(params![q.account.as_str(), status, receiver, kind], |r| {
            r.get(0)
        })?;
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT body FROM tasks WHERE {filter} ORDER BY id DESC LIMIT ?5 OFFSET ?6"
    ))?;
    let rows = stmt
        .query_map(
            params![
                q.account.as_str(),
                status,
                receiver,
                kind,
                bound(q.limit),
                bound(q.offset)
            ],
            |r| json(r, 0),
        )?
        .collect::<rusqlite::Result<Vec<Task>>>()?;
    Ok((rows, total as u64))
}

fn due(tx: &Transaction<'_>, now: DateTime<Utc>, limit: u64) -> rusqlite::Result<Vec<Task>> {
    // The partial index holds only tasks that need the scheduler; the sort by id is over
    // those few rows.
    let mut stmt = tx.prepare_cached(
        "SELECT body FROM tasks WHERE wake_at IS NOT NULL AND wake_at <= ?1 ORDER BY id LIMIT ?2",
    )?;
    stmt.query_map(params![millis(now), bound(limit)], |r| json(r, 0))?
        .collect()
}

fn insert_absent(tx: &Transaction<'_>, rows: &[TaskDelivery]) -> rusqlite::Result<Vec<bool>> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO deliveries (account, message_id, recipient, sender, send_status, deliver_status,
             deliver_message, request_time, deliver_time, attempts, claimed_until, pending, task_data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (account, message_id, recipient) DO NOTHING",
    )?;
    let mut written = Vec::with_capacity(rows.len());
    for row in rows {
        let d = &row.delivery;
        let n = insert.execute(params![
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
            row.data,
        ])?;
        written.push(n == 1);
    }
    Ok(written)
}

impl Tasks for SqliteRecords {
    async fn create_task(&self, task: &Task) -> Result<(), StoreError> {
        let body = body(task)?;
        let task = task.clone();
        let created = self.store.write(move |tx| create(tx, &task, &body)).await?;
        if created {
            Ok(())
        } else {
            Err(StoreError::Corrupt("task id already exists".to_owned()))
        }
    }

    async fn get_task(&self, account: &AccountId, id: TaskId) -> Result<Option<Task>, StoreError> {
        let account = account.clone();
        self.store
            .read(move |tx| {
                tx.prepare_cached("SELECT body FROM tasks WHERE id = ?1 AND account = ?2")?
                    .query_row(params![bound(id.0), account.as_str()], |r| json(r, 0))
                    .optional()
            })
            .await
    }

    async fn list_tasks(&self, query: &TaskQuery) -> Result<(Vec<Task>, u64), StoreError> {
        let query = query.clone();
        self.store.read(move |tx| list(tx, &query)).await
    }

    async fn update_task(&self, task: &Task) -> Result<bool, StoreError> {
        let body = body(task)?;
        let task = task.clone();
        self.store.write(move |tx| update(tx, &task, &body)).await
    }

    async fn due_tasks(&self, now: DateTime<Utc>, limit: u64) -> Result<Vec<Task>, StoreError> {
        self.store.read(move |tx| due(tx, now, limit)).await
    }

    async fn put_run_message(&self, message: &Message) -> Result<bool, StoreError> {
        let body = to_json(message).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let message = message.clone();
        self.store
            .write(move |tx| {
                let n = tx
                    .prepare_cached(
                        "INSERT INTO messages (account, id, created_at, body) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (account, id) DO NOTHING",
                    )?
                    .execute(params![
                        message.account.as_str(),
                        message.id.as_str(),
                        millis(message.created_at),
                        body
                    ])?;
                Ok(n == 1)
            })
            .await
    }

    async fn insert_deliveries_if_absent(
        &self,
        rows: &[TaskDelivery],
    ) -> Result<Vec<bool>, StoreError> {
        let rows = rows.to_vec();
        self.store.write(move |tx| insert_absent(tx, &rows)).await
    }

    async fn delivery_data(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
    ) -> Result<Option<String>, StoreError> {
        let (account, message_id, recipient) =
            (account.clone(), message_id.clone(), recipient.clone());
        self.store
            .read(move |tx| {
                let data: Option<Option<String>> = tx
                    .prepare_cached(
                        "SELECT task_data FROM deliveries
                         WHERE account = ?1 AND message_id = ?2 AND recipient = ?3",
                    )?
                    .query_row(
                        params![account.as_str(), message_id.as_str(), recipient.as_str()],
                        |r| r.get(0),
                    )
                    .optional()?;
                Ok(data.flatten())
            })
            .await
    }
}
