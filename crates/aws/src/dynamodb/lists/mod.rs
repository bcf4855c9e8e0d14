//! The lists port over the single table: recipient groups and rows ([`receivers`]),
//! blacklists and unsubscribe configs ([`blocks`]). Item layout and access patterns are in
//! `infra/dynamodb-table.md`.

mod blocks;
mod receivers;

use chrono::{DateTime, NaiveDate, Utc};
use sesame_core::StoreError;
use sesame_core::ports::{
    BlockUpdate, Blocks, BounceBlock, BounceBlockQuery, Created, CustomBlock, CustomBlockQuery,
    DetailPage, DetailQuery, Lists, NewDetail, Receiver, ReceiverDetail, ReceiverId, ReceiverQuery,
    UnsubscribeConfig, UploadStart,
};
use sesame_core::types::{AccountId, EmailAddress};

use super::DynamoDbRecords;

/// Case-insensitive substring filter; `None` matches everything.
fn contains(haystack: &str, needle: &Option<String>) -> bool {
    needle
        .as_ref()
        .is_none_or(|n| haystack.to_lowercase().contains(&n.to_lowercase()))
}

fn page<T>(items: Vec<T>, offset: u64, limit: u64) -> Vec<T> {
    items
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect()
}

impl Lists for DynamoDbRecords {
    async fn create_receiver(&self, receiver: &Receiver) -> Result<Created, StoreError> {
        self.create_receiver_impl(receiver).await
    }

    async fn get_receiver(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> Result<Option<Receiver>, StoreError> {
        self.get_receiver_impl(account, id).await
    }

    async fn list_receivers(
        &self,
        query: &ReceiverQuery,
    ) -> Result<(Vec<Receiver>, u64), StoreError> {
        self.list_receivers_impl(query).await
    }

    async fn delete_receiver(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> Result<bool, StoreError> {
        self.delete_receiver_impl(account, id).await
    }

    async fn begin_upload(
        &self,
        account: &AccountId,
        id: ReceiverId,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<UploadStart, StoreError> {
        self.begin_upload_impl(account, id, now, stale_before).await
    }

    async fn append_details(
        &self,
        account: &AccountId,
        id: ReceiverId,
        rows: &[NewDetail],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.append_details_impl(account, id, rows, now).await
    }

    async fn end_upload(
        &self,
        account: &AccountId,
        id: ReceiverId,
        data_keys: Option<Vec<String>>,
    ) -> Result<bool, StoreError> {
        self.end_upload_impl(account, id, data_keys).await
    }

    async fn details_after(
        &self,
        account: &AccountId,
        id: ReceiverId,
        after_seq: u64,
        limit: u64,
    ) -> Result<Vec<ReceiverDetail>, StoreError> {
        self.details_after_impl(account, id, after_seq, limit).await
    }

    async fn list_details(&self, query: &DetailQuery) -> Result<DetailPage, StoreError> {
        self.list_details_impl(query).await
    }

    async fn upsert_custom_blocks(&self, blocks: &[CustomBlock]) -> Result<(), StoreError> {
        self.upsert_custom_blocks_impl(blocks).await
    }

    async fn list_custom_blocks(
        &self,
        query: &CustomBlockQuery,
    ) -> Result<(Vec<CustomBlock>, u64), StoreError> {
        self.list_custom_blocks_impl(query).await
    }

    async fn update_custom_block(
        &self,
        account: &AccountId,
        id: u64,
        email: &EmailAddress,
        expire_date: Option<NaiveDate>,
    ) -> Result<BlockUpdate, StoreError> {
        self.update_custom_block_impl(account, id, email, expire_date)
            .await
    }

    async fn delete_custom_blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<u64, StoreError> {
        self.delete_custom_blocks_impl(account, emails).await
    }

    async fn put_bounce_block(&self, block: &BounceBlock) -> Result<(), StoreError> {
        self.put_bounce_block_impl(block).await
    }

    async fn list_bounce_blocks(
        &self,
        query: &BounceBlockQuery,
    ) -> Result<(Vec<BounceBlock>, u64), StoreError> {
        self.list_bounce_blocks_impl(query).await
    }

    async fn delete_bounce_blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<u64, StoreError> {
        self.delete_bounce_blocks_impl(account, emails).await
    }

    async fn blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<Vec<Blocks>, StoreError> {
        if emails.is_empty() {
            return Ok(Vec::new());
        }
        self.blocks_impl(account, emails).await
    }

    async fn create_unsubscribe_config(
        &self,
        config: &UnsubscribeConfig,
    ) -> Result<Created, StoreError> {
        self.create_unsubscribe_config_impl(config).await
    }

    async fn update_unsubscribe_config(
        &self,
        config: &UnsubscribeConfig,
    ) -> Result<bool, StoreError> {
        self.update_unsubscribe_config_impl(config).await
    }

    async fn get_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<Option<UnsubscribeConfig>, StoreError> {
        self.get_unsubscribe_config_impl(account, address).await
    }

    async fn list_unsubscribe_configs(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<UnsubscribeConfig>, u64), StoreError> {
        self.list_unsubscribe_configs_impl(account, offset, limit)
            .await
    }

    async fn delete_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<bool, StoreError> {
        self.delete_unsubscribe_config_impl(account, address).await
    }
}
