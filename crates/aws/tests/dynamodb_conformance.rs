//! The keys, sequences, templates, identities, senders and deliveries conformance suites
//! against DynamoDB (moto server), a fresh table per test.

mod support;

mod deliveries {
    use super::support;
    sesame_core::deliveries_conformance!(let f = support::dynamodb().await; f.records);
}

mod keys {
    use super::support;
    sesame_core::keys_conformance!(let f = support::dynamodb().await; f.records);
    sesame_core::sequences_conformance!(let f = support::dynamodb().await; f.records);
}

mod templates {
    use super::support;
    sesame_core::templates_conformance!(let f = support::dynamodb().await; f.records);
}

mod identities {
    use super::support;
    sesame_core::identities_conformance!(let f = support::dynamodb().await; f.records);
    sesame_core::senders_conformance!(let f = support::dynamodb().await; f.records);
}
