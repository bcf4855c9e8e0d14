//! Schema migrations, numbered by SQLite's `user_version`: migration `i` (0-based) brings the
//! database from version `i` to `i + 1`. Append new migrations; never edit a released one.

use rusqlite::{Connection, TransactionBehavior};

/// Every migration, in order.
const MIGRATIONS: &[&str] = &[
    V1,
    V2,
    V3_FEEDBACK,
    V4_QUOTA,
    V5_COUNTERS,
    V6_SCHEDULES,
    V7_LISTS,
    V8_WARMUP,
    V9_TASKS,
    V10_EVENTS,
];

/// The schema version this build writes.
pub(crate) const LATEST: u32 = MIGRATIONS.len() as u32;

const V1: &str = "
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_keys (
    secret_id      TEXT PRIMARY KEY,
    account        TEXT NOT NULL,
    sealed_secret  BLOB NOT NULL,
    created_at     INTEGER NOT NULL,
    revoked        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sequences (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE templates (
    id          INTEGER PRIMARY KEY,
    account     TEXT NOT NULL,
    name        TEXT NOT NULL,
    html        TEXT,
    text        TEXT,
    status      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX templates_by_account ON templates (account, created_at);

CREATE TABLE identities (
    domain       TEXT PRIMARY KEY,
    account      TEXT NOT NULL,
    dkim_option  INTEGER NOT NULL,
    dkim_keys    BLOB NOT NULL,
    verified     INTEGER NOT NULL,
    tags         BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX identities_by_account ON identities (account, created_at);

CREATE TABLE senders (
    account     TEXT NOT NULL,
    address     TEXT NOT NULL,
    name        TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (account, address)
);

CREATE TABLE messages (
    account     TEXT NOT NULL,
    id          TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    body        BLOB NOT NULL,
    PRIMARY KEY (account, id)
) WITHOUT ROWID;

-- pending = 1 while the delivery is not final: the claim condition and the stale scan use it.
CREATE TABLE deliveries (
    seq              INTEGER PRIMARY KEY,
    account          TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    sender           TEXT NOT NULL,
    send_status      INTEGER NOT NULL,
    deliver_status   INTEGER NOT NULL,
    deliver_message  TEXT NOT NULL,
    request_time     INTEGER NOT NULL,
    deliver_time     INTEGER,
    attempts         INTEGER NOT NULL,
    claimed_until    INTEGER,
    pending          INTEGER NOT NULL,
    FOREIGN KEY (account, message_id) REFERENCES messages (account, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX deliveries_by_message ON deliveries (account, message_id, recipient);
CREATE INDEX deliveries_by_time ON deliveries (account, request_time);
CREATE INDEX deliveries_stale ON deliveries (coalesce(claimed_until, request_time)) WHERE pending = 1;

-- AUTOINCREMENT: an id is never reused, so a receipt (id, receive_count) names one lease of
-- one job forever.
CREATE TABLE jobs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    body           TEXT NOT NULL,
    visible_at     INTEGER NOT NULL,
    receive_count  INTEGER NOT NULL DEFAULT 0,
    enqueued_at    INTEGER NOT NULL
);
CREATE INDEX jobs_by_visibility ON jobs (visible_at, id);

CREATE TABLE dead_jobs (
    id             INTEGER PRIMARY KEY,
    body           TEXT NOT NULL,
    receive_count  INTEGER NOT NULL,
    enqueued_at    INTEGER NOT NULL,
    died_at        INTEGER NOT NULL
);
";

/// DNS verification: `trusted` (an operator vouched for the domain; before DNS checks existed
/// that was the only way to be verified, hence the backfill) and the last DNS check as JSON.
/// DKIM key states live in the `dkim_keys` JSON (a missing state reads as active).
const V2: &str = "
ALTER TABLE identities ADD COLUMN trusted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE identities ADD COLUMN dns_check BLOB;
UPDATE identities SET trusted = verified;
";

/// Complaints and event marks (the feedback port).
const V3_FEEDBACK: &str = crate::records::feedback::MIGRATION;

/// The quota ledger.
const V4_QUOTA: &str = crate::records::quota::MIGRATION;

/// The statistics counters.
const V5_COUNTERS: &str = crate::records::counters::MIGRATION;

/// Stored schedules of the local scheduler loop.
const V6_SCHEDULES: &str = crate::schedules::MIGRATION;

/// Recipient groups and rows, blacklists, unsubscribe configs (the lists port).
const V7_LISTS: &str = crate::records::lists::MIGRATION;

/// Warm-up states, custom plans and pool bindings.
const V8_WARMUP: &str = crate::records::warmup::MIGRATION;

/// Batch tasks and the per-recipient TemplateData of their deliveries.
const V9_TASKS: &str = crate::records::tasks::MIGRATION;

/// Tracking: raw hits, the event feed, engagement flags, unsubscribes, the tracking switch.
const V10_EVENTS: &str = crate::records::events::MIGRATION;

/// Why the schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// A newer build wrote this database; this one would misread it.
    #[error("database schema version {found} is newer than this build's {supported}")]
    TooNew {
        /// Version in the file.
        found: u32,
        /// Latest version this build knows.
        supported: u32,
    },
    /// SQLite refused a migration.
    #[error("migration failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Applies every migration the database lacks, in one immediate transaction, so two processes
/// opening a fresh file at once cannot both migrate it.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), MigrationError> {
    migrate_to(conn, LATEST)
}

/// Applies the migrations the database lacks up to `target` only.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), MigrationError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > LATEST {
        return Err(MigrationError::TooNew {
            found,
            supported: LATEST,
        });
    }
    let wanted = MIGRATIONS.iter().take(target as usize);
    for (version, sql) in wanted.enumerate().skip(found as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version as u32 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

/// Creates (or brings up) the database at `path` at schema version `version` exactly, as an
/// older build would have left it: what the migration tests start from.
#[doc(hidden)]
pub fn create_at_version(path: &std::path::Path, version: u32) -> Result<(), MigrationError> {
    let mut conn = Connection::open(path)?;
    migrate_to(&mut conn, version.min(LATEST))
}
