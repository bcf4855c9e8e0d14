//! The quota-ledger conformance suite against DynamoDB (moto server), a fresh table per test,
//! and the ledger's TTL attribute.

mod support;

sesame_core::quota_conformance!(let f = support::dynamodb().await; f.records);

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use sesame_core::ports::{QuotaKey, QuotaLedger};

/// A ledger item is keyed by the key's scope and day texts and expires (TTL `expires_at`) at
/// midnight UTC 40 days after its day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_items_expire_forty_days_after_their_day() {
    let f = support::dynamodb().await;
    let day = NaiveDate::from_ymd_opt(2024, 5, 1).expect("day");
    let key = QuotaKey::new("warmup/domain/acme/a.com".parse().expect("scope"), day);
    f.records.reserve(&key, 3, 10).await.expect("reserve");
    let item = f
        .client
        .get_item()
        .table_name(f.records.table())
        .key(
            "pk",
            AttributeValue::S("QUOTA#warmup/domain/acme/a.com".to_owned()),
        )
        .key("sk", AttributeValue::S("DAY#2024-05-01".to_owned()))
        .send()
        .await
        .expect("get item")
        .item
        .expect("ledger item");
    // 2024-06-10T00:00:00Z
    assert_eq!(
        item.get("expires_at"),
        Some(&AttributeValue::N("1717977600".to_owned()))
    );
    assert_eq!(item.get("used"), Some(&AttributeValue::N("3".to_owned())));
}
