//! Checks of the [`QuotaLedger`](crate::ports::QuotaLedger) port.

use chrono::NaiveDate;

use super::fixtures::join_all;
use crate::ports::{QuotaKey, QuotaLedger};

/// The counter named by a stored scope text, on 2024-05-`d`.
fn key(scope: &str, d: u32) -> QuotaKey {
    let day = NaiveDate::from_ymd_opt(2024, 5, d).expect("valid day");
    QuotaKey::new(scope.parse().expect("scope"), day)
}

/// Reservations are granted in full while they fit, in part when only part fits, then refused.
pub async fn reserve_grants_in_full_then_in_part_then_nothing<L: QuotaLedger>(l: &L) {
    let k = key("warmup/domain/acme/mail.example.com", 1);
    assert_eq!(l.usage(&k).await.expect("usage"), 0);
    assert_eq!(l.reserve(&k, 30, 50).await.expect("reserve"), 30);
    assert_eq!(l.reserve(&k, 30, 50).await.expect("reserve"), 20);
    assert_eq!(l.reserve(&k, 1, 50).await.expect("reserve"), 0);
    assert_eq!(l.reserve(&k, 0, 50).await.expect("reserve"), 0);
    assert_eq!(l.usage(&k).await.expect("usage"), 50);
}

/// A limit lowered below the day's usage grants nothing and leaves the usage as it was; a
/// raised limit grants the difference.
pub async fn a_changed_limit_applies_to_the_next_reservation<L: QuotaLedger>(l: &L) {
    let k = key("warmup/pool/dedicated-1", 1);
    assert_eq!(l.reserve(&k, 40, 100).await.expect("reserve"), 40);
    assert_eq!(l.reserve(&k, 5, 20).await.expect("reserve"), 0);
    assert_eq!(l.usage(&k).await.expect("usage"), 40);
    assert_eq!(l.reserve(&k, 100, 60).await.expect("reserve"), 20);
    assert_eq!(l.usage(&k).await.expect("usage"), 60);
    let next_day = key("warmup/pool/dedicated-1", 2);
    assert_eq!(l.reserve(&next_day, 1, 0).await.expect("reserve"), 0);
    assert_eq!(l.usage(&next_day).await.expect("usage"), 0);
}

/// Released units can be reserved again; usage never goes below zero; releasing nothing, or
/// a counter that was never reserved, is harmless.
pub async fn release_returns_units_and_never_goes_below_zero<L: QuotaLedger>(l: &L) {
    let k = key("tasks:acme", 1);
    assert_eq!(l.reserve(&k, 10, 10).await.expect("reserve"), 10);
    l.release(&k, 4).await.expect("release");
    assert_eq!(l.usage(&k).await.expect("usage"), 6);
    assert_eq!(l.reserve(&k, 10, 10).await.expect("reserve"), 4);
    l.release(&k, 25).await.expect("release");
    assert_eq!(l.usage(&k).await.expect("usage"), 0);
    let never = key("tasks:never-used", 3);
    l.release(&never, 5).await.expect("release");
    assert_eq!(l.usage(&never).await.expect("usage"), 0);
    assert_eq!(l.reserve(&k, 3, 10).await.expect("reserve"), 3);
    l.release(&k, 0).await.expect("release");
    assert_eq!(l.usage(&k).await.expect("usage"), 3);
}

/// Each (scope, day) has its own usage, also where one scope's text starts with another's
/// or two kinds count the same warm-up scope.
pub async fn scopes_and_days_are_independent<L: QuotaLedger>(l: &L) {
    let (a1, a2) = (key("tasks:a", 1), key("tasks:a", 2));
    let (b1, ab1) = (key("tasks:b", 1), key("tasks:ab", 1));
    assert_eq!(l.reserve(&a1, 5, 5).await.expect("reserve"), 5);
    assert_eq!(l.reserve(&a2, 5, 5).await.expect("reserve"), 5);
    assert_eq!(l.reserve(&b1, 5, 5).await.expect("reserve"), 5);
    assert_eq!(l.reserve(&a1, 1, 5).await.expect("reserve"), 0);
    l.release(&b1, 5).await.expect("release");
    assert_eq!(l.usage(&a1).await.expect("usage"), 5);
    assert_eq!(l.usage(&a2).await.expect("usage"), 5);
    assert_eq!(l.usage(&b1).await.expect("usage"), 0);
    assert_eq!(l.usage(&ab1).await.expect("usage"), 0);
    let sent = key("warmup/pool/p", 1);
    let bounces = key("warmup-hard-bounce/pool/p", 1);
    let complaints = key("warmup-complaint/pool/p", 1);
    assert_eq!(l.reserve(&sent, 3, 10).await.expect("reserve"), 3);
    assert_eq!(l.reserve(&bounces, 2, 10).await.expect("reserve"), 2);
    assert_eq!(l.usage(&sent).await.expect("usage"), 3);
    assert_eq!(l.usage(&bounces).await.expect("usage"), 2);
    assert_eq!(l.usage(&complaints).await.expect("usage"), 0);
}

/// 32 concurrent reservers, each taking one unit at a time until refused, are granted exactly
/// the limit between them: never more (over-grant), never less (a lost refusal).
pub async fn concurrent_reservers_are_granted_exactly_the_limit<L: QuotaLedger>(l: &L) {
    const LIMIT: u64 = 500;
    let k = key("warmup/domain/acme/hot.example.com", 1);
    let reserver = || async {
        let mut mine = 0u64;
        loop {
            match l.reserve(&k, 1, LIMIT).await.expect("reserve") {
                0 => return mine,
                granted => mine += granted,
            }
        }
    };
    let grants = join_all((0..32).map(|_| reserver())).await;
    assert_eq!(grants.iter().sum::<u64>(), LIMIT);
    assert_eq!(l.usage(&k).await.expect("usage"), LIMIT);
}

/// Concurrent partial reservations (7 units each, limit not a multiple of 7) also add up to
/// exactly the limit, the last grant being partial.
pub async fn concurrent_partial_reservations_add_up_to_the_limit<L: QuotaLedger>(l: &L) {
    const LIMIT: u64 = 100;
    let k = key("warmup/domain/acme/partial.example.com", 1);
    let grants = join_all((0..20).map(|_| l.reserve(&k, 7, LIMIT))).await;
    let grants: Vec<u64> = grants.into_iter().map(|g| g.expect("reserve")).collect();
    assert_eq!(grants.iter().sum::<u64>(), LIMIT);
    assert!(grants.iter().all(|g| *g <= 7));
    assert_eq!(l.usage(&k).await.expect("usage"), LIMIT);
}
