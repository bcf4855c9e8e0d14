//! Checks of the [`Senders`] port: sender addresses, unique per account.

use super::fixtures::{account, addr, sender, t};
use crate::ports::{Created, Senders};

/// A sender address is unique within an account; another account may use the same address.
pub async fn create_sender_is_unique_per_account<R: Senders>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let first = sender(&a, "noreply@mail.example.com", Some("Ops Team"), t(1));
    assert_eq!(r.create(&first).await.expect("create"), Created::Yes);
    let again = sender(&a, "noreply@mail.example.com", None, t(2));
    assert_eq!(
        r.create(&again).await.expect("create again"),
        Created::AlreadyExists
    );
    let theirs = sender(&b, "noreply@mail.example.com", None, t(3));
    assert_eq!(r.create(&theirs).await.expect("create other"), Created::Yes);
    let address = addr("noreply@mail.example.com");
    assert_eq!(r.get(&a, &address).await.expect("get"), Some(first));
    assert_eq!(r.get(&b, &address).await.expect("get"), Some(theirs));
}

/// Account B can neither read, list nor delete account A's sender address.
pub async fn other_accounts_cannot_see_or_delete_a_sender<R: Senders>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let mine = sender(&a, "noreply@mail.example.com", None, t(1));
    r.create(&mine).await.expect("create");
    assert_eq!(r.get(&b, &mine.address).await.expect("get"), None);
    assert_eq!(r.list(&b).await.expect("list"), vec![]);
    assert!(!r.delete(&b, &mine.address).await.expect("delete"));
    assert_eq!(r.list(&a).await.expect("list"), vec![mine]);
}

/// Senders list oldest first; a deleted sender is gone.
pub async fn list_senders_is_oldest_first_and_deleted_senders_are_gone<R: Senders>(r: &R) {
    let a = account("acct-a");
    let newer = sender(&a, "alerts@mail.example.com", Some("客服"), t(20));
    let older = sender(&a, "zed@mail.example.com", None, t(10));
    r.create(&newer).await.expect("create");
    r.create(&older).await.expect("create");
    assert_eq!(
        r.list(&a).await.expect("list"),
        vec![older.clone(), newer.clone()]
    );
    assert!(r.delete(&a, &older.address).await.expect("delete"));
    assert!(!r.delete(&a, &older.address).await.expect("delete again"));
    assert_eq!(r.list(&a).await.expect("list"), vec![newer]);
    assert_eq!(r.get(&a, &older.address).await.expect("get"), None);
}
