//! The job-queue conformance suite against SQS (moto server), a fresh queue per test.
//! SQS counts leases and delays in whole seconds; the suite's timing cases use the queue's
//! `delay_granularity` (1 s) instead of their 300 ms default.

mod support;

sesame_core::queue_conformance!(let f = support::sqs().await; f.queue);
