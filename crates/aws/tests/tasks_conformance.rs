//! The tasks conformance suite against DynamoDB (moto server), a fresh table per test: the
//! port's own checks and the batch-task flows (crash-and-resume, racing tickers, recurring
//! runs, quota pause, suppression) over DynamoDB records.

mod support;

sesame_core::tasks_conformance!(let f = support::dynamodb().await; f.records);
sesame_core::task_flow_conformance!(let f = support::dynamodb().await; f.records);
