//! Reading a Query to its end: DynamoDB answers at most 1 MB per call and a
//! `LastEvaluatedKey` to continue from.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use sesame_core::StoreError;

use super::DynamoDbRecords;
use super::item::Item;
use crate::error::sdk_error;

impl DynamoDbRecords {
    /// The items `query` selects, page after page: all of them, or with `limit` the first
    /// `limit` (each call then asks for no more items than are still wanted).
    pub(super) async fn query_items(
        query: QueryFluentBuilder,
        limit: Option<usize>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        if limit == Some(0) {
            return Ok(items);
        }
        let mut start = None;
        loop {
            let mut page = query.clone().set_exclusive_start_key(start);
            if let Some(limit) = limit {
                page = page.limit(i32::try_from(limit - items.len()).unwrap_or(i32::MAX));
            }
            let out = page.send().await.map_err(|e| sdk_error("Query", e))?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() || limit.is_some_and(|l| items.len() >= l) {
                if let Some(limit) = limit {
                    items.truncate(limit);
                }
                return Ok(items);
            }
        }
    }
}
