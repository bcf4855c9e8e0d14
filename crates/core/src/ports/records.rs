//! The records port: durable storage of everything an account owns.
//!
//! Every method is scoped by account where the record has one; an adapter must never return
//! another account's record. Methods are individually atomic; none spans several calls.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::model::{ApiKey, Delivery, Identity, Message, Sender, Template};
use crate::types::{AccountId, Domain, EmailAddress, MessageId, SecretId, TemplateId};

/// Outcome of a create that must not overwrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The record was written.
    Yes,
    /// A record with the same key already exists in this account; nothing was written.
    AlreadyExists,
    /// The key is taken by another account (domains are unique installation-wide).
    OwnedByOther,
}

/// Outcome of trying to take a delivery for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The caller now holds the delivery until the claim expires; `attempts` was incremented.
    Claimed(Delivery),
    /// The delivery already reached a final status; do nothing.
    AlreadyFinal,
    /// Another worker holds an unexpired claim; do nothing now.
    Held,
    /// No such delivery.
    Missing,
}

/// What a delivery attempt ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// New `SendStatus`.
    pub send_status: i64,
    /// New `DeliverStatus`.
    pub deliver_status: i64,
    /// Remote reply or reason.
    pub deliver_message: String,
    /// When the attempt finished.
    pub at: DateTime<Utc>,
    /// For a delivery to be retried: no attempt before this time. Stored as the delivery's
    /// `claimed_until`, so an early duplicate job finds it `Held`. `None` releases the claim.
    pub retry_at: Option<DateTime<Utc>>,
}

/// Filter and page of GetSendEmailStatus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryQuery {
    /// Owning account.
    pub account: AccountId,
    /// Requests received in `[from, until)`.
    pub from: DateTime<Utc>,
    /// End of the window (exclusive).
    pub until: DateTime<Utc>,
    /// Only this message.
    pub message_id: Option<MessageId>,
    /// Only this recipient.
    pub recipient: Option<EmailAddress>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return at most.
    pub limit: u64,
}

/// Durable storage of accounts, keys, templates, identities, senders, messages and deliveries.
pub trait Records: Send + Sync + 'static {
    /// Creates the account if it does not exist. Idempotent.
    fn ensure_account(
        &self,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores a new API key (its id is fresh; overwriting is not expected).
    fn put_key(&self, key: &ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The key with this id, revoked or not.
    fn get_key(
        &self,
        id: &SecretId,
    ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send;
    /// All keys of all accounts (operator listing), oldest first.
    fn list_keys(&self) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send;
    /// Marks a key revoked. Returns false if no such key. Idempotent.
    fn revoke_key(&self, id: &SecretId) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A fresh value of a named installation-wide sequence (1, 2, 3, …). Never repeats.
    fn next_sequence(&self, name: &str) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Stores a new template.
    fn create_template(
        &self,
        template: &Template,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Replaces name and content of an existing template. Returns false if it does not exist
    /// in this account.
    fn update_template(
        &self,
        template: &Template,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// One template of the account.
    fn get_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> impl Future<Output = Result<Option<Template>, StoreError>> + Send;
    /// A page of the account's templates, newest first, and the total count.
    fn list_templates(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> impl Future<Output = Result<(Vec<Template>, u64), StoreError>> + Send;
    /// Deletes a template. Returns false if it did not exist in this account.
    fn delete_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Creates a sender domain unless the domain exists in any account.
    fn create_identity(
        &self,
        identity: &Identity,
    ) -> impl Future<Output = Result<Created, StoreError>> + Send;
    /// One domain of the account.
    fn get_identity(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> impl Future<Output = Result<Option<Identity>, StoreError>> + Send;
    /// All domains of the account, oldest first.
    fn list_identities(
        &self,
        account: &AccountId,
    ) -> impl Future<Output = Result<Vec<Identity>, StoreError>> + Send;
    /// Every domain of every account, ordered by domain name: the periodic DNS re-check walks
    /// them all. Not paged: an installation holds at most `max_domains` per account.
    fn list_all_identities(&self)
    -> impl Future<Output = Result<Vec<Identity>, StoreError>> + Send;
    /// Replaces a domain record (verification state, keys). Returns false if it does not exist.
    fn update_identity(
        &self,
        identity: &Identity,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Deletes a domain. Returns false if it did not exist in this account.
    fn delete_identity(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Creates a sender address unless it exists in this account.
    fn create_sender(
        &self,
        sender: &Sender,
    ) -> impl Future<Output = Result<Created, StoreError>> + Send;
    /// One sender address of the account.
    fn get_sender(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> impl Future<Output = Result<Option<Sender>, StoreError>> + Send;
    /// All sender addresses of the account, oldest first.
    fn list_senders(
        &self,
        account: &AccountId,
    ) -> impl Future<Output = Result<Vec<Sender>, StoreError>> + Send;
    /// Deletes a sender address. Returns false if it did not exist in this account.
    fn delete_sender(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores an accepted message and one queued delivery per recipient, all or nothing. A
    /// message id that exists, or a repeated (message, recipient), is refused with
    /// `StoreError::Corrupt` and writes nothing.
    fn insert_message(
        &self,
        message: &Message,
        deliveries: &[Delivery],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// A message of the account.
    fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> impl Future<Output = Result<Option<Message>, StoreError>> + Send;

    /// Takes a delivery for one attempt: succeeds only if it is not final and not held by an
    /// unexpired claim, and then holds it until `until` and counts the attempt. This conditional
    /// write is what makes a redelivered job send at most once more, and only after `until`.
    fn claim_delivery(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;
    /// Records an attempt's outcome, sets `deliver_time` to `outcome.at` and sets
    /// `claimed_until` to `outcome.retry_at` (releasing the claim when `None`). Idempotent.
    /// A delivery already final is left unchanged: a worker whose claim expired can never
    /// overwrite the status a later attempt settled.
    fn record_outcome(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        outcome: &Outcome,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Deliveries matching the query, oldest request first.
    fn list_deliveries(
        &self,
        query: &DeliveryQuery,
    ) -> impl Future<Output = Result<Vec<Delivery>, StoreError>> + Send;
    /// Deliveries that are not final and whose `claimed_until` (or, when never claimed, whose
    /// `request_time`) is before `before`: work whose job was lost (a crash between accepting
    /// and enqueueing, a dead worker) and must be enqueued again. At most `limit`, oldest first.
    fn stale_deliveries(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> impl Future<Output = Result<Vec<Delivery>, StoreError>> + Send;
}
