//! The lists port: recipient groups (receivers) and their rows, the custom and bounce
//! blacklists, and the per-sender unsubscribe configuration.
//!
//! Like the other storage ports, every method is scoped by account and individually
//! atomic unless it says otherwise. Receiver rows are numbered per receiver (`seq` 1, 2, 3, …
//! in insertion order, never reused), so a batch task can walk a list of any size with a
//! durable cursor through [`Lists::details_after`].

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::ports::Created;
use crate::types::{AccountId, EmailAddress};

/// A recipient group's id (`ReceiverId`), installation-wide unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReceiverId(pub u64);

impl std::fmt::Display for ReceiverId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// `ReceiversStatus`: where a group's upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiverStatus {
    /// 1: nothing uploaded yet.
    Empty,
    /// 2: an upload is being written.
    Uploading,
    /// 3: the last upload completed; the group can be sent to.
    Ready,
}

impl ReceiverStatus {
    /// The wire value (1, 2, 3).
    pub fn code(self) -> u64 {
        match self {
            ReceiverStatus::Empty => 1,
            ReceiverStatus::Uploading => 2,
            ReceiverStatus::Ready => 3,
        }
    }

    /// The status of a wire value.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            1 => Some(ReceiverStatus::Empty),
            2 => Some(ReceiverStatus::Uploading),
            3 => Some(ReceiverStatus::Ready),
            _ => None,
        }
    }
}

/// A recipient group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiver {
    /// Owning account.
    pub account: AccountId,
    /// Id.
    pub id: ReceiverId,
    /// `ReceiversName`, unique within the account.
    pub name: String,
    /// `Desc` (empty when not given).
    pub desc: String,
    /// Upload state.
    pub status: ReceiverStatus,
    /// Rows stored, valid and invalid.
    pub count: u64,
    /// Rows stored as invalid.
    pub invalid_count: u64,
    /// Variable names of the rows' TemplateData, sorted; `None` until a row with data is
    /// stored. Every later row must carry exactly these names.
    pub data_keys: Option<Vec<String>>,
    /// When the running upload began (`status` is `Uploading`), so a crashed upload can be
    /// recognised as stale and taken over.
    pub upload_started_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// One row of a recipient group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverDetail {
    /// Position in the group (1-based, insertion order); `EmailId` on the wire.
    pub seq: u64,
    /// The address as stored: normalised when valid, as uploaded when invalid.
    pub email: String,
    /// Per-recipient TemplateData (a JSON object, compact), when uploaded with data.
    pub template_data: Option<String>,
    /// Why the row is invalid (`Reason`); `None` for a valid row.
    pub invalid_reason: Option<String>,
    /// When the row was stored.
    pub created_at: DateTime<Utc>,
}

impl ReceiverDetail {
    /// The address to send to, or `None` for an invalid row.
    pub fn address(&self) -> Option<EmailAddress> {
        match self.invalid_reason {
            Some(_) => None,
            None => EmailAddress::parse(&self.email).ok(),
        }
    }
}

/// A row to append; the adapter assigns `seq` and the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDetail {
    /// See [`ReceiverDetail::email`].
    pub email: String,
    /// See [`ReceiverDetail::template_data`].
    pub template_data: Option<String>,
    /// See [`ReceiverDetail::invalid_reason`].
    pub invalid_reason: Option<String>,
}

/// Filter and page of ListReceivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverQuery {
    /// Owning account.
    pub account: AccountId,
    /// Only groups in this status.
    pub status: Option<ReceiverStatus>,
    /// Only groups whose name contains this text (case-insensitive).
    pub keyword: Option<String>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return at most.
    pub limit: u64,
}

/// Filter and page of ListReceiverDetails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailQuery {
    /// Owning account.
    pub account: AccountId,
    /// The group.
    pub receiver: ReceiverId,
    /// Only rows whose address contains this text (case-insensitive).
    pub email: Option<String>,
    /// Only rows stored at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only rows stored before this time.
    pub until: Option<DateTime<Utc>>,
    /// `Some(true)` only valid rows, `Some(false)` only invalid rows.
    pub valid: Option<bool>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return at most.
    pub limit: u64,
}

/// A page of ListReceiverDetails.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DetailPage {
    /// The rows, in `seq` order.
    pub rows: Vec<ReceiverDetail>,
    /// Rows matching the filter.
    pub total: u64,
    /// Valid rows matching the filter.
    pub valid: u64,
    /// Invalid rows matching the filter.
    pub invalid: u64,
}

/// Outcome of [`Lists::begin_upload`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadStart {
    /// The group is now `Uploading` and held by the caller; it reads as it was before.
    Started(Receiver),
    /// Another upload is running (and is not stale).
    Busy,
    /// No such group in this account.
    Missing,
}

/// An entry of an account's custom blacklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomBlock {
    /// Owning account.
    pub account: AccountId,
    /// `Id`, installation-wide unique.
    pub id: u64,
    /// The blocked address.
    pub email: EmailAddress,
    /// Last day the entry is in force (in the API time zone); `None` = permanent.
    pub expire_date: Option<NaiveDate>,
    /// When the entry was first added.
    pub created_at: DateTime<Utc>,
}

impl CustomBlock {
    /// Whether the entry is in force on `today`.
    pub fn is_active(&self, today: NaiveDate) -> bool {
        self.expire_date.is_none_or(|last| today <= last)
    }
}

/// Filter and page of ListCustomBlacklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomBlockQuery {
    /// Owning account.
    pub account: AccountId,
    /// `Some(true)` only active entries, `Some(false)` only expired, `None` all.
    pub active: Option<bool>,
    /// The day activity is judged on.
    pub today: NaiveDate,
    /// Only entries whose address contains this text (case-insensitive).
    pub email: Option<String>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return at most.
    pub limit: u64,
}

/// Outcome of [`Lists::update_custom_block`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockUpdate {
    /// The entry now has the new address and expiry.
    Updated,
    /// No entry with this id in this account.
    Missing,
    /// Another entry of the account already blocks the new address; nothing changed.
    AddressTaken,
}

/// An entry of an account's bounce blacklist: an address that hard-bounced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceBlock {
    /// Owning account.
    pub account: AccountId,
    /// The address that bounced.
    pub email: EmailAddress,
    /// When it (last) bounced.
    pub bounced_at: DateTime<Utc>,
    /// The remote server's reply (`IspDesc`).
    pub reason: String,
}

/// Filter and page of ListBlackEmailAddress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceBlockQuery {
    /// Owning account.
    pub account: AccountId,
    /// Bounced at or after.
    pub from: DateTime<Utc>,
    /// Bounced before.
    pub until: DateTime<Utc>,
    /// Only entries whose address contains this text (case-insensitive).
    pub email: Option<String>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return at most.
    pub limit: u64,
}

/// What blocks one address in one account, as the store holds it (expiry not yet judged).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blocks {
    /// The custom-blacklist entry, active or expired.
    pub custom: Option<CustomBlock>,
    /// The bounce-blacklist entry.
    pub bounce: Option<BounceBlock>,
}

/// The unsubscribe-link default of one sender address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeConfig {
    /// Owning account.
    pub account: AccountId,
    /// The sender address it applies to.
    pub address: EmailAddress,
    /// Language code of the link, `"0"` (none) to `"10"` (reference §6.4).
    pub language: String,
    /// Whether the config is on.
    pub enabled: bool,
    /// Creation time (list order).
    pub created_at: DateTime<Utc>,
}

/// Durable storage of recipient groups, blacklists and unsubscribe configuration.
pub trait Lists: Send + Sync + 'static {
    /// Creates a group unless the account has one with the same name (`AlreadyExists`).
    fn create_receiver(
        &self,
        receiver: &Receiver,
    ) -> impl Future<Output = Result<Created, StoreError>> + Send;
    /// One group of the account.
    fn get_receiver(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> impl Future<Output = Result<Option<Receiver>, StoreError>> + Send;
    /// Groups matching the query, newest first, and the number matching.
    fn list_receivers(
        &self,
        query: &ReceiverQuery,
    ) -> impl Future<Output = Result<(Vec<Receiver>, u64), StoreError>> + Send;
    /// Deletes a group and all its rows. Returns false if it did not exist in this account.
    /// The group disappears at once; on DynamoDB its rows are removed after it, so a crash may
    /// leave unreachable rows behind (never visible: every read goes through the group).
    fn delete_receiver(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Marks the group `Uploading` unless another upload holds it. An upload that began
    /// before `stale_before` is considered crashed and is taken over.
    fn begin_upload(
        &self,
        account: &AccountId,
        id: ReceiverId,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> impl Future<Output = Result<UploadStart, StoreError>> + Send;
    /// Appends rows in order, numbering them after the group's last row, and adds them to the
    /// group's counts. Callers pass at most 10 000 rows per call; SQLite writes them in one
    /// transaction, DynamoDB in batches of 25 (a crash may leave a prefix written). Not
    /// idempotent: a repeated call appends again. Returns the `seq` of the last row written.
    fn append_details(
        &self,
        account: &AccountId,
        id: ReceiverId,
        rows: &[NewDetail],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Ends an upload: status `Ready` when the group has rows, else `Empty`; sets `data_keys`
    /// when given. Returns false if the group no longer exists.
    fn end_upload(
        &self,
        account: &AccountId,
        id: ReceiverId,
        data_keys: Option<Vec<String>>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Up to `limit` rows with `seq > after_seq`, in `seq` order: a batch task's cursor walk.
    /// Strongly consistent. An unknown group yields no rows.
    fn details_after(
        &self,
        account: &AccountId,
        id: ReceiverId,
        after_seq: u64,
        limit: u64,
    ) -> impl Future<Output = Result<Vec<ReceiverDetail>, StoreError>> + Send;
    /// Rows matching the query, in `seq` order, with counts.
    fn list_details(
        &self,
        query: &DetailQuery,
    ) -> impl Future<Output = Result<DetailPage, StoreError>> + Send;

    /// Adds entries to the custom blacklist; an address already listed in the account keeps
    /// its id and creation time and takes the new expiry. Idempotent.
    fn upsert_custom_blocks(
        &self,
        blocks: &[CustomBlock],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Entries matching the query, oldest first, and the number matching.
    fn list_custom_blocks(
        &self,
        query: &CustomBlockQuery,
    ) -> impl Future<Output = Result<(Vec<CustomBlock>, u64), StoreError>> + Send;
    /// Changes address and expiry of the entry with this id.
    fn update_custom_block(
        &self,
        account: &AccountId,
        id: u64,
        email: &EmailAddress,
        expire_date: Option<NaiveDate>,
    ) -> impl Future<Output = Result<BlockUpdate, StoreError>> + Send;
    /// Removes these addresses from the custom blacklist; returns how many were listed.
    fn delete_custom_blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Adds an address to the bounce blacklist, or refreshes its bounce time and reason.
    /// Idempotent. Called by bounce handling.
    fn put_bounce_block(
        &self,
        block: &BounceBlock,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Entries matching the query, most recent bounce first, and the number matching.
    fn list_bounce_blocks(
        &self,
        query: &BounceBlockQuery,
    ) -> impl Future<Output = Result<(Vec<BounceBlock>, u64), StoreError>> + Send;
    /// Removes these addresses from the bounce blacklist; returns how many were listed.
    fn delete_bounce_blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// What blocks each of `emails` (at most 100) in the account, in the order given.
    fn blocks(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> impl Future<Output = Result<Vec<Blocks>, StoreError>> + Send;

    /// Creates the config of a sender address unless it exists (`AlreadyExists`).
    fn create_unsubscribe_config(
        &self,
        config: &UnsubscribeConfig,
    ) -> impl Future<Output = Result<Created, StoreError>> + Send;
    /// Replaces language and on/off of an existing config (its creation time is kept).
    /// Returns false if there is none.
    fn update_unsubscribe_config(
        &self,
        config: &UnsubscribeConfig,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The config of one sender address.
    fn get_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> impl Future<Output = Result<Option<UnsubscribeConfig>, StoreError>> + Send;
    /// A page of the account's configs, oldest first, and the total.
    fn list_unsubscribe_configs(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> impl Future<Output = Result<(Vec<UnsubscribeConfig>, u64), StoreError>> + Send;
    /// Deletes a config. Returns false if there was none.
    fn delete_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
