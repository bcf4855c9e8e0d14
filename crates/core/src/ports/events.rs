//! The events port: what happened to a message after it was accepted, as seen by the tracking
//! edge and the feedback loops. Raw hits (every open and click request, human or not, with a
//! TTL) so that counts can be recomputed; the append-only per-account event feed; the
//! per-delivery engagement flags GetSendEmailStatus shows; unsubscribes; the account's
//! tracking switch.
//!
//! Every method is scoped by account; addresses compare case-insensitively.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::tracking::{Reason, Target, TrackKind};
use crate::types::{AccountId, EmailAddress, MessageId};

/// One request to the open pixel or a click link, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Unique id, chosen once when the request arrived (a replay of the same hit keeps it).
    pub id: String,
    /// Account of the message.
    pub account: AccountId,
    /// Message.
    pub message_id: MessageId,
    /// Recipient of the copy.
    pub recipient: EmailAddress,
    /// Open or click.
    pub kind: TrackKind,
    /// Click target.
    pub target: Target,
    /// When the request arrived (whole milliseconds).
    pub at: DateTime<Utc>,
    /// `User-Agent` (at most 256 characters).
    pub user_agent: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// The classification.
    pub reason: Reason,
    /// After this the hit may be deleted.
    pub expires_at: DateTime<Utc>,
}

/// What an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Accepted by the recipient's server.
    Delivered,
    /// Refused by, or returned from, the recipient's side.
    Bounced,
    /// A human open.
    Opened,
    /// A human click.
    Clicked,
    /// The recipient unsubscribed.
    Unsubscribed,
    /// The recipient complained (feedback loop).
    Complained,
}

impl EventKind {
    /// Stable name in the feed.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Delivered => "delivered",
            EventKind::Bounced => "bounced",
            EventKind::Opened => "opened",
            EventKind::Clicked => "clicked",
            EventKind::Unsubscribed => "unsubscribed",
            EventKind::Complained => "complained",
        }
    }

    /// The kind a stored name names.
    pub fn parse(name: &str) -> Option<Self> {
        [
            EventKind::Delivered,
            EventKind::Bounced,
            EventKind::Opened,
            EventKind::Clicked,
            EventKind::Unsubscribed,
            EventKind::Complained,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// One entry of an account's event feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Deterministic id (derived from what caused it), so a replay appends nothing.
    pub id: String,
    /// Owning account.
    pub account: AccountId,
    /// Message.
    pub message_id: MessageId,
    /// Recipient.
    pub recipient: EmailAddress,
    /// What happened.
    pub kind: EventKind,
    /// When it happened (whole milliseconds).
    pub at: DateTime<Utc>,
    /// When it was appended (whole milliseconds): the feed's order.
    pub recorded_at: DateTime<Utc>,
    /// Kind-specific detail: the URL of a click, the reply of a bounce; may be empty.
    pub detail: String,
}

impl Event {
    /// The feed cursor just past this event: `<recorded millis, 15 digits>-<id>`.
    pub fn cursor(&self) -> String {
        format!(
            "{:015}-{}",
            self.recorded_at.timestamp_millis().max(0),
            self.id
        )
    }
}

/// The engagement flags of one delivery: when each first happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Engagement {
    /// First human open.
    pub opened_at: Option<DateTime<Utc>>,
    /// First human click.
    pub clicked_at: Option<DateTime<Utc>>,
    /// Unsubscribed.
    pub unsubscribed_at: Option<DateTime<Utc>>,
    /// Complained.
    pub complained_at: Option<DateTime<Utc>>,
}

/// Storage of hits, events, engagement flags, unsubscribes and the tracking switch.
pub trait Events: Send + Sync + 'static {
    /// Stores raw hits. Idempotent by `id`: a hit stored twice is stored once.
    fn put_hits(&self, hits: &[Hit]) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Hits of one copy at or after `since`, oldest first, at most `limit`; expired hits may
    /// or may not be returned until they are deleted.
    fn list_hits(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        since: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Hit>, StoreError>> + Send;

    /// Appends events to their accounts' feeds. Idempotent by `(account, id)`: an event whose
    /// id is already in the feed is not appended again (and its `recorded_at` is not
    /// changed). In the same atomic step as appending an `Opened`, `Clicked`, `Unsubscribed`
    /// or `Complained` event, the delivery's flag is set to `at` unless already set. Returns,
    /// per event in order, whether it was new.
    fn append_events(
        &self,
        events: &[Event],
    ) -> impl Future<Output = Result<Vec<bool>, StoreError>> + Send;

    /// A page of the account's feed in cursor order: events whose cursor is after `after`
    /// (all when `None`) and whose `recorded_at` is at or before `until`, at most `limit`.
    fn list_events(
        &self,
        account: &AccountId,
        after: Option<&str>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Event>, StoreError>> + Send;

    /// The engagement flags of each (message, recipient) of the account, in order; default
    /// (no flag) where nothing was recorded.
    fn engagements(
        &self,
        account: &AccountId,
        keys: &[(MessageId, EmailAddress)],
    ) -> impl Future<Output = Result<Vec<Engagement>, StoreError>> + Send;

    /// Records that `recipient` unsubscribed from mail of `sender`. Idempotent; returns
    /// whether it is new.
    fn unsubscribe(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipient: &EmailAddress,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Whether `recipient` unsubscribed from mail of `sender`.
    fn is_unsubscribed(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipient: &EmailAddress,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Which of `recipients` (at most 1 000) unsubscribed from mail of `sender`, in order: the
    /// batch-task expansion checks a whole chunk at once. The default asks one by one; an
    /// adapter may answer in one read.
    fn unsubscribed_among(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipients: &[EmailAddress],
    ) -> impl Future<Output = Result<Vec<bool>, StoreError>> + Send {
        async move {
            let mut out = Vec::with_capacity(recipients.len());
            for recipient in recipients {
                out.push(self.is_unsubscribed(account, sender, recipient).await?);
            }
            Ok(out)
        }
    }

    /// Turns open and click tracking of the account's mail on or off (on by default).
    fn set_tracking(
        &self,
        account: &AccountId,
        enabled: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether the account's mail is tracked.
    fn tracking_enabled(
        &self,
        account: &AccountId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
