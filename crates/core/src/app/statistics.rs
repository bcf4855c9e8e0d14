//! Statistics: every countable event updates the daily aggregates once, and
//! GetStatisticsReport reads them back by day, sender domain and receiving mailbox type.
//!
//! Idempotency: an event is counted with [`Feedback::count_once`], which writes the event's
//! mark (conditionally) and the counter additions in one atomic write, so a replayed event
//! (queue redelivery, a repeated DSN, a retried tracking hit) counts once, and a crash or a
//! failed write leaves nothing half done: a retry of the event counts it.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::Sesame;
use crate::error::{ErrorCode, SesError};
use crate::ports::{CounterKey, Counters, Feedback, Ports};
use crate::types::{AccountId, EmailAddress};

/// How long an event mark is kept: a replay older than this would count again.
pub const MARK_RETENTION_DAYS: i64 = 45;
/// Longest GetStatisticsReport range, in days.
pub const MAX_RANGE_DAYS: i64 = 90;

/// What happened, as a statistics counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatEvent {
    /// A send request for one recipient (`RequestCount`).
    Requested,
    /// The request passed every check and was stored (`AcceptedCount`).
    Accepted,
    /// The recipient's server accepted the message (`DeliveredCount`).
    Delivered,
    /// A human open (`OpenedCount`, every open).
    Opened,
    /// A human click (`ClickedCount`: give one event id per delivery to count users).
    Clicked,
    /// A hard or soft bounce, synchronous or from a DSN (`BounceCount`).
    Bounced,
    /// The recipient unsubscribed (`UnsubscribeCount`).
    Unsubscribed,
}

impl StatEvent {
    pub(crate) fn counter(self) -> &'static str {
        match self {
            StatEvent::Requested => "requested",
            StatEvent::Accepted => "accepted",
            StatEvent::Delivered => "delivered",
            StatEvent::Opened => "opened",
            StatEvent::Clicked => "clicked",
            StatEvent::Bounced => "bounced",
            StatEvent::Unsubscribed => "unsubscribed",
        }
    }
}

/// One event to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedEvent {
    /// Owning account.
    pub account: AccountId,
    /// What happened.
    pub kind: StatEvent,
    /// Identifies the event: the same id is counted once per kind. Use
    /// `<message id>:<recipient>` for once-per-delivery events (delivered, bounced, clicked
    /// users, unsubscribed) and a per-hit id for events counted every time (opens).
    pub event_id: String,
    /// When it happened (its API-time-zone day is the day it counts on).
    pub at: DateTime<Utc>,
    /// The sender's domain.
    pub sender_domain: String,
    /// The recipient (its domain is the receiving mailbox type).
    pub recipient: EmailAddress,
}

/// One `Volume` of GetStatisticsReport.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Volume {
    /// The day (for the overall volume, the start date).
    pub day: Option<NaiveDate>,
    /// `RequestCount`.
    pub requested: u64,
    /// `AcceptedCount`.
    pub accepted: u64,
    /// `DeliveredCount`.
    pub delivered: u64,
    /// `OpenedCount`.
    pub opened: u64,
    /// `ClickedCount`.
    pub clicked: u64,
    /// `BounceCount`.
    pub bounced: u64,
    /// `UnsubscribeCount`.
    pub unsubscribed: u64,
}

impl Volume {
    fn add(&mut self, name: &str, value: i64) {
        let v = u64::try_from(value).unwrap_or(0);
        let slot = match name {
            "requested" => &mut self.requested,
            "accepted" => &mut self.accepted,
            "delivered" => &mut self.delivered,
            "opened" => &mut self.opened,
            "clicked" => &mut self.clicked,
            "bounced" => &mut self.bounced,
            "unsubscribed" => &mut self.unsubscribed,
            _ => return,
        };
        *slot += v;
    }

    fn merge(&mut self, other: &Volume) {
        self.requested += other.requested;
        self.accepted += other.accepted;
        self.delivered += other.delivered;
        self.opened += other.opened;
        self.clicked += other.clicked;
        self.bounced += other.bounced;
        self.unsubscribed += other.unsubscribed;
    }
}

/// GetStatisticsReport's filter as the API received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatisticsQuery {
    /// `YYYY-MM-DD`.
    pub start_date: String,
    /// `YYYY-MM-DD`, inclusive.
    pub end_date: String,
    /// Only this sender domain.
    pub domain: Option<String>,
    /// Only recipients at this domain (e.g. `gmail.com`).
    pub receiving_mailbox_type: Option<String>,
}

/// The counters' dimension string: sender domain and recipient domain, lower case.
pub(crate) fn dims(sender_domain: &str, recipient: &EmailAddress) -> String {
    format!(
        "domain={}|mbox={}",
        sender_domain.to_ascii_lowercase(),
        recipient.domain().to_ascii_lowercase()
    )
}

/// The dimensions [`dims`] wrote, or `None` for counters written by another use-case.
fn parse_dims(dims: &str) -> Option<(&str, &str)> {
    let (domain, mbox) = dims.split_once('|')?;
    Some((domain.strip_prefix("domain=")?, mbox.strip_prefix("mbox=")?))
}

fn date(raw: &str, field: &str) -> Result<NaiveDate, SesError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        SesError::new(
            ErrorCode::InvalidParameterValueWrongDate,
            format!("{field} must be YYYY-MM-DD."),
        )
    })
}

impl<P: Ports> Sesame<P> {
    /// Counts one event in the statistics, once per `(kind, event_id)`: the tracking edge,
    /// unsubscribe handling, delivery and feedback ingest all call this. Returns whether it
    /// was counted now (false for a replay).
    pub async fn count_event(&self, event: &CountedEvent) -> Result<bool, SesError> {
        let mark = format!("{}:{}", event.kind.counter(), event.event_id);
        let keep = event.at + Duration::days(MARK_RETENTION_DAYS);
        let key = CounterKey {
            account: event.account.clone(),
            day: event.at.with_timezone(&self.settings.timezone).date_naive(),
            dims: dims(&event.sender_domain, &event.recipient),
        };
        let deltas = [(event.kind.counter(), 1)];
        Ok(self
            .feedback
            .count_once(&event.account, &mark, keep, &key, &deltas)
            .await?)
    }

    /// Like [`Sesame::count_event`], for callers whose own work must not fail with the
    /// statistics: a failure is logged.
    pub(crate) async fn count_quietly(&self, event: CountedEvent) {
        if let Err(e) = self.count_event(&event).await {
            tracing::warn!(error = %e, kind = event.kind.counter(), "event not counted");
        }
    }

    /// Counts `RequestCount` or `AcceptedCount` for each recipient of a send, now. Directly,
    /// without marks: an API call is not replayed (a client retry is a new request). A
    /// failure is logged, never returned: statistics must not fail a send.
    pub async fn count_requests(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipients: &[EmailAddress],
        kind: StatEvent,
    ) {
        let sender_domain = sender.domain();
        let day = self
            .now()
            .with_timezone(&self.settings.timezone)
            .date_naive();
        for r in recipients {
            let key = CounterKey {
                account: account.clone(),
                day,
                dims: dims(sender_domain, r),
            };
            if let Err(e) = self.counters.add(&key, &[(kind.counter(), 1)]).await {
                tracing::warn!(error = %e, "request not counted");
            }
        }
    }

    /// GetStatisticsReport: one volume per day of the range (days without traffic are
    /// zeros) and their sum.
    pub async fn statistics_report(
        &self,
        account: &AccountId,
        q: StatisticsQuery,
    ) -> Result<(Vec<Volume>, Volume), SesError> {
        let start = date(&q.start_date, "StartDate")?;
        let end = date(&q.end_date, "EndDate")?;
        if end < start || (end - start).num_days() >= MAX_RANGE_DAYS {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueWrongDate,
                format!("EndDate must be on or after StartDate, at most {MAX_RANGE_DAYS} days."),
            ));
        }
        let domain = q
            .domain
            .filter(|d| !d.is_empty())
            .map(|d| d.to_ascii_lowercase());
        let mbox = q
            .receiving_mailbox_type
            .filter(|m| !m.is_empty())
            .map(|m| m.to_ascii_lowercase());
        let rows = self.counters.read(account, start, end).await?;
        let mut days: Vec<Volume> = start
            .iter_days()
            .take_while(|d| *d <= end)
            .map(|d| Volume {
                day: Some(d),
                ..Volume::default()
            })
            .collect();
        for (key, counters) in rows {
            let Some((d, m)) = parse_dims(&key.dims) else {
                continue;
            };
            if domain.as_deref().is_some_and(|want| want != d)
                || mbox.as_deref().is_some_and(|want| want != m)
            {
                continue;
            }
            let Ok(index) = usize::try_from((key.day - start).num_days()) else {
                continue;
            };
            if let Some(volume) = days.get_mut(index) {
                for (name, value) in &counters {
                    volume.add(name, *value);
                }
            }
        }
        let mut overall = Volume {
            day: Some(start),
            ..Volume::default()
        };
        for d in &days {
            overall.merge(d);
        }
        Ok((days, overall))
    }
}

impl<P: Ports> Sesame<P> {
    /// Counts a delivery's final outcome (delivered, bounced) once per delivery.
    pub(crate) async fn count_delivery(
        &self,
        job: &crate::model::DeliveryJob,
        sender_domain: &str,
        kind: StatEvent,
    ) {
        self.count_quietly(CountedEvent {
            account: job.account.clone(),
            kind,
            event_id: format!(
                "{}:{}",
                job.message_id,
                job.recipient.as_str().to_ascii_lowercase()
            ),
            at: self.now(),
            sender_domain: sender_domain.to_owned(),
            recipient: job.recipient.clone(),
        })
        .await;
    }
}
