//! The deliveries port: accepted messages and their per-recipient deliveries, claimed for an
//! attempt and settled by its outcome.
//!
//! Every method but [`Deliveries::stale`] is scoped by account; an adapter must never return
//! or change another account's message or delivery. Methods are individually atomic; none
//! spans several calls.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::model::{DeliverStatus, Delivery, Message, SendStatus};
use crate::types::{AccountId, EmailAddress, MessageId};

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
    pub send_status: SendStatus,
    /// New `DeliverStatus`.
    pub deliver_status: DeliverStatus,
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

/// Durable storage of messages and deliveries.
pub trait Deliveries: Send + Sync + 'static {
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
    fn claim(
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
    fn list(
        &self,
        query: &DeliveryQuery,
    ) -> impl Future<Output = Result<Vec<Delivery>, StoreError>> + Send;
    /// Deliveries that are not final and whose `claimed_until` (or, when never claimed, whose
    /// `request_time`) is before `before`: work whose job was lost (a crash between accepting
    /// and enqueueing, a dead worker) and must be enqueued again. At most `limit`, oldest first.
    fn stale(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> impl Future<Output = Result<Vec<Delivery>, StoreError>> + Send;
}
