//! Deliveries: claiming for an attempt, recording outcomes, the status listing and the
//! sweep of stale work.
//!
//! A delivery item lives in its message's partition (`RCPT#<recipient>`), is listed per
//! account through GSI1 (sort key `<request millis>#<message>#<recipient>`), and while it is
//! not final also sits in the sparse `pending` index (partition `PENDING#<0..4>` by a hash of
//! its identity, sort key `due_at` = `claimed_until`, or `request_time` when unclaimed). A final
//! outcome removes `pending`, which takes the item out of that index.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};
use sesame_core::StoreError;
use sesame_core::model::{DeliverStatus, Delivery, Message, SendStatus};
use sesame_core::ports::{Claim, Deliveries, DeliveryQuery, Outcome};
use sesame_core::types::{AccountId, EmailAddress, MessageId};

use super::DynamoDbRecords;
use super::item::{Item, Reader, n, s, time};
use super::table::{
    DUE_AT, EXPIRES_AT, GSI1PK, GSI1SK, PENDING, PK, SK, deliveries_gsi1pk, delivery_gsi1sk,
    delivery_sk, message_pk, pending_shard,
};
use crate::error::sdk_error;

/// The item of a delivery; `expires_at` is added when retention is set.
pub(super) fn delivery_item(d: &Delivery, expires_at: Option<AttributeValue>) -> Item {
    let mut item = Item::from([
        (PK.to_owned(), s(message_pk(&d.account, &d.message_id))),
        (SK.to_owned(), s(delivery_sk(&d.recipient))),
        (GSI1PK.to_owned(), s(deliveries_gsi1pk(&d.account))),
        (
            GSI1SK.to_owned(),
            s(delivery_gsi1sk(d.request_time, &d.message_id, &d.recipient)),
        ),
        ("account".to_owned(), s(d.account.as_str())),
        ("message_id".to_owned(), s(d.message_id.as_str())),
        ("recipient".to_owned(), s(d.recipient.as_str())),
        ("from".to_owned(), s(d.from.as_str())),
        ("send_status".to_owned(), n(d.send_status.code())),
        ("deliver_status".to_owned(), n(d.deliver_status.code())),
        ("deliver_message".to_owned(), s(d.deliver_message.as_str())),
        ("request_at".to_owned(), time(d.request_time)),
        ("attempts".to_owned(), n(d.attempts)),
    ]);
    if let Some(at) = d.deliver_time {
        item.insert("deliver_at".to_owned(), time(at));
    }
    if let Some(until) = d.claimed_until {
        item.insert("claimed_until".to_owned(), time(until));
    }
    if !d.is_final() {
        item.insert(
            PENDING.to_owned(),
            s(pending_shard(&d.message_id, &d.recipient)),
        );
        item.insert(
            DUE_AT.to_owned(),
            time(d.claimed_until.unwrap_or(d.request_time)),
        );
    }
    if let Some(e) = expires_at {
        item.insert(EXPIRES_AT.to_owned(), e);
    }
    item
}

/// The delivery an item holds.
pub(super) fn delivery_from(item: &Item) -> Result<Delivery, StoreError> {
    let r = Reader::new(item, "delivery");
    Ok(Delivery {
        account: r.parse("account", AccountId::parse)?,
        message_id: r.parse("message_id", MessageId::parse)?,
        recipient: r.parse("recipient", EmailAddress::parse)?,
        from: r.s("from")?.to_owned(),
        send_status: r.coded("send_status", SendStatus::from_code)?,
        deliver_status: r.coded("deliver_status", DeliverStatus::from_code)?,
        deliver_message: r.s("deliver_message")?.to_owned(),
        request_time: r.time("request_at")?,
        deliver_time: r.opt_time("deliver_at")?,
        attempts: r.n("attempts")?,
        claimed_until: r.opt_time("claimed_until")?,
    })
}

/// Message writes and reads live in `messages.rs` (a message may span part items), the
/// listings in `listing.rs` (GSI pages); claims and outcomes are here.
impl Deliveries for DynamoDbRecords {
    async fn insert_message(
        &self,
        message: &Message,
        deliveries: &[Delivery],
    ) -> Result<(), StoreError> {
        self.write_message(message, deliveries).await
    }

    async fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError> {
        self.read_message(account, id).await
    }

    async fn claim(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let key = Self::key(message_pk(account, message_id), delivery_sk(recipient));
        // One conditional write decides the race: of concurrent claimers exactly one sees the
        // old, unheld value; the others fail the condition and learn why from the old item.
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.clone()))
            .condition_expression(
                "attribute_exists(#pk) AND NOT (#status IN (:delivered, :dropped, :rejected)) \
                 AND (attribute_not_exists(#until) OR #until <= :now)",
            )
            .update_expression("SET #until = :until, #due = :until ADD #attempts :one")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#status", "deliver_status")
            .expression_attribute_names("#until", "claimed_until")
            .expression_attribute_names("#due", DUE_AT)
            .expression_attribute_names("#attempts", "attempts")
            .expression_attribute_values(":delivered", n(DeliverStatus::Delivered.code()))
            .expression_attribute_values(":dropped", n(DeliverStatus::Dropped.code()))
            .expression_attribute_values(":rejected", n(DeliverStatus::Rejected.code()))
            .expression_attribute_values(":now", time(now))
            .expression_attribute_values(":until", time(until))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let old = match result {
            Ok(out) => {
                let item = out.attributes.unwrap_or_default();
                return Ok(Claim::Claimed(delivery_from(&item)?));
            }
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    failed.item.clone()
                }
                _ => return Err(sdk_error("UpdateItem", e)),
            },
        };
        // Older emulators do not return the item with the failure: read it.
        let old = match old {
            Some(item) if !item.is_empty() => Some(item),
            _ => {
                self.get(message_pk(account, message_id), delivery_sk(recipient))
                    .await?
            }
        };
        Ok(match old {
            None => Claim::Missing,
            Some(item) if delivery_from(&item)?.is_final() => Claim::AlreadyFinal,
            Some(_) => Claim::Held,
        })
    }

    async fn record_outcome(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        outcome: &Outcome,
    ) -> Result<(), StoreError> {
        let mut set = vec![
            "#send = :send",
            "#status = :status",
            "#text = :text",
            "#at = :at",
        ];
        let mut remove = Vec::new();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                message_pk(account, message_id),
                delivery_sk(recipient),
            )))
            // Without the existence check UpdateItem would create a bare item; the key includes
            // the account, so another account's outcome finds nothing. A final status is never
            // overwritten: a worker whose claim expired must not undo what a later one settled.
            .condition_expression(
                "attribute_exists(#pk) AND NOT (#status IN (:delivered, :dropped, :rejected))",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#send", "send_status")
            .expression_attribute_names("#status", "deliver_status")
            .expression_attribute_names("#text", "deliver_message")
            .expression_attribute_names("#at", "deliver_at")
            .expression_attribute_names("#until", "claimed_until")
            .expression_attribute_names("#pending", PENDING)
            .expression_attribute_names("#due", DUE_AT)
            .expression_attribute_values(":delivered", n(DeliverStatus::Delivered.code()))
            .expression_attribute_values(":dropped", n(DeliverStatus::Dropped.code()))
            .expression_attribute_values(":rejected", n(DeliverStatus::Rejected.code()))
            .expression_attribute_values(":send", n(outcome.send_status.code()))
            .expression_attribute_values(":status", n(outcome.deliver_status.code()))
            .expression_attribute_values(":text", s(outcome.deliver_message.as_str()))
            .expression_attribute_values(":at", time(outcome.at));
        match outcome.retry_at {
            Some(retry) => {
                set.push("#until = :retry");
                request = request.expression_attribute_values(":retry", time(retry));
            }
            None => remove.push("#until"),
        }
        if outcome.deliver_status.is_final() {
            remove.extend(["#pending", "#due"]);
        } else {
            set.push("#pending = :shard");
            request = request
                .expression_attribute_values(":shard", s(pending_shard(message_id, recipient)));
            match outcome.retry_at {
                Some(_) => set.push("#due = :retry"),
                None => {
                    set.push("#due = #request");
                    request = request.expression_attribute_names("#request", "request_at");
                }
            }
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        match request.update_expression(expression).send().await {
            Ok(_) => Ok(()),
            Err(e) if super::is_condition_failure(&e) => Ok(()),
            Err(e) => Err(sdk_error("UpdateItem", e)),
        }
    }

    async fn list(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        self.query_deliveries(query).await
    }

    async fn stale(&self, before: DateTime<Utc>, limit: u64) -> Result<Vec<Delivery>, StoreError> {
        self.query_stale(before, limit).await
    }
}
