//! DynamoDB-specific behaviour of `DynamoDbRecords` (moto server): messages larger than an
//! item, the TTL attribute, the sparse pending index and table creation.

mod support;

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use chrono::{DateTime, TimeZone, Utc};
use sesame_aws::{DEFAULT_RETENTION, create_table};
use sesame_core::model::{Attachment, DeliverStatus, Delivery, Message, SendStatus};
use sesame_core::ports::{Claim, Deliveries, Outcome};
use sesame_core::types::{AccountId, EmailAddress, Mailbox, MessageId};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0)
        .single()
        .expect("time")
        + chrono::Duration::seconds(secs)
}

fn account() -> AccountId {
    AccountId::parse("acct-a").expect("account")
}

/// A message with `recipients` deliveries and an attachment of `size` bytes of varied data.
fn message(id: &str, recipients: usize, size: usize, seed: u8) -> (Message, Vec<Delivery>) {
    let to: Vec<EmailAddress> = (0..recipients)
        .map(|i| EmailAddress::parse(&format!("r{i}@example.com")).expect("addr"))
        .collect();
    let data = (0..size)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    let message = Message {
        account: account(),
        id: MessageId::parse(id).expect("id"),
        from: Mailbox::parse("noreply@mail.example.com").expect("mailbox"),
        header_from: None,
        reply_to: None,
        to: to.clone(),
        cc: vec![],
        bcc: vec![],
        subject: "big".to_owned(),
        html: Some("<p>see attached</p>".to_owned()),
        text: None,
        attachments: vec![Attachment {
            file_name: "big.bin".to_owned(),
            content_type: "application/octet-stream".to_owned(),
            data,
        }],
        headers: vec![],
        smtp_message_id: None,
        trigger_type: 1,
        unsubscribe: "0".to_owned(),
        template_id: None,
        created_at: at(10),
    };
    let deliveries = to
        .into_iter()
        .map(|recipient| Delivery {
            account: account(),
            message_id: message.id.clone(),
            recipient,
            from: "noreply@mail.example.com".to_owned(),
            send_status: SendStatus::Ok,
            deliver_status: DeliverStatus::Queued,
            deliver_message: String::new(),
            request_time: at(10),
            deliver_time: None,
            attempts: 0,
            claimed_until: None,
        })
        .collect();
    (message, deliveries)
}

async fn raw_item(
    f: &support::DynamoFixture,
    pk: &str,
    sk: &str,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    f.client
        .get_item()
        .table_name(f.records.table())
        .key("pk", AttributeValue::S(pk.to_owned()))
        .key("sk", AttributeValue::S(sk.to_owned()))
        .send()
        .await
        .expect("get item")
        .item
}

async fn partition_size(f: &support::DynamoFixture, pk: &str, prefix: &str) -> usize {
    // A page stops at 1 MB, i.e. after a few parts: count across pages.
    let mut count = 0;
    let mut start = None;
    loop {
        let out = f
            .client
            .query()
            .table_name(f.records.table())
            .key_condition_expression("pk = :pk AND begins_with(sk, :p)")
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
            .expression_attribute_values(":p", AttributeValue::S(prefix.to_owned()))
            .select(Select::Count)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("query");
        count += usize::try_from(out.count).expect("count");
        start = out.last_evaluated_key;
        if start.is_none() {
            return count;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_four_megabyte_message_with_ninety_recipients_is_stored_in_parts_and_reads_back() {
    let f = support::dynamodb().await;
    let (m, ds) = message("m-big", 90, 4 * 1024 * 1024 - 1000, 7);
    f.records.insert_message(&m, &ds).await.expect("insert");
    assert_eq!(
        f.records.get_message(&account(), &m.id).await.expect("get"),
        Some(m)
    );
    let pk = "ACCT#acct-a#MSG#m-big";
    assert!(
        partition_size(&f, pk, "PART#").await >= 14,
        "body split into parts of at most 300 KB"
    );
    assert_eq!(partition_size(&f, pk, "RCPT#").await, 90);
    let header = raw_item(&f, pk, "MESSAGE").await.expect("header");
    assert!(!header.contains_key("body"), "large bodies are not inline");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reinsert_of_a_large_message_leaves_the_first_readable() {
    let f = support::dynamodb().await;
    let (first, first_ds) = message("m-1", 2, 1024 * 1024, 1);
    f.records
        .insert_message(&first, &first_ds)
        .await
        .expect("insert");
    let (second, second_ds) = message("m-1", 3, 1024 * 1024, 2);
    assert!(
        f.records.insert_message(&second, &second_ds).await.is_err(),
        "message id already used"
    );
    assert_eq!(
        f.records
            .get_message(&account(), &first.id)
            .await
            .expect("get"),
        Some(first)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_and_delivery_items_carry_expires_at_when_retention_is_set() {
    let f = support::dynamodb().await;
    let (m, ds) = message("m-ttl", 1, 10, 0);
    f.records.insert_message(&m, &ds).await.expect("insert");
    let expected = AttributeValue::N((m.created_at + DEFAULT_RETENTION).timestamp().to_string());
    let pk = "ACCT#acct-a#MSG#m-ttl";
    assert_eq!(
        raw_item(&f, pk, "MESSAGE")
            .await
            .expect("header")
            .get("expires_at"),
        Some(&expected)
    );
    assert_eq!(
        raw_item(&f, pk, "RCPT#r0@example.com")
            .await
            .expect("delivery")
            .get("expires_at"),
        Some(&expected)
    );

    let keep_forever = f.records.clone().with_retention(None);
    let (m, ds) = message("m-keep", 1, 10, 0);
    keep_forever.insert_message(&m, &ds).await.expect("insert");
    let header = raw_item(&f, "ACCT#acct-a#MSG#m-keep", "MESSAGE")
        .await
        .expect("header");
    assert!(!header.contains_key("expires_at"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_final_delivery_leaves_the_pending_index() {
    let f = support::dynamodb().await;
    let (m, ds) = message("m-1", 1, 10, 0);
    f.records.insert_message(&m, &ds).await.expect("insert");
    let rcpt = ds[0].recipient.clone();
    let key = ("ACCT#acct-a#MSG#m-1", "RCPT#r0@example.com");
    assert!(
        raw_item(&f, key.0, key.1)
            .await
            .expect("delivery")
            .contains_key("pending")
    );
    assert!(matches!(
        f.records
            .claim(&account(), &m.id, &rcpt, at(20), at(80))
            .await
            .expect("claim"),
        Claim::Claimed(_)
    ));
    let delivered = Outcome {
        send_status: SendStatus::Ok,
        deliver_status: DeliverStatus::Delivered,
        deliver_message: "250 ok".to_owned(),
        at: at(30),
        retry_at: None,
    };
    f.records
        .record_outcome(&account(), &m.id, &rcpt, &delivered)
        .await
        .expect("record");
    let item = raw_item(&f, key.0, key.1).await.expect("delivery");
    assert!(
        !item.contains_key("pending") && !item.contains_key("due_at"),
        "out of the sparse index"
    );
    assert_eq!(
        f.records.stale(at(10_000), 10).await.expect("stale"),
        vec![]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_table_accepts_an_existing_table() {
    let f = support::dynamodb().await;
    create_table(&f.client, f.records.table())
        .await
        .expect("create again");
}
