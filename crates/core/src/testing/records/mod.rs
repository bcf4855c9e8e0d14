//! In-memory storage ports: one mutex over plain collections, so every method is trivially
//! atomic. Each port is implemented in its own module.

mod counters;
mod deliveries;
mod events;
mod feedback;
mod identities;
mod keys;
mod lists;
mod quota;
mod tasks;
mod templates;
mod warmup;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::lock;
use crate::model::{ApiKey, Delivery, Identity, Message, Sender, Template};
use crate::types::{AccountId, MessageId, TemplateId};

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

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}
