//! Sender domains (unique installation-wide) and sender addresses (unique per account).

use super::super::fixtures::{account, addr, domain, identity, sender, t};
use crate::model::{
    CheckStatus, DkimAlgorithm, DkimKey, DkimKeyState, DnsCheck, RecordCheck, RecordPurpose,
};
use crate::ports::{Created, Records};

/// A domain can be created once: again in the same account is `AlreadyExists`, in another
/// account `OwnedByOther`, and neither overwrites the first record.
pub async fn create_identity_reports_already_exists_and_owned_by_other<R: Records>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let first = identity(&a, "mail.example.com", t(1));
    assert_eq!(
        r.create_identity(&first).await.expect("create"),
        Created::Yes
    );
    let mut again = identity(&a, "mail.example.com", t(2));
    again.verified = true;
    assert_eq!(
        r.create_identity(&again).await.expect("create again"),
        Created::AlreadyExists
    );
    assert_eq!(
        r.create_identity(&identity(&b, "mail.example.com", t(3)))
            .await
            .expect("create"),
        Created::OwnedByOther
    );
    assert_eq!(
        r.get_identity(&a, &domain("mail.example.com"))
            .await
            .expect("get"),
        Some(first)
    );
    assert_eq!(
        r.get_identity(&b, &domain("mail.example.com"))
            .await
            .expect("get"),
        None
    );
}

/// Account B can neither read, list, update nor delete account A's domain.
pub async fn other_accounts_cannot_see_change_or_delete_an_identity<R: Records>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let mine = identity(&a, "mail.example.com", t(1));
    r.create_identity(&mine).await.expect("create");
    let d = domain("mail.example.com");
    assert_eq!(r.get_identity(&b, &d).await.expect("get"), None);
    assert_eq!(r.list_identities(&b).await.expect("list"), vec![]);
    let mut hijack = mine.clone();
    hijack.account = b.clone();
    hijack.verified = true;
    assert!(!r.update_identity(&hijack).await.expect("update"));
    assert!(!r.delete_identity(&b, &d).await.expect("delete"));
    assert_eq!(r.get_identity(&a, &d).await.expect("get"), Some(mine));
}

/// `update_identity` replaces verification state, keys (with their states) and the last DNS
/// check; a missing domain says false.
pub async fn update_identity_replaces_the_record<R: Records>(r: &R) {
    let a = account("acct-a");
    let original = identity(&a, "mail.example.com", t(1));
    r.create_identity(&original).await.expect("create");
    let mut changed = original.clone();
    changed.verified = true;
    changed.trusted = true;
    changed.dkim_option = 2;
    changed.dkim_keys[0].state = DkimKeyState::Retired;
    changed.dkim_keys.push(DkimKey {
        selector: "sesame202406e".to_owned(),
        algorithm: DkimAlgorithm::Ed25519,
        sealed_private_key: vec![9; 48],
        public_key: "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=".to_owned(),
        state: DkimKeyState::Pending,
    });
    changed.check = Some(DnsCheck {
        at: t(7),
        records: vec![RecordCheck {
            purpose: RecordPurpose::Spf,
            host: "mail.example.com".to_owned(),
            current: "v=spf1 -all".to_owned(),
            status: CheckStatus::Fail,
            detail: "no a:mx.example.net".to_owned(),
        }],
        reason: Some("SPF: no a:mx.example.net".to_owned()),
    });
    changed.tags = vec![];
    assert!(r.update_identity(&changed).await.expect("update"));
    assert_eq!(
        r.get_identity(&a, &original.domain).await.expect("get"),
        Some(changed)
    );
    assert!(
        !r.update_identity(&identity(&a, "other.example.com", t(2)))
            .await
            .expect("update missing")
    );
}

/// Domains list oldest first, only the account's own; a deleted domain is gone and can be
/// created again, even by another account.
pub async fn list_identities_is_oldest_first_and_deleted_domains_are_gone<R: Records>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let newer = identity(&a, "b.example.com", t(20));
    let older = identity(&a, "a.example.org", t(10));
    r.create_identity(&newer).await.expect("create");
    r.create_identity(&older).await.expect("create");
    r.create_identity(&identity(&b, "c.example.net", t(5)))
        .await
        .expect("create");
    assert_eq!(
        r.list_identities(&a).await.expect("list"),
        vec![older.clone(), newer.clone()]
    );
    assert!(r.delete_identity(&a, &newer.domain).await.expect("delete"));
    assert!(
        !r.delete_identity(&a, &newer.domain)
            .await
            .expect("delete again")
    );
    assert_eq!(r.list_identities(&a).await.expect("list"), vec![older]);
    assert_eq!(
        r.create_identity(&identity(&b, "b.example.com", t(30)))
            .await
            .expect("recreate"),
        Created::Yes
    );
}

/// `list_all_identities` returns every account's domains, ordered by domain name.
pub async fn list_all_identities_spans_accounts_ordered_by_domain<R: Records>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let z = identity(&a, "z.example.com", t(1));
    let m = identity(&b, "m.example.com", t(2));
    let c = identity(&a, "c.example.com", t(3));
    for i in [&z, &m, &c] {
        r.create_identity(i).await.expect("create");
    }
    assert_eq!(
        r.list_all_identities().await.expect("list all"),
        vec![c, m, z.clone()]
    );
    r.delete_identity(&a, &z.domain).await.expect("delete");
    assert_eq!(r.list_all_identities().await.expect("list all").len(), 2);
}

/// A sender address is unique within an account; another account may use the same address.
pub async fn create_sender_is_unique_per_account<R: Records>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let first = sender(&a, "noreply@mail.example.com", Some("Ops Team"), t(1));
    assert_eq!(r.create_sender(&first).await.expect("create"), Created::Yes);
    let again = sender(&a, "noreply@mail.example.com", None, t(2));
    assert_eq!(
        r.create_sender(&again).await.expect("create again"),
        Created::AlreadyExists
    );
    let theirs = sender(&b, "noreply@mail.example.com", None, t(3));
    assert_eq!(
        r.create_sender(&theirs).await.expect("create other"),
        Created::Yes
    );
    let address = addr("noreply@mail.example.com");
    assert_eq!(r.get_sender(&a, &address).await.expect("get"), Some(first));
    assert_eq!(r.get_sender(&b, &address).await.expect("get"), Some(theirs));
}

/// Account B can neither read, list nor delete account A's sender address.
pub async fn other_accounts_cannot_see_or_delete_a_sender<R: Records>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let mine = sender(&a, "noreply@mail.example.com", None, t(1));
    r.create_sender(&mine).await.expect("create");
    assert_eq!(r.get_sender(&b, &mine.address).await.expect("get"), None);
    assert_eq!(r.list_senders(&b).await.expect("list"), vec![]);
    assert!(!r.delete_sender(&b, &mine.address).await.expect("delete"));
    assert_eq!(r.list_senders(&a).await.expect("list"), vec![mine]);
}

/// Senders list oldest first; a deleted sender is gone.
pub async fn list_senders_is_oldest_first_and_deleted_senders_are_gone<R: Records>(r: &R) {
    let a = account("acct-a");
    let newer = sender(&a, "alerts@mail.example.com", Some("客服"), t(20));
    let older = sender(&a, "zed@mail.example.com", None, t(10));
    r.create_sender(&newer).await.expect("create");
    r.create_sender(&older).await.expect("create");
    assert_eq!(
        r.list_senders(&a).await.expect("list"),
        vec![older.clone(), newer.clone()]
    );
    assert!(r.delete_sender(&a, &older.address).await.expect("delete"));
    assert!(
        !r.delete_sender(&a, &older.address)
            .await
            .expect("delete again")
    );
    assert_eq!(r.list_senders(&a).await.expect("list"), vec![newer]);
    assert_eq!(r.get_sender(&a, &older.address).await.expect("get"), None);
}
