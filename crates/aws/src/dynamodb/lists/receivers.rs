//! Recipient groups: the group item (and a name guard) in the account partition, rows in the
//! group's own partition under zero-padded `seq` sort keys, so a cursor walk is one Query.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, ReturnValue, TransactWriteItem};
use chrono::{DateTime, Utc};
use sesame_core::StoreError;
use sesame_core::ports::{
    Created, DetailPage, DetailQuery, NewDetail, Receiver, ReceiverDetail, ReceiverId,
    ReceiverQuery, ReceiverStatus, UploadStart,
};
use sesame_core::types::AccountId;

use super::super::item::{Item, Reader, n, s, time};
use super::super::table::{PK, SK, account_pk};
use super::super::{DynamoDbRecords, cancelled_by_condition, condition_met, is_condition_failure};
use super::{contains, page};
use crate::error::{build_error, corrupt, sdk_error};

const RECEIVER_PREFIX: &str = "RECEIVER#";
const DETAIL_PREFIX: &str = "DETAIL#";

fn receiver_sk(id: ReceiverId) -> String {
    format!("{RECEIVER_PREFIX}{:020}", id.0)
}

fn name_sk(name: &str) -> String {
    format!("RECEIVERNAME#{name}")
}

/// `ACCT#<account>#RCV#<id>`: the partition of one group's rows.
fn rows_pk(account: &AccountId, id: ReceiverId) -> String {
    format!("ACCT#{account}#RCV#{}", id.0)
}

fn detail_sk(seq: u64) -> String {
    format!("{DETAIL_PREFIX}{seq:020}")
}

fn receiver_item(r: &Receiver) -> Item {
    let mut item = Item::from([
        (PK.to_owned(), s(account_pk(&r.account))),
        (SK.to_owned(), s(receiver_sk(r.id))),
        ("account".to_owned(), s(r.account.as_str())),
        ("id".to_owned(), n(r.id.0)),
        ("name".to_owned(), s(r.name.as_str())),
        ("desc".to_owned(), s(r.desc.as_str())),
        ("status".to_owned(), n(r.status.code())),
        ("count".to_owned(), n(r.count)),
        ("invalid_count".to_owned(), n(r.invalid_count)),
        ("last_seq".to_owned(), n(0)),
        ("created_at".to_owned(), time(r.created_at)),
    ]);
    if let Some(keys) = &r.data_keys {
        item.insert("data_keys".to_owned(), keys_value(keys));
    }
    if let Some(at) = r.upload_started_at {
        item.insert("upload_started_at".to_owned(), time(at));
    }
    item
}

fn keys_value(keys: &[String]) -> AttributeValue {
    AttributeValue::L(keys.iter().map(|k| s(k.as_str())).collect())
}

fn receiver_from(item: &Item) -> Result<Receiver, StoreError> {
    let r = Reader::new(item, "receiver");
    let code: u64 = r.n("status")?;
    let data_keys = if r.has("data_keys") {
        Some(
            r.list("data_keys")?
                .iter()
                .map(|v| {
                    v.as_s()
                        .cloned()
                        .map_err(|_| corrupt("receiver item: data_keys holds a non-string"))
                })
                .collect::<Result<Vec<_>, _>>()?,
        )
    } else {
        None
    };
    Ok(Receiver {
        account: r.parse("account", AccountId::parse)?,
        id: ReceiverId(r.n("id")?),
        name: r.s("name")?.to_owned(),
        desc: r.s("desc")?.to_owned(),
        status: ReceiverStatus::from_code(code)
            .ok_or_else(|| corrupt("receiver item: unknown status"))?,
        count: r.n("count")?,
        invalid_count: r.n("invalid_count")?,
        data_keys,
        upload_started_at: r.opt_time("upload_started_at")?,
        created_at: r.time("created_at")?,
    })
}

fn detail_item(
    account: &AccountId,
    id: ReceiverId,
    seq: u64,
    row: &NewDetail,
    at: DateTime<Utc>,
) -> Item {
    let mut item = Item::from([
        (PK.to_owned(), s(rows_pk(account, id))),
        (SK.to_owned(), s(detail_sk(seq))),
        ("seq".to_owned(), n(seq)),
        ("email".to_owned(), s(row.email.as_str())),
        ("created_at".to_owned(), time(at)),
    ]);
    if let Some(data) = &row.template_data {
        item.insert("data".to_owned(), s(data.as_str()));
    }
    if let Some(reason) = &row.invalid_reason {
        item.insert("reason".to_owned(), s(reason.as_str()));
    }
    item
}

fn detail_from(item: &Item) -> Result<ReceiverDetail, StoreError> {
    let r = Reader::new(item, "receiver row");
    Ok(ReceiverDetail {
        seq: r.n("seq")?,
        email: r.s("email")?.to_owned(),
        template_data: r.opt_s("data")?.map(str::to_owned),
        invalid_reason: r.opt_s("reason")?.map(str::to_owned),
        created_at: r.time("created_at")?,
    })
}

impl DynamoDbRecords {
    pub(super) async fn create_receiver_impl(&self, r: &Receiver) -> Result<Created, StoreError> {
        let pk = account_pk(&r.account);
        let put = |item: Item| {
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
                .build()
                .map_err(|e| build_error("TransactWriteItems", e))
        };
        let guard = Item::from([
            (PK.to_owned(), s(pk.as_str())),
            (SK.to_owned(), s(name_sk(&r.name))),
            ("id".to_owned(), n(r.id.0)),
        ]);
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put(guard)?).build())
            .transact_items(
                TransactWriteItem::builder()
                    .put(put(receiver_item(r))?)
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(Created::Yes),
            Err(e) if cancelled_by_condition(&e) => Ok(Created::AlreadyExists),
            Err(e) => Err(sdk_error("TransactWriteItems", e)),
        }
    }

    pub(super) async fn get_receiver_impl(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> Result<Option<Receiver>, StoreError> {
        self.get(account_pk(account), receiver_sk(id))
            .await?
            .as_ref()
            .map(receiver_from)
            .transpose()
    }

    /// Groups are few per account (capped by the API), so one partition query lists them all.
    pub(super) async fn list_receivers_impl(
        &self,
        q: &ReceiverQuery,
    ) -> Result<(Vec<Receiver>, u64), StoreError> {
        let items = self
            .query_prefix(account_pk(&q.account), RECEIVER_PREFIX)
            .await?;
        let mut all = Vec::new();
        for item in &items {
            let r = receiver_from(item)?;
            if q.status.is_none_or(|st| st == r.status) && contains(&r.name, &q.keyword) {
                all.push(r);
            }
        }
        all.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
        let total = all.len() as u64;
        Ok((page(all, q.offset, q.limit), total))
    }

    /// Deletes the group and its name guard in one transaction (the commit point), then its
    /// rows in batches.
    pub(super) async fn delete_receiver_impl(
        &self,
        account: &AccountId,
        id: ReceiverId,
    ) -> Result<bool, StoreError> {
        let Some(group) = self.get_receiver_impl(account, id).await? else {
            return Ok(false);
        };
        let pk = account_pk(account);
        let delete = |sk: String| {
            Delete::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key(pk.clone(), sk)))
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#pk", PK)
                .build()
                .map_err(|e| build_error("TransactWriteItems", e))
        };
        let result = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .delete(delete(receiver_sk(id))?)
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .delete(delete(name_sk(&group.name))?)
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(e) if cancelled_by_condition(&e) => return Ok(false),
            Err(e) => return Err(sdk_error("TransactWriteItems", e)),
        }
        let rows_pk = rows_pk(account, id);
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(rows_pk.as_str()))
                .projection_expression("#pk, #sk")
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| sdk_error("Query", e))?;
            let keys: Vec<Item> = out.items.unwrap_or_default();
            self.batch_delete(keys, "batch items").await?;
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(true);
            }
        }
    }

    pub(super) async fn begin_upload_impl(
        &self,
        account: &AccountId,
        id: ReceiverId,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<UploadStart, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(account_pk(account), receiver_sk(id))))
            .condition_expression(
                "attribute_exists(#pk) AND (#status <> :uploading OR attribute_not_exists(#started) OR #started < :stale)",
            )
            .update_expression("SET #status = :uploading, #started = :now")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#started", "upload_started_at")
            .expression_attribute_values(":uploading", n(ReceiverStatus::Uploading.code()))
            .expression_attribute_values(":stale", time(stale_before))
            .expression_attribute_values(":now", time(now))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let old = out.attributes.unwrap_or_default();
                Ok(UploadStart::Started(receiver_from(&old)?))
            }
            Err(e) if is_condition_failure(&e) => {
                match self.get_receiver_impl(account, id).await? {
                    Some(_) => Ok(UploadStart::Busy),
                    None => Ok(UploadStart::Missing),
                }
            }
            Err(e) => Err(sdk_error("UpdateItem", e)),
        }
    }

    /// Reserves `rows.len()` sequence numbers on the group item, writes the rows in batches of
    /// 25, then adds them to the counts. A crash in between leaves unused numbers (the cursor
    /// skips them) and counts short by at most the unwritten batch.
    pub(super) async fn append_details_impl(
        &self,
        account: &AccountId,
        id: ReceiverId,
        rows: &[NewDetail],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let key = Self::key(account_pk(account), receiver_sk(id));
        if rows.is_empty() {
            // `ADD 0` changes nothing, so UPDATED_NEW would return no attributes.
            let item = self.get(account_pk(account), receiver_sk(id)).await?;
            let item = item.ok_or_else(|| corrupt(format!("receiver {id} does not exist")))?;
            return Reader::new(&item, "receiver").n("last_seq");
        }
        let reserved = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.clone()))
            .condition_expression("attribute_exists(#pk)")
            .update_expression("ADD #last :n")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#last", "last_seq")
            .expression_attribute_values(":n", n(rows.len()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        let last: u64 = match reserved {
            Ok(out) => {
                Reader::new(&out.attributes.unwrap_or_default(), "receiver").n("last_seq")?
            }
            Err(e) if is_condition_failure(&e) => {
                return Err(corrupt(format!("receiver {id} does not exist")));
            }
            Err(e) => return Err(sdk_error("UpdateItem", e)),
        };
        let first = last + 1 - rows.len() as u64;
        let items: Vec<Item> = rows
            .iter()
            .zip(first..)
            .map(|(row, seq)| detail_item(account, id, seq, row, now))
            .collect();
        self.batch_put(items, "batch items").await?;
        let invalid = rows.iter().filter(|r| r.invalid_reason.is_some()).count();
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression("ADD #count :n, #invalid :i")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#invalid", "invalid_count")
            .expression_attribute_values(":n", n(rows.len()))
            .expression_attribute_values(":i", n(invalid))
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem", e))?;
        Ok(last)
    }

    pub(super) async fn end_upload_impl(
        &self,
        account: &AccountId,
        id: ReceiverId,
        data_keys: Option<Vec<String>>,
    ) -> Result<bool, StoreError> {
        // The caller holds the group, so its count cannot change between this read and the write.
        let Some(group) = self.get_receiver_impl(account, id).await? else {
            return Ok(false);
        };
        let status = if group.count > 0 {
            ReceiverStatus::Ready
        } else {
            ReceiverStatus::Empty
        };
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(account_pk(account), receiver_sk(id))))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#started", "upload_started_at")
            .expression_attribute_values(":status", n(status.code()));
        let expression = match data_keys {
            Some(keys) => {
                request = request
                    .expression_attribute_names("#keys", "data_keys")
                    .expression_attribute_values(":keys", keys_value(&keys));
                "SET #status = :status, #keys = :keys REMOVE #started"
            }
            None => "SET #status = :status REMOVE #started",
        };
        condition_met(
            request.update_expression(expression).send().await,
            "UpdateItem",
        )
    }

    pub(super) async fn details_after_impl(
        &self,
        account: &AccountId,
        id: ReceiverId,
        after_seq: u64,
        limit: u64,
    ) -> Result<Vec<ReceiverDetail>, StoreError> {
        if limit == 0 || self.get_receiver_impl(account, id).await?.is_none() {
            return Ok(Vec::new());
        }
        self.rows_from(account, id, after_seq, limit).await
    }

    /// Up to `limit` rows after `after_seq`, strongly consistent, following pages.
    async fn rows_from(
        &self,
        account: &AccountId,
        id: ReceiverId,
        after_seq: u64,
        limit: u64,
    ) -> Result<Vec<ReceiverDetail>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(rows_pk(account, id)))
            .expression_attribute_values(":from", s(detail_sk(after_seq.saturating_add(1))))
            .expression_attribute_values(":to", s(detail_sk(u64::MAX)));
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Self::query_items(query, Some(limit))
            .await?
            .iter()
            .map(detail_from)
            .collect()
    }

    /// Without filters the totals come from the group's counters and the page starts at
    /// `seq = offset + 1` (sequence numbers are dense unless an append crashed midway);
    /// with filters every row of the group is read and filtered here.
    pub(super) async fn list_details_impl(
        &self,
        q: &DetailQuery,
    ) -> Result<DetailPage, StoreError> {
        let Some(group) = self.get_receiver_impl(&q.account, q.receiver).await? else {
            return Ok(DetailPage::default());
        };
        let unfiltered =
            q.email.is_none() && q.from.is_none() && q.until.is_none() && q.valid.is_none();
        if unfiltered {
            let rows = if q.limit == 0 {
                Vec::new()
            } else {
                self.rows_from(&q.account, q.receiver, q.offset, q.limit)
                    .await?
            };
            return Ok(DetailPage {
                rows,
                total: group.count,
                valid: group.count - group.invalid_count,
                invalid: group.invalid_count,
            });
        }
        let all = self.rows_from(&q.account, q.receiver, 0, u64::MAX).await?;
        let matching: Vec<ReceiverDetail> = all
            .into_iter()
            .filter(|d| contains(&d.email, &q.email))
            .filter(|d| q.from.is_none_or(|t| d.created_at >= t))
            .filter(|d| q.until.is_none_or(|t| d.created_at < t))
            .filter(|d| q.valid.is_none_or(|v| v == d.invalid_reason.is_none()))
            .collect();
        let invalid = matching
            .iter()
            .filter(|d| d.invalid_reason.is_some())
            .count() as u64;
        let total = matching.len() as u64;
        Ok(DetailPage {
            rows: page(matching, q.offset, q.limit),
            total,
            valid: total - invalid,
            invalid,
        })
    }
}
