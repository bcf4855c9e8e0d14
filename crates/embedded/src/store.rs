//! The database file and its connections: one writer behind a mutex, a few pooled readers,
//! all used from tokio's blocking pool so that SQLite never stalls the async runtime.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use sesame_core::StoreError;
use tokio::sync::Notify;

use crate::codec::store_error;
use crate::schema::{self, MigrationError};
use crate::{SqliteJobQueue, SqliteRecords};

/// How hard a commit works to reach the disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=NORMAL`: a commit survives the process crashing; a power loss or OS crash
    /// may lose the last moments of commits (never corrupt the file). The right default for a
    /// local server: fsync per commit would cap throughput at the disk's flush rate.
    #[default]
    Normal,
    /// `synchronous=FULL`: every commit is on disk before it returns, at the cost of an
    /// fsync per write.
    Full,
}

/// Tuning of a [`SqliteStore`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Commit durability.
    pub durability: Durability,
    /// How long a statement waits for another process's write lock before failing with a
    /// retryable error.
    pub busy_timeout: Duration,
    /// Reader connections kept open between reads (more are opened under load).
    pub readers: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            durability: Durability::Normal,
            busy_timeout: Duration::from_secs(5),
            readers: 4,
        }
    }
}

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// SQLite could not open or configure the file.
    #[error("cannot open database {path}: {source}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The schema could not be brought up to date.
    #[error("cannot migrate database {path}: {source}")]
    Migration {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: MigrationError,
    },
}

struct Inner {
    path: PathBuf,
    options: StoreOptions,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Wakes receivers of this process's queues when a job is enqueued or retried.
    jobs_changed: Notify,
}

/// An open SQLite database holding records and jobs. Cheap to clone (shared connections).
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a closure unwinds through `Transaction`'s drop, which rolls back, so the
    // connection is consistent even if the mutex was poisoned.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` with default options, and brings
    /// its schema up to date. Blocks briefly: call it at start-up.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OpenError> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Opens the database at `path` with the given options.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Self, OpenError> {
        let path = path.as_ref().to_path_buf();
        let sqlite = |source| OpenError::Sqlite {
            path: path.clone(),
            source,
        };
        let mut writer = Connection::open(&path).map_err(sqlite)?;
        configure(&writer, &options).map_err(sqlite)?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(sqlite)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "database does not support WAL; readers will wait for writers");
        }
        schema::migrate(&mut writer).map_err(|source| OpenError::Migration {
            path: path.clone(),
            source,
        })?;
        let inner = Inner {
            path,
            options,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            jobs_changed: Notify::new(),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Every storage port over this store (one value, cloned into each port by
    /// [`Stores::shared`](sesame_core::Stores::shared)).
    pub fn records(&self) -> SqliteRecords {
        SqliteRecords::new(self.clone())
    }

    /// The job queue adapter over this store, dead-lettering jobs after 10 receives.
    pub fn job_queue(&self) -> SqliteJobQueue {
        SqliteJobQueue::new(self.clone())
    }

    pub(crate) fn jobs_changed(&self) -> &Notify {
        &self.inner.jobs_changed
    }

    /// Runs `f` in one immediate (write-locked) transaction on the writer connection, off the
    /// async runtime. An error from `f` rolls everything back.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let mut conn = lock(&inner.writer);
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    /// Runs `f` in a read transaction (one consistent snapshot) on a pooled reader connection,
    /// off the async runtime. WAL lets readers proceed while a write is in progress.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let pooled = lock(&inner.readers).pop();
            let mut conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&inner.path, &inner.options)?,
            };
            let out = {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
                let out = f(&tx)?;
                tx.commit()?;
                out
            };
            let mut idle = lock(&inner.readers);
            if idle.len() < inner.options.readers {
                idle.push(conn);
            }
            Ok(out)
        })
        .await
    }
}

async fn blocking<T, F>(f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> rusqlite::Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(store_error),
        Err(join) => {
            tracing::error!(error = %join, "sqlite task failed");
            Err(StoreError::Unavailable(format!(
                "sqlite task failed: {join}"
            )))
        }
    }
}

fn configure(conn: &Connection, options: &StoreOptions) -> rusqlite::Result<()> {
    conn.busy_timeout(options.busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.pragma_update(None, "foreign_keys", true)?;
    let synchronous = match options.durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", synchronous)
}

fn open_reader(path: &Path, options: &StoreOptions) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn, options)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}
