//! Accepted messages: how up to 4 MB of message is written so that it appears all at once.
//!
//! DynamoDB limits an item to 400 KB and a transaction to 100 items and 4 MB, so a message is
//! written in two steps:
//!
//! 1. If its encoded body is larger than [`PART_SIZE`], the body is split into part items
//!    (`PART#<content hash>#<n>`) written with BatchWriteItem (unprocessed items retried).
//!    Parts are invisible on their own: nothing reads them without the header. The content
//!    hash in their key means a failed or repeated insert never overwrites another message's
//!    parts; parts orphaned by a failed insert expire through `expires_at`.
//! 2. One TransactWriteItems puts every delivery and then the header item (with the body
//!    inline when small, or the part count and hash), each only if absent. The header is the
//!    commit point: [`get_message`](sesame_core::ports::Deliveries::get_message) answers `None`
//!    until it exists, and a message without its deliveries is never visible.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use sesame_core::StoreError;
use sesame_core::model::{Delivery, Message};
use sesame_core::types::{AccountId, MessageId};

use super::deliveries::delivery_item;
use super::item::{Item, Reader, b, n, s};
use super::table::{EXPIRES_AT, MESSAGE_SK, PART_PREFIX, PK, SK, fnv1a, message_pk};
use super::{DynamoDbRecords, cancelled_by_condition, message_body};
use crate::error::{build_error, corrupt, sdk_error};

/// Largest body stored inline in the header, and the size of each part item (the item limit
/// is 400 KB; the rest is headroom for keys and attributes).
pub(crate) const PART_SIZE: usize = 300 * 1024;
/// A transaction holds at most 100 items: the header and up to 99 deliveries.
const MAX_DELIVERIES: usize = 99;

fn part_sk(hash: &str, n: usize) -> String {
    format!("{PART_PREFIX}{hash}#{n:05}")
}

impl DynamoDbRecords {
    fn check_deliveries(message: &Message, deliveries: &[Delivery]) -> Result<(), StoreError> {
        if deliveries.len() > MAX_DELIVERIES {
            return Err(corrupt(format!(
                "message {} has {} deliveries; at most {MAX_DELIVERIES}",
                message.id,
                deliveries.len()
            )));
        }
        let mut seen = HashSet::new();
        for d in deliveries {
            if d.account != message.account || d.message_id != message.id {
                return Err(corrupt("delivery does not belong to the message"));
            }
            if !seen.insert(&d.recipient) {
                return Err(corrupt(format!(
                    "message {} lists recipient {} twice",
                    message.id,
                    d.recipient.redacted()
                )));
            }
        }
        Ok(())
    }

    pub(super) async fn write_message(
        &self,
        message: &Message,
        deliveries: &[Delivery],
    ) -> Result<(), StoreError> {
        Self::check_deliveries(message, deliveries)?;
        let body = message_body::encode(message)?;
        let pk = message_pk(&message.account, &message.id);
        let expires = self.expires_at(message.created_at);
        let mut header = Item::from([
            (PK.to_owned(), s(pk.clone())),
            (SK.to_owned(), s(MESSAGE_SK)),
            ("account".to_owned(), s(message.account.as_str())),
            ("message_id".to_owned(), s(message.id.as_str())),
            (
                "created_at".to_owned(),
                super::item::time(message.created_at),
            ),
        ]);
        if let Some(e) = &expires {
            header.insert(EXPIRES_AT.to_owned(), e.clone());
        }
        if body.len() <= PART_SIZE {
            header.insert("body".to_owned(), b(body));
        } else {
            let hash = format!("{:016x}", fnv1a(body.iter().copied()));
            let parts: Vec<Item> = body
                .chunks(PART_SIZE)
                .enumerate()
                .map(|(i, chunk)| {
                    let mut part = Item::from([
                        (PK.to_owned(), s(pk.clone())),
                        (SK.to_owned(), s(part_sk(&hash, i))),
                        ("data".to_owned(), b(chunk)),
                    ]);
                    if let Some(e) = &expires {
                        part.insert(EXPIRES_AT.to_owned(), e.clone());
                    }
                    part
                })
                .collect();
            header.insert("parts".to_owned(), n(parts.len()));
            header.insert("parts_hash".to_owned(), s(hash));
            self.batch_put(parts, "message parts").await?;
        }
        let mut request = self.client.transact_write_items();
        // The header goes last: an emulator applying the items in order then never shows the
        // header before the deliveries (DynamoDB itself applies the transaction atomically).
        for item in deliveries
            .iter()
            .map(|d| delivery_item(d, expires.clone()))
            .chain([header])
        {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
                .build()
                .map_err(|e| build_error("TransactWriteItems", e))?;
            request = request.transact_items(TransactWriteItem::builder().put(put).build());
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e) if cancelled_by_condition(&e) => {
                Err(corrupt(format!("message {} already exists", message.id)))
            }
            Err(e) => Err(sdk_error("TransactWriteItems", e)),
        }
    }

    pub(super) async fn read_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError> {
        let pk = message_pk(account, id);
        let Some(header) = self.get(pk.clone(), MESSAGE_SK).await? else {
            return Ok(None);
        };
        let r = Reader::new(&header, "message");
        let message = if r.has("body") {
            message_body::decode(r.b("body")?)?
        } else {
            let count: usize = r.n("parts")?;
            let hash = r.s("parts_hash")?;
            let parts = self
                .query_prefix(pk, &format!("{PART_PREFIX}{hash}#"))
                .await?;
            if parts.len() != count {
                return Err(corrupt(format!(
                    "message {id}: {} of {count} parts found",
                    parts.len()
                )));
            }
            let mut body = Vec::with_capacity(count * PART_SIZE);
            for part in &parts {
                body.extend_from_slice(Reader::new(part, "message part").b("data")?);
            }
            message_body::decode(&body)?
        };
        if &message.account != account || &message.id != id {
            return Err(corrupt(format!("message item {id} holds another message")));
        }
        Ok(Some(message))
    }
}
