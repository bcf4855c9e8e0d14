//! The events port over the single table.
//!
//! - raw hit: `HITS#<account>#<message>#<recipient>` / `<at millis, 15 digits>#<hit id>`, with
//!   `expires_at` (TTL) from the hit; written with BatchWriteItem (a replay rewrites the same
//!   key with the same content).
//! - feed entry: `FEED#<account>` / `<cursor>`; its id marker `FEEDID#<account>#<id>` /
//!   `FEEDID`; and the engagement item `MSG#…` / `ENG#<recipient>` of the delivery. One
//!   transaction per event: the marker's `attribute_not_exists` condition makes a replay
//!   append nothing and set no flag; flags are `if_not_exists`, so the first time wins.
//! - unsubscribe: `UNSUB#<account>#<sender>` / `<recipient>`; tracking switch:
//!   `ACCT#<account>` / `TRACKING`.
//!
//! Addresses in keys are lowercase. Feed, markers and flags expire with the records'
//! retention; unsubscribes and the switch never expire.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use sesame_core::StoreError;
use sesame_core::ports::{Engagement, Event, EventKind, Events, Hit};
use sesame_core::tracking::{Reason, Target, TrackKind};
use sesame_core::types::{AccountId, EmailAddress, MessageId};

use super::item::{Item, Reader, n, s, time, time_key};
use super::table::{EXPIRES_AT, PK, SK, account_pk, message_pk};
use super::{DynamoDbRecords, cancelled_by_condition};
use crate::error::{build_error, corrupt, sdk_error};

const TRACKING_SK: &str = "TRACKING";

fn lower(address: &EmailAddress) -> String {
    address.as_str().to_ascii_lowercase()
}

fn hits_pk(account: &AccountId, message: &MessageId, recipient: &EmailAddress) -> String {
    format!("HITS#{account}#{message}#{}", lower(recipient))
}

fn feed_pk(account: &AccountId) -> String {
    format!("FEED#{account}")
}

fn engagement_sk(recipient: &EmailAddress) -> String {
    format!("ENG#{}", lower(recipient))
}

fn unsub_pk(account: &AccountId, sender: &EmailAddress) -> String {
    format!("UNSUB#{account}#{}", lower(sender))
}

fn hit_item(h: &Hit) -> Item {
    let mut item = Item::from([
        (
            PK.to_owned(),
            s(hits_pk(&h.account, &h.message_id, &h.recipient)),
        ),
        (SK.to_owned(), s(format!("{}#{}", time_key(h.at), h.id))),
        ("id".to_owned(), s(h.id.as_str())),
        ("account".to_owned(), s(h.account.as_str())),
        ("message_id".to_owned(), s(h.message_id.as_str())),
        ("recipient".to_owned(), s(h.recipient.as_str())),
        ("kind".to_owned(), s(h.kind.as_str())),
        ("target".to_owned(), s(h.target.stored())),
        ("at".to_owned(), time(h.at)),
        ("reason".to_owned(), s(h.reason.as_str())),
        ("expires_ms".to_owned(), time(h.expires_at)),
        (EXPIRES_AT.to_owned(), n(h.expires_at.timestamp())),
    ]);
    if let Some(agent) = &h.user_agent {
        item.insert("user_agent".to_owned(), s(agent.as_str()));
    }
    if let Some(ip) = &h.ip {
        item.insert("ip".to_owned(), s(ip.as_str()));
    }
    item
}

fn hit_from(item: &Item) -> Result<Hit, StoreError> {
    let r = Reader::new(item, "hit");
    let kind = r.s("kind")?;
    Ok(Hit {
        id: r.s("id")?.to_owned(),
        account: r.parse("account", AccountId::parse)?,
        message_id: r.parse("message_id", MessageId::parse)?,
        recipient: r.parse("recipient", EmailAddress::parse)?,
        kind: [TrackKind::Open, TrackKind::Click, TrackKind::Unsubscribe]
            .into_iter()
            .find(|k| k.as_str() == kind)
            .ok_or_else(|| corrupt("hit item: unknown kind"))?,
        target: Target::from_stored(r.s("target")?),
        at: r.time("at")?,
        user_agent: r.opt_s("user_agent")?.map(str::to_owned),
        ip: r.opt_s("ip")?.map(str::to_owned),
        reason: Reason::parse(r.s("reason")?).ok_or_else(|| corrupt("hit item: unknown reason"))?,
        expires_at: r.time("expires_ms")?,
    })
}

fn event_from(item: &Item) -> Result<Event, StoreError> {
    let r = Reader::new(item, "event");
    Ok(Event {
        id: r.s("id")?.to_owned(),
        account: r.parse("account", AccountId::parse)?,
        message_id: r.parse("message_id", MessageId::parse)?,
        recipient: r.parse("recipient", EmailAddress::parse)?,
        kind: EventKind::parse(r.s("kind")?).ok_or_else(|| corrupt("event item: unknown kind"))?,
        at: r.time("at")?,
        recorded_at: r.time("recorded_at")?,
        detail: r.s("detail")?.to_owned(),
    })
}

fn flag_attribute(kind: EventKind) -> Option<&'static str> {
    match kind {
        EventKind::Opened => Some("opened_at"),
        EventKind::Clicked => Some("clicked_at"),
        EventKind::Unsubscribed => Some("unsubscribed_at"),
        EventKind::Complained => Some("complained_at"),
        EventKind::Delivered | EventKind::Bounced => None,
    }
}

impl DynamoDbRecords {
    async fn append_one(&self, e: &Event) -> Result<bool, StoreError> {
        let expires = self.expires_at(e.recorded_at);
        let mut marker = Self::key(format!("FEEDID#{}#{}", e.account, e.id), "FEEDID");
        let mut entry = Item::from([
            (PK.to_owned(), s(feed_pk(&e.account))),
            (SK.to_owned(), s(e.cursor())),
            ("id".to_owned(), s(e.id.as_str())),
            ("account".to_owned(), s(e.account.as_str())),
            ("message_id".to_owned(), s(e.message_id.as_str())),
            ("recipient".to_owned(), s(e.recipient.as_str())),
            ("kind".to_owned(), s(e.kind.as_str())),
            ("at".to_owned(), time(e.at)),
            ("recorded_at".to_owned(), time(e.recorded_at)),
            ("detail".to_owned(), s(e.detail.as_str())),
        ]);
        if let Some(x) = &expires {
            marker.insert(EXPIRES_AT.to_owned(), x.clone());
            entry.insert(EXPIRES_AT.to_owned(), x.clone());
        }
        let put = |item: Item, conditional: bool| {
            let mut b = Put::builder().table_name(&self.table).set_item(Some(item));
            if conditional {
                b = b
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", PK);
            }
            b.build().map_err(|e| build_error("TransactWriteItems", e))
        };
        let mut request = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put(marker, true)?).build())
            .transact_items(TransactWriteItem::builder().put(put(entry, false)?).build());
        if let Some(flag) = flag_attribute(e.kind) {
            let mut update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key(
                    message_pk(&e.account, &e.message_id),
                    engagement_sk(&e.recipient),
                )))
                .update_expression("SET #flag = if_not_exists(#flag, :at)")
                .expression_attribute_names("#flag", flag)
                .expression_attribute_values(":at", time(e.at));
            if let Some(x) = expires {
                update = update
                    .update_expression("SET #flag = if_not_exists(#flag, :at), #exp = :exp")
                    .expression_attribute_names("#exp", EXPIRES_AT)
                    .expression_attribute_values(":exp", x);
            }
            let update = update
                .build()
                .map_err(|e| build_error("TransactWriteItems", e))?;
            request = request.transact_items(TransactWriteItem::builder().update(update).build());
        }
        match request.send().await {
            Ok(_) => Ok(true),
            Err(err) if cancelled_by_condition(&err) => Ok(false),
            Err(err) => Err(sdk_error("TransactWriteItems", err)),
        }
    }
}

impl Events for DynamoDbRecords {
    async fn put_hits(&self, hits: &[Hit]) -> Result<(), StoreError> {
        // One request may not name the same key twice: a replay inside one batch is dropped.
        let mut seen = std::collections::HashSet::new();
        let items = hits
            .iter()
            .filter(|h| seen.insert(h.id.clone()))
            .map(hit_item)
            .collect();
        self.batch_put(items, "hits").await
    }

    async fn list_hits(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Hit>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk AND #sk >= :since")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(hits_pk(account, message_id, recipient)))
            .expression_attribute_values(":since", s(time_key(since)));
        Self::query_items(query, Some(limit))
            .await?
            .iter()
            .map(hit_from)
            .collect()
    }

    async fn append_events(&self, events: &[Event]) -> Result<Vec<bool>, StoreError> {
        let mut fresh = Vec::with_capacity(events.len());
        for e in events {
            fresh.push(self.append_one(e).await?);
        }
        Ok(fresh)
    }

    async fn list_events(
        &self,
        account: &AccountId,
        after: Option<&str>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        // Cursors are `<15 digits>-<id>` of [0-9a-z-]: `!` sorts before every character a
        // cursor continues with, `.` after the `-` that follows the time.
        let low = after.map_or_else(|| "0".to_owned(), |a| format!("{a}!"));
        let high = format!("{:015}.", until.timestamp_millis().max(0));
        if low >= high {
            return Ok(Vec::new());
        }
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :low AND :high")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(feed_pk(account)))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high));
        Self::query_items(query, Some(limit))
            .await?
            .iter()
            .map(event_from)
            .collect()
    }

    async fn engagements(
        &self,
        account: &AccountId,
        keys: &[(MessageId, EmailAddress)],
    ) -> Result<Vec<Engagement>, StoreError> {
        let wanted: Vec<(String, String)> = keys
            .iter()
            .map(|(m, r)| (message_pk(account, m), engagement_sk(r)))
            .collect();
        let mut unique: Vec<&(String, String)> = wanted.iter().collect();
        unique.sort();
        unique.dedup();
        let keys: Vec<Item> = unique
            .iter()
            .map(|(pk, sk)| Self::key(pk.clone(), sk.clone()))
            .collect();
        let mut found: HashMap<(String, String), Item> = HashMap::new();
        for item in self.batch_get(&keys, "engagement").await? {
            let r = Reader::new(&item, "engagement");
            let key = (r.s(PK)?.to_owned(), r.s(SK)?.to_owned());
            found.insert(key, item);
        }
        wanted
            .iter()
            .map(|key| {
                let Some(item) = found.get(key) else {
                    return Ok(Engagement::default());
                };
                let r = Reader::new(item, "engagement");
                Ok(Engagement {
                    opened_at: r.opt_time("opened_at")?,
                    clicked_at: r.opt_time("clicked_at")?,
                    unsubscribed_at: r.opt_time("unsubscribed_at")?,
                    complained_at: r.opt_time("complained_at")?,
                })
            })
            .collect()
    }

    async fn unsubscribe(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipient: &EmailAddress,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut item = Self::key(unsub_pk(account, sender), lower(recipient));
        item.insert("at".to_owned(), time(at));
        self.put_if_absent(item).await
    }

    async fn is_unsubscribed(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipient: &EmailAddress,
    ) -> Result<bool, StoreError> {
        Ok(self
            .get(unsub_pk(account, sender), lower(recipient))
            .await?
            .is_some())
    }

    async fn unsubscribed_among(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipients: &[EmailAddress],
    ) -> Result<Vec<bool>, StoreError> {
        // BatchGetItem, 100 keys per call, instead of a GetItem per recipient.
        let pk = unsub_pk(account, sender);
        let wanted: Vec<String> = recipients.iter().map(lower).collect();
        let mut found = std::collections::HashSet::new();
        let mut unique: Vec<&String> = wanted.iter().collect();
        unique.sort();
        unique.dedup();
        let keys: Vec<Item> = unique
            .iter()
            .map(|r| Self::key(pk.clone(), r.as_str()))
            .collect();
        for item in self.batch_get(&keys, "unsubscribe").await? {
            if let Some(AttributeValue::S(sk)) = item.get(SK) {
                found.insert(sk.clone());
            }
        }
        Ok(wanted.iter().map(|r| found.contains(r)).collect())
    }

    async fn set_tracking(&self, account: &AccountId, enabled: bool) -> Result<(), StoreError> {
        let mut item = Self::key(account_pk(account), TRACKING_SK);
        item.insert("enabled".to_owned(), AttributeValue::Bool(enabled));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(())
    }

    async fn tracking_enabled(&self, account: &AccountId) -> Result<bool, StoreError> {
        match self.get(account_pk(account), TRACKING_SK).await? {
            None => Ok(true),
            Some(item) => Reader::new(&item, "tracking").bool("enabled"),
        }
    }
}
