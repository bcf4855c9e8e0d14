//! Sender domains (unique installation-wide through a `DOMAIN#` item) and sender addresses
//! (unique per account by their key).

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, ReturnValue, TransactWriteItem};
use sesame_core::StoreError;
use sesame_core::model::{DkimAlgorithm, DkimKey, DkimKeyState, DnsCheck, Identity, Sender};
use sesame_core::ports::Created;
use sesame_core::ports::{Identities, Senders};
use sesame_core::types::{AccountId, DisplayName, Domain, EmailAddress};

use super::item::{Item, Reader, as_map, b, n, s, time};
use super::table::{
    GSI1PK, GSI1SK, IDENTITIES_GSI1PK, PK, SK, account_pk, domain_pk, identity_sk, sender_sk,
};
use super::{DynamoDbRecords, cancelled_by_condition, condition_met};
use crate::error::{build_error, corrupt, sdk_error};

const DOMAIN_SK: &str = "DOMAIN";
const IDENTITY_PREFIX: &str = "IDENTITY#";
const SENDER_PREFIX: &str = "SENDER#";

fn algorithm_name(a: DkimAlgorithm) -> &'static str {
    match a {
        DkimAlgorithm::Rsa2048 => "rsa2048",
        DkimAlgorithm::Ed25519 => "ed25519",
    }
}

fn algorithm_from(name: &str) -> Result<DkimAlgorithm, ()> {
    match name {
        "rsa2048" => Ok(DkimAlgorithm::Rsa2048),
        "ed25519" => Ok(DkimAlgorithm::Ed25519),
        _ => Err(()),
    }
}

fn state_name(state: DkimKeyState) -> &'static str {
    match state {
        DkimKeyState::Active => "active",
        DkimKeyState::Pending => "pending",
        DkimKeyState::Retired => "retired",
    }
}

fn state_from(name: &str) -> Result<DkimKeyState, ()> {
    match name {
        "active" => Ok(DkimKeyState::Active),
        "pending" => Ok(DkimKeyState::Pending),
        "retired" => Ok(DkimKeyState::Retired),
        _ => Err(()),
    }
}

fn identity_item(i: &Identity) -> Result<Item, StoreError> {
    let keys = i
        .dkim_keys
        .iter()
        .map(|k| {
            AttributeValue::M(Item::from([
                ("selector".to_owned(), s(k.selector.as_str())),
                ("algorithm".to_owned(), s(algorithm_name(k.algorithm))),
                (
                    "sealed_private_key".to_owned(),
                    b(k.sealed_private_key.clone()),
                ),
                ("public_key".to_owned(), s(k.public_key.as_str())),
                ("state".to_owned(), s(state_name(k.state))),
            ]))
        })
        .collect();
    let tags = i
        .tags
        .iter()
        .map(|(k, v)| {
            AttributeValue::M(Item::from([
                ("k".to_owned(), s(k.as_str())),
                ("v".to_owned(), s(v.as_str())),
            ]))
        })
        .collect();
    let mut item = Item::from([
        (PK.to_owned(), s(account_pk(&i.account))),
        (SK.to_owned(), s(identity_sk(&i.domain))),
        (GSI1PK.to_owned(), s(IDENTITIES_GSI1PK)),
        (GSI1SK.to_owned(), s(i.domain.as_str())),
        ("account".to_owned(), s(i.account.as_str())),
        ("domain".to_owned(), s(i.domain.as_str())),
        ("dkim_option".to_owned(), n(i.dkim_option)),
        ("dkim_keys".to_owned(), AttributeValue::L(keys)),
        ("verified".to_owned(), AttributeValue::Bool(i.verified)),
        ("trusted".to_owned(), AttributeValue::Bool(i.trusted)),
        ("tags".to_owned(), AttributeValue::L(tags)),
        ("created_at".to_owned(), time(i.created_at)),
    ]);
    // The DNS check is a report read back whole, never queried: kept as one JSON string.
    if let Some(check) = &i.check {
        let json = serde_json::to_string(check)
            .map_err(|e| corrupt(format!("cannot encode DNS check: {e}")))?;
        item.insert("dns_check".to_owned(), s(json));
    }
    Ok(item)
}

fn identity_from(item: &Item) -> Result<Identity, StoreError> {
    let r = Reader::new(item, "identity");
    let dkim_keys = r
        .list("dkim_keys")?
        .iter()
        .map(|v| {
            let k = Reader::new(as_map(v, "dkim key")?, "dkim key");
            Ok(DkimKey {
                selector: k.s("selector")?.to_owned(),
                algorithm: k.parse("algorithm", algorithm_from)?,
                sealed_private_key: k.b("sealed_private_key")?.to_vec(),
                public_key: k.s("public_key")?.to_owned(),
                // Keys stored before rotation existed were all active.
                state: k
                    .opt_parse("state", state_from)?
                    .unwrap_or(DkimKeyState::Active),
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let tags = r
        .list("tags")?
        .iter()
        .map(|v| {
            let t = Reader::new(as_map(v, "tag")?, "tag");
            Ok((t.s("k")?.to_owned(), t.s("v")?.to_owned()))
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Identity {
        account: r.parse("account", AccountId::parse)?,
        domain: r.parse("domain", Domain::parse)?,
        dkim_option: r.n("dkim_option")?,
        dkim_keys,
        verified: r.bool("verified")?,
        trusted: r.opt_bool("trusted")?.unwrap_or(false),
        check: r.opt_parse("dns_check", |json| serde_json::from_str::<DnsCheck>(json))?,
        tags,
        created_at: r.time("created_at")?,
    })
}

fn sender_item(sender: &Sender) -> Item {
    let mut item = Item::from([
        (PK.to_owned(), s(account_pk(&sender.account))),
        (SK.to_owned(), s(sender_sk(&sender.address))),
        ("account".to_owned(), s(sender.account.as_str())),
        ("address".to_owned(), s(sender.address.as_str())),
        ("created_at".to_owned(), time(sender.created_at)),
    ]);
    if let Some(name) = &sender.name {
        item.insert("name".to_owned(), s(name.as_str()));
    }
    item
}

fn sender_from(item: &Item) -> Result<Sender, StoreError> {
    let r = Reader::new(item, "sender");
    Ok(Sender {
        account: r.parse("account", AccountId::parse)?,
        address: r.parse("address", EmailAddress::parse)?,
        name: r.opt_parse("name", DisplayName::parse)?,
        created_at: r.time("created_at")?,
    })
}

fn put_new(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#pk)")
        .expression_attribute_names("#pk", PK)
        .build()
        .map_err(|e| build_error("TransactWriteItems", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

impl Identities for DynamoDbRecords {
    async fn create(&self, identity: &Identity) -> Result<Created, StoreError> {
        let claim = Item::from([
            (PK.to_owned(), s(domain_pk(&identity.domain))),
            (SK.to_owned(), s(DOMAIN_SK)),
            ("account".to_owned(), s(identity.account.as_str())),
        ]);
        // A failed condition says only that the domain is taken; reading the uniqueness item
        // tells by whom. If it vanished in between (a concurrent delete), try again.
        for _ in 0..3 {
            let result = self
                .client
                .transact_write_items()
                .transact_items(put_new(&self.table, claim.clone())?)
                .transact_items(put_new(&self.table, identity_item(identity)?)?)
                .send()
                .await;
            match result {
                Ok(_) => return Ok(Created::Yes),
                Err(e) if cancelled_by_condition(&e) => {}
                Err(e) => return Err(sdk_error("TransactWriteItems", e)),
            }
            if let Some(item) = self.get(domain_pk(&identity.domain), DOMAIN_SK).await? {
                let owner = Reader::new(&item, "domain").parse("account", AccountId::parse)?;
                return Ok(if owner == identity.account {
                    Created::AlreadyExists
                } else {
                    Created::OwnedByOther
                });
            }
        }
        Err(StoreError::Unavailable(format!(
            "domain {} is being created and deleted concurrently",
            identity.domain
        )))
    }

    async fn get(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<Option<Identity>, StoreError> {
        self.get(account_pk(account), identity_sk(domain))
            .await?
            .as_ref()
            .map(identity_from)
            .transpose()
    }

    async fn list(&self, account: &AccountId) -> Result<Vec<Identity>, StoreError> {
        let items = self
            .query_prefix(account_pk(account), IDENTITY_PREFIX)
            .await?;
        let mut all = items
            .iter()
            .map(identity_from)
            .collect::<Result<Vec<_>, _>>()?;
        all.sort_by(|a, b| (a.created_at, &a.domain).cmp(&(b.created_at, &b.domain)));
        Ok(all)
    }

    async fn list_all(&self) -> Result<Vec<Identity>, StoreError> {
        // Every identity item is also in GSI1 partition `IDENTITIES`, sorted by domain.
        self.query_gsi1_partition(IDENTITIES_GSI1PK)
            .await?
            .iter()
            .map(identity_from)
            .collect()
    }

    async fn update(&self, identity: &Identity) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(identity_item(identity)?))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        condition_met(result, "PutItem")
    }

    async fn delete(&self, account: &AccountId, domain: &Domain) -> Result<bool, StoreError> {
        let identity = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(account_pk(account), identity_sk(domain))))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(|e| build_error("TransactWriteItems", e))?;
        // The uniqueness item goes with it, but only if this account holds it.
        let claim = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(domain_pk(domain), DOMAIN_SK)))
            .condition_expression("#account = :account")
            .expression_attribute_names("#account", "account")
            .expression_attribute_values(":account", s(account.as_str()))
            .build()
            .map_err(|e| build_error("TransactWriteItems", e))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(identity).build())
            .transact_items(TransactWriteItem::builder().delete(claim).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if cancelled_by_condition(&e) => Ok(false),
            Err(e) => Err(sdk_error("TransactWriteItems", e)),
        }
    }
}

impl Senders for DynamoDbRecords {
    async fn create(&self, sender: &Sender) -> Result<Created, StoreError> {
        Ok(if self.put_if_absent(sender_item(sender)).await? {
            Created::Yes
        } else {
            Created::AlreadyExists
        })
    }

    async fn get(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<Option<Sender>, StoreError> {
        self.get(account_pk(account), sender_sk(address))
            .await?
            .as_ref()
            .map(sender_from)
            .transpose()
    }

    async fn list(&self, account: &AccountId) -> Result<Vec<Sender>, StoreError> {
        let items = self
            .query_prefix(account_pk(account), SENDER_PREFIX)
            .await?;
        let mut all = items
            .iter()
            .map(sender_from)
            .collect::<Result<Vec<_>, _>>()?;
        all.sort_by(|a, b| (a.created_at, &a.address).cmp(&(b.created_at, &b.address)));
        Ok(all)
    }

    async fn delete(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(account_pk(account), sender_sk(address))))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem", e))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }
}
