//! Custom and bounce blacklists and unsubscribe configs: items in the account partition keyed
//! by address (`CBL#`, `BBL#`, `UNSUB#`), so a per-recipient check is a key lookup.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, ReturnValue, TransactWriteItem};
use chrono::NaiveDate;
use sesame_core::StoreError;
use sesame_core::ports::{
    BlockUpdate, Blocks, BounceBlock, BounceBlockQuery, Created, CustomBlock, CustomBlockQuery,
    UnsubscribeConfig,
};
use sesame_core::types::{AccountId, EmailAddress};

use super::super::item::{Item, Reader, n, s, time};
use super::super::table::{PK, SK, account_pk};
use super::super::{DynamoDbRecords, cancelled_by_condition, condition_met};
use super::{contains, page};
use crate::error::{build_error, corrupt, sdk_error};

const CUSTOM_PREFIX: &str = "CBL#";
const BOUNCE_PREFIX: &str = "BBL#";
const UNSUB_PREFIX: &str = "UNSUB#";
/// Concurrent single-item writes of one bulk upsert.
const PARALLEL_WRITES: usize = 16;

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn custom_from(item: &Item) -> Result<CustomBlock, StoreError> {
    let r = Reader::new(item, "custom blacklist entry");
    Ok(CustomBlock {
        account: r.parse("account", AccountId::parse)?,
        id: r.n("id")?,
        email: r.parse("email", EmailAddress::parse)?,
        expire_date: r.opt_parse("expire_date", |d| NaiveDate::parse_from_str(d, "%Y-%m-%d"))?,
        created_at: r.time("created_at")?,
    })
}

fn bounce_from(item: &Item) -> Result<BounceBlock, StoreError> {
    let r = Reader::new(item, "bounce blacklist entry");
    Ok(BounceBlock {
        account: r.parse("account", AccountId::parse)?,
        email: r.parse("email", EmailAddress::parse)?,
        bounced_at: r.time("bounced_at")?,
        reason: r.s("reason")?.to_owned(),
    })
}

fn custom_item(b: &CustomBlock) -> Item {
    let mut item = Item::from([
        (PK.to_owned(), s(account_pk(&b.account))),
        (SK.to_owned(), s(format!("{CUSTOM_PREFIX}{}", b.email))),
        ("account".to_owned(), s(b.account.as_str())),
        ("id".to_owned(), n(b.id)),
        ("email".to_owned(), s(b.email.as_str())),
        ("created_at".to_owned(), time(b.created_at)),
    ]);
    if let Some(day) = b.expire_date {
        item.insert("expire_date".to_owned(), s(day_text(day)));
    }
    item
}

fn unsub_from(item: &Item) -> Result<UnsubscribeConfig, StoreError> {
    let r = Reader::new(item, "unsubscribe config");
    Ok(UnsubscribeConfig {
        account: r.parse("account", AccountId::parse)?,
        address: r.parse("address", EmailAddress::parse)?,
        language: r.s("language")?.to_owned(),
        enabled: r.bool("enabled")?,
        created_at: r.time("created_at")?,
    })
}

impl DynamoDbRecords {
    /// One upsert per entry: `id` and `created_at` are only set when absent, so a listed
    /// address keeps them and takes the new expiry.
    async fn upsert_custom_one(&self, b: CustomBlock) -> Result<(), StoreError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                account_pk(&b.account),
                format!("{CUSTOM_PREFIX}{}", b.email),
            )))
            .expression_attribute_names("#account", "account")
            .expression_attribute_names("#id", "id")
            .expression_attribute_names("#email", "email")
            .expression_attribute_names("#created", "created_at")
            .expression_attribute_names("#expire", "expire_date")
            .expression_attribute_values(":account", s(b.account.as_str()))
            .expression_attribute_values(":id", n(b.id))
            .expression_attribute_values(":email", s(b.email.as_str()))
            .expression_attribute_values(":created", time(b.created_at));
        let set = "SET #account = :account, #email = :email, #id = if_not_exists(#id, :id), \
                   #created = if_not_exists(#created, :created)";
        let expression = match b.expire_date {
            Some(day) => {
                request = request.expression_attribute_values(":expire", s(day_text(day)));
                format!("{set}, #expire = :expire")
            }
            None => format!("{set} REMOVE #expire"),
        };
        request
            .update_expression(expression)
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem", e))?;
        Ok(())
    }

    pub(super) async fn upsert_custom_blocks_impl(
        &self,
        blocks: &[CustomBlock],
    ) -> Result<(), StoreError> {
        for wave in blocks.chunks(PARALLEL_WRITES) {
            let mut tasks = tokio::task::JoinSet::new();
            for block in wave {
                let (this, block) = (self.clone(), block.clone());
                tasks.spawn(async move { this.upsert_custom_one(block).await });
            }
            while let Some(done) = tasks.join_next().await {
                done.map_err(|e| StoreError::Unavailable(format!("upsert task failed: {e}")))??;
            }
        }
        Ok(())
    }

    async fn all_custom(&self, account: &AccountId) -> Result<Vec<CustomBlock>, StoreError> {
        let items = self
            .query_prefix(account_pk(account), CUSTOM_PREFIX)
            .await?;
        let mut all = items
            .iter()
            .map(custom_from)
            .collect::<Result<Vec<_>, _>>()?;
        all.sort_by_key(|c| (c.created_at, c.id));
        Ok(all)
    }

    /// The whole list is read and filtered here: the listing reports a total anyway.
    pub(super) async fn list_custom_blocks_impl(
        &self,
        q: &CustomBlockQuery,
    ) -> Result<(Vec<CustomBlock>, u64), StoreError> {
        let matching: Vec<CustomBlock> = self
            .all_custom(&q.account)
            .await?
            .into_iter()
            .filter(|c| q.active.is_none_or(|a| a == c.is_active(q.today)))
            .filter(|c| contains(c.email.as_str(), &q.email))
            .collect();
        let total = matching.len() as u64;
        Ok((page(matching, q.offset, q.limit), total))
    }

    /// Finds the entry by id (a partition query), then moves it to the new address in one
    /// transaction: delete the old key (must exist), put the new one (must not exist, unless
    /// the address is unchanged).
    pub(super) async fn update_custom_block_impl(
        &self,
        account: &AccountId,
        id: u64,
        email: &EmailAddress,
        expire_date: Option<NaiveDate>,
    ) -> Result<BlockUpdate, StoreError> {
        let Some(mut entry) = self
            .all_custom(account)
            .await?
            .into_iter()
            .find(|c| c.id == id)
        else {
            return Ok(BlockUpdate::Missing);
        };
        let old_email = std::mem::replace(&mut entry.email, email.clone());
        entry.expire_date = expire_date;
        let pk = account_pk(account);
        let mut request = self.client.transact_write_items();
        if &old_email != email {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key(
                    pk.clone(),
                    format!("{CUSTOM_PREFIX}{old_email}"),
                )))
                .condition_expression("#id = :id")
                .expression_attribute_names("#id", "id")
                .expression_attribute_values(":id", n(id))
                .build()
                .map_err(|e| build_error("TransactWriteItems", e))?;
            request = request.transact_items(TransactWriteItem::builder().delete(delete).build());
        }
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(custom_item(&entry)))
            .condition_expression("attribute_not_exists(#pk) OR #id = :id")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#id", "id")
            .expression_attribute_values(":id", n(id))
            .build()
            .map_err(|e| build_error("TransactWriteItems", e))?;
        request = request.transact_items(TransactWriteItem::builder().put(put).build());
        match request.send().await {
            Ok(_) => Ok(BlockUpdate::Updated),
            Err(e) if cancelled_by_condition(&e) => {
                let still = self
                    .all_custom(account)
                    .await?
                    .into_iter()
                    .any(|c| c.id == id);
                Ok(if still {
                    BlockUpdate::AddressTaken
                } else {
                    BlockUpdate::Missing
                })
            }
            Err(e) => Err(sdk_error("TransactWriteItems", e)),
        }
    }

    pub(super) async fn delete_blocks_impl(
        &self,
        account: &AccountId,
        prefix: &str,
        emails: &[EmailAddress],
    ) -> Result<u64, StoreError> {
        let mut removed = 0;
        for email in emails {
            let out = self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(Self::key(
                    account_pk(account),
                    format!("{prefix}{email}"),
                )))
                .return_values(ReturnValue::AllOld)
                .send()
                .await
                .map_err(|e| sdk_error("DeleteItem", e))?;
            removed += u64::from(out.attributes.is_some_and(|a| !a.is_empty()));
        }
        Ok(removed)
    }

    pub(super) async fn delete_custom_blocks_impl(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<u64, StoreError> {
        self.delete_blocks_impl(account, CUSTOM_PREFIX, emails)
            .await
    }

    pub(super) async fn delete_bounce_blocks_impl(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<u64, StoreError> {
        self.delete_blocks_impl(account, BOUNCE_PREFIX, emails)
            .await
    }

    pub(super) async fn put_bounce_block_impl(&self, b: &BounceBlock) -> Result<(), StoreError> {
        let item = Item::from([
            (PK.to_owned(), s(account_pk(&b.account))),
            (SK.to_owned(), s(format!("{BOUNCE_PREFIX}{}", b.email))),
            ("account".to_owned(), s(b.account.as_str())),
            ("email".to_owned(), s(b.email.as_str())),
            ("bounced_at".to_owned(), time(b.bounced_at)),
            ("reason".to_owned(), s(b.reason.as_str())),
        ]);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(())
    }

    pub(super) async fn list_bounce_blocks_impl(
        &self,
        q: &BounceBlockQuery,
    ) -> Result<(Vec<BounceBlock>, u64), StoreError> {
        let items = self
            .query_prefix(account_pk(&q.account), BOUNCE_PREFIX)
            .await?;
        let mut matching = Vec::new();
        for item in &items {
            let b = bounce_from(item)?;
            if q.from <= b.bounced_at
                && b.bounced_at < q.until
                && contains(b.email.as_str(), &q.email)
            {
                matching.push(b);
            }
        }
        matching.sort_by(|x, y| (y.bounced_at, &y.email).cmp(&(x.bounced_at, &x.email)));
        let total = matching.len() as u64;
        Ok((page(matching, q.offset, q.limit), total))
    }

    /// Both blacklist items of every address with strongly consistent BatchGetItem calls
    /// (at most 100 keys each), retrying unprocessed keys.
    pub(super) async fn blocks_impl(
        &self,
        account: &AccountId,
        emails: &[EmailAddress],
    ) -> Result<Vec<Blocks>, StoreError> {
        let pk = account_pk(account);
        let mut keys = Vec::with_capacity(emails.len() * 2);
        for email in emails {
            keys.push(Self::key(pk.clone(), format!("{CUSTOM_PREFIX}{email}")));
            keys.push(Self::key(pk.clone(), format!("{BOUNCE_PREFIX}{email}")));
        }
        let mut found: HashMap<String, Item> = HashMap::new();
        for item in self.batch_get(&keys, "blacklist").await? {
            let sk = match item.get(SK) {
                Some(AttributeValue::S(sk)) => sk.clone(),
                _ => return Err(corrupt("blacklist item without a sort key")),
            };
            found.insert(sk, item);
        }
        emails
            .iter()
            .map(|email| {
                Ok(Blocks {
                    custom: found
                        .get(&format!("{CUSTOM_PREFIX}{email}"))
                        .map(custom_from)
                        .transpose()?,
                    bounce: found
                        .get(&format!("{BOUNCE_PREFIX}{email}"))
                        .map(bounce_from)
                        .transpose()?,
                })
            })
            .collect()
    }

    pub(super) async fn create_unsubscribe_config_impl(
        &self,
        c: &UnsubscribeConfig,
    ) -> Result<Created, StoreError> {
        let item = Item::from([
            (PK.to_owned(), s(account_pk(&c.account))),
            (SK.to_owned(), s(format!("{UNSUB_PREFIX}{}", c.address))),
            ("account".to_owned(), s(c.account.as_str())),
            ("address".to_owned(), s(c.address.as_str())),
            ("language".to_owned(), s(c.language.as_str())),
            ("enabled".to_owned(), AttributeValue::Bool(c.enabled)),
            ("created_at".to_owned(), time(c.created_at)),
        ]);
        Ok(if self.put_if_absent(item).await? {
            Created::Yes
        } else {
            Created::AlreadyExists
        })
    }

    pub(super) async fn update_unsubscribe_config_impl(
        &self,
        c: &UnsubscribeConfig,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                account_pk(&c.account),
                format!("{UNSUB_PREFIX}{}", c.address),
            )))
            .condition_expression("attribute_exists(#pk)")
            .update_expression("SET #language = :language, #enabled = :enabled")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#language", "language")
            .expression_attribute_names("#enabled", "enabled")
            .expression_attribute_values(":language", s(c.language.as_str()))
            .expression_attribute_values(":enabled", AttributeValue::Bool(c.enabled))
            .send()
            .await;
        condition_met(result, "UpdateItem")
    }

    pub(super) async fn get_unsubscribe_config_impl(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<Option<UnsubscribeConfig>, StoreError> {
        self.get(account_pk(account), format!("{UNSUB_PREFIX}{address}"))
            .await?
            .as_ref()
            .map(unsub_from)
            .transpose()
    }

    pub(super) async fn list_unsubscribe_configs_impl(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<UnsubscribeConfig>, u64), StoreError> {
        let items = self.query_prefix(account_pk(account), UNSUB_PREFIX).await?;
        let mut all = items
            .iter()
            .map(unsub_from)
            .collect::<Result<Vec<_>, _>>()?;
        all.sort_by(|x, y| (x.created_at, &x.address).cmp(&(y.created_at, &y.address)));
        let total = all.len() as u64;
        Ok((page(all, offset, limit), total))
    }

    pub(super) async fn delete_unsubscribe_config_impl(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                account_pk(account),
                format!("{UNSUB_PREFIX}{address}"),
            )))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem", e))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }
}
