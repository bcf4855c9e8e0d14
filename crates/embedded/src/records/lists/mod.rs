//! The lists port over SQLite: recipient groups and rows, blacklists, unsubscribe configs.

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

use super::SqliteRecords;

/// Tables of the lists port. Receiver rows are `WITHOUT ROWID` keyed by `(receiver, seq)`, so
/// a cursor walk is a range scan of the primary key.
pub(crate) const MIGRATION: &str = "
CREATE TABLE receivers (
    id                 INTEGER PRIMARY KEY,
    account            TEXT NOT NULL,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL,
    status             INTEGER NOT NULL,
    count              INTEGER NOT NULL DEFAULT 0,
    invalid_count      INTEGER NOT NULL DEFAULT 0,
    last_seq           INTEGER NOT NULL DEFAULT 0,
    data_keys          TEXT,
    upload_started_at  INTEGER,
    created_at         INTEGER NOT NULL,
    UNIQUE (account, name)
);
CREATE INDEX receivers_by_account ON receivers (account, created_at);

CREATE TABLE receiver_details (
    receiver        INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    email           TEXT NOT NULL,
    template_data   TEXT,
    invalid_reason  TEXT,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (receiver, seq)
) WITHOUT ROWID;

CREATE TABLE custom_blacklist (
    id           INTEGER PRIMARY KEY,
    account      TEXT NOT NULL,
    email        TEXT NOT NULL,
    expire_date  TEXT,
    created_at   INTEGER NOT NULL,
    UNIQUE (account, email)
);
CREATE INDEX custom_blacklist_by_account ON custom_blacklist (account, created_at);

CREATE TABLE bounce_blacklist (
    account     TEXT NOT NULL,
    email       TEXT NOT NULL,
    bounced_at  INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (account, email)
) WITHOUT ROWID;
CREATE INDEX bounce_blacklist_by_time ON bounce_blacklist (account, bounced_at);

CREATE TABLE unsubscribe_configs (
    account     TEXT NOT NULL,
    address     TEXT NOT NULL,
    language    TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account, address)
) WITHOUT ROWID;
";

fn created(written: bool) -> Created {
    if written {
        Created::Yes
    } else {
        Created::AlreadyExists
    }
}

impl Lists for SqliteRecords {
    async fn create_receiver(&self, receiver: &Receiver) -> Result<Created, StoreError> {
        let receiver = receiver.clone();
        self.store
            .write(move |tx| receivers::create(tx, &receiver))
            .await
            .map(created)
    }

    async fn get_receiver(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> Result<Option<Receiver>, StoreError> {
        let account = account.clone();
        self.store
            .read(move |tx| receivers::get(tx, &account, id))
            .await
    }

    async fn list_receivers(
        &self,
        query: &ReceiverQuery,
    ) -> Result<(Vec<Receiver>, u64), StoreError> {
        let query = query.clone();
        self.store.read(move |tx| receivers::list(tx, &query)).await
    }

    async fn delete_receiver(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> Result<bool, StoreError> {
        let account = account.clone();
        self.store
            .write(move |tx| receivers::delete(tx, &account, id))
            .await
    }

    async fn begin_upload(
        &self,
        account: &AccountId,
        id: ReceiverId,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<UploadStart, StoreError> {
        let account = account.clone();
        self.store
            .write(move |tx| receivers::begin_upload(tx, &account, id, now, stale_before))
            .await
    }

    async fn append_details(
        &self,
        account: &AccountId,
        id: ReceiverId,
        rows: &[NewDetail],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let account = account.clone();
        let rows = rows.to_vec();
        self.store
            .write(move |tx| receivers::append(tx, &account, id, &rows, now))
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("receiver {id} does not exist")))
    }

    async fn end_upload(
        &self,
        account: &AccountId,
        id: ReceiverId,
        data_keys: Option<Vec<String>>,
    ) -> Result<bool, StoreError> {
        let account = account.clone();
        self.store
            .write(move |tx| receivers::end_upload(tx, &account, id, data_keys))
            .await
    }

    async fn details_after(
        &self,
        account: &AccountId,
        id: ReceiverId,
        after_seq: u64,
        limit: u64,
    ) -> Result<Vec<ReceiverDetail>, StoreError> {
        let account = account.clone();
        self.store
            .read(move |tx| receivers::after(tx, &account, id, after_seq, limit))
            .await
    }

    async fn list_details(&self, query: &DetailQuery) -> Result<DetailPage, StoreError> {
        let query = query.clone();
        self.store
            .read(move |tx| receivers::list_details(tx, &query))
            .await
    }

    async fn upsert_custom_blocks(&self, blocks: &[CustomBlock]) -> Result<(), StoreError> {
        let blocks = blocks.to_vec();
        self.store
            .write(move |tx| blocks::upsert_custom(tx, &blocks))
            .await
    }

    async fn list_custom_blocks(
        &self,
        query: &CustomBlockQuery,
    ) -> Result<(Vec<CustomBlock>, u64), StoreError> {
        let query = query.clone();
        self.store
            .read(move |tx| blocks::list_custom(tx, &query))
            .await
    }

    async fn update_custom_block(
        &self,
        account: &AccountId,
        id: u64,
        email: &EmailAddress,
        expire_date: Option<NaiveDate>,
    ) -> Result<BlockUpdate, StoreError> {
        let (account, email) = (account.clone(), email.clone());
        self.store
            .write(move |tx| blocks::update_custom(tx, &account, id, &email, expire_date))
            .await
    }

    async fn delete_custom_blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<u64, StoreError> {
        let (account, emails) = (account.clone(), emails.to_vec());
        self.store
            .write(move |tx| blocks::delete_from(tx, "custom_blacklist", &account, &emails))
            .await
    }

    async fn put_bounce_block(&self, block: &BounceBlock) -> Result<(), StoreError> {
        let block = block.clone();
        self.store
            .write(move |tx| blocks::put_bounce(tx, &block))
            .await
    }

    async fn list_bounce_blocks(
        &self,
        query: &BounceBlockQuery,
    ) -> Result<(Vec<BounceBlock>, u64), StoreError> {
        let query = query.clone();
        self.store
            .read(move |tx| blocks::list_bounces(tx, &query))
            .await
    }

    async fn delete_bounce_blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<u64, StoreError> {
        let (account, emails) = (account.clone(), emails.to_vec());
        self.store
            .write(move |tx| blocks::delete_from(tx, "bounce_blacklist", &account, &emails))
            .await
    }

    async fn blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<Vec<Blocks>, StoreError> {
        let (account, emails) = (account.clone(), emails.to_vec());
        self.store
            .read(move |tx| blocks::blocks(tx, &account, &emails))
            .await
    }

    async fn create_unsubscribe_config(
        &self,
        config: &UnsubscribeConfig,
    ) -> Result<Created, StoreError> {
        let config = config.clone();
        self.store
            .write(move |tx| blocks::create_unsub(tx, &config))
            .await
            .map(created)
    }

    async fn update_unsubscribe_config(
        &self,
        config: &UnsubscribeConfig,
    ) -> Result<bool, StoreError> {
        let config = config.clone();
        self.store
            .write(move |tx| blocks::update_unsub(tx, &config))
            .await
    }

    async fn get_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<Option<UnsubscribeConfig>, StoreError> {
        let (account, address) = (account.clone(), address.clone());
        self.store
            .read(move |tx| blocks::get_unsub(tx, &account, &address))
            .await
    }

    async fn list_unsubscribe_configs(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<UnsubscribeConfig>, u64), StoreError> {
        let account = account.clone();
        self.store
            .read(move |tx| blocks::list_unsub(tx, &account, offset, limit))
            .await
    }

    async fn delete_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<bool, StoreError> {
        let (account, address) = (account.clone(), address.clone());
        self.store
            .write(move |tx| blocks::delete_unsub(tx, &account, &address))
            .await
    }
}
