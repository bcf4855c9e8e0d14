//! Checks of the [`Lists`](crate::ports::Lists) port: recipient groups and their rows,
//! blacklists and unsubscribe configs, one `pub async fn` per behaviour.

use chrono::NaiveDate;

use super::fixtures::{account, addr, join_all, t};
use crate::ports::{
    BlockUpdate, BounceBlock, BounceBlockQuery, Created, CustomBlock, CustomBlockQuery,
    DetailQuery, Lists, NewDetail, Receiver, ReceiverId, ReceiverQuery, ReceiverStatus,
    UnsubscribeConfig, UploadStart,
};
use crate::types::AccountId;

/// Expands to one `#[tokio::test]` per lists check (see the
/// [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! lists_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(lists, $fixture, $make, $port;
            receivers_round_trip_and_names_are_unique_per_account,
            other_accounts_cannot_see_or_touch_a_receiver,
            list_receivers_filters_by_status_and_keyword_newest_first,
            begin_upload_holds_the_receiver_until_it_ends_or_goes_stale,
            concurrent_uploads_have_exactly_one_winner,
            appended_rows_are_numbered_in_order_and_counted,
            an_upload_without_rows_leaves_the_receiver_empty,
            details_after_walks_every_row_once_by_cursor,
            list_details_filters_and_counts,
            deleting_a_receiver_removes_its_rows,
            custom_blocks_upsert_keeps_id_and_takes_the_new_expiry,
            list_custom_blocks_filters_by_status_and_email_oldest_first,
            update_custom_block_reports_missing_and_taken_addresses,
            delete_custom_blocks_counts_only_the_accounts_entries,
            bounce_blocks_refresh_list_newest_first_and_delete,
            blocks_report_each_address_in_order,
            unsubscribe_configs_create_update_list_delete_per_account,
        );
    };
    ($make:expr) => {
        $crate::lists_conformance!(let port = $make; port);
    };
}

fn receiver(id: u64, owner: &AccountId, name: &str, secs: i64) -> Receiver {
    Receiver {
        account: owner.clone(),
        id: ReceiverId(id),
        name: name.to_owned(),
        desc: format!("about {name}"),
        status: ReceiverStatus::Empty,
        count: 0,
        invalid_count: 0,
        data_keys: None,
        upload_started_at: None,
        created_at: t(secs),
    }
}

fn row(n: usize) -> NewDetail {
    NewDetail {
        email: format!("user{n}@example.org"),
        template_data: Some(format!("{{\"n\":\"{n}\"}}")),
        invalid_reason: None,
    }
}

fn bad_row(raw: &str) -> NewDetail {
    NewDetail {
        email: raw.to_owned(),
        template_data: None,
        invalid_reason: Some("malformed address".to_owned()),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid day")
}

fn custom(
    id: u64,
    owner: &AccountId,
    email: &str,
    expire: Option<NaiveDate>,
    secs: i64,
) -> CustomBlock {
    CustomBlock {
        account: owner.clone(),
        id,
        email: addr(email),
        expire_date: expire,
        created_at: t(secs),
    }
}

fn bounce(owner: &AccountId, email: &str, secs: i64, reason: &str) -> BounceBlock {
    BounceBlock {
        account: owner.clone(),
        email: addr(email),
        bounced_at: t(secs),
        reason: reason.to_owned(),
    }
}

fn all_details(owner: &AccountId, id: u64) -> DetailQuery {
    DetailQuery {
        account: owner.clone(),
        receiver: ReceiverId(id),
        email: None,
        from: None,
        until: None,
        valid: None,
        offset: 0,
        limit: 1_000,
    }
}

async fn upload<L: Lists>(l: &L, owner: &AccountId, id: u64, rows: &[NewDetail], secs: i64) {
    let started = l
        .begin_upload(owner, ReceiverId(id), t(secs), t(secs - 600))
        .await
        .expect("begin");
    assert!(matches!(started, UploadStart::Started(_)), "{started:?}");
    l.append_details(owner, ReceiverId(id), rows, t(secs))
        .await
        .expect("append");
    assert!(
        l.end_upload(owner, ReceiverId(id), None)
            .await
            .expect("end")
    );
}

/// A created group reads back as written; a second group of the same name in the same
/// account is refused, in another account it is fine.
pub async fn receivers_round_trip_and_names_are_unique_per_account<L: Lists>(l: &L) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let news = receiver(1, &a, "news", 1);
    assert_eq!(
        l.create_receiver(&news).await.expect("create"),
        Created::Yes
    );
    assert_eq!(
        l.create_receiver(&receiver(2, &a, "news", 2))
            .await
            .expect("create"),
        Created::AlreadyExists
    );
    assert_eq!(
        l.create_receiver(&receiver(3, &b, "news", 3))
            .await
            .expect("create"),
        Created::Yes
    );
    assert_eq!(
        l.get_receiver(&a, ReceiverId(1)).await.expect("get"),
        Some(news)
    );
    assert_eq!(l.get_receiver(&a, ReceiverId(2)).await.expect("get"), None);
}

/// Account B can neither read, list, upload to, walk nor delete account A's group.
pub async fn other_accounts_cannot_see_or_touch_a_receiver<L: Lists>(l: &L) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    l.create_receiver(&receiver(1, &a, "news", 1))
        .await
        .expect("create");
    upload(l, &a, 1, &[row(1), row(2)], 10).await;
    assert_eq!(l.get_receiver(&b, ReceiverId(1)).await.expect("get"), None);
    let query = ReceiverQuery {
        account: b.clone(),
        status: None,
        keyword: None,
        offset: 0,
        limit: 10,
    };
    assert_eq!(l.list_receivers(&query).await.expect("list"), (vec![], 0));
    assert_eq!(
        l.begin_upload(&b, ReceiverId(1), t(20), t(0))
            .await
            .expect("begin"),
        UploadStart::Missing
    );
    assert!(
        l.details_after(&b, ReceiverId(1), 0, 10)
            .await
            .expect("walk")
            .is_empty()
    );
    assert_eq!(
        l.list_details(&all_details(&b, 1))
            .await
            .expect("list")
            .total,
        0
    );
    assert!(!l.end_upload(&b, ReceiverId(1), None).await.expect("end"));
    assert!(!l.delete_receiver(&b, ReceiverId(1)).await.expect("delete"));
    let mine = l
        .get_receiver(&a, ReceiverId(1))
        .await
        .expect("get")
        .expect("still there");
    assert_eq!((mine.status, mine.count), (ReceiverStatus::Ready, 2));
}

/// Newest first; status and (case-insensitive) keyword filter; total counts all matches.
pub async fn list_receivers_filters_by_status_and_keyword_newest_first<L: Lists>(l: &L) {
    let a = account("acct-a");
    for (id, name) in [(1, "Weekly News"), (2, "alerts"), (3, "news flash")] {
        l.create_receiver(&receiver(id, &a, name, id as i64))
            .await
            .expect("create");
    }
    upload(l, &a, 2, &[row(1)], 10).await;
    let query = |status, keyword: Option<&str>, offset, limit| ReceiverQuery {
        account: a.clone(),
        status,
        keyword: keyword.map(str::to_owned),
        offset,
        limit,
    };
    let ids =
        |found: (Vec<Receiver>, u64)| (found.0.iter().map(|r| r.id.0).collect::<Vec<_>>(), found.1);
    assert_eq!(
        ids(l
            .list_receivers(&query(None, None, 0, 10))
            .await
            .expect("list")),
        (vec![3, 2, 1], 3)
    );
    assert_eq!(
        ids(l
            .list_receivers(&query(None, None, 1, 1))
            .await
            .expect("list")),
        (vec![2], 3)
    );
    assert_eq!(
        ids(l
            .list_receivers(&query(None, Some("NEWS"), 0, 10))
            .await
            .expect("list")),
        (vec![3, 1], 2)
    );
    assert_eq!(
        ids(l
            .list_receivers(&query(Some(ReceiverStatus::Ready), None, 0, 10))
            .await
            .expect("list")),
        (vec![2], 1)
    );
    assert_eq!(
        ids(l
            .list_receivers(&query(Some(ReceiverStatus::Empty), Some("news"), 0, 10))
            .await
            .expect("list")),
        (vec![3, 1], 2)
    );
}

/// While an upload runs the group reads `Uploading` and a second upload is `Busy`; after it
/// ends, or once it is older than `stale_before`, a new upload may start.
pub async fn begin_upload_holds_the_receiver_until_it_ends_or_goes_stale<L: Lists>(l: &L) {
    let a = account("acct-a");
    l.create_receiver(&receiver(1, &a, "news", 1))
        .await
        .expect("create");
    let id = ReceiverId(1);
    match l.begin_upload(&a, id, t(100), t(0)).await.expect("begin") {
        UploadStart::Started(before) => assert_eq!(before.status, ReceiverStatus::Empty),
        other => panic!("expected Started, got {other:?}"),
    }
    let during = l.get_receiver(&a, id).await.expect("get").expect("exists");
    assert_eq!(during.status, ReceiverStatus::Uploading);
    assert_eq!(during.upload_started_at, Some(t(100)));
    assert_eq!(
        l.begin_upload(&a, id, t(101), t(50)).await.expect("begin"),
        UploadStart::Busy
    );
    // The first upload began at 100; with a cutoff after it, it is stale and taken over.
    assert!(matches!(
        l.begin_upload(&a, id, t(800), t(200)).await.expect("begin"),
        UploadStart::Started(_)
    ));
    l.append_details(&a, id, &[row(1)], t(800))
        .await
        .expect("append");
    assert!(l.end_upload(&a, id, None).await.expect("end"));
    let after = l.get_receiver(&a, id).await.expect("get").expect("exists");
    assert_eq!(after.status, ReceiverStatus::Ready);
    assert_eq!(after.upload_started_at, None);
    assert!(matches!(
        l.begin_upload(&a, id, t(900), t(850)).await.expect("begin"),
        UploadStart::Started(_)
    ));
}

/// Of many uploads starting at once, exactly one holds the group.
pub async fn concurrent_uploads_have_exactly_one_winner<L: Lists>(l: &L) {
    let a = account("acct-a");
    l.create_receiver(&receiver(1, &a, "news", 1))
        .await
        .expect("create");
    let outcomes = join_all((0..8).map(|_| l.begin_upload(&a, ReceiverId(1), t(100), t(0)))).await;
    let started = outcomes
        .into_iter()
        .map(|o| o.expect("begin"))
        .filter(|o| matches!(o, UploadStart::Started(_)))
        .count();
    assert_eq!(started, 1);
}

/// Rows get seq 1, 2, 3… across appends, in the order given, with their data and reasons;
/// the group counts them and keeps the data keys it was given at the end.
pub async fn appended_rows_are_numbered_in_order_and_counted<L: Lists>(l: &L) {
    let a = account("acct-a");
    let id = ReceiverId(1);
    l.create_receiver(&receiver(1, &a, "news", 1))
        .await
        .expect("create");
    l.begin_upload(&a, id, t(10), t(0)).await.expect("begin");
    let last = l
        .append_details(&a, id, &[row(1), bad_row("not-an-address"), row(2)], t(10))
        .await
        .expect("append");
    assert_eq!(last, 3);
    let last = l
        .append_details(&a, id, &[row(3)], t(11))
        .await
        .expect("append");
    assert_eq!(last, 4);
    assert!(
        l.end_upload(&a, id, Some(vec!["n".to_owned()]))
            .await
            .expect("end")
    );
    let group = l.get_receiver(&a, id).await.expect("get").expect("exists");
    assert_eq!(
        (group.status, group.count, group.invalid_count),
        (ReceiverStatus::Ready, 4, 1)
    );
    assert_eq!(group.data_keys, Some(vec!["n".to_owned()]));
    let rows = l.details_after(&a, id, 0, 10).await.expect("walk");
    let seen: Vec<(u64, &str, Option<&str>, bool)> = rows
        .iter()
        .map(|d| {
            (
                d.seq,
                d.email.as_str(),
                d.template_data.as_deref(),
                d.invalid_reason.is_none(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (1, "user1@example.org", Some("{\"n\":\"1\"}"), true),
            (2, "not-an-address", None, false),
            (3, "user2@example.org", Some("{\"n\":\"2\"}"), true),
            (4, "user3@example.org", Some("{\"n\":\"3\"}"), true),
        ]
    );
    assert_eq!(rows[1].invalid_reason.as_deref(), Some("malformed address"));
    assert_eq!(rows[1].address(), None);
    assert_eq!(rows[0].address(), Some(addr("user1@example.org")));
    assert_eq!((rows[0].created_at, rows[3].created_at), (t(10), t(11)));
    // A later upload without data keys keeps the ones the group has.
    upload(l, &a, 1, &[row(4)], 20).await;
    let group = l.get_receiver(&a, id).await.expect("get").expect("exists");
    assert_eq!(group.data_keys, Some(vec!["n".to_owned()]));
    assert_eq!(group.count, 5);
}

/// An upload that wrote nothing ends with the group still `Empty`.
pub async fn an_upload_without_rows_leaves_the_receiver_empty<L: Lists>(l: &L) {
    let a = account("acct-a");
    l.create_receiver(&receiver(1, &a, "news", 1))
        .await
        .expect("create");
    upload(l, &a, 1, &[], 10).await;
    let group = l
        .get_receiver(&a, ReceiverId(1))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!((group.status, group.count), (ReceiverStatus::Empty, 0));
}

/// Walking by cursor with any page size visits every row exactly once, in order, across
/// appends larger than one storage batch.
pub async fn details_after_walks_every_row_once_by_cursor<L: Lists>(l: &L) {
    let a = account("acct-a");
    let id = ReceiverId(1);
    l.create_receiver(&receiver(1, &a, "news", 1))
        .await
        .expect("create");
    let first: Vec<NewDetail> = (0..130).map(row).collect();
    let second: Vec<NewDetail> = (130..157).map(row).collect();
    upload(l, &a, 1, &first, 10).await;
    upload(l, &a, 1, &second, 20).await;
    let mut cursor = 0;
    let mut seen = Vec::new();
    loop {
        let page = l.details_after(&a, id, cursor, 40).await.expect("walk");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 40);
        cursor = page.last().expect("non-empty").seq;
        seen.extend(page);
    }
    assert_eq!(seen.len(), 157);
    for (i, detail) in seen.iter().enumerate() {
        assert_eq!(detail.seq, i as u64 + 1);
        assert_eq!(detail.email, format!("user{i}@example.org"));
    }
    assert!(
        l.details_after(&a, id, 157, 10)
            .await
            .expect("walk")
            .is_empty()
    );
    assert_eq!(
        l.details_after(&a, id, 155, 10)
            .await
            .expect("walk")
            .iter()
            .map(|d| d.seq)
            .collect::<Vec<_>>(),
        vec![156, 157]
    );
}

/// Email substring (case-insensitive), time window and validity filter, with the page in seq
/// order and totals over the whole filter.
pub async fn list_details_filters_and_counts<L: Lists>(l: &L) {
    let a = account("acct-a");
    l.create_receiver(&receiver(1, &a, "news", 1))
        .await
        .expect("create");
    upload(l, &a, 1, &[row(1), bad_row("bad@"), row(12)], 10).await;
    upload(l, &a, 1, &[row(13), bad_row("USER1-bad")], 20).await;
    let q = all_details(&a, 1);
    let page = l.list_details(&q).await.expect("list");
    assert_eq!((page.total, page.valid, page.invalid), (5, 3, 2));
    assert_eq!(
        page.rows.iter().map(|d| d.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    let paged = l
        .list_details(&DetailQuery {
            offset: 1,
            limit: 2,
            ..q.clone()
        })
        .await
        .expect("list");
    assert_eq!(
        (
            paged.rows.iter().map(|d| d.seq).collect::<Vec<_>>(),
            paged.total
        ),
        (vec![2, 3], 5)
    );
    let by_email = l
        .list_details(&DetailQuery {
            email: Some("user1".to_owned()),
            ..q.clone()
        })
        .await
        .expect("list");
    assert_eq!(
        by_email.rows.iter().map(|d| d.seq).collect::<Vec<_>>(),
        vec![1, 3, 4, 5]
    );
    assert_eq!((by_email.valid, by_email.invalid), (3, 1));
    let invalid = l
        .list_details(&DetailQuery {
            valid: Some(false),
            ..q.clone()
        })
        .await
        .expect("list");
    assert_eq!(
        (
            invalid.rows.iter().map(|d| d.seq).collect::<Vec<_>>(),
            invalid.total
        ),
        (vec![2, 5], 2)
    );
    let later = l
        .list_details(&DetailQuery {
            from: Some(t(15)),
            until: Some(t(25)),
            ..q.clone()
        })
        .await
        .expect("list");
    assert_eq!(
        later.rows.iter().map(|d| d.seq).collect::<Vec<_>>(),
        vec![4, 5]
    );
    let earlier = l
        .list_details(&DetailQuery {
            until: Some(t(20)),
            ..q
        })
        .await
        .expect("list");
    assert_eq!(earlier.total, 3);
}

/// Deleting a group removes it and its rows; a new group does not see old rows.
pub async fn deleting_a_receiver_removes_its_rows<L: Lists>(l: &L) {
    let a = account("acct-a");
    l.create_receiver(&receiver(1, &a, "news", 1))
        .await
        .expect("create");
    let rows: Vec<NewDetail> = (0..60).map(row).collect();
    upload(l, &a, 1, &rows, 10).await;
    assert!(l.delete_receiver(&a, ReceiverId(1)).await.expect("delete"));
    assert!(!l.delete_receiver(&a, ReceiverId(1)).await.expect("delete"));
    assert_eq!(l.get_receiver(&a, ReceiverId(1)).await.expect("get"), None);
    assert!(
        l.details_after(&a, ReceiverId(1), 0, 100)
            .await
            .expect("walk")
            .is_empty()
    );
    // The name is free again.
    assert_eq!(
        l.create_receiver(&receiver(2, &a, "news", 2))
            .await
            .expect("create"),
        Created::Yes
    );
    assert!(
        l.details_after(&a, ReceiverId(2), 0, 100)
            .await
            .expect("walk")
            .is_empty()
    );
}

/// Re-adding a listed address keeps its id and creation time and takes the new expiry.
pub async fn custom_blocks_upsert_keeps_id_and_takes_the_new_expiry<L: Lists>(l: &L) {
    let a = account("acct-a");
    l.upsert_custom_blocks(&[
        custom(1, &a, "x@example.org", Some(day(2024, 5, 10)), 1),
        custom(2, &a, "y@example.org", None, 1),
    ])
    .await
    .expect("add");
    l.upsert_custom_blocks(&[custom(3, &a, "x@example.org", None, 5)])
        .await
        .expect("re-add");
    let (found, total) = l
        .list_custom_blocks(&CustomBlockQuery {
            account: a.clone(),
            active: None,
            today: day(2024, 5, 1),
            email: None,
            offset: 0,
            limit: 10,
        })
        .await
        .expect("list");
    assert_eq!(total, 2);
    assert_eq!(
        found,
        vec![
            custom(1, &a, "x@example.org", None, 1),
            custom(2, &a, "y@example.org", None, 1)
        ]
    );
}

/// Status judged against `today` (the expiry day itself is still active), email substring,
/// oldest first with paging and total.
pub async fn list_custom_blocks_filters_by_status_and_email_oldest_first<L: Lists>(l: &L) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    l.upsert_custom_blocks(&[
        custom(1, &a, "old@example.org", Some(day(2024, 4, 30)), 1),
        custom(2, &a, "today@example.org", Some(day(2024, 5, 1)), 2),
        custom(3, &a, "forever@example.org", None, 3),
        custom(4, &b, "theirs@example.org", None, 4),
    ])
    .await
    .expect("add");
    let query = |active, email: Option<&str>, offset, limit| CustomBlockQuery {
        account: a.clone(),
        active,
        today: day(2024, 5, 1),
        email: email.map(str::to_owned),
        offset,
        limit,
    };
    let ids = |found: (Vec<CustomBlock>, u64)| {
        (found.0.iter().map(|c| c.id).collect::<Vec<_>>(), found.1)
    };
    assert_eq!(
        ids(l
            .list_custom_blocks(&query(None, None, 0, 10))
            .await
            .expect("list")),
        (vec![1, 2, 3], 3)
    );
    assert_eq!(
        ids(l
            .list_custom_blocks(&query(None, None, 1, 1))
            .await
            .expect("list")),
        (vec![2], 3)
    );
    assert_eq!(
        ids(l
            .list_custom_blocks(&query(Some(true), None, 0, 10))
            .await
            .expect("list")),
        (vec![2, 3], 2)
    );
    assert_eq!(
        ids(l
            .list_custom_blocks(&query(Some(false), None, 0, 10))
            .await
            .expect("list")),
        (vec![1], 1)
    );
    assert_eq!(
        ids(l
            .list_custom_blocks(&query(None, Some("FOREVER"), 0, 10))
            .await
            .expect("list")),
        (vec![3], 1)
    );
}

/// Update by id changes address and expiry; a missing id or an address another entry holds
/// changes nothing.
pub async fn update_custom_block_reports_missing_and_taken_addresses<L: Lists>(l: &L) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    l.upsert_custom_blocks(&[
        custom(1, &a, "x@example.org", None, 1),
        custom(2, &a, "y@example.org", None, 2),
    ])
    .await
    .expect("add");
    let new = addr("z@example.org");
    assert_eq!(
        l.update_custom_block(&a, 1, &new, Some(day(2025, 1, 1)))
            .await
            .expect("update"),
        BlockUpdate::Updated
    );
    assert_eq!(
        l.update_custom_block(&a, 2, &new, None)
            .await
            .expect("update"),
        BlockUpdate::AddressTaken
    );
    assert_eq!(
        l.update_custom_block(&a, 9, &addr("w@example.org"), None)
            .await
            .expect("update"),
        BlockUpdate::Missing
    );
    assert_eq!(
        l.update_custom_block(&b, 1, &addr("w@example.org"), None)
            .await
            .expect("update"),
        BlockUpdate::Missing
    );
    // Keeping its own address is not "taken".
    assert_eq!(
        l.update_custom_block(&a, 2, &addr("y@example.org"), Some(day(2025, 2, 2)))
            .await
            .expect("update"),
        BlockUpdate::Updated
    );
    let found = l
        .blocks(&a, &[addr("x@example.org"), new, addr("y@example.org")])
        .await
        .expect("blocks");
    assert_eq!(found[0].custom, None);
    assert_eq!(
        found[1].custom,
        Some(custom(1, &a, "z@example.org", Some(day(2025, 1, 1)), 1))
    );
    assert_eq!(
        found[2].custom,
        Some(custom(2, &a, "y@example.org", Some(day(2025, 2, 2)), 2))
    );
}

/// Delete removes the listed addresses of this account only and counts them.
pub async fn delete_custom_blocks_counts_only_the_accounts_entries<L: Lists>(l: &L) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    l.upsert_custom_blocks(&[
        custom(1, &a, "x@example.org", None, 1),
        custom(2, &a, "y@example.org", None, 2),
        custom(3, &b, "x@example.org", None, 3),
    ])
    .await
    .expect("add");
    let removed = l
        .delete_custom_blocks(&a, &[addr("x@example.org"), addr("nobody@example.org")])
        .await
        .expect("delete");
    assert_eq!(removed, 1);
    assert_eq!(
        l.blocks(&a, &[addr("x@example.org"), addr("y@example.org")])
            .await
            .expect("blocks")
            .iter()
            .map(|bl| bl.custom.as_ref().map(|c| c.id))
            .collect::<Vec<_>>(),
        vec![None, Some(2)]
    );
    assert!(
        l.blocks(&b, &[addr("x@example.org")])
            .await
            .expect("blocks")[0]
            .custom
            .is_some()
    );
}

/// A repeated bounce refreshes time and reason; the listing is newest first within
/// `[from, until)` with an email filter; delete counts and is per account.
pub async fn bounce_blocks_refresh_list_newest_first_and_delete<L: Lists>(l: &L) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    for block in [
        bounce(&a, "x@example.org", 10, "550 no such user"),
        bounce(&a, "y@example.org", 20, "550 mailbox disabled"),
        bounce(&a, "x@example.org", 30, "550 5.1.1 unknown"),
        bounce(&b, "z@example.org", 15, "550 gone"),
    ] {
        l.put_bounce_block(&block).await.expect("put");
    }
    let query = |from, until, email: Option<&str>, offset, limit| BounceBlockQuery {
        account: a.clone(),
        from: t(from),
        until: t(until),
        email: email.map(str::to_owned),
        offset,
        limit,
    };
    let (found, total) = l
        .list_bounce_blocks(&query(0, 100, None, 0, 10))
        .await
        .expect("list");
    assert_eq!(total, 2);
    assert_eq!(
        found,
        vec![
            bounce(&a, "x@example.org", 30, "550 5.1.1 unknown"),
            bounce(&a, "y@example.org", 20, "550 mailbox disabled"),
        ]
    );
    let (found, total) = l
        .list_bounce_blocks(&query(0, 30, None, 0, 10))
        .await
        .expect("list");
    assert_eq!((found.len(), total), (1, 1));
    let (found, total) = l
        .list_bounce_blocks(&query(0, 100, None, 1, 1))
        .await
        .expect("list");
    assert_eq!((found[0].email.as_str(), total), ("y@example.org", 2));
    let (found, _) = l
        .list_bounce_blocks(&query(0, 100, Some("Y@"), 0, 10))
        .await
        .expect("list");
    assert_eq!(found.len(), 1);
    assert_eq!(
        l.delete_bounce_blocks(&a, &[addr("x@example.org"), addr("z@example.org")])
            .await
            .expect("delete"),
        1
    );
    let (_, total) = l
        .list_bounce_blocks(&query(0, 100, None, 0, 10))
        .await
        .expect("list");
    assert_eq!(total, 1);
    assert!(
        l.blocks(&b, &[addr("z@example.org")])
            .await
            .expect("blocks")[0]
            .bounce
            .is_some()
    );
}

/// `blocks` answers per address in the given order, with both kinds and expired entries.
pub async fn blocks_report_each_address_in_order<L: Lists>(l: &L) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let expired = custom(1, &a, "old@example.org", Some(day(2020, 1, 1)), 1);
    l.upsert_custom_blocks(&[expired.clone(), custom(2, &b, "both@example.org", None, 2)])
        .await
        .expect("add");
    let bounced = bounce(&a, "both@example.org", 5, "550 unknown");
    l.put_bounce_block(&bounced).await.expect("put");
    l.upsert_custom_blocks(&[custom(3, &a, "both@example.org", None, 6)])
        .await
        .expect("add");
    let emails = [
        addr("clean@example.org"),
        addr("both@example.org"),
        addr("old@example.org"),
    ];
    let found = l.blocks(&a, &emails).await.expect("blocks");
    assert_eq!(found.len(), 3);
    assert_eq!(found[0], Default::default());
    assert_eq!(found[1].bounce, Some(bounced));
    assert_eq!(
        found[1].custom,
        Some(custom(3, &a, "both@example.org", None, 6))
    );
    assert_eq!(found[2].custom, Some(expired));
    assert_eq!(found[2].bounce, None);
    assert!(l.blocks(&a, &[]).await.expect("blocks").is_empty());
}

/// Create refuses a second config for the address; update keeps the creation time; list is
/// oldest first per account with a total; delete reports whether there was one.
pub async fn unsubscribe_configs_create_update_list_delete_per_account<L: Lists>(l: &L) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let config =
        |owner: &AccountId, address: &str, language: &str, enabled, secs| UnsubscribeConfig {
            account: owner.clone(),
            address: addr(address),
            language: language.to_owned(),
            enabled,
            created_at: t(secs),
        };
    let first = config(&a, "news@mail.example.com", "1", true, 1);
    assert_eq!(
        l.create_unsubscribe_config(&first).await.expect("create"),
        Created::Yes
    );
    assert_eq!(
        l.create_unsubscribe_config(&config(&a, "news@mail.example.com", "2", false, 2))
            .await
            .expect("create"),
        Created::AlreadyExists
    );
    l.create_unsubscribe_config(&config(&a, "ops@mail.example.com", "2", true, 3))
        .await
        .expect("create");
    l.create_unsubscribe_config(&config(&b, "news@mail.example.com", "3", true, 4))
        .await
        .expect("create");
    assert!(
        l.update_unsubscribe_config(&config(&a, "news@mail.example.com", "6", false, 99))
            .await
            .expect("update")
    );
    assert!(
        !l.update_unsubscribe_config(&config(&a, "nobody@mail.example.com", "6", false, 99))
            .await
            .expect("update")
    );
    assert_eq!(
        l.get_unsubscribe_config(&a, &addr("news@mail.example.com"))
            .await
            .expect("get"),
        Some(config(&a, "news@mail.example.com", "6", false, 1))
    );
    let (page, total) = l.list_unsubscribe_configs(&a, 0, 10).await.expect("list");
    assert_eq!(total, 2);
    assert_eq!(
        page.iter().map(|c| c.address.as_str()).collect::<Vec<_>>(),
        vec!["news@mail.example.com", "ops@mail.example.com"]
    );
    let (page, total) = l.list_unsubscribe_configs(&a, 1, 5).await.expect("list");
    assert_eq!((page.len(), total), (1, 2));
    assert!(
        l.delete_unsubscribe_config(&a, &addr("news@mail.example.com"))
            .await
            .expect("delete")
    );
    assert!(
        !l.delete_unsubscribe_config(&a, &addr("news@mail.example.com"))
            .await
            .expect("delete")
    );
    assert_eq!(
        l.get_unsubscribe_config(&b, &addr("news@mail.example.com"))
            .await
            .expect("get")
            .map(|c| c.language),
        Some("3".to_owned())
    );
}

#[cfg(test)]
mod in_memory {
    use crate::testing::InMemoryRecords;

    crate::lists_conformance!(InMemoryRecords::default());
}
