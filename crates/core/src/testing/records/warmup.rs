//! In-memory warm-up records: states with revisions, plans and pool bindings under the
//! records' mutex.

use std::collections::BTreeMap;

use super::InMemoryRecords;
use crate::error::StoreError;
use crate::ports::{PoolSubject, Revised, WarmupRecords};
use crate::testing::lock;
use crate::warmup::{Plan, PlanName, PoolName, Scope, WarmupState};

/// Warm-up tables.
#[derive(Debug, Default)]
pub(super) struct WarmupTables {
    states: BTreeMap<String, Revised<WarmupState>>,
    plans: BTreeMap<PlanName, Plan>,
    bindings: BTreeMap<PoolSubject, PoolName>,
}

impl WarmupRecords for InMemoryRecords {
    async fn get_warmup(&self, scope: &Scope) -> Result<Option<Revised<WarmupState>>, StoreError> {
        Ok(lock(&self.state).warmup.states.get(&scope.key()).cloned())
    }

    async fn put_warmup(&self, state: &WarmupState, expected: u64) -> Result<bool, StoreError> {
        let mut guard = lock(&self.state);
        let states = &mut guard.warmup.states;
        let key = state.scope.key();
        let current = states.get(&key).map_or(0, |s| s.revision);
        if current != expected {
            return Ok(false);
        }
        states.insert(
            key,
            Revised {
                value: state.clone(),
                revision: expected + 1,
            },
        );
        Ok(true)
    }

    async fn list_warmups(&self) -> Result<Vec<Revised<WarmupState>>, StoreError> {
        Ok(lock(&self.state).warmup.states.values().cloned().collect())
    }

    async fn put_plan(&self, plan: &Plan) -> Result<(), StoreError> {
        lock(&self.state)
            .warmup
            .plans
            .insert(plan.name.clone(), plan.clone());
        Ok(())
    }

    async fn get_plan(&self, name: &PlanName) -> Result<Option<Plan>, StoreError> {
        Ok(lock(&self.state).warmup.plans.get(name).cloned())
    }

    async fn list_plans(&self) -> Result<Vec<Plan>, StoreError> {
        Ok(lock(&self.state).warmup.plans.values().cloned().collect())
    }

    async fn set_pool_binding(
        &self,
        subject: &PoolSubject,
        pool: Option<&PoolName>,
    ) -> Result<(), StoreError> {
        let bindings = &mut lock(&self.state).warmup.bindings;
        match pool {
            Some(pool) => bindings.insert(subject.clone(), pool.clone()),
            None => bindings.remove(subject),
        };
        Ok(())
    }

    async fn get_pool_binding(
        &self,
        subject: &PoolSubject,
    ) -> Result<Option<PoolName>, StoreError> {
        Ok(lock(&self.state).warmup.bindings.get(subject).cloned())
    }
}
