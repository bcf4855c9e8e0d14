//! The feedback conformance suite against DynamoDB (moto server), a fresh table per test:
//! event marks, complaints, and the feedback scenarios (a scripted day's statistics, DSN and
//! ARF fixtures) through the use-cases over this backend.

mod support;

sesame_core::feedback_conformance!(let f = support::dynamodb().await; f.records);
