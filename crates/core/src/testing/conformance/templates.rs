//! Checks of the [`Templates`] port: per-account visibility, updates, newest-first paging.

use super::fixtures::{account, t, template};
use crate::ports::Templates;
use crate::types::TemplateId;

/// A created template reads back exactly as written, in its own account.
pub async fn templates_round_trip_within_their_account<R: Templates>(r: &R) {
    let a = account("acct-a");
    let odd = template(1, &a, t(1));
    let even = template(2, &a, t(2));
    r.create(&odd).await.expect("create");
    r.create(&even).await.expect("create");
    assert_eq!(r.get(&a, TemplateId(1)).await.expect("get"), Some(odd));
    assert_eq!(r.get(&a, TemplateId(2)).await.expect("get"), Some(even));
    assert_eq!(r.get(&a, TemplateId(3)).await.expect("get unknown"), None);
}

/// Account B can neither read, list, update nor delete account A's template.
pub async fn other_accounts_cannot_see_change_or_delete_a_template<R: Templates>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let mine = template(1, &a, t(1));
    r.create(&mine).await.expect("create");
    assert_eq!(r.get(&b, TemplateId(1)).await.expect("get"), None);
    assert_eq!(r.list(&b, 0, 10).await.expect("list"), (vec![], 0));
    let mut hijack = mine.clone();
    hijack.account = b.clone();
    hijack.name = "hijacked".to_owned();
    assert!(!r.update(&hijack).await.expect("update"));
    assert!(!r.delete(&b, TemplateId(1)).await.expect("delete"));
    assert_eq!(r.get(&a, TemplateId(1)).await.expect("get"), Some(mine));
}

/// Update replaces name, HTML and text; update and delete of a missing template say false.
pub async fn update_template_replaces_name_and_content<R: Templates>(r: &R) {
    let a = account("acct-a");
    let original = template(1, &a, t(1));
    r.create(&original).await.expect("create");
    let changed = crate::model::Template {
        name: "renamed".to_owned(),
        html: None,
        text: Some("only text now".to_owned()),
        ..original.clone()
    };
    assert!(r.update(&changed).await.expect("update"));
    let stored = r
        .get(&a, TemplateId(1))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        (stored.name.as_str(), stored.html, stored.text),
        ("renamed", None, Some("only text now".to_owned()))
    );
    assert!(
        !r.update(&template(5, &a, t(5)))
            .await
            .expect("update missing")
    );
    assert!(r.delete(&a, TemplateId(1)).await.expect("delete"));
    assert!(!r.delete(&a, TemplateId(1)).await.expect("delete again"));
    assert_eq!(r.get(&a, TemplateId(1)).await.expect("get"), None);
}

/// `list_templates` pages newest first and reports the account's total, not the page's.
pub async fn list_templates_pages_newest_first_with_total<R: Templates>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    for id in 1..=5 {
        r.create(&template(id, &a, t(id as i64 * 10)))
            .await
            .expect("create");
    }
    r.create(&template(6, &b, t(100))).await.expect("create");
    let ids = |page: &[crate::model::Template]| page.iter().map(|t| t.id.0).collect::<Vec<_>>();
    let (first, total) = r.list(&a, 0, 2).await.expect("list");
    assert_eq!((ids(&first), total), (vec![5, 4], 5));
    let (second, total) = r.list(&a, 2, 2).await.expect("list");
    assert_eq!((ids(&second), total), (vec![3, 2], 5));
    let (last, _) = r.list(&a, 4, 2).await.expect("list");
    assert_eq!(ids(&last), vec![1]);
    let (beyond, total) = r.list(&a, 10, 2).await.expect("list");
    assert_eq!((beyond.len(), total), (0, 5));
    assert_eq!(last[0], template(1, &a, t(10)));
}
