//! Batch tasks of [`InMemoryRecords`](super::InMemoryRecords).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::{InMemoryRecords, to_usize};
use crate::error::StoreError;
use crate::model::Message;
use crate::ports::{Task, TaskDelivery, TaskId, TaskQuery, Tasks};
use crate::testing::lock;
use crate::types::{AccountId, EmailAddress, MessageId};

/// Tasks by id, and the TemplateData of task deliveries.
#[derive(Debug, Default)]
pub(super) struct TaskState {
    tasks: BTreeMap<TaskId, Task>,
    data: HashMap<(AccountId, MessageId, String), String>,
}

fn data_key(
    account: &AccountId,
    message: &MessageId,
    recipient: &EmailAddress,
) -> (AccountId, MessageId, String) {
    (
        account.clone(),
        message.clone(),
        recipient.as_str().to_ascii_lowercase(),
    )
}

impl Tasks for InMemoryRecords {
    async fn create_task(&self, task: &Task) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        if state.tasks.tasks.contains_key(&task.id) {
            return Err(StoreError::Corrupt(format!(
                "task {} already exists",
                task.id
            )));
        }
        state.tasks.tasks.insert(task.id, task.clone());
        Ok(())
    }

    async fn get_task(&self, account: &AccountId, id: TaskId) -> Result<Option<Task>, StoreError> {
        Ok(lock(&self.state)
            .tasks
            .tasks
            .get(&id)
            .filter(|t| &t.account == account)
            .cloned())
    }

    async fn list_tasks(&self, query: &TaskQuery) -> Result<(Vec<Task>, u64), StoreError> {
        let state = lock(&self.state);
        let matching: Vec<&Task> = state
            .tasks
            .tasks
            .values()
            .rev()
            .filter(|t| t.account == query.account && !t.deleted)
            .filter(|t| query.status.is_none_or(|s| t.status == s))
            .filter(|t| query.receiver.is_none_or(|r| t.receiver == r))
            .filter(|t| query.task_type.is_none_or(|k| t.task_type == k))
            .collect();
        let total = matching.len() as u64;
        let page = matching
            .into_iter()
            .skip(to_usize(query.offset))
            .take(to_usize(query.limit))
            .cloned()
            .collect();
        Ok((page, total))
    }

    async fn update_task(&self, task: &Task) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        match state.tasks.tasks.get_mut(&task.id) {
            Some(stored)
                if stored.account == task.account && stored.revision + 1 == task.revision =>
            {
                *stored = task.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn due_tasks(&self, now: DateTime<Utc>, limit: u64) -> Result<Vec<Task>, StoreError> {
        Ok(lock(&self.state)
            .tasks
            .tasks
            .values()
            .filter(|t| t.wake_at.is_some_and(|w| w <= now))
            .take(to_usize(limit))
            .cloned()
            .collect())
    }

    async fn put_run_message(&self, message: &Message) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let key = (message.account.clone(), message.id.clone());
        if state.messages.contains_key(&key) {
            return Ok(false);
        }
        state.messages.insert(key, message.clone());
        Ok(true)
    }

    async fn insert_deliveries_if_absent(
        &self,
        rows: &[TaskDelivery],
    ) -> Result<Vec<bool>, StoreError> {
        let mut state = lock(&self.state);
        let mut written = Vec::with_capacity(rows.len());
        for row in rows {
            let d = &row.delivery;
            let key = (d.account.clone(), d.message_id.clone(), d.recipient.clone());
            if state.delivery_index.contains_key(&key) {
                written.push(false);
                continue;
            }
            let index = state.deliveries.len();
            state.delivery_index.insert(key, index);
            state.deliveries.push(d.clone());
            if let Some(data) = &row.data {
                state.tasks.data.insert(
                    data_key(&d.account, &d.message_id, &d.recipient),
                    data.clone(),
                );
            }
            written.push(true);
        }
        Ok(written)
    }

    async fn delivery_data(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
    ) -> Result<Option<String>, StoreError> {
        Ok(lock(&self.state)
            .tasks
            .data
            .get(&data_key(account, message_id, recipient))
            .cloned())
    }
}
