//! In-memory recipient groups, blacklists and unsubscribe configs.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::InMemoryRecords;
use crate::error::StoreError;
use crate::ports::{
    BlockUpdate, Blocks, BounceBlock, BounceBlockQuery, Created, CustomBlock, CustomBlockQuery,
    DetailPage, DetailQuery, Lists, NewDetail, Receiver, ReceiverDetail, ReceiverId, ReceiverQuery,
    ReceiverStatus, UnsubscribeConfig, UploadStart,
};
use crate::testing::lock;
use crate::types::{AccountId, EmailAddress};

/// Everything the lists port keeps.
#[derive(Debug, Default)]
pub(super) struct ListState {
    receivers: BTreeMap<ReceiverId, Receiver>,
    details: BTreeMap<ReceiverId, Vec<ReceiverDetail>>,
    /// Insertion order is the list order (oldest first).
    custom: Vec<CustomBlock>,
    bounces: Vec<BounceBlock>,
    unsubscribe: Vec<UnsubscribeConfig>,
}

fn contains(haystack: &str, needle: &Option<String>) -> bool {
    needle
        .as_ref()
        .is_none_or(|n| haystack.to_lowercase().contains(&n.to_lowercase()))
}

fn page<T: Clone>(items: &[T], offset: u64, limit: u64) -> Vec<T> {
    items
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .cloned()
        .collect()
}

fn owned<'a>(
    state: &'a mut ListState,
    account: &AccountId,
    id: ReceiverId,
) -> Option<&'a mut Receiver> {
    state
        .receivers
        .get_mut(&id)
        .filter(|r| &r.account == account)
}

impl Lists for InMemoryRecords {
    async fn create_receiver(&self, receiver: &Receiver) -> Result<Created, StoreError> {
        let mut state = lock(&self.state);
        let lists = &mut state.lists;
        let taken = lists
            .receivers
            .values()
            .any(|r| r.account == receiver.account && r.name == receiver.name);
        if taken || lists.receivers.contains_key(&receiver.id) {
            return Ok(Created::AlreadyExists);
        }
        lists.receivers.insert(receiver.id, receiver.clone());
        Ok(Created::Yes)
    }

    async fn get_receiver(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> Result<Option<Receiver>, StoreError> {
        let mut state = lock(&self.state);
        Ok(owned(&mut state.lists, account, id).map(|r| r.clone()))
    }

    async fn list_receivers(
        &self,
        query: &ReceiverQuery,
    ) -> Result<(Vec<Receiver>, u64), StoreError> {
        let state = lock(&self.state);
        let mut matching: Vec<Receiver> = state
            .lists
            .receivers
            .values()
            .filter(|r| r.account == query.account)
            .filter(|r| query.status.is_none_or(|s| s == r.status))
            .filter(|r| contains(&r.name, &query.keyword))
            .cloned()
            .collect();
        matching.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
        let total = matching.len() as u64;
        Ok((page(&matching, query.offset, query.limit), total))
    }

    async fn delete_receiver(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        if owned(&mut state.lists, account, id).is_none() {
            return Ok(false);
        }
        state.lists.receivers.remove(&id);
        state.lists.details.remove(&id);
        Ok(true)
    }

    async fn begin_upload(
        &self,
        account: &AccountId,
        id: ReceiverId,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<UploadStart, StoreError> {
        let mut state = lock(&self.state);
        let Some(receiver) = owned(&mut state.lists, account, id) else {
            return Ok(UploadStart::Missing);
        };
        let running = receiver.status == ReceiverStatus::Uploading
            && receiver
                .upload_started_at
                .is_some_and(|t| t >= stale_before);
        if running {
            return Ok(UploadStart::Busy);
        }
        let before = receiver.clone();
        receiver.status = ReceiverStatus::Uploading;
        receiver.upload_started_at = Some(now);
        Ok(UploadStart::Started(before))
    }

    async fn append_details(
        &self,
        account: &AccountId,
        id: ReceiverId,
        rows: &[NewDetail],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let Some(receiver) = owned(&mut state.lists, account, id) else {
            return Err(StoreError::Corrupt(format!("receiver {id} does not exist")));
        };
        receiver.count += rows.len() as u64;
        receiver.invalid_count += rows.iter().filter(|r| r.invalid_reason.is_some()).count() as u64;
        let details = state.lists.details.entry(id).or_default();
        let mut seq = details.last().map_or(0, |d| d.seq);
        for row in rows {
            seq += 1;
            details.push(ReceiverDetail {
                seq,
                email: row.email.clone(),
                template_data: row.template_data.clone(),
                invalid_reason: row.invalid_reason.clone(),
                created_at: now,
            });
        }
        Ok(seq)
    }

    async fn end_upload(
        &self,
        account: &AccountId,
        id: ReceiverId,
        data_keys: Option<Vec<String>>,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let Some(receiver) = owned(&mut state.lists, account, id) else {
            return Ok(false);
        };
        receiver.status = if receiver.count > 0 {
            ReceiverStatus::Ready
        } else {
            ReceiverStatus::Empty
        };
        receiver.upload_started_at = None;
        if data_keys.is_some() {
            receiver.data_keys = data_keys;
        }
        Ok(true)
    }

    async fn details_after(
        &self,
        account: &AccountId,
        id: ReceiverId,
        after_seq: u64,
        limit: u64,
    ) -> Result<Vec<ReceiverDetail>, StoreError> {
        let mut state = lock(&self.state);
        if owned(&mut state.lists, account, id).is_none() {
            return Ok(Vec::new());
        }
        let rows = state.lists.details.get(&id).map_or(&[][..], Vec::as_slice);
        let start = rows.partition_point(|d| d.seq <= after_seq);
        Ok(page(&rows[start..], 0, limit))
    }

    async fn list_details(&self, query: &DetailQuery) -> Result<DetailPage, StoreError> {
        let mut state = lock(&self.state);
        if owned(&mut state.lists, &query.account, query.receiver).is_none() {
            return Ok(DetailPage::default());
        }
        let rows = state
            .lists
            .details
            .get(&query.receiver)
            .map_or(&[][..], Vec::as_slice);
        let matching: Vec<ReceiverDetail> = rows
            .iter()
            .filter(|d| contains(&d.email, &query.email))
            .filter(|d| query.from.is_none_or(|t| d.created_at >= t))
            .filter(|d| query.until.is_none_or(|t| d.created_at < t))
            .filter(|d| query.valid.is_none_or(|v| v == d.invalid_reason.is_none()))
            .cloned()
            .collect();
        let invalid = matching
            .iter()
            .filter(|d| d.invalid_reason.is_some())
            .count() as u64;
        let total = matching.len() as u64;
        Ok(DetailPage {
            rows: page(&matching, query.offset, query.limit),
            total,
            valid: total - invalid,
            invalid,
        })
    }

    async fn upsert_custom_blocks(&self, blocks: &[CustomBlock]) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        for block in blocks {
            let custom = &mut state.lists.custom;
            match custom
                .iter_mut()
                .find(|c| c.account == block.account && c.email == block.email)
            {
                Some(existing) => existing.expire_date = block.expire_date,
                None => custom.push(block.clone()),
            }
        }
        Ok(())
    }

    async fn list_custom_blocks(
        &self,
        query: &CustomBlockQuery,
    ) -> Result<(Vec<CustomBlock>, u64), StoreError> {
        let state = lock(&self.state);
        let mut matching: Vec<CustomBlock> = state
            .lists
            .custom
            .iter()
            .filter(|c| c.account == query.account)
            .filter(|c| query.active.is_none_or(|a| a == c.is_active(query.today)))
            .filter(|c| contains(c.email.as_str(), &query.email))
            .cloned()
            .collect();
        matching.sort_by_key(|c| (c.created_at, c.id));
        let total = matching.len() as u64;
        Ok((page(&matching, query.offset, query.limit), total))
    }

    async fn update_custom_block(
        &self,
        account: &AccountId,
        id: u64,
        email: &EmailAddress,
        expire_date: Option<NaiveDate>,
    ) -> Result<BlockUpdate, StoreError> {
        let mut state = lock(&self.state);
        let custom = &mut state.lists.custom;
        let taken = custom
            .iter()
            .any(|c| &c.account == account && &c.email == email && c.id != id);
        let Some(entry) = custom
            .iter_mut()
            .find(|c| &c.account == account && c.id == id)
        else {
            return Ok(BlockUpdate::Missing);
        };
        if taken {
            return Ok(BlockUpdate::AddressTaken);
        }
        entry.email = email.clone();
        entry.expire_date = expire_date;
        Ok(BlockUpdate::Updated)
    }

    async fn delete_custom_blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let before = state.lists.custom.len();
        state
            .lists
            .custom
            .retain(|c| !(&c.account == account && emails.contains(&c.email)));
        Ok((before - state.lists.custom.len()) as u64)
    }

    async fn put_bounce_block(&self, block: &BounceBlock) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        let bounces = &mut state.lists.bounces;
        bounces.retain(|b| !(b.account == block.account && b.email == block.email));
        bounces.push(block.clone());
        Ok(())
    }

    async fn list_bounce_blocks(
        &self,
        query: &BounceBlockQuery,
    ) -> Result<(Vec<BounceBlock>, u64), StoreError> {
        let state = lock(&self.state);
        let mut matching: Vec<BounceBlock> = state
            .lists
            .bounces
            .iter()
            .filter(|b| b.account == query.account)
            .filter(|b| query.from <= b.bounced_at && b.bounced_at < query.until)
            .filter(|b| contains(b.email.as_str(), &query.email))
            .cloned()
            .collect();
        matching.sort_by(|x, y| (y.bounced_at, &y.email).cmp(&(x.bounced_at, &x.email)));
        let total = matching.len() as u64;
        Ok((page(&matching, query.offset, query.limit), total))
    }

    async fn delete_bounce_blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let before = state.lists.bounces.len();
        state
            .lists
            .bounces
            .retain(|b| !(&b.account == account && emails.contains(&b.email)));
        Ok((before - state.lists.bounces.len()) as u64)
    }

    async fn blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<Vec<Blocks>, StoreError> {
        let state = lock(&self.state);
        Ok(emails
            .iter()
            .map(|email| Blocks {
                custom: state
                    .lists
                    .custom
                    .iter()
                    .find(|c| &c.account == account && &c.email == email)
                    .cloned(),
                bounce: state
                    .lists
                    .bounces
                    .iter()
                    .find(|b| &b.account == account && &b.email == email)
                    .cloned(),
            })
            .collect())
    }

    async fn create_unsubscribe_config(
        &self,
        config: &UnsubscribeConfig,
    ) -> Result<Created, StoreError> {
        let mut state = lock(&self.state);
        let configs = &mut state.lists.unsubscribe;
        if configs
            .iter()
            .any(|c| c.account == config.account && c.address == config.address)
        {
            return Ok(Created::AlreadyExists);
        }
        configs.push(config.clone());
        Ok(Created::Yes)
    }

    async fn update_unsubscribe_config(
        &self,
        config: &UnsubscribeConfig,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        match state
            .lists
            .unsubscribe
            .iter_mut()
            .find(|c| c.account == config.account && c.address == config.address)
        {
            Some(existing) => {
                existing.language = config.language.clone();
                existing.enabled = config.enabled;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn get_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<Option<UnsubscribeConfig>, StoreError> {
        Ok(lock(&self.state)
            .lists
            .unsubscribe
            .iter()
            .find(|c| &c.account == account && &c.address == address)
            .cloned())
    }

    async fn list_unsubscribe_configs(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<UnsubscribeConfig>, u64), StoreError> {
        let state = lock(&self.state);
        let mut mine: Vec<UnsubscribeConfig> = state
            .lists
            .unsubscribe
            .iter()
            .filter(|c| &c.account == account)
            .cloned()
            .collect();
        mine.sort_by(|x, y| (x.created_at, &x.address).cmp(&(y.created_at, &y.address)));
        let total = mine.len() as u64;
        Ok((page(&mine, offset, limit), total))
    }

    async fn delete_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let before = state.lists.unsubscribe.len();
        state
            .lists
            .unsubscribe
            .retain(|c| !(&c.account == account && &c.address == address));
        Ok(before != state.lists.unsubscribe.len())
    }
}
