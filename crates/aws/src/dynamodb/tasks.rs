//! Batch tasks over the single table (layout in `infra/dynamodb-table.md`).
//!
//! A task is one item in its account's partition (`TASK#<id>`): the task as JSON beside the
//! attributes conditions and filters need. A task that needs the scheduler also carries
//! `pending = TASKS` and `due_at = wake_at`, which puts it in the existing sparse `pending`
//! index under a partition of its own (the delivery sweep only reads `PENDING#<n>`): finding
//! due tasks reads only due tasks. Updates are a PutItem conditioned on the revision read.
//!
//! Task deliveries are written with TransactWriteItems of up to 100 puts, each only if absent;
//! when a transaction is cancelled because some rows exist, the cancellation reasons say
//! which, and the rest are written again. A crash between transactions leaves a prefix, which
//! the repeated expansion finds present.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use chrono::{DateTime, Utc};
use sesame_core::StoreError;
use sesame_core::model::Message;
use sesame_core::ports::{Task, TaskDelivery, TaskId, TaskQuery, Tasks};
use sesame_core::types::{AccountId, EmailAddress, MessageId};

use super::deliveries::delivery_item;
use super::item::{Item, Reader, n, s, time};
use super::table::{
    DUE_AT, MESSAGE_SK, PENDING, PENDING_INDEX, PK, SK, account_pk, delivery_sk, message_pk,
};
use super::{DynamoDbRecords, condition_met, is_condition_failure};
use crate::error::{build_error, corrupt, sdk_error};

/// Partition of the `pending` index holding tasks that need the scheduler.
const TASKS_DUE: &str = "TASKS";
/// Sort-key prefix of tasks in the account partition.
const TASK_PREFIX: &str = "TASK#";
/// Items per TransactWriteItems (the service maximum).
const TRANSACTION_SIZE: usize = 100;

fn task_sk(id: TaskId) -> String {
    format!("{TASK_PREFIX}{:020}", id.0)
}

fn task_item(task: &Task) -> Result<Item, StoreError> {
    let body =
        serde_json::to_string(task).map_err(|e| corrupt(format!("task not serialisable: {e}")))?;
    let mut item = Item::from([
        (PK.to_owned(), s(account_pk(&task.account))),
        (SK.to_owned(), s(task_sk(task.id))),
        ("account".to_owned(), s(task.account.as_str())),
        ("id".to_owned(), n(task.id.0)),
        ("revision".to_owned(), n(task.revision)),
        ("body".to_owned(), s(body)),
    ]);
    if let Some(wake) = task.wake_at {
        item.insert(PENDING.to_owned(), s(TASKS_DUE));
        item.insert(DUE_AT.to_owned(), time(wake));
    }
    Ok(item)
}

fn task_from(item: &Item) -> Result<Task, StoreError> {
    let body = Reader::new(item, "task").s("body")?;
    serde_json::from_str(body).map_err(|e| corrupt(format!("task item: invalid body: {e}")))
}

impl DynamoDbRecords {
    /// Writes one chunk (≤ 100 rows) of task deliveries, each only if absent.
    async fn insert_absent_chunk(&self, rows: &[TaskDelivery]) -> Result<Vec<bool>, StoreError> {
        let mut written = vec![false; rows.len()];
        // Rows still to try: all at first, then those whose transaction was cancelled only
        // because another row of it existed.
        let mut todo: Vec<usize> = (0..rows.len()).collect();
        for _ in 0..=rows.len() {
            if todo.is_empty() {
                break;
            }
            let mut request = self.client.transact_write_items();
            for &i in &todo {
                let row = &rows[i];
                let mut item =
                    delivery_item(&row.delivery, self.expires_at(row.delivery.request_time));
                if let Some(data) = &row.data {
                    item.insert("task_data".to_owned(), s(data.as_str()));
                }
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", PK)
                    .build()
                    .map_err(|e| build_error("TransactWriteItems", e))?;
                request = request.transact_items(TransactWriteItem::builder().put(put).build());
            }
            match request.send().await {
                Ok(_) => {
                    for &i in &todo {
                        written[i] = true;
                    }
                    return Ok(written);
                }
                Err(e) => {
                    let reasons: Vec<Option<String>> = match e.as_service_error() {
                        Some(TransactWriteItemsError::TransactionCanceledException(c)) => c
                            .cancellation_reasons()
                            .iter()
                            .map(|r| r.code().map(str::to_owned))
                            .collect(),
                        _ => return Err(sdk_error("TransactWriteItems", e)),
                    };
                    let existing: Vec<bool> = reasons
                        .iter()
                        .map(|r| r.as_deref() == Some("ConditionalCheckFailed"))
                        .collect();
                    if reasons.len() != todo.len() || !existing.iter().any(|x| *x) {
                        // Cancelled for another reason (a conflict, throttling): retryable.
                        return Err(sdk_error("TransactWriteItems", e));
                    }
                    todo = todo
                        .iter()
                        .zip(&existing)
                        .filter(|(_, exists)| !**exists)
                        .map(|(i, _)| *i)
                        .collect();
                }
            }
        }
        Ok(written)
    }
}

impl Tasks for DynamoDbRecords {
    async fn create_task(&self, task: &Task) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(task_item(task)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => {
                Err(corrupt(format!("task {} already exists", task.id)))
            }
            Err(e) => Err(sdk_error("PutItem", e)),
        }
    }

    async fn get_task(&self, account: &AccountId, id: TaskId) -> Result<Option<Task>, StoreError> {
        self.get(account_pk(account), task_sk(id))
            .await?
            .as_ref()
            .map(task_from)
            .transpose()
    }

    async fn list_tasks(&self, query: &TaskQuery) -> Result<(Vec<Task>, u64), StoreError> {
        // Tasks are listed from the account partition and filtered in memory, like templates.
        let mut tasks: Vec<Task> = self
            .query_prefix(account_pk(&query.account), TASK_PREFIX)
            .await?
            .iter()
            .map(task_from)
            .collect::<Result<_, _>>()?;
        tasks.retain(|t| {
            !t.deleted
                && query.status.is_none_or(|s| t.status == s)
                && query.receiver.is_none_or(|r| t.receiver == r)
                && query.task_type.is_none_or(|k| t.task_type == k)
        });
        tasks.sort_by_key(|t| std::cmp::Reverse(t.id));
        let total = tasks.len() as u64;
        let page = tasks
            .into_iter()
            .skip(usize::try_from(query.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(query.limit).unwrap_or(usize::MAX))
            .collect();
        Ok((page, total))
    }

    async fn update_task(&self, task: &Task) -> Result<bool, StoreError> {
        let Some(previous) = task.revision.checked_sub(1) else {
            return Ok(false);
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(task_item(task)?))
            .condition_expression("attribute_exists(#pk) AND #account = :account AND #rev = :rev")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#account", "account")
            .expression_attribute_names("#rev", "revision")
            .expression_attribute_values(":account", s(task.account.as_str()))
            .expression_attribute_values(":rev", n(previous))
            .send()
            .await;
        condition_met(result, "PutItem")
    }

    async fn due_tasks(&self, now: DateTime<Utc>, limit: u64) -> Result<Vec<Task>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(PENDING_INDEX)
            .key_condition_expression("#p = :p AND #due <= :now")
            .expression_attribute_names("#p", PENDING)
            .expression_attribute_names("#due", DUE_AT)
            .expression_attribute_values(":p", s(TASKS_DUE))
            .expression_attribute_values(":now", time(now))
            .projection_expression("#pk, #sk, #id")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_names("#id", "id");
        let mut keys = Vec::new();
        for item in Self::query_items(query, None).await? {
            let r = Reader::new(&item, "task index entry");
            keys.push((r.n::<u64>("id")?, r.s(PK)?.to_owned(), r.s(SK)?.to_owned()));
        }
        keys.sort();
        let mut tasks = Vec::new();
        // The index is eventually consistent: each due task is read again, strongly, and kept
        // only if it is still due.
        for (_, pk, sk) in keys {
            if tasks.len() as u64 >= limit {
                break;
            }
            if let Some(item) = self.get(pk, sk).await? {
                let task = task_from(&item)?;
                if task.wake_at.is_some_and(|w| w <= now) {
                    tasks.push(task);
                }
            }
        }
        Ok(tasks)
    }

    async fn put_run_message(&self, message: &Message) -> Result<bool, StoreError> {
        let pk = message_pk(&message.account, &message.id);
        if self.get(pk.clone(), MESSAGE_SK).await?.is_some() {
            return Ok(false);
        }
        match self.write_message(message, &[]).await {
            Ok(()) => Ok(true),
            // Another ticker wrote it in between.
            Err(e) if self.get(pk, MESSAGE_SK).await?.is_some() => {
                tracing::debug!(error = %e, "run message written concurrently");
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    async fn insert_deliveries_if_absent(
        &self,
        rows: &[TaskDelivery],
    ) -> Result<Vec<bool>, StoreError> {
        let mut written = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(TRANSACTION_SIZE) {
            written.extend(self.insert_absent_chunk(chunk).await?);
        }
        Ok(written)
    }

    async fn delivery_data(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
    ) -> Result<Option<String>, StoreError> {
        let item = self
            .get(message_pk(account, message_id), delivery_sk(recipient))
            .await?;
        Ok(item.and_then(|i| {
            Reader::new(&i, "delivery")
                .opt_s("task_data")
                .ok()
                .flatten()
                .map(str::to_owned)
        }))
    }
}
