//! The warm-up gate over SQLite: 32 concurrent workers against a 500-message quota, and
//! concurrent rollovers deciding a day once.

use sesame_embedded::{SqliteRecords, SqliteStore};
use tempfile::TempDir;

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

sesame_core::warmup_gate_conformance!(let f = fixture(); f.records);
