//! Checks of the [`Identities`] port: sender domains, unique installation-wide.

use super::fixtures::{account, domain, identity, t};
use crate::model::{
    CheckStatus, DkimAlgorithm, DkimKey, DkimKeyState, DnsCheck, RecordCheck, RecordPurpose,
};
use crate::ports::{Created, Identities};

/// A domain can be created once: again in the same account is `AlreadyExists`, in another
/// account `OwnedByOther`, and neither overwrites the first record.
pub async fn create_identity_reports_already_exists_and_owned_by_other<R: Identities>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let first = identity(&a, "mail.example.com", t(1));
    assert_eq!(r.create(&first).await.expect("create"), Created::Yes);
    let mut again = identity(&a, "mail.example.com", t(2));
    again.verified = true;
    assert_eq!(
        r.create(&again).await.expect("create again"),
        Created::AlreadyExists
    );
    assert_eq!(
        r.create(&identity(&b, "mail.example.com", t(3)))
            .await
            .expect("create"),
        Created::OwnedByOther
    );
    assert_eq!(
        r.get(&a, &domain("mail.example.com")).await.expect("get"),
        Some(first)
    );
    assert_eq!(
        r.get(&b, &domain("mail.example.com")).await.expect("get"),
        None
    );
}

/// Account B can neither read, list, update nor delete account A's domain.
pub async fn other_accounts_cannot_see_change_or_delete_an_identity<R: Identities>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let mine = identity(&a, "mail.example.com", t(1));
    r.create(&mine).await.expect("create");
    let d = domain("mail.example.com");
    assert_eq!(r.get(&b, &d).await.expect("get"), None);
    assert_eq!(r.list(&b).await.expect("list"), vec![]);
    let mut hijack = mine.clone();
    hijack.account = b.clone();
    hijack.verified = true;
    assert!(!r.update(&hijack).await.expect("update"));
    assert!(!r.delete(&b, &d).await.expect("delete"));
    assert_eq!(r.get(&a, &d).await.expect("get"), Some(mine));
}

/// `update_identity` replaces verification state, keys (with their states) and the last DNS
/// check; a missing domain says false.
pub async fn update_identity_replaces_the_record<R: Identities>(r: &R) {
    let a = account("acct-a");
    let original = identity(&a, "mail.example.com", t(1));
    r.create(&original).await.expect("create");
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
    assert!(r.update(&changed).await.expect("update"));
    assert_eq!(
        r.get(&a, &original.domain).await.expect("get"),
        Some(changed)
    );
    assert!(
        !r.update(&identity(&a, "other.example.com", t(2)))
            .await
            .expect("update missing")
    );
}

/// Domains list oldest first, only the account's own; a deleted domain is gone and can be
/// created again, even by another account.
pub async fn list_identities_is_oldest_first_and_deleted_domains_are_gone<R: Identities>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let newer = identity(&a, "b.example.com", t(20));
    let older = identity(&a, "a.example.org", t(10));
    r.create(&newer).await.expect("create");
    r.create(&older).await.expect("create");
    r.create(&identity(&b, "c.example.net", t(5)))
        .await
        .expect("create");
    assert_eq!(
        r.list(&a).await.expect("list"),
        vec![older.clone(), newer.clone()]
    );
    assert!(r.delete(&a, &newer.domain).await.expect("delete"));
    assert!(!r.delete(&a, &newer.domain).await.expect("delete again"));
    assert_eq!(r.list(&a).await.expect("list"), vec![older]);
    assert_eq!(
        r.create(&identity(&b, "b.example.com", t(30)))
            .await
            .expect("recreate"),
        Created::Yes
    );
}

/// `list_all_identities` returns every account's domains, ordered by domain name.
pub async fn list_all_identities_spans_accounts_ordered_by_domain<R: Identities>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let z = identity(&a, "z.example.com", t(1));
    let m = identity(&b, "m.example.com", t(2));
    let c = identity(&a, "c.example.com", t(3));
    for i in [&z, &m, &c] {
        r.create(i).await.expect("create");
    }
    assert_eq!(r.list_all().await.expect("list all"), vec![c, m, z.clone()]);
    r.delete(&a, &z.domain).await.expect("delete");
    assert_eq!(r.list_all().await.expect("list all").len(), 2);
}
