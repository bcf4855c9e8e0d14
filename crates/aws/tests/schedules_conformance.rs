//! The schedules conformance suite against EventBridge Scheduler (moto server), a fresh
//! schedule group per test. (Taking due schedules is local-only: EventBridge fires them.)

mod support;

sesame_core::schedules_conformance!(let f = support::scheduler().await; f.schedules);
