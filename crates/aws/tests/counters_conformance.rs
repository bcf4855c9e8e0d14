//! The counters conformance suite against DynamoDB (moto server): with the default sharding,
//! and with a single shard (every add to one item, the hottest case for `ADD`).

mod support;

mod sharded {
    use super::support;
    sesame_core::counters_conformance!(let f = support::dynamodb().await; f.records);
}

mod one_shard {
    use super::support;
    sesame_core::counters_conformance!(
        let f = support::dynamodb().await;
        f.records.clone().with_counter_shards(1)
    );
}
