//! The warm-up gate over DynamoDB (moto server): 32 concurrent workers against a 500-message
//! quota (conditional UpdateItem reservations), and concurrent rollovers deciding a day once
//! (conditional PutItem on the state's revision).

mod support;

sesame_core::warmup_gate_conformance!(let f = support::dynamodb().await; f.records);
