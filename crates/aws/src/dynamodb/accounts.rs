//! Accounts, API keys and named sequences.

use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};
use sesame_core::StoreError;
use sesame_core::model::ApiKey;
use sesame_core::ports::{Keys, Sequences};
use sesame_core::types::{AccountId, SecretId};

use super::DynamoDbRecords;
use super::item::{Item, Reader, b, s, time, time_key};
use super::table::{
    ACCOUNT_SK, GSI1PK, GSI1SK, KEYS_GSI1PK, PK, SK, account_pk, key_pk, sequence_pk,
};
use crate::error::{corrupt, sdk_error};

const KEY_SK: &str = "KEY";
const SEQUENCE_SK: &str = "SEQ";

fn key_item(key: &ApiKey) -> Item {
    Item::from([
        (PK.to_owned(), s(key_pk(&key.secret_id))),
        (SK.to_owned(), s(KEY_SK)),
        (GSI1PK.to_owned(), s(KEYS_GSI1PK)),
        (
            GSI1SK.to_owned(),
            s(format!("{}#{}", time_key(key.created_at), key.secret_id)),
        ),
        ("secret_id".to_owned(), s(key.secret_id.as_str())),
        ("account".to_owned(), s(key.account.as_str())),
        ("sealed_secret".to_owned(), b(key.sealed_secret.clone())),
        ("created_at".to_owned(), time(key.created_at)),
        (
            "revoked".to_owned(),
            aws_sdk_dynamodb::types::AttributeValue::Bool(key.revoked),
        ),
    ])
}

fn key_from(item: &Item) -> Result<ApiKey, StoreError> {
    let r = Reader::new(item, "api key");
    Ok(ApiKey {
        secret_id: r.parse("secret_id", SecretId::parse)?,
        account: r.parse("account", AccountId::parse)?,
        sealed_secret: r.b("sealed_secret")?.to_vec(),
        created_at: r.time("created_at")?,
        revoked: r.bool("revoked")?,
    })
}

impl Keys for DynamoDbRecords {
    async fn ensure_account(
        &self,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // if_not_exists keeps the first creation time: calling again is a no-op.
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(account_pk(account), ACCOUNT_SK)))
            .update_expression("SET #created = if_not_exists(#created, :now), #account = :account")
            .expression_attribute_names("#created", "created_at")
            .expression_attribute_names("#account", "account")
            .expression_attribute_values(":now", time(now))
            .expression_attribute_values(":account", s(account.as_str()))
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem", e))?;
        Ok(())
    }

    async fn put(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(key_item(key)))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(())
    }

    async fn get(&self, id: &SecretId) -> Result<Option<ApiKey>, StoreError> {
        self.get(key_pk(id), KEY_SK)
            .await?
            .as_ref()
            .map(key_from)
            .transpose()
    }

    async fn list(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.query_gsi1_partition(KEYS_GSI1PK)
            .await?
            .iter()
            .map(key_from)
            .collect()
    }

    async fn revoke(&self, id: &SecretId) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(key_pk(id), KEY_SK)))
            .update_expression("SET #revoked = :yes")
            .expression_attribute_names("#revoked", "revoked")
            // Without the condition UpdateItem would create a bare key item.
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(
                ":yes",
                aws_sdk_dynamodb::types::AttributeValue::Bool(true),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk_error("UpdateItem", e)),
        }
    }
}

impl Sequences for DynamoDbRecords {
    async fn next(&self, name: &str) -> Result<u64, StoreError> {
        // ADD is atomic on the server: concurrent callers each get their own value.
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(sequence_pk(name), SEQUENCE_SK)))
            .update_expression("ADD #value :one")
            .expression_attribute_names("#value", "value")
            .expression_attribute_values(":one", super::item::n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem", e))?;
        let attributes = out
            .attributes
            .ok_or_else(|| corrupt("sequence update returned no value"))?;
        Reader::new(&attributes, "sequence").n("value")
    }
}
