//! Warm-up scopes: what a quota is counted against. Each sending domain has one (owned by
//! its account); each dedicated pool has one. The `shared` pool is already warm and has none.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::types::{AccountId, Domain};

/// Name of the default, already warm pool.
pub const SHARED_POOL: &str = "shared";

/// Why a pool name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a pool name is 1-32 characters of a-z, 0-9, '_' and '-'")]
pub struct PoolNameError;

/// A sending pool's name: 1–32 of `[a-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PoolName(String);

impl PoolName {
    /// Parses a pool name.
    pub fn parse(raw: &str) -> Result<Self, PoolNameError> {
        let ok = !raw.is_empty()
            && raw.len() <= 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(PoolNameError)
        }
    }

    /// The shared pool.
    pub fn shared() -> Self {
        Self(SHARED_POOL.to_owned())
    }

    /// Whether this is the shared pool (no warm-up of its own).
    pub fn is_shared(&self) -> bool {
        self.0 == SHARED_POOL
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PoolName {
    type Error = PoolNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PoolName> for String {
    fn from(value: PoolName) -> Self {
        value.0
    }
}

impl fmt::Display for PoolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a warm-up state and a quota are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// A sending domain of an account.
    Domain {
        /// Owner.
        account: AccountId,
        /// The domain.
        domain: Domain,
    },
    /// A dedicated pool (installation-wide; an operator owns it).
    Pool {
        /// The pool.
        pool: PoolName,
    },
}

impl Scope {
    /// Stable storage key: `domain/<account>/<domain>` or `pool/<name>` (neither part can
    /// hold a `/`).
    pub fn key(&self) -> String {
        match self {
            Scope::Domain { account, domain } => format!("domain/{account}/{domain}"),
            Scope::Pool { pool } => format!("pool/{pool}"),
        }
    }

    /// Parses [`Scope::key`] back.
    pub fn from_key(key: &str) -> Option<Self> {
        let mut parts = key.split('/');
        let scope = match (parts.next()?, parts.next()?, parts.next()) {
            ("domain", account, Some(domain)) => Scope::Domain {
                account: AccountId::parse(account).ok()?,
                domain: Domain::parse(domain).ok()?,
            },
            ("pool", pool, None) => Scope::Pool {
                pool: PoolName::parse(pool).ok()?,
            },
            _ => return None,
        };
        parts.next().is_none().then_some(scope)
    }

    /// The owning account, if the scope has one.
    pub fn account(&self) -> Option<&AccountId> {
        match self {
            Scope::Domain { account, .. } => Some(account),
            Scope::Pool { .. } => None,
        }
    }

    /// Human label: the domain or `pool <name>`.
    pub fn label(&self) -> String {
        match self {
            Scope::Domain { domain, .. } => domain.to_string(),
            Scope::Pool { pool } => format!("pool {pool}"),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}
