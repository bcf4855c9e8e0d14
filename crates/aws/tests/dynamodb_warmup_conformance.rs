//! The warm-up records conformance suite against DynamoDB (moto server), a fresh table per
//! test: revisioned states, plans, pool bindings, and the 32-worker quota scenario.

mod support;

sesame_core::warmup_conformance!(let f = support::dynamodb().await; f.records);
