//! Messages and deliveries of [`InMemoryRecords`](super::InMemoryRecords).

use chrono::{DateTime, Utc};

use super::{InMemoryRecords, State, oldest_first, to_usize};
use crate::error::StoreError;
use crate::model::{Delivery, Message};
use crate::ports::{Claim, Deliveries, DeliveryQuery, Outcome};
use crate::testing::lock;
use crate::types::{AccountId, EmailAddress, MessageId};

/// A delivery's identity: account, message, recipient.
pub(super) type Key = (AccountId, MessageId, EmailAddress);

impl State {
    /// All or nothing: every check happens before the first write.
    pub(super) fn insert_message(
        &mut self,
        message: &Message,
        deliveries: &[Delivery],
    ) -> Result<(), StoreError> {
        let message_key = (message.account.clone(), message.id.clone());
        if self.messages.contains_key(&message_key) {
            return Err(StoreError::Corrupt(format!(
                "message {} already exists",
                message.id
            )));
        }
        let mut keys: Vec<Key> = Vec::with_capacity(deliveries.len());
        for d in deliveries {
            if d.account != message.account || d.message_id != message.id {
                return Err(StoreError::Corrupt(
                    "delivery does not belong to the message".to_owned(),
                ));
            }
            let key = (d.account.clone(), d.message_id.clone(), d.recipient.clone());
            if self.delivery_index.contains_key(&key) || keys.contains(&key) {
                return Err(StoreError::Corrupt(format!(
                    "duplicate delivery to {}",
                    d.recipient.redacted()
                )));
            }
            keys.push(key);
        }
        self.messages.insert(message_key, message.clone());
        for (key, d) in keys.into_iter().zip(deliveries) {
            self.delivery_index.insert(key, self.deliveries.len());
            self.deliveries.push(d.clone());
        }
        Ok(())
    }

    fn delivery_mut(&mut self, key: &Key) -> Option<&mut Delivery> {
        let index = *self.delivery_index.get(key)?;
        self.deliveries.get_mut(index)
    }

    pub(super) fn claim(&mut self, key: &Key, now: DateTime<Utc>, until: DateTime<Utc>) -> Claim {
        let Some(d) = self.delivery_mut(key) else {
            return Claim::Missing;
        };
        if d.is_final() {
            return Claim::AlreadyFinal;
        }
        if d.claimed_until.is_some_and(|held| held > now) {
            return Claim::Held;
        }
        d.attempts += 1;
        d.claimed_until = Some(until);
        Claim::Claimed(d.clone())
    }

    pub(super) fn record_outcome(&mut self, key: &Key, outcome: &Outcome) {
        if let Some(d) = self.delivery_mut(key).filter(|d| !d.is_final()) {
            d.send_status = outcome.send_status;
            d.deliver_status = outcome.deliver_status;
            d.deliver_message = outcome.deliver_message.clone();
            d.deliver_time = Some(outcome.at);
            d.claimed_until = outcome.retry_at;
        }
    }

    pub(super) fn list_deliveries(&self, q: &DeliveryQuery) -> Vec<Delivery> {
        let matching = self.deliveries.iter().filter(|d| {
            d.account == q.account
                && d.request_time >= q.from
                && d.request_time < q.until
                && q.message_id.as_ref().is_none_or(|id| &d.message_id == id)
                && q.recipient.as_ref().is_none_or(|r| &d.recipient == r)
        });
        let sorted = oldest_first(matching, |d| d.request_time);
        sorted
            .into_iter()
            .skip(to_usize(q.offset))
            .take(to_usize(q.limit))
            .cloned()
            .collect()
    }

    pub(super) fn stale_deliveries(&self, before: DateTime<Utc>, limit: u64) -> Vec<Delivery> {
        let due = |d: &&Delivery| d.claimed_until.unwrap_or(d.request_time);
        let stale = self
            .deliveries
            .iter()
            .filter(|d| !d.is_final() && due(d) < before);
        oldest_first(stale, due)
            .into_iter()
            .take(to_usize(limit))
            .cloned()
            .collect()
    }
}

impl Deliveries for InMemoryRecords {
    async fn insert_message(
        &self,
        message: &Message,
        deliveries: &[Delivery],
    ) -> Result<(), StoreError> {
        lock(&self.state).insert_message(message, deliveries)
    }

    async fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError> {
        Ok(lock(&self.state)
            .messages
            .get(&(account.clone(), id.clone()))
            .cloned())
    }

    async fn claim(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        Ok(lock(&self.state).claim(
            &(account.clone(), message_id.clone(), recipient.clone()),
            now,
            until,
        ))
    }

    async fn record_outcome(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        outcome: &Outcome,
    ) -> Result<(), StoreError> {
        lock(&self.state).record_outcome(
            &(account.clone(), message_id.clone(), recipient.clone()),
            outcome,
        );
        Ok(())
    }

    async fn list(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        Ok(lock(&self.state).list_deliveries(query))
    }

    async fn stale(&self, before: DateTime<Utc>, limit: u64) -> Result<Vec<Delivery>, StoreError> {
        Ok(lock(&self.state).stale_deliveries(before, limit))
    }
}
