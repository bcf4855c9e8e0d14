//! sesame-embedded: SQLite adapters of Sesame's ports, for running as one local process.
//!
//! One [`SqliteStore`] (a database file in WAL mode) backs both [`SqliteRecords`] and
//! [`SqliteJobQueue`]. Several stores, in one process or several (the server and an admin
//! command), may open the same file at once.
//!
//! Storage conventions: times are UTC integer milliseconds since the Unix epoch (so values
//! read back are truncated to the millisecond); an accepted [`Message`](sesame_core::model::Message)
//! is a JSON blob beside the indexed columns queries need.

mod codec;
mod queue;
mod records;
mod schedules;
mod schema;
mod store;

pub use queue::DEFAULT_MAX_RECEIVES;
pub use queue::SqliteJobQueue;
pub use records::SqliteRecords;
pub use schedules::SqliteSchedules;
pub use schema::MigrationError;
#[doc(hidden)]
pub use schema::create_at_version;
pub use store::{Durability, OpenError, SqliteStore, StoreOptions};
