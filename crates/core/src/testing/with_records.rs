//! A deployment of fakes around a real records adapter, so a use-case can be exercised on
//! SQLite or DynamoDB (the warm-up gate's concurrency check runs this way on every backend).

use std::marker::PhantomData;

use super::{
    FixedClock, InMemoryJobQueue, InMemorySchedules, PlainDkim, RecordingMailer, SeqIds,
    StaticResolver,
};
use crate::ports::{
    Counters, Events, Feedback, Lists, Ports, QuotaLedger, Records, Tasks, WarmupRecords,
};

/// Everything `Ports::Records` must be (kept in step with that bound; the one place to
/// update when a records trait is added).
pub trait AllRecords:
    Records + QuotaLedger + Counters + Lists + WarmupRecords + Feedback + Events + Tasks
{
}

impl<R> AllRecords for R where
    R: Records + QuotaLedger + Counters + Lists + WarmupRecords + Feedback + Events + Tasks
{
}

/// Fakes for every port except records, which are `R`.
#[derive(Debug)]
pub struct WithRecords<R>(PhantomData<fn() -> R>);

impl<R> Ports for WithRecords<R>
where
    R: AllRecords,
{
    type Records = R;
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
    R: AllRecords,
{
    crate::Sesame::new(
        records,
        InMemoryJobQueue::default(),
        InMemorySchedules::default(),
        RecordingMailer::default(),
        PlainDkim::default(),
        StaticResolver::default(),
        FixedClock::default(),
        SeqIds::default(),
        settings,
        crate::secrets::SecretBox::new(&[7u8; 32]).expect("a 32-byte key"),
    )
}
