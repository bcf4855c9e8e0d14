//! Checks of the [`QuotaLedger`](crate::ports::QuotaLedger) port.

use chrono::NaiveDate;

use super::fixtures::join_all;
use crate::ports::QuotaLedger;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, d).expect("valid day")
}

/// Reservations are granted in full while they fit, in part when only part fits, then refused.
pub async fn reserve_grants_in_full_then_in_part_then_nothing<L: QuotaLedger>(l: &L) {
    let scope = "domain:mail.example.com";
    assert_eq!(l.usage(scope, day(1)).await.expect("usage"), 0);
    assert_eq!(l.reserve(scope, day(1), 30, 50).await.expect("reserve"), 30);
    assert_eq!(l.reserve(scope, day(1), 30, 50).await.expect("reserve"), 20);
    assert_eq!(l.reserve(scope, day(1), 1, 50).await.expect("reserve"), 0);
    assert_eq!(l.reserve(scope, day(1), 0, 50).await.expect("reserve"), 0);
    assert_eq!(l.usage(scope, day(1)).await.expect("usage"), 50);
}

/// A limit lowered below the day's usage grants nothing and leaves the usage as it was; a
/// raised limit grants the difference.
pub async fn a_changed_limit_applies_to_the_next_reservation<L: QuotaLedger>(l: &L) {
    let scope = "pool:dedicated-1";
    assert_eq!(
        l.reserve(scope, day(1), 40, 100).await.expect("reserve"),
        40
    );
    assert_eq!(l.reserve(scope, day(1), 5, 20).await.expect("reserve"), 0);
    assert_eq!(l.usage(scope, day(1)).await.expect("usage"), 40);
    assert_eq!(
        l.reserve(scope, day(1), 100, 60).await.expect("reserve"),
        20
    );
    assert_eq!(l.usage(scope, day(1)).await.expect("usage"), 60);
    assert_eq!(l.reserve(scope, day(2), 1, 0).await.expect("reserve"), 0);
    assert_eq!(l.usage(scope, day(2)).await.expect("usage"), 0);
}

/// Released units can be reserved again; usage never goes below zero; releasing a scope
/// that was never reserved is harmless.
pub async fn release_returns_units_and_never_goes_below_zero<L: QuotaLedger>(l: &L) {
    let scope = "account:acme";
    assert_eq!(l.reserve(scope, day(1), 10, 10).await.expect("reserve"), 10);
    l.release(scope, day(1), 4).await.expect("release");
    assert_eq!(l.usage(scope, day(1)).await.expect("usage"), 6);
    assert_eq!(l.reserve(scope, day(1), 10, 10).await.expect("reserve"), 4);
    l.release(scope, day(1), 25).await.expect("release");
    assert_eq!(l.usage(scope, day(1)).await.expect("usage"), 0);
    l.release("never-used", day(3), 5).await.expect("release");
    assert_eq!(l.usage("never-used", day(3)).await.expect("usage"), 0);
    assert_eq!(l.reserve(scope, day(1), 3, 10).await.expect("reserve"), 3);
}

/// Each (scope, day) has its own usage.
pub async fn scopes_and_days_are_independent<L: QuotaLedger>(l: &L) {
    assert_eq!(l.reserve("a", day(1), 5, 5).await.expect("reserve"), 5);
    assert_eq!(l.reserve("a", day(2), 5, 5).await.expect("reserve"), 5);
    assert_eq!(l.reserve("b", day(1), 5, 5).await.expect("reserve"), 5);
    assert_eq!(l.reserve("a", day(1), 1, 5).await.expect("reserve"), 0);
    l.release("b", day(1), 5).await.expect("release");
    assert_eq!(l.usage("a", day(1)).await.expect("usage"), 5);
    assert_eq!(l.usage("a", day(2)).await.expect("usage"), 5);
    assert_eq!(l.usage("b", day(1)).await.expect("usage"), 0);
    assert_eq!(l.usage("ab", day(1)).await.expect("usage"), 0);
}

/// 32 concurrent reservers, each taking one unit at a time until refused, are granted exactly
/// the limit between them: never more (over-grant), never less (a lost refusal).
pub async fn concurrent_reservers_are_granted_exactly_the_limit<L: QuotaLedger>(l: &L) {
    const LIMIT: u64 = 500;
    let scope = "domain:hot.example.com";
    let reserver = || async {
        let mut mine = 0u64;
        loop {
            match l.reserve(scope, day(1), 1, LIMIT).await.expect("reserve") {
                0 => return mine,
                granted => mine += granted,
            }
        }
    };
    let grants = join_all((0..32).map(|_| reserver())).await;
    assert_eq!(grants.iter().sum::<u64>(), LIMIT);
    assert_eq!(l.usage(scope, day(1)).await.expect("usage"), LIMIT);
}

/// Concurrent partial reservations (7 units each, limit not a multiple of 7) also add up to
/// exactly the limit, the last grant being partial.
pub async fn concurrent_partial_reservations_add_up_to_the_limit<L: QuotaLedger>(l: &L) {
    const LIMIT: u64 = 100;
    let scope = "domain:partial.example.com";
    let grants = join_all((0..20).map(|_| l.reserve(scope, day(1), 7, LIMIT))).await;
    let grants: Vec<u64> = grants.into_iter().map(|g| g.expect("reserve")).collect();
    assert_eq!(grants.iter().sum::<u64>(), LIMIT);
    assert!(grants.iter().all(|g| *g <= 7));
    assert_eq!(l.usage(scope, day(1)).await.expect("usage"), LIMIT);
}
