//! A deployment of fakes around a real records adapter, so a use-case can be exercised on
//! SQLite or DynamoDB (the warm-up gate's concurrency check runs this way on every backend).

use std::marker::PhantomData;

use super::{
    FixedClock, InMemoryJobQueue, InMemorySchedules, PlainDkim, RecordingMailer, SeqIds,
    StaticResolver,
};
use crate::ports::{
    Counters, Deliveries, Events, Feedback, Identities, Keys, Lists, Ports, QuotaLedger, Senders,
    Sequences, Tasks, Templates, WarmupRecords,
};

/// Every storage port, implemented by one store type (kept in step with [`Stores`]; the one
/// place to update when a storage port is added).
///
/// [`Stores`]: crate::Stores
pub trait AllRecords:
    Keys
    + Sequences
    + Templates
    + Identities
    + Senders
    + Deliveries
    + QuotaLedger
    + Counters
    + Lists
    + WarmupRecords
    + Feedback
    + Events
    + Tasks
{
}

impl<R> AllRecords for R where
    R: Keys
        + Sequences
        + Templates
        + Identities
        + Senders
        + Deliveries
        + QuotaLedger
        + Counters
        + Lists
        + WarmupRecords
        + Feedback
        + Events
        + Tasks
{
}

/// Fakes for every port except the storage ports, which are all `R`.
#[derive(Debug)]
pub struct WithRecords<R>(PhantomData<fn() -> R>);

impl<R> Ports for WithRecords<R>
where
    R: AllRecords,
{
    type Keys = R;
    type Sequences = R;
    type Templates = R;
    type Identities = R;
    type Senders = R;
    type Deliveries = R;
    type Quota = R;
    type Counters = R;
    type Lists = R;
    type Warmup = R;
    type Feedback = R;
    type Events = R;
    type Tasks = R;
    type Queue = InMemoryJobQueue;
    type Schedules = InMemorySchedules;
    type Mailer = RecordingMailer;
    type Dkim = PlainDkim;
    type Resolver = StaticResolver;
    type Clock = FixedClock;
    type Ids = SeqIds;
}

/// A deployment of fakes over `records`.
pub fn sesame_with<R>(
    records: R,
    settings: crate::settings::Settings,
) -> crate::Sesame<WithRecords<R>>
where
    R: AllRecords + Clone,
{
    crate::Sesame::new(
        crate::Adapters {
            stores: crate::Stores::shared(records),
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
