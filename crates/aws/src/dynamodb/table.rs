//! The single table: attribute names, key spellings and [`create_table`].
//!
//! See `infra/dynamodb-table.md` for the design (every item kind and access pattern).

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus,
};
use chrono::{DateTime, Utc};
use sesame_core::StoreError;
use sesame_core::types::{AccountId, Domain, EmailAddress, MessageId, SecretId, TemplateId};

use super::item::time_key;
use crate::error::{build_error, sdk_error};

/// Partition key attribute (S).
pub(crate) const PK: &str = "pk";
/// Sort key attribute (S).
pub(crate) const SK: &str = "sk";
/// GSI1 (overloaded): keys by creation time, domains by name, deliveries by account and
/// request time.
pub(crate) const GSI1: &str = "gsi1";
/// GSI1 partition key attribute (S).
pub(crate) const GSI1PK: &str = "gsi1pk";
/// GSI1 sort key attribute (S).
pub(crate) const GSI1SK: &str = "gsi1sk";
/// GSI2 (sparse): deliveries that are not final, by due time.
pub(crate) const PENDING_INDEX: &str = "pending";
/// GSI2 partition key (S): `PENDING#<shard>`; removed when a delivery becomes final.
pub(crate) const PENDING: &str = "pending";
/// GSI2 sort key (N): epoch millis of `claimed_until`, or of `request_time` when unclaimed.
pub(crate) const DUE_AT: &str = "due_at";
/// TTL attribute (N, epoch seconds) written on message, part and delivery items.
pub(crate) const EXPIRES_AT: &str = "expires_at";
/// Number of `PENDING#<n>` partitions that spread the installation-wide pending index.
pub(crate) const PENDING_SHARDS: u32 = 4;

/// `ACCT#<account>`: the partition of everything an account owns directly.
pub(crate) fn account_pk(account: &AccountId) -> String {
    format!("ACCT#{account}")
}

/// Sort key of the account item itself.
pub(crate) const ACCOUNT_SK: &str = "ACCOUNT";

/// `KEY#<secret id>`: an API key is looked up by id alone when a request is authenticated.
pub(crate) fn key_pk(id: &SecretId) -> String {
    format!("KEY#{id}")
}

/// GSI1 partition holding every API key (operator listing).
pub(crate) const KEYS_GSI1PK: &str = "KEYS";

/// GSI1 partition holding every sender domain, sorted by domain (the periodic DNS re-check).
pub(crate) const IDENTITIES_GSI1PK: &str = "IDENTITIES";

/// `SEQ#<name>`: one counter item per named sequence.
pub(crate) fn sequence_pk(name: &str) -> String {
    format!("SEQ#{name}")
}

/// Template sort key: zero-padded id, so the partition lists in id order.
pub(crate) fn template_sk(id: TemplateId) -> String {
    format!("TEMPLATE#{:020}", id.0)
}

/// Sender-domain sort key in the account partition.
pub(crate) fn identity_sk(domain: &Domain) -> String {
    format!("IDENTITY#{domain}")
}

/// `DOMAIN#<domain>`: the installation-wide uniqueness item of a sender domain.
pub(crate) fn domain_pk(domain: &Domain) -> String {
    format!("DOMAIN#{domain}")
}

/// Sender-address sort key in the account partition.
pub(crate) fn sender_sk(address: &EmailAddress) -> String {
    format!("SENDER#{address}")
}

/// `ACCT#<account>#MSG#<id>`: a message's header, body parts and deliveries.
pub(crate) fn message_pk(account: &AccountId, id: &MessageId) -> String {
    format!("ACCT#{account}#MSG#{id}")
}

/// Sort key of a message's header item (its commit point).
pub(crate) const MESSAGE_SK: &str = "MESSAGE";

/// Sort-key prefix of a message's body parts.
pub(crate) const PART_PREFIX: &str = "PART#";

/// Sort-key prefix of a message's deliveries.
pub(crate) const DELIVERY_PREFIX: &str = "RCPT#";

/// Delivery sort key within its message partition.
pub(crate) fn delivery_sk(recipient: &EmailAddress) -> String {
    format!("{DELIVERY_PREFIX}{recipient}")
}

/// GSI1 partition of an account's deliveries.
pub(crate) fn deliveries_gsi1pk(account: &AccountId) -> String {
    format!("ACCT#{account}#DLV")
}

/// GSI1 sort key of a delivery: request time first, so a key range is a time window.
pub(crate) fn delivery_gsi1sk(
    request_time: DateTime<Utc>,
    message: &MessageId,
    recipient: &EmailAddress,
) -> String {
    format!("{}#{message}#{recipient}", time_key(request_time))
}

/// The pending-index partition of a delivery: a stable hash (FNV-1a) of its identity.
pub(crate) fn pending_shard(message: &MessageId, recipient: &EmailAddress) -> String {
    let hash = fnv1a(
        message
            .as_str()
            .bytes()
            .chain([0])
            .chain(recipient.as_str().bytes()),
    );
    format!("PENDING#{}", hash % u64::from(PENDING_SHARDS))
}

/// Every pending-index partition, for queries across the installation.
pub(crate) fn pending_shards() -> impl Iterator<Item = String> {
    (0..PENDING_SHARDS).map(|n| format!("PENDING#{n}"))
}

/// 64-bit FNV-1a: stable across builds and platforms (unlike `DefaultHasher`).
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(|e| build_error("CreateTable", e))
}

fn attribute(name: &str, kind: ScalarAttributeType) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .map_err(|e| build_error("CreateTable", e))
}

fn index(name: &str, hash: &str, range: &str) -> Result<GlobalSecondaryIndex, StoreError> {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(hash, KeyType::Hash)?)
        .key_schema(key(range, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .map_err(|e| build_error("CreateTable", e))
}

/// Creates the Sesame table (on-demand billing, both GSIs) and waits until it is active.
/// An existing table of that name is accepted as is, so this can run at every setup. TTL on
/// `expires_at` is left for the operator (or template.yaml) to enable.
pub async fn create_table(client: &Client, name: &str) -> Result<(), StoreError> {
    let created = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?)
        .attribute_definitions(attribute(PK, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(SK, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(GSI1PK, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(GSI1SK, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(PENDING, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(DUE_AT, ScalarAttributeType::N)?)
        .global_secondary_indexes(index(GSI1, GSI1PK, GSI1SK)?)
        .global_secondary_indexes(index(PENDING_INDEX, PENDING, DUE_AT)?)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(err) if err.code() == Some("ResourceInUseException") => {}
        Err(err) => return Err(sdk_error("CreateTable", err)),
    }
    for _ in 0..120 {
        let described = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeTable", e))?;
        if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(StoreError::Unavailable(format!(
        "table {name} did not become active within a minute"
    )))
}
