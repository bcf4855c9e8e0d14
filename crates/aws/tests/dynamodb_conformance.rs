//! The records conformance suite against DynamoDB (moto server), a fresh table per test.

mod support;

sesame_core::records_conformance!(let f = support::dynamodb().await; f.records);
