//! [`SqliteRecords`]: every storage port over SQLite. Each method is one transaction; each
//! port's module holds its SQL as plain functions over a transaction and implements the port
//! trait over them.

pub(crate) mod counters;
mod deliveries;
pub(crate) mod events;
pub(crate) mod feedback;
mod identities;
mod keys;
pub(crate) mod lists;
pub(crate) mod quota;
pub(crate) mod tasks;
mod templates;
pub(crate) mod warmup;

use crate::SqliteStore;

/// Records in a SQLite database. Cheap to clone; build it with [`SqliteStore::records`].
#[derive(Debug, Clone)]
pub struct SqliteRecords {
    store: SqliteStore,
}

impl SqliteRecords {
    pub(crate) fn new(store: SqliteStore) -> Self {
        Self { store }
    }
}
