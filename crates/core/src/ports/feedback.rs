//! The feedback port: complaints (ARF reports), late bounces, and counting an event once (a
//! mark and the counter additions in one atomic write). Implemented by the same store as
//! the other storage ports, since it writes the statistics counters' storage too.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::ports::CounterKey;
use crate::types::{AccountId, EmailAddress, MessageId};

/// A recipient's complaint about a message (an RFC 5965 feedback report), matched to the
/// delivery it is about. One per (account, message, recipient).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// Owning account.
    pub account: AccountId,
    /// The message complained about.
    pub message_id: MessageId,
    /// The complaining recipient.
    pub recipient: EmailAddress,
    /// The sender address of the message (`OriginalMailFrom`).
    pub from: String,
    /// ARF `Feedback-Type` (`abuse`, `fraud`, …).
    pub feedback_type: String,
    /// When the recipient complained: the report's `Date:`, else when it was ingested.
    pub complained_at: DateTime<Utc>,
    /// When the message reached the recipient's provider (ARF `Arrival-Date`), if given.
    #[serde(default)]
    pub arrived_at: Option<DateTime<Utc>>,
    /// When the report was ingested.
    pub received_at: DateTime<Utc>,
    /// When the message was delivered, if known.
    pub deliver_time: Option<DateTime<Utc>>,
    /// The reporting party (ARF `Reporting-MTA` or `User-Agent`), e.g. `qq.com`.
    pub reporter: String,
    /// ARF `Source-IP`.
    pub source_ip: String,
    /// Template of the message, if any.
    pub template_id: Option<u64>,
    /// The `Message-ID` header of the message.
    pub smtp_message_id: String,
    /// Subject of the message.
    pub subject: String,
}

/// Filter and page of GetAbuseReport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintQuery {
    /// Owning account.
    pub account: AccountId,
    /// Complained at or after.
    pub from: DateTime<Utc>,
    /// Complained before.
    pub until: DateTime<Utc>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return at most.
    pub limit: u64,
}

/// Storage of complaints and of event marks.
pub trait Feedback: Send + Sync + 'static {
    /// Counts an event once: unless the account's event `event_id` was marked before, marks
    /// it and adds `deltas` to the counters of `key` (as [`Counters::add`] does) in one atomic
    /// write, and returns `true`; otherwise changes nothing and returns `false`. Of concurrent
    /// callers with one id exactly one counts, and a crash leaves both the mark and the counts
    /// or neither, so a retried event is never lost nor counted twice. Marks may expire after
    /// `keep_until` (a replay older than that counts again).
    ///
    /// [`Counters::add`]: crate::ports::Counters::add
    fn count_once(
        &self,
        account: &AccountId,
        event_id: &str,
        keep_until: DateTime<Utc>,
        key: &CounterKey,
        deltas: &[(&str, i64)],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores a complaint unless one exists for its (account, message, recipient). `true` if
    /// it was written. Idempotent.
    fn put_complaint(
        &self,
        complaint: &Complaint,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Complaints of the account in the window, oldest first, and how many match in total.
    fn list_complaints(
        &self,
        query: &ComplaintQuery,
    ) -> impl Future<Output = Result<(Vec<Complaint>, u64), StoreError>> + Send;

    /// A bounce reported after the relay took the message (an asynchronous DSN): the delivery
    /// becomes `DeliverStatus` 3 with `deliver_message`, even if it was delivered (the relay's
    /// 250 only meant "accepted for now"), unless it is already rejected or dropped. Returns
    /// whether it changed. Idempotent; a delivery of another account is never touched.
    fn record_late_bounce(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        deliver_message: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Whether the recipient complained about the message.
    fn complained(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
