//! In-memory fakes of every port, for unit tests of core and of the crates above it, and the
//! conformance suite that every adapter of a port must pass (see [`conformance`]).
//!
//! Compiled for core's own tests and, elsewhere, behind the `testing` feature. Nothing here is
//! fit for production: state lives in a process-local mutex and is lost on drop.

mod clock;
pub mod conformance;
mod dkim;
mod mailer;
mod queue;
mod records;
mod resolver;
mod schedules;
mod with_records;

pub use clock::{FixedClock, SeqIds};
pub use dkim::PlainDkim;
pub use mailer::RecordingMailer;
pub use queue::InMemoryJobQueue;
pub use records::InMemoryRecords;
pub use resolver::StaticResolver;
pub use schedules::InMemorySchedules;
pub use with_records::{AllRecords, WithRecords, sesame_with};

use crate::ports::Ports;

/// The fakes wired as one deployment: `Sesame<TestPorts>` runs every use-case in memory.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestPorts;

impl Ports for TestPorts {
    type Keys = InMemoryRecords;
    type Sequences = InMemoryRecords;
    type Templates = InMemoryRecords;
    type Identities = InMemoryRecords;
    type Senders = InMemoryRecords;
    type Deliveries = InMemoryRecords;
    type Quota = InMemoryRecords;
    type Counters = InMemoryRecords;
    type Lists = InMemoryRecords;
    type Warmup = InMemoryRecords;
    type Feedback = InMemoryRecords;
    type Events = InMemoryRecords;
    type Tasks = InMemoryRecords;
    type Queue = InMemoryJobQueue;
    type Schedules = InMemorySchedules;
    type Mailer = RecordingMailer;
    type Dkim = PlainDkim;
    type Resolver = StaticResolver;
    type Clock = FixedClock;
    type Ids = SeqIds;
}

/// A deployment of fakes with the given settings and a fixed master key: what every unit and
/// handler test starts from. Reach the fakes through its public fields (`app.mailer`, …).
pub fn sesame(settings: crate::settings::Settings) -> crate::Sesame<TestPorts> {
    crate::Sesame::new(
        crate::Adapters {
            stores: crate::Stores::shared(InMemoryRecords::default()),
            queue: InMemoryJobQueue::default(),
            schedules: InMemorySchedules::default(),
            mailer: RecordingMailer::default(),
            dkim: PlainDkim::default(),
            resolver: StaticResolver::default(),
            clock: FixedClock::default(),
            ids: SeqIds::default(),
        },
        settings,
        crate::secrets::SecretBox::new(&[7u8; 32]).expect("a 32-byte key"),
    )
}

/// Locks a fake's state. A panic in another test thread cannot leave a fake's state half
/// written (every mutation is a single step under the lock), so a poisoned lock is recovered.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
