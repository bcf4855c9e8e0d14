//! The events conformance suite against DynamoDB (moto server), a fresh table per test.

mod support;

sesame_core::events_conformance!(let f = support::dynamodb().await; f.records);
