//! Checks of the [`Counters`](crate::ports::Counters) port.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::fixtures::{account, join_all};
use crate::ports::{CounterKey, Counters};
use crate::types::AccountId;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, d).expect("valid day")
}

fn key(owner: &AccountId, d: u32, dims: &str) -> CounterKey {
    CounterKey {
        account: owner.clone(),
        day: day(d),
        dims: dims.to_owned(),
    }
}

fn counters(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// Deltas add up per name (negative ones too); names never written are absent.
pub async fn adds_sum_per_name<C: Counters>(c: &C) {
    let acme = account("acme");
    let k = key(&acme, 1, "domain=a.com");
    c.add(&k, &[("requests", 3), ("delivered", 2)])
        .await
        .expect("add");
    c.add(&k, &[("requests", 1), ("bounced", 1)])
        .await
        .expect("add");
    c.add(&k, &[("bounced", -1), ("opened", 0)])
        .await
        .expect("add");
    c.add(&k, &[]).await.expect("empty add");
    assert_eq!(
        c.read(&acme, day(1), day(1)).await.expect("read"),
        vec![(
            k,
            counters(&[
                ("requests", 4),
                ("delivered", 2),
                ("bounced", 0),
                ("opened", 0)
            ])
        )]
    );
}

/// Many concurrent adds to the same key lose nothing.
pub async fn concurrent_adds_sum_exactly<C: Counters>(c: &C) {
    let acme = account("acme");
    let k = key(&acme, 1, "");
    let writer = || async {
        for _ in 0..20 {
            c.add(&k, &[("requests", 1), ("delivered", 2)])
                .await
                .expect("add");
        }
    };
    join_all((0..16).map(|_| writer())).await;
    assert_eq!(
        c.read(&acme, day(1), day(1)).await.expect("read"),
        vec![(k, counters(&[("requests", 320), ("delivered", 640)]))]
    );
}

/// An account reads only its own counters.
pub async fn accounts_are_isolated<C: Counters>(c: &C) {
    let (acme, other) = (account("acme"), account("acme2"));
    c.add(&key(&acme, 1, "d"), &[("opened", 1)])
        .await
        .expect("add");
    c.add(&key(&other, 1, "d"), &[("opened", 5)])
        .await
        .expect("add");
    assert_eq!(
        c.read(&acme, day(1), day(31)).await.expect("read"),
        vec![(key(&acme, 1, "d"), counters(&[("opened", 1)]))]
    );
    assert_eq!(
        c.read(&account("nobody"), day(1), day(31))
            .await
            .expect("read"),
        vec![]
    );
}

/// The day range is inclusive at both ends; results come by day, then dims.
pub async fn read_is_inclusive_and_ordered_by_day_then_dims<C: Counters>(c: &C) {
    let acme = account("acme");
    for (d, dims) in [(5, "b"), (3, "z"), (4, "a"), (3, "a"), (6, ""), (2, "")] {
        c.add(&key(&acme, d, dims), &[("requests", i64::from(d))])
            .await
            .expect("add");
    }
    let got: Vec<(u32, String)> = c
        .read(&acme, day(3), day(5))
        .await
        .expect("read")
        .into_iter()
        .map(|(k, _)| (chrono::Datelike::day(&k.day), k.dims))
        .collect();
    let expected = [(3, "a"), (3, "z"), (4, "a"), (5, "b")];
    assert_eq!(
        got,
        expected
            .iter()
            .map(|(d, s)| (*d, (*s).to_owned()))
            .collect::<Vec<_>>()
    );
    assert_eq!(c.read(&acme, day(7), day(9)).await.expect("read"), vec![]);
    assert_eq!(c.read(&acme, day(5), day(3)).await.expect("read"), vec![]);
}

/// Dimensions and counter names are kept byte for byte, separators and non-ASCII included,
/// and dimensions that share a prefix stay apart.
pub async fn dims_and_names_round_trip_exactly<C: Counters>(c: &C) {
    let acme = account("acme");
    let odd = [
        "domain=a.com|mbox=gmail.com",
        "domain=a.com",
        "x#y#1",
        "grüße=✉ 你好",
    ];
    for (i, dims) in odd.iter().enumerate() {
        c.add(
            &key(&acme, 1, dims),
            &[("count#1", i as i64 + 1), ("naïve name", 7)],
        )
        .await
        .expect("add");
    }
    let mut got = c.read(&acme, day(1), day(1)).await.expect("read");
    got.sort();
    let mut expected: Vec<(CounterKey, BTreeMap<String, i64>)> = odd
        .iter()
        .enumerate()
        .map(|(i, dims)| {
            (
                key(&acme, 1, dims),
                counters(&[("count#1", i as i64 + 1), ("naïve name", 7)]),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(got, expected);
}
