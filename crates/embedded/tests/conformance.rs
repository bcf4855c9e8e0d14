//! The port conformance suite against SQLite: a fresh database file per test.

use sesame_embedded::{SqliteJobQueue, SqliteRecords, SqliteSchedules, SqliteStore};
use tempfile::TempDir;

/// A store in its own temporary directory, removed when the test ends.
struct Fixture {
    _dir: TempDir,
    records: SqliteRecords,
    queue: SqliteJobQueue,
    schedules: SqliteSchedules,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("sesame.db")).expect("open store");
    Fixture {
        records: store.records(),
        queue: store.job_queue(),
        schedules: store.schedules(),
        _dir: dir,
    }
}

mod deliveries {
    use super::fixture;
    sesame_core::deliveries_conformance!(let f = fixture(); f.records);
}

mod keys {
    use super::fixture;
    sesame_core::keys_conformance!(let f = fixture(); f.records);
    sesame_core::sequences_conformance!(let f = fixture(); f.records);
}

mod templates {
    use super::fixture;
    sesame_core::templates_conformance!(let f = fixture(); f.records);
}

mod identities {
    use super::fixture;
    sesame_core::identities_conformance!(let f = fixture(); f.records);
    sesame_core::senders_conformance!(let f = fixture(); f.records);
}

mod queue {
    use super::fixture;
    sesame_core::queue_conformance!(let f = fixture(); f.queue);
}

mod quota {
    use super::fixture;
    sesame_core::quota_conformance!(let f = fixture(); f.records);
}

mod counters {
    use super::fixture;
    sesame_core::counters_conformance!(let f = fixture(); f.records);
}

mod schedules {
    use super::fixture;
    sesame_core::schedules_conformance!(let f = fixture(); f.schedules);
    sesame_core::due_schedules_conformance!(let f = fixture(); f.schedules);
}

mod warmup {
    use super::fixture;
    sesame_core::warmup_conformance!(let f = fixture(); f.records);
}

mod events {
    use super::fixture;
    sesame_core::events_conformance!(let f = fixture(); f.records);
}

mod feedback {
    use super::fixture;
    sesame_core::feedback_conformance!(let f = fixture(); f.records);
}

mod tasks {
    use super::fixture;
    sesame_core::tasks_conformance!(let f = fixture(); f.records);
    sesame_core::task_flow_conformance!(let f = fixture(); f.records);
}
