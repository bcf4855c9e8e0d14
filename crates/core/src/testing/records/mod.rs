//! In-memory records: one mutex over plain collections, so every method is trivially atomic.

mod counters;
mod deliveries;
mod events;
mod feedback;
mod lists;
mod quota;
mod tasks;
mod warmup;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::lock;
use crate::error::StoreError;
use crate::model::{ApiKey, Delivery, Identity, Message, Sender, Template};
use crate::ports::{Claim, Created, DeliveryQuery, Outcome, Records};
use crate::types::{AccountId, Domain, EmailAddress, MessageId, SecretId, TemplateId};

#[derive(Debug, Default)]
struct State {
    accounts: BTreeMap<AccountId, DateTime<Utc>>,
    /// Insertion order, which breaks ties between equal creation times.
    keys: Vec<ApiKey>,
    sequences: HashMap<String, u64>,
    templates: BTreeMap<TemplateId, Template>,
    identities: Vec<Identity>,
    senders: Vec<Sender>,
    messages: HashMap<(AccountId, MessageId), Message>,
    deliveries: Vec<Delivery>,
    delivery_index: HashMap<deliveries::Key, usize>,
    lists: lists::ListState,
    quota: quota::Ledger,
    counters: counters::Table,
    warmup: warmup::WarmupTables,
    feedback: feedback::FeedbackState,
    events: events::EventState,
    tasks: tasks::TaskState,
}

/// Records in memory. Clones share the same data.
#[derive(Debug, Clone, Default)]
pub struct InMemoryRecords {
    state: Arc<Mutex<State>>,
}

impl InMemoryRecords {
    /// Whether `ensure_account` was called for this account.
    pub fn has_account(&self, account: &AccountId) -> bool {
        lock(&self.state).accounts.contains_key(account)
    }
}

/// Sorts by creation time; the sort is stable, so insertion order breaks ties.
fn oldest_first<T: Clone>(
    items: impl Iterator<Item = T>,
    created: impl Fn(&T) -> DateTime<Utc>,
) -> Vec<T> {
    let mut items: Vec<T> = items.collect();
    items.sort_by_key(|item| created(item));
    items
}

impl Records for InMemoryRecords {
    async fn ensure_account(
        &self,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        lock(&self.state)
            .accounts
            .entry(account.clone())
            .or_insert(now);
        Ok(())
    }

    async fn put_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        state.keys.retain(|k| k.secret_id != key.secret_id);
        state.keys.push(key.clone());
        Ok(())
    }

    async fn get_key(&self, id: &SecretId) -> Result<Option<ApiKey>, StoreError> {
        Ok(lock(&self.state)
            .keys
            .iter()
            .find(|k| &k.secret_id == id)
            .cloned())
    }

    async fn list_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        Ok(oldest_first(lock(&self.state).keys.iter().cloned(), |k| {
            k.created_at
        }))
    }

    async fn revoke_key(&self, id: &SecretId) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let key = state.keys.iter_mut().find(|k| &k.secret_id == id);
        Ok(key.map(|k| k.revoked = true).is_some())
    }

    async fn next_sequence(&self, name: &str) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let value = state.sequences.entry(name.to_owned()).or_insert(0);
        *value += 1;
        Ok(*value)
    }

    async fn create_template(&self, template: &Template) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        if state.templates.contains_key(&template.id) {
            return Err(StoreError::Corrupt(format!(
                "template {} already exists",
                template.id.0
            )));
        }
        state.templates.insert(template.id, template.clone());
        Ok(())
    }

    async fn update_template(&self, template: &Template) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let Some(stored) = state
            .templates
            .get_mut(&template.id)
            .filter(|t| t.account == template.account)
        else {
            return Ok(false);
        };
        stored.name = template.name.clone();
        stored.html = template.html.clone();
        stored.text = template.text.clone();
        Ok(true)
    }

    async fn get_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<Option<Template>, StoreError> {
        Ok(lock(&self.state)
            .templates
            .get(&id)
            .filter(|t| &t.account == account)
            .cloned())
    }

    async fn list_templates(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Template>, u64), StoreError> {
        let state = lock(&self.state);
        let mut mine: Vec<&Template> = state
            .templates
            .values()
            .filter(|t| &t.account == account)
            .collect();
        mine.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
        let total = mine.len() as u64;
        let page = mine
            .into_iter()
            .skip(to_usize(offset))
            .take(to_usize(limit))
            .cloned()
            .collect();
        Ok((page, total))
    }

    async fn delete_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        if state
            .templates
            .get(&id)
            .is_some_and(|t| &t.account == account)
        {
            state.templates.remove(&id);
            return Ok(true);
        }
        Ok(false)
    }

    async fn create_identity(&self, identity: &Identity) -> Result<Created, StoreError> {
        let mut state = lock(&self.state);
        match state
            .identities
            .iter()
            .find(|i| i.domain == identity.domain)
        {
            Some(existing) if existing.account == identity.account => Ok(Created::AlreadyExists),
            Some(_) => Ok(Created::OwnedByOther),
            None => {
                state.identities.push(identity.clone());
                Ok(Created::Yes)
            }
        }
    }

    async fn get_identity(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<Option<Identity>, StoreError> {
        let state = lock(&self.state);
        Ok(state
            .identities
            .iter()
            .find(|i| &i.account == account && &i.domain == domain)
            .cloned())
    }

    async fn list_identities(&self, account: &AccountId) -> Result<Vec<Identity>, StoreError> {
        let state = lock(&self.state);
        Ok(oldest_first(
            state
                .identities
                .iter()
                .filter(|i| &i.account == account)
                .cloned(),
            |i| i.created_at,
        ))
    }

    async fn list_all_identities(&self) -> Result<Vec<Identity>, StoreError> {
        let mut all = lock(&self.state).identities.clone();
        all.sort_by(|a, b| a.domain.as_str().cmp(b.domain.as_str()));
        Ok(all)
    }

    async fn update_identity(&self, identity: &Identity) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let stored = state
            .identities
            .iter_mut()
            .find(|i| i.account == identity.account && i.domain == identity.domain);
        Ok(stored.map(|i| *i = identity.clone()).is_some())
    }

    async fn delete_identity(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let before = state.identities.len();
        state
            .identities
            .retain(|i| !(&i.account == account && &i.domain == domain));
        Ok(state.identities.len() < before)
    }

    async fn create_sender(&self, sender: &Sender) -> Result<Created, StoreError> {
        let mut state = lock(&self.state);
        if state
            .senders
            .iter()
            .any(|s| s.account == sender.account && s.address == sender.address)
        {
            return Ok(Created::AlreadyExists);
        }
        state.senders.push(sender.clone());
        Ok(Created::Yes)
    }

    async fn get_sender(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<Option<Sender>, StoreError> {
        let state = lock(&self.state);
        Ok(state
            .senders
            .iter()
            .find(|s| &s.account == account && &s.address == address)
            .cloned())
    }

    async fn list_senders(&self, account: &AccountId) -> Result<Vec<Sender>, StoreError> {
        let state = lock(&self.state);
        Ok(oldest_first(
            state
                .senders
                .iter()
                .filter(|s| &s.account == account)
                .cloned(),
            |s| s.created_at,
        ))
    }

    async fn delete_sender(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let before = state.senders.len();
        state
            .senders
            .retain(|s| !(&s.account == account && &s.address == address));
        Ok(state.senders.len() < before)
    }

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

    async fn claim_delivery(
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

    async fn list_deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        Ok(lock(&self.state).list_deliveries(query))
    }

    async fn stale_deliveries(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Delivery>, StoreError> {
        Ok(lock(&self.state).stale_deliveries(before, limit))
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}
