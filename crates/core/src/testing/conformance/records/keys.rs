//! Accounts, API keys and sequences.

use std::collections::HashSet;

use super::super::fixtures::{account, join_all, key, secret_id, t};
use crate::ports::Records;

/// `ensure_account` may be called any number of times.
pub async fn ensure_account_is_idempotent<R: Records>(r: &R) {
    let a = account("acct-a");
    r.ensure_account(&a, t(0)).await.expect("first ensure");
    r.ensure_account(&a, t(5)).await.expect("second ensure");
}

/// Keys read back exactly as stored; `list_keys` shows every account's keys, oldest first.
pub async fn keys_round_trip_and_list_oldest_first<R: Records>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let k2 = key(2, &a, t(20));
    let k1 = key(1, &b, t(10));
    let k3 = key(3, &a, t(30));
    for k in [&k2, &k1, &k3] {
        r.put_key(k).await.expect("put key");
    }
    assert_eq!(
        r.get_key(&k1.secret_id).await.expect("get"),
        Some(k1.clone())
    );
    assert_eq!(r.get_key(&secret_id(9)).await.expect("get unknown"), None);
    assert_eq!(r.list_keys().await.expect("list"), vec![k1, k2, k3]);
}

/// Revoking marks the key (and only it); doing it again is fine; an unknown id says false.
pub async fn revoking_a_key_is_idempotent_and_unknown_keys_report_false<R: Records>(r: &R) {
    let a = account("acct-a");
    r.put_key(&key(1, &a, t(1))).await.expect("put");
    r.put_key(&key(2, &a, t(2))).await.expect("put");
    assert!(r.revoke_key(&secret_id(1)).await.expect("revoke"));
    assert!(r.revoke_key(&secret_id(1)).await.expect("revoke again"));
    assert!(!r.revoke_key(&secret_id(3)).await.expect("revoke unknown"));
    let revoked = r
        .get_key(&secret_id(1))
        .await
        .expect("get")
        .expect("still there");
    assert!(revoked.revoked);
    assert_eq!(revoked.sealed_secret, key(1, &a, t(1)).sealed_secret);
    assert!(
        !r.get_key(&secret_id(2))
            .await
            .expect("get")
            .expect("other key")
            .revoked
    );
}

/// Each named sequence counts 1, 2, 3, … on its own.
pub async fn sequences_count_from_one_per_name<R: Records>(r: &R) {
    for expected in 1..=3 {
        assert_eq!(r.next_sequence("template").await.expect("next"), expected);
    }
    assert_eq!(r.next_sequence("task").await.expect("next"), 1);
    assert_eq!(r.next_sequence("template").await.expect("next"), 4);
}

/// 32 concurrent callers, 5 values each: 160 distinct values, exactly 1..=160.
pub async fn sequences_never_repeat_under_concurrent_callers<R: Records>(r: &R) {
    let callers = (0..32).map(|_| async {
        let mut mine = Vec::new();
        for _ in 0..5 {
            mine.push(r.next_sequence("template").await.expect("next"));
        }
        mine
    });
    let values: Vec<u64> = join_all(callers).await.into_iter().flatten().collect();
    let distinct: HashSet<u64> = values.iter().copied().collect();
    assert_eq!(distinct.len(), 160, "a value was handed out twice");
    assert_eq!(distinct, (1..=160).collect::<HashSet<u64>>());
}
