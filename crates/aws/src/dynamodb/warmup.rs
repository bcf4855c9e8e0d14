//! Warm-up records over DynamoDB. A domain's state lives in its account's partition
//! (`ACCT#<a>` / `WARMUP#<domain>`), a pool's in its own (`POOL#<name>` / `WARMUP`); both are
//! listed through the `WARMUPS` GSI1 partition in scope-key order. A state is a JSON `state`
//! beside a numeric `revision`; a write is a PutItem on condition of the revision read, so
//! two schedulers rolling the same day over cannot both apply. Custom plans are
//! `WPLAN#<name>` / `PLAN` (GSI1 `WPLANS`); pool bindings are `ACCT#<a>` / `POOLBIND` (the
//! account's) and `ACCT#<a>` / `POOLBIND#<domain>`.

use sesame_core::StoreError;
use sesame_core::ports::{PoolSubject, Revised, WarmupRecords};
use sesame_core::warmup::{Plan, PlanName, PoolName, Scope, WarmupState};

use super::item::{Item, Reader, n, s};
use super::table::{GSI1PK, GSI1SK, PK, SK, account_pk};
use super::{DynamoDbRecords, condition_met};
use crate::error::{corrupt, sdk_error};

/// GSI1 partition listing every warm-up state.
const WARMUPS_GSI1PK: &str = "WARMUPS";
/// GSI1 partition listing every custom plan.
const PLANS_GSI1PK: &str = "WPLANS";

fn state_key(scope: &Scope) -> (String, String) {
    match scope {
        Scope::Domain { account, domain } => (account_pk(account), format!("WARMUP#{domain}")),
        Scope::Pool { pool } => (format!("POOL#{pool}"), "WARMUP".to_owned()),
    }
}

fn plan_key(name: &PlanName) -> (String, String) {
    (format!("WPLAN#{name}"), "PLAN".to_owned())
}

fn binding_key(subject: &PoolSubject) -> (String, String) {
    match subject {
        PoolSubject::Account { account } => (account_pk(account), "POOLBIND".to_owned()),
        PoolSubject::Domain { account, domain } => {
            (account_pk(account), format!("POOLBIND#{domain}"))
        }
    }
}

fn state_from(item: &Item) -> Result<Revised<WarmupState>, StoreError> {
    let r = Reader::new(item, "warm-up state");
    let value: WarmupState = serde_json::from_str(r.s("state")?)
        .map_err(|e| corrupt(format!("warm-up state item: state is not valid: {e}")))?;
    Ok(Revised {
        value,
        revision: r.n("revision")?,
    })
}

fn plan_from(item: &Item) -> Result<Plan, StoreError> {
    let r = Reader::new(item, "warm-up plan");
    let steps: Vec<u64> = serde_json::from_str(r.s("steps")?)
        .map_err(|e| corrupt(format!("warm-up plan item: steps are not valid: {e}")))?;
    Ok(Plan {
        name: r.parse("name", PlanName::parse)?,
        steps,
    })
}

impl WarmupRecords for DynamoDbRecords {
    async fn get_warmup(&self, scope: &Scope) -> Result<Option<Revised<WarmupState>>, StoreError> {
        let (pk, sk) = state_key(scope);
        self.get(pk, sk).await?.as_ref().map(state_from).transpose()
    }

    async fn put_warmup(&self, state: &WarmupState, expected: u64) -> Result<bool, StoreError> {
        let (pk, sk) = state_key(&state.scope);
        let json = serde_json::to_string(state)
            .map_err(|e| corrupt(format!("warm-up state does not serialize: {e}")))?;
        let item = Item::from([
            (PK.to_owned(), s(pk)),
            (SK.to_owned(), s(sk)),
            (GSI1PK.to_owned(), s(WARMUPS_GSI1PK)),
            (GSI1SK.to_owned(), s(state.scope.key())),
            ("scope".to_owned(), s(state.scope.key())),
            ("revision".to_owned(), n(expected + 1)),
            ("state".to_owned(), s(json)),
        ]);
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let put = if expected == 0 {
            put.condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
        } else {
            put.condition_expression("#rev = :rev")
                .expression_attribute_names("#rev", "revision")
                .expression_attribute_values(":rev", n(expected))
        };
        condition_met(put.send().await, "PutItem")
    }

    async fn list_warmups(&self) -> Result<Vec<Revised<WarmupState>>, StoreError> {
        let items = self.query_gsi1_partition(WARMUPS_GSI1PK).await?;
        items.iter().map(state_from).collect()
    }

    async fn put_plan(&self, plan: &Plan) -> Result<(), StoreError> {
        let (pk, sk) = plan_key(&plan.name);
        let steps = serde_json::to_string(&plan.steps)
            .map_err(|e| corrupt(format!("plan does not serialize: {e}")))?;
        let item = Item::from([
            (PK.to_owned(), s(pk)),
            (SK.to_owned(), s(sk)),
            (GSI1PK.to_owned(), s(PLANS_GSI1PK)),
            (GSI1SK.to_owned(), s(plan.name.as_str())),
            ("name".to_owned(), s(plan.name.as_str())),
            ("steps".to_owned(), s(steps)),
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

    async fn get_plan(&self, name: &PlanName) -> Result<Option<Plan>, StoreError> {
        let (pk, sk) = plan_key(name);
        self.get(pk, sk).await?.as_ref().map(plan_from).transpose()
    }

    async fn list_plans(&self) -> Result<Vec<Plan>, StoreError> {
        let items = self.query_gsi1_partition(PLANS_GSI1PK).await?;
        items.iter().map(plan_from).collect()
    }

    async fn set_pool_binding(
        &self,
        subject: &PoolSubject,
        pool: Option<&PoolName>,
    ) -> Result<(), StoreError> {
        let (pk, sk) = binding_key(subject);
        match pool {
            Some(pool) => {
                let item = Item::from([
                    (PK.to_owned(), s(pk)),
                    (SK.to_owned(), s(sk)),
                    ("pool".to_owned(), s(pool.as_str())),
                ]);
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .send()
                    .await
                    .map_err(|e| sdk_error("PutItem", e))?;
            }
            None => {
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(Self::key(pk, sk)))
                    .send()
                    .await
                    .map_err(|e| sdk_error("DeleteItem", e))?;
            }
        }
        Ok(())
    }

    async fn get_pool_binding(
        &self,
        subject: &PoolSubject,
    ) -> Result<Option<PoolName>, StoreError> {
        let (pk, sk) = binding_key(subject);
        match self.get(pk, sk).await? {
            None => Ok(None),
            Some(item) => Reader::new(&item, "pool binding")
                .parse("pool", PoolName::parse)
                .map(Some),
        }
    }
}
