//! The lists conformance suite against SQLite: a fresh database file per test.

use sesame_embedded::{SqliteRecords, SqliteStore};
use tempfile::TempDir;

/// A store in its own temporary directory, removed when the test ends.
struct Fixture {
    _dir: TempDir,
    records: SqliteRecords,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("sesame.db")).expect("open store");
    Fixture {
        records: store.records(),
        _dir: dir,
    }
}

sesame_core::lists_conformance!(let f = fixture(); f.records);
