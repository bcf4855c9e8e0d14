//! Templates: items in the account partition, sort key by id.

use aws_sdk_dynamodb::types::ReturnValue;
use sesame_core::StoreError;
use sesame_core::model::Template;
use sesame_core::ports::Templates;
use sesame_core::types::{AccountId, TemplateId};

use super::item::{Item, Reader, n, s, time};
use super::table::{PK, SK, account_pk, template_sk};
use super::{DynamoDbRecords, condition_met};
use crate::error::{corrupt, sdk_error};

const TEMPLATE_PREFIX: &str = "TEMPLATE#";

fn template_item(t: &Template) -> Item {
    let mut item = Item::from([
        (PK.to_owned(), s(account_pk(&t.account))),
        (SK.to_owned(), s(template_sk(t.id))),
        ("account".to_owned(), s(t.account.as_str())),
        ("id".to_owned(), n(t.id.0)),
        ("name".to_owned(), s(t.name.as_str())),
        ("status".to_owned(), n(t.status)),
        ("created_at".to_owned(), time(t.created_at)),
    ]);
    if let Some(html) = &t.html {
        item.insert("html".to_owned(), s(html.as_str()));
    }
    if let Some(text) = &t.text {
        item.insert("text".to_owned(), s(text.as_str()));
    }
    item
}

fn template_from(item: &Item) -> Result<Template, StoreError> {
    let r = Reader::new(item, "template");
    Ok(Template {
        account: r.parse("account", AccountId::parse)?,
        id: TemplateId(r.n("id")?),
        name: r.s("name")?.to_owned(),
        html: r.opt_s("html")?.map(str::to_owned),
        text: r.opt_s("text")?.map(str::to_owned),
        status: r.n("status")?,
        created_at: r.time("created_at")?,
    })
}

impl Templates for DynamoDbRecords {
    async fn create(&self, template: &Template) -> Result<(), StoreError> {
        if self.put_if_absent(template_item(template)).await? {
            Ok(())
        } else {
            // Ids come from a sequence, so a collision means the sequence was reset.
            Err(corrupt(format!(
                "template {} already exists",
                template.id.0
            )))
        }
    }

    async fn update(&self, template: &Template) -> Result<bool, StoreError> {
        let mut set = vec!["#name = :name"];
        let mut remove = Vec::new();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                account_pk(&template.account),
                template_sk(template.id),
            )))
            // The key includes the account, so another account's update finds no item.
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#html", "html")
            .expression_attribute_names("#text", "text")
            .expression_attribute_values(":name", s(template.name.as_str()));
        match &template.html {
            Some(html) => {
                set.push("#html = :html");
                request = request.expression_attribute_values(":html", s(html.as_str()));
            }
            None => remove.push("#html"),
        }
        match &template.text {
            Some(text) => {
                set.push("#text = :text");
                request = request.expression_attribute_values(":text", s(text.as_str()));
            }
            None => remove.push("#text"),
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        condition_met(
            request.update_expression(expression).send().await,
            "UpdateItem",
        )
    }

    async fn get(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<Option<Template>, StoreError> {
        self.get(account_pk(account), template_sk(id))
            .await?
            .as_ref()
            .map(template_from)
            .transpose()
    }

    async fn list(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Template>, u64), StoreError> {
        // The API reports the total, so every template of the account is read anyway; accounts
        // hold a bounded number of templates (ExceedTemplateLimit).
        let items = self
            .query_prefix(account_pk(account), TEMPLATE_PREFIX)
            .await?;
        let mut all = items
            .iter()
            .map(template_from)
            .collect::<Result<Vec<_>, _>>()?;
        all.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
        let total = all.len() as u64;
        let page = all
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        Ok((page, total))
    }

    async fn delete(&self, account: &AccountId, id: TemplateId) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(account_pk(account), template_sk(id))))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem", e))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }
}
