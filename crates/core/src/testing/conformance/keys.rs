//! Checks of the [`Keys`] port: accounts and API keys.

use super::fixtures::{account, key, secret_id, t};
use crate::ports::Keys;

/// `ensure_account` may be called any number of times.
pub async fn ensure_account_is_idempotent<R: Keys>(r: &R) {
    let a = account("acct-a");
    r.ensure_account(&a, t(0)).await.expect("first ensure");
    r.ensure_account(&a, t(5)).await.expect("second ensure");
}

/// Keys read back exactly as stored; `list` shows every account's keys, oldest first.
pub async fn keys_round_trip_and_list_oldest_first<R: Keys>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let k2 = key(2, &a, t(20));
    let k1 = key(1, &b, t(10));
    let k3 = key(3, &a, t(30));
    for k in [&k2, &k1, &k3] {
        r.put(k).await.expect("put key");
    }
    assert_eq!(r.get(&k1.secret_id).await.expect("get"), Some(k1.clone()));
    assert_eq!(r.get(&secret_id(9)).await.expect("get unknown"), None);
    assert_eq!(r.list().await.expect("list"), vec![k1, k2, k3]);
}

/// Revoking marks the key (and only it); doing it again is fine; an unknown id says false.
pub async fn revoking_a_key_is_idempotent_and_unknown_keys_report_false<R: Keys>(r: &R) {
    let a = account("acct-a");
    r.put(&key(1, &a, t(1))).await.expect("put");
    r.put(&key(2, &a, t(2))).await.expect("put");
    assert!(r.revoke(&secret_id(1)).await.expect("revoke"));
    assert!(r.revoke(&secret_id(1)).await.expect("revoke again"));
    assert!(!r.revoke(&secret_id(3)).await.expect("revoke unknown"));
    let revoked = r
        .get(&secret_id(1))
        .await
        .expect("get")
        .expect("still there");
    assert!(revoked.revoked);
    assert_eq!(revoked.sealed_secret, key(1, &a, t(1)).sealed_secret);
    assert!(
        !r.get(&secret_id(2))
            .await
            .expect("get")
            .expect("other key")
            .revoked
    );
}
