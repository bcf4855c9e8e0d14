//! Use-cases of the tracking edge: record a batch of pixel and click hits (classified,
//! idempotent), unsubscribe through a token, read the event feed, switch tracking per account.
//!
//! The edge verifies tokens itself (no store read) and hands hits over in batches; nothing here
//! decides what the HTTP answer is.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::Sesame;
use super::statistics::{CountedEvent, StatEvent, dims};
use crate::error::{ErrorCode, SesError};
use crate::model::Delivery;
use crate::ports::{
    CounterKey, Counters, Deliveries, DeliveryQuery, Engagement, Event, EventKind, Events, Hit,
    Ids, Ports,
};
use crate::tracking::{ClickHistory, HitFacts, TokenClaims, TrackKind, classify};
use crate::types::{AccountId, EmailAddress, Mailbox, MessageId};

/// One request to the pixel or a click link whose token verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHit {
    /// Unique id chosen when the request arrived ([`Sesame::new_hit_id`]).
    pub id: String,
    /// The token's claims.
    pub claims: TokenClaims,
    /// When the request arrived.
    pub at: DateTime<Utc>,
    /// `HEAD` rather than `GET`.
    pub head: bool,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// Client address.
    pub ip: Option<IpAddr>,
}

/// What a batch of hits came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordReport {
    /// Raw hits stored (human and machine).
    pub stored: usize,
    /// Human opens and clicks newly appended to the feed.
    pub events: usize,
    /// Hits not recorded: no such delivery in the token's account, or the token expired.
    pub ignored: usize,
}

/// A page of the event feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    /// Events in feed order.
    pub events: Vec<Event>,
    /// Cursor to pass next time (the last event's, or the one given when the page is empty).
    pub next_cursor: Option<String>,
}

/// One row of GetSendEmailStatus: the delivery and its engagement flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    /// The delivery.
    pub delivery: Delivery,
    /// Its flags.
    pub engagement: Engagement,
}

type CopyKey = (AccountId, MessageId, EmailAddress);

/// What is known about one copy while a batch is classified.
struct Copy {
    sender_domain: String,
    delivered_at: Option<DateTime<Utc>>,
    clicks: ClickHistory,
}

/// A deterministic id: the first 16 bytes of SHA-256 over the parts, hex.
pub(crate) fn derived_id(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for p in parts {
        hash.update(p.as_bytes());
        hash.update([0]);
    }
    hex::encode(&hash.finalize()[..16])
}

/// The feed id of a hit's event: deterministic (a replayed hit appends nothing), and led by
/// the hit id's time prefix so that ids grow with time like the hit ids do.
fn hit_event_id(kind: &str, hit_id: &str) -> String {
    let prefix = hit_id.get(..12).unwrap_or_default();
    let hash = derived_id(&[kind, hit_id]);
    format!("{prefix}{}", &hash[prefix.len()..])
}

/// Truncates to whole milliseconds, the precision every store keeps.
fn millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

impl<P: Ports> Sesame<P> {
    /// A fresh hit id: the arrival time (milliseconds, 12 hex digits) then 10 random bytes, so
    /// two requests in the same millisecond stay two hits and ids grow with time. The stores'
    /// unique indexes on hit and event ids are then appended to: with wholly random ids every
    /// hit dirtied its own index page and the SQLite recorder fell to ~10,000 hits/s.
    pub fn new_hit_id(&self) -> String {
        let at = u64::try_from(self.now().timestamp_millis()).unwrap_or(0);
        let random = hex::encode(self.ids.random_bytes(10));
        format!("{:012x}{random}", at & 0xffff_ffff_ffff)
    }

    /// Records a batch of hits: classifies each (human or machine, with a reason), stores
    /// them all as raw hits, and appends human opens and clicks to the feed (setting the
    /// delivery's first-open / first-click flags). Hits whose delivery does not exist in the
    /// token's account, or whose token is older than the token TTL, are ignored. Idempotent: a
    /// batch recorded again (same hit ids) stores and counts nothing twice.
    #[tracing::instrument(skip_all, fields(hits = raw.len()), err)]
    pub async fn record_hits(&self, raw: &[RawHit]) -> Result<RecordReport, SesError> {
        let now = self.now();
        let tracking = &self.settings.tracking;
        let ttl = chrono::Duration::from_std(tracking.token_ttl).unwrap_or(chrono::Duration::MAX);
        let hit_ttl = chrono::Duration::from_std(tracking.hit_ttl).unwrap_or_default();
        let window = chrono::Duration::from_std(tracking.rules.burst_window).unwrap_or_default();
        let mut copies: HashMap<CopyKey, Option<Copy>> = HashMap::new();
        let mut report = RecordReport::default();
        let mut hits = Vec::with_capacity(raw.len());
        for r in raw {
            let c = &r.claims;
            if r.at - c.issued_at > ttl || c.kind == TrackKind::Unsubscribe {
                report.ignored += 1;
                continue;
            }
            let key = (c.account.clone(), c.message_id.clone(), c.recipient.clone());
            if !copies.contains_key(&key) {
                let copy = self.load_copy(c, r.at - window).await?;
                copies.insert(key.clone(), copy);
            }
            let Some(Some(copy)) = copies.get_mut(&key) else {
                report.ignored += 1;
                continue;
            };
            let facts = HitFacts {
                kind: c.kind,
                target: &c.target,
                head: r.head,
                user_agent: r.user_agent.as_deref(),
                ip: r.ip,
                at: r.at,
                delivered_at: copy.delivered_at.unwrap_or(c.issued_at),
                earlier_clicks: &copy.clicks,
            };
            let reason = classify(&facts, &tracking.rules);
            if c.kind == TrackKind::Click {
                copy.clicks.record(r.at, &c.target);
            }
            hits.push(Hit {
                id: r.id.clone(),
                account: c.account.clone(),
                message_id: c.message_id.clone(),
                recipient: c.recipient.clone(),
                kind: c.kind,
                target: c.target.clone(),
                at: millis(r.at),
                user_agent: r
                    .user_agent
                    .as_deref()
                    .map(|a| a.chars().take(256).collect()),
                ip: r.ip.map(|ip| ip.to_string()),
                reason,
                expires_at: millis(r.at + hit_ttl),
            });
        }
        if hits.is_empty() {
            return Ok(report);
        }
        self.events.put_hits(&hits).await?;
        report.stored = hits.len();
        let events: Vec<Event> = hits
            .iter()
            .filter(|h| h.reason.is_human())
            .map(|h| {
                let kind = match h.kind {
                    TrackKind::Click => EventKind::Clicked,
                    _ => EventKind::Opened,
                };
                Event {
                    id: hit_event_id(kind.as_str(), &h.id),
                    account: h.account.clone(),
                    message_id: h.message_id.clone(),
                    recipient: h.recipient.clone(),
                    kind,
                    at: h.at,
                    recorded_at: millis(now),
                    detail: h.target.stored().to_owned(),
                }
            })
            .collect();
        if !events.is_empty() {
            let fresh = self.events.append_events(&events).await?;
            report.events = fresh.iter().filter(|new| **new).count();
            self.count_engagement(&events, &hits, &fresh, &copies).await;
        }
        Ok(report)
    }

    /// Counts newly appended human opens and clicks in the statistics. The feed's id check
    /// is the idempotency mark (a replayed hit appends nothing, so counts nothing), so opens
    /// (counted every time) are summed per counter key and added once per batch; clicks count
    /// once per delivery (users who clicked) through the statistics' own marks. Failures are
    /// logged: statistics never fail recording.
    async fn count_engagement(
        &self,
        events: &[Event],
        hits: &[Hit],
        fresh: &[bool],
        copies: &HashMap<CopyKey, Option<Copy>>,
    ) {
        let human = hits.iter().filter(|h| h.reason.is_human());
        let mut opens: BTreeMap<CounterKey, i64> = BTreeMap::new();
        let mut clicked: HashSet<CopyKey> = HashSet::new();
        for ((event, _hit), _) in events.iter().zip(human).zip(fresh).filter(|(_, new)| **new) {
            let key = (
                event.account.clone(),
                event.message_id.clone(),
                event.recipient.clone(),
            );
            let Some(Some(copy)) = copies.get(&key) else {
                continue;
            };
            match event.kind {
                EventKind::Opened => {
                    let counter = CounterKey {
                        account: event.account.clone(),
                        day: event.at.with_timezone(&self.settings.timezone).date_naive(),
                        dims: dims(&copy.sender_domain, &event.recipient),
                    };
                    *opens.entry(counter).or_default() += 1;
                }
                _ if clicked.insert(key) => {
                    let event_id = format!(
                        "{}:{}",
                        event.message_id,
                        event.recipient.as_str().to_ascii_lowercase()
                    );
                    self.count_quietly(CountedEvent {
                        account: event.account.clone(),
                        kind: StatEvent::Clicked,
                        event_id,
                        at: event.at,
                        sender_domain: copy.sender_domain.clone(),
                        recipient: event.recipient.clone(),
                    })
                    .await;
                }
                _ => {}
            }
        }
        for (key, n) in opens {
            let deltas = [(StatEvent::Opened.counter(), n)];
            if let Err(e) = self.counters.add(&key, &deltas).await {
                tracing::warn!(error = %e, opens = n, "opens not counted");
            }
        }
    }

    /// The delivery of the copy a token names (scoped to the token's account) and its recent
    /// clicks; `None` when there is no such delivery.
    async fn load_copy(
        &self,
        claims: &TokenClaims,
        clicks_since: DateTime<Utc>,
    ) -> Result<Option<Copy>, SesError> {
        let query = DeliveryQuery {
            account: claims.account.clone(),
            from: DateTime::UNIX_EPOCH,
            until: claims.issued_at + chrono::Duration::days(1),
            message_id: Some(claims.message_id.clone()),
            recipient: Some(claims.recipient.clone()),
            offset: 0,
            limit: 1,
        };
        let Some(delivery) = self.deliveries.list(&query).await?.pop() else {
            return Ok(None);
        };
        let earlier = self
            .events
            .list_hits(
                &claims.account,
                &claims.message_id,
                &claims.recipient,
                clicks_since,
                100,
            )
            .await?;
        let sender_domain = Mailbox::parse(&delivery.from)
            .map(|m| m.address.domain().to_owned())
            .unwrap_or_default();
        Ok(Some(Copy {
            sender_domain,
            delivered_at: delivery.deliver_time,
            clicks: earlier
                .into_iter()
                .filter(|h| h.kind == TrackKind::Click)
                .map(|h| (h.at, h.target))
                .collect(),
        }))
    }

    /// The sender address of the message an unsubscribe token names and the language of its
    /// unsubscribe link ("2", English, when the message had none), if the message exists in
    /// the token's account. The confirmation page names the sender in that language.
    pub async fn unsubscribe_sender(
        &self,
        claims: &TokenClaims,
    ) -> Result<Option<(EmailAddress, String)>, SesError> {
        if claims.kind != TrackKind::Unsubscribe {
            return Ok(None);
        }
        let Some(message) = self
            .deliveries
            .get_message(&claims.account, &claims.message_id)
            .await?
        else {
            return Ok(None);
        };
        let language = self
            .unsubscribe_language(&message)
            .await?
            .unwrap_or_else(|| "2".into());
        Ok(Some((message.from.address, language)))
    }

    /// Unsubscribes the recipient a token names from its message's sender: later SendEmail
    /// calls to them from that sender are refused with `FailedOperation.ReceiverHasUnsubscribed`
    /// and queued deliveries are dropped. Appends an `unsubscribed` event and sets the flag.
    /// Idempotent. Returns the sender, or `None` when the message does not exist in the token's
    /// account (nothing is recorded then); with the sender, the page's language.
    #[tracing::instrument(skip_all, err)]
    pub async fn unsubscribe(
        &self,
        claims: &TokenClaims,
    ) -> Result<Option<(EmailAddress, String)>, SesError> {
        let Some((sender, language)) = self.unsubscribe_sender(claims).await? else {
            return Ok(None);
        };
        let now = millis(self.now());
        self.events
            .unsubscribe(&claims.account, &sender, &claims.recipient, now)
            .await?;
        let event = Event {
            id: derived_id(&[
                "unsubscribed",
                claims.account.as_str(),
                claims.message_id.as_str(),
                &claims.recipient.as_str().to_ascii_lowercase(),
            ]),
            account: claims.account.clone(),
            message_id: claims.message_id.clone(),
            recipient: claims.recipient.clone(),
            kind: EventKind::Unsubscribed,
            at: now,
            recorded_at: now,
            detail: sender.as_str().to_owned(),
        };
        self.events.append_events(&[event]).await?;
        self.count_quietly(CountedEvent {
            account: claims.account.clone(),
            kind: StatEvent::Unsubscribed,
            event_id: format!(
                "{}:{}",
                claims.message_id,
                claims.recipient.as_str().to_ascii_lowercase()
            ),
            at: now,
            sender_domain: sender.domain().to_owned(),
            recipient: claims.recipient.clone(),
        })
        .await;
        tracing::info!(rcpt = %claims.recipient.redacted(), "unsubscribed");
        Ok(Some((sender, language)))
    }

    /// Appends one event of a delivery (delivered, bounced, complained…) to the account's
    /// feed, with an id derived from `cause` so that recording the same cause again appends
    /// nothing. Returns whether it was new. For the feedback loops and the delivery worker.
    pub async fn append_event(
        &self,
        delivery: (&AccountId, &MessageId, &EmailAddress),
        kind: EventKind,
        cause: &str,
        at: DateTime<Utc>,
        detail: &str,
    ) -> Result<bool, SesError> {
        let (account, message_id, recipient) = delivery;
        let event = Event {
            id: derived_id(&[
                kind.as_str(),
                account.as_str(),
                message_id.as_str(),
                &recipient.as_str().to_ascii_lowercase(),
                cause,
            ]),
            account: account.clone(),
            message_id: message_id.clone(),
            recipient: recipient.clone(),
            kind,
            at: millis(at),
            recorded_at: millis(self.now()),
            detail: detail.chars().take(1000).collect(),
        };
        Ok(self.events.append_events(&[event]).await?[0])
    }

    /// A page of the account's event feed after `cursor` (from the start when `None`). Events
    /// appear once they are `feed_settle` old, so a cursor never passes one still being
    /// written.
    pub async fn list_events(
        &self,
        account: &AccountId,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<EventPage, SesError> {
        if !(1..=100).contains(&limit) {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValue,
                "Limit must be 1-100.",
            ));
        }
        let cursor = cursor.filter(|c| !c.is_empty());
        if cursor.is_some_and(|c| {
            c.len() > 100 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        }) {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValue,
                "Cursor is not one this API returned.",
            ));
        }
        let settle =
            chrono::Duration::from_std(self.settings.tracking.feed_settle).unwrap_or_default();
        let until = self.now() - settle;
        let events = self
            .events
            .list_events(account, cursor, until, limit as usize)
            .await?;
        let next_cursor = events
            .last()
            .map(Event::cursor)
            .or_else(|| cursor.map(str::to_owned));
        Ok(EventPage {
            events,
            next_cursor,
        })
    }

    /// Turns open and click tracking of an account's mail on or off.
    pub async fn set_account_tracking(
        &self,
        account: &AccountId,
        enabled: bool,
    ) -> Result<(), SesError> {
        Ok(self.events.set_tracking(account, enabled).await?)
    }

    /// Whether an account's mail is tracked.
    pub async fn account_tracking(&self, account: &AccountId) -> Result<bool, SesError> {
        Ok(self.events.tracking_enabled(account).await?)
    }

    /// Adds the engagement flags to status rows.
    pub(crate) async fn with_engagement(
        &self,
        account: &AccountId,
        deliveries: Vec<Delivery>,
    ) -> Result<Vec<StatusRow>, SesError> {
        let keys: Vec<(MessageId, EmailAddress)> = deliveries
            .iter()
            .map(|d| (d.message_id.clone(), d.recipient.clone()))
            .collect();
        let flags = self.events.engagements(account, &keys).await?;
        Ok(deliveries
            .into_iter()
            .zip(flags)
            .map(|(delivery, engagement)| StatusRow {
                delivery,
                engagement,
            })
            .collect())
    }
}
