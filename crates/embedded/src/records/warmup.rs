//! Warm-up records over SQLite: each scope's state as JSON beside its revision (the
//! compare-and-set of a rollover is one conditional UPDATE), custom plans, pool bindings.

use rusqlite::{OptionalExtension, Transaction, params};
use sesame_core::StoreError;
use sesame_core::ports::{PoolSubject, Revised, WarmupRecords};
use sesame_core::warmup::{Plan, PlanName, PoolName, Scope, WarmupState};

use super::SqliteRecords;
use crate::codec::bound;

/// The warm-up tables (appended to the schema's migrations).
pub(crate) const MIGRATION: &str = "
CREATE TABLE warmup_states (
    scope     TEXT PRIMARY KEY,
    account   TEXT,
    revision  INTEGER NOT NULL,
    state     TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE warmup_plans (
    name   TEXT PRIMARY KEY,
    steps  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE pool_bindings (
    account  TEXT NOT NULL,
    domain   TEXT NOT NULL,
    pool     TEXT NOT NULL,
    PRIMARY KEY (account, domain)
) WITHOUT ROWID;
";

fn json_error(idx: usize, e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
}

fn to_json<T: serde::Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn state_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Revised<WarmupState>> {
    let revision: i64 = row.get(0)?;
    let raw: String = row.get(1)?;
    let value = serde_json::from_str(&raw).map_err(|e| json_error(1, e))?;
    Ok(Revised {
        value,
        revision: u64::try_from(revision).unwrap_or(0),
    })
}

fn get_state(tx: &Transaction<'_>, key: &str) -> rusqlite::Result<Option<Revised<WarmupState>>> {
    tx.prepare_cached("SELECT revision, state FROM warmup_states WHERE scope = ?1")?
        .query_row([key], state_from_row)
        .optional()
}

fn put_state(tx: &Transaction<'_>, state: &WarmupState, expected: u64) -> rusqlite::Result<bool> {
    let key = state.scope.key();
    let json = to_json(state)?;
    let account = state.scope.account().map(|a| a.as_str().to_owned());
    let changed = if expected == 0 {
        tx.prepare_cached(
            "INSERT INTO warmup_states (scope, account, revision, state) VALUES (?1, ?2, 1, ?3)
             ON CONFLICT (scope) DO NOTHING",
        )?
        .execute(params![key, account, json])?
    } else {
        tx.prepare_cached(
            "UPDATE warmup_states SET revision = revision + 1, state = ?2
             WHERE scope = ?1 AND revision = ?3",
        )?
        .execute(params![key, json, bound(expected)])?
    };
    Ok(changed == 1)
}

fn plan_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Plan> {
    let name: String = row.get(0)?;
    let steps: String = row.get(1)?;
    let name = PlanName::parse(&name).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let steps = serde_json::from_str(&steps).map_err(|e| json_error(1, e))?;
    Ok(Plan { name, steps })
}

/// A binding row's (account, domain) key: the empty domain stands for the whole account.
fn binding_key(subject: &PoolSubject) -> (String, String) {
    match subject {
        PoolSubject::Account { account } => (account.as_str().to_owned(), String::new()),
        PoolSubject::Domain { account, domain } => {
            (account.as_str().to_owned(), domain.as_str().to_owned())
        }
    }
}

impl WarmupRecords for SqliteRecords {
    async fn get_warmup(&self, scope: &Scope) -> Result<Option<Revised<WarmupState>>, StoreError> {
        let key = scope.key();
        self.store.read(move |tx| get_state(tx, &key)).await
    }

    async fn put_warmup(&self, state: &WarmupState, expected: u64) -> Result<bool, StoreError> {
        let state = state.clone();
        self.store
            .write(move |tx| put_state(tx, &state, expected))
            .await
    }

    async fn list_warmups(&self) -> Result<Vec<Revised<WarmupState>>, StoreError> {
        self.store
            .read(|tx| {
                tx.prepare_cached("SELECT revision, state FROM warmup_states ORDER BY scope")?
                    .query_map([], state_from_row)?
                    .collect()
            })
            .await
    }

    async fn put_plan(&self, plan: &Plan) -> Result<(), StoreError> {
        let plan = plan.clone();
        self.store
            .write(move |tx| {
                tx.prepare_cached(
                    "INSERT INTO warmup_plans (name, steps) VALUES (?1, ?2)
                     ON CONFLICT (name) DO UPDATE SET steps = excluded.steps",
                )?
                .execute(params![plan.name.as_str(), to_json(&plan.steps)?])?;
                Ok(())
            })
            .await
    }

    async fn get_plan(&self, name: &PlanName) -> Result<Option<Plan>, StoreError> {
        let name = name.as_str().to_owned();
        self.store
            .read(move |tx| {
                tx.prepare_cached("SELECT name, steps FROM warmup_plans WHERE name = ?1")?
                    .query_row([name], plan_from_row)
                    .optional()
            })
            .await
    }

    async fn list_plans(&self) -> Result<Vec<Plan>, StoreError> {
        self.store
            .read(|tx| {
                tx.prepare_cached("SELECT name, steps FROM warmup_plans ORDER BY name")?
                    .query_map([], plan_from_row)?
                    .collect()
            })
            .await
    }

    async fn set_pool_binding(
        &self,
        subject: &PoolSubject,
        pool: Option<&PoolName>,
    ) -> Result<(), StoreError> {
        let (account, domain) = binding_key(subject);
        let pool = pool.map(|p| p.as_str().to_owned());
        self.store
            .write(move |tx| {
                match pool {
                    Some(pool) => tx
                        .prepare_cached(
                            "INSERT INTO pool_bindings (account, domain, pool) VALUES (?1, ?2, ?3)
                             ON CONFLICT (account, domain) DO UPDATE SET pool = excluded.pool",
                        )?
                        .execute(params![account, domain, pool])?,
                    None => tx
                        .prepare_cached(
                            "DELETE FROM pool_bindings WHERE account = ?1 AND domain = ?2",
                        )?
                        .execute(params![account, domain])?,
                };
                Ok(())
            })
            .await
    }

    async fn get_pool_binding(
        &self,
        subject: &PoolSubject,
    ) -> Result<Option<PoolName>, StoreError> {
        let (account, domain) = binding_key(subject);
        self.store
            .read(move |tx| {
                let pool: Option<String> = tx
                    .prepare_cached(
                        "SELECT pool FROM pool_bindings WHERE account = ?1 AND domain = ?2",
                    )?
                    .query_row(params![account, domain], |row| row.get(0))
                    .optional()?;
                pool.map(|p| {
                    PoolName::parse(&p).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            0,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    })
                })
                .transpose()
            })
            .await
    }
}
