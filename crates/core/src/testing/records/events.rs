//! The events port in memory.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::{InMemoryRecords, lock};
use crate::error::StoreError;
use crate::ports::{Engagement, Event, EventKind, Events, Hit};
use crate::types::{AccountId, EmailAddress, MessageId};

type Copy = (AccountId, MessageId, String);

#[derive(Debug, Default)]
pub(super) struct EventState {
    hits: HashMap<String, Hit>,
    /// Per account: cursor → event.
    feeds: HashMap<AccountId, BTreeMap<String, Event>>,
    event_ids: HashSet<(AccountId, String)>,
    flags: HashMap<Copy, Engagement>,
    unsubscribed: HashSet<(AccountId, String, String)>,
    tracking_off: HashSet<AccountId>,
}

fn copy(account: &AccountId, message: &MessageId, recipient: &EmailAddress) -> Copy {
    (
        account.clone(),
        message.clone(),
        recipient.as_str().to_ascii_lowercase(),
    )
}

/// Sets the flag an event kind carries, unless already set.
pub(crate) fn apply_flag(flags: &mut Engagement, kind: EventKind, at: DateTime<Utc>) {
    let slot = match kind {
        EventKind::Opened => &mut flags.opened_at,
        EventKind::Clicked => &mut flags.clicked_at,
        EventKind::Unsubscribed => &mut flags.unsubscribed_at,
        EventKind::Complained => &mut flags.complained_at,
        EventKind::Delivered | EventKind::Bounced => return,
    };
    slot.get_or_insert(at);
}

impl Events for InMemoryRecords {
    async fn put_hits(&self, hits: &[Hit]) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        for hit in hits {
            state
                .events
                .hits
                .entry(hit.id.clone())
                .or_insert_with(|| hit.clone());
        }
        Ok(())
    }

    async fn list_hits(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Hit>, StoreError> {
        let state = lock(&self.state);
        let want = copy(account, message_id, recipient);
        let mut hits: Vec<Hit> = state
            .events
            .hits
            .values()
            .filter(|h| copy(&h.account, &h.message_id, &h.recipient) == want && h.at >= since)
            .cloned()
            .collect();
        hits.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        hits.truncate(limit);
        Ok(hits)
    }

    async fn append_events(&self, events: &[Event]) -> Result<Vec<bool>, StoreError> {
        let mut state = lock(&self.state);
        let mut fresh = Vec::with_capacity(events.len());
        for event in events {
            let new = state
                .events
                .event_ids
                .insert((event.account.clone(), event.id.clone()));
            if new {
                state
                    .events
                    .feeds
                    .entry(event.account.clone())
                    .or_default()
                    .insert(event.cursor(), event.clone());
                let key = copy(&event.account, &event.message_id, &event.recipient);
                apply_flag(
                    state.events.flags.entry(key).or_default(),
                    event.kind,
                    event.at,
                );
            }
            fresh.push(new);
        }
        Ok(fresh)
    }

    async fn list_events(
        &self,
        account: &AccountId,
        after: Option<&str>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let state = lock(&self.state);
        let Some(feed) = state.events.feeds.get(account) else {
            return Ok(Vec::new());
        };
        Ok(feed
            .iter()
            .filter(|(cursor, _)| after.is_none_or(|a| cursor.as_str() > a))
            .map(|(_, e)| e)
            .take_while(|e| e.recorded_at <= until)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn engagements(
        &self,
        account: &AccountId,
        keys: &[(MessageId, EmailAddress)],
    ) -> Result<Vec<Engagement>, StoreError> {
        let state = lock(&self.state);
        Ok(keys
            .iter()
            .map(|(m, r)| {
                state
                    .events
                    .flags
                    .get(&copy(account, m, r))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect())
    }

    async fn unsubscribe(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipient: &EmailAddress,
        _at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(lock(&self.state).events.unsubscribed.insert((
            account.clone(),
            sender.as_str().to_ascii_lowercase(),
            recipient.as_str().to_ascii_lowercase(),
        )))
    }

    async fn is_unsubscribed(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipient: &EmailAddress,
    ) -> Result<bool, StoreError> {
        Ok(lock(&self.state).events.unsubscribed.contains(&(
            account.clone(),
            sender.as_str().to_ascii_lowercase(),
            recipient.as_str().to_ascii_lowercase(),
        )))
    }

    async fn set_tracking(&self, account: &AccountId, enabled: bool) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        if enabled {
            state.events.tracking_off.remove(account);
        } else {
            state.events.tracking_off.insert(account.clone());
        }
        Ok(())
    }

    async fn tracking_enabled(&self, account: &AccountId) -> Result<bool, StoreError> {
        Ok(!lock(&self.state).events.tracking_off.contains(account))
    }
}
