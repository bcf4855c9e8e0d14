//! Accepted messages, their deliveries and the status listing.

use super::super::fixtures::{account, addr, message, message_id, t};
use super::{everything, sorted};
use crate::ports::{Deliveries, DeliveryQuery};

/// After `insert_message` the message and every delivery read back exactly, in the owning
/// account and nowhere else.
pub async fn inserted_message_and_deliveries_are_visible_to_their_account_only<R: Deliveries>(
    r: &R,
) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let (m, ds) = message(
        &a,
        "m-1",
        &["x@example.com", "Y.Upper@example.net", "z@example.org"],
        t(10),
    );
    r.insert_message(&m, &ds).await.expect("insert");
    assert_eq!(
        r.get_message(&a, &m.id).await.expect("get"),
        Some(m.clone())
    );
    assert_eq!(r.get_message(&b, &m.id).await.expect("get foreign"), None);
    assert_eq!(
        r.get_message(&a, &message_id("m-2"))
            .await
            .expect("get unknown"),
        None
    );
    let mine = DeliveryQuery {
        message_id: Some(m.id.clone()),
        ..everything(&a)
    };
    assert_eq!(sorted(r.list(&mine).await.expect("list")), sorted(ds));
    let theirs = DeliveryQuery {
        message_id: Some(m.id.clone()),
        ..everything(&b)
    };
    assert_eq!(r.list(&theirs).await.expect("list foreign"), vec![]);
}

/// An insert that fails (duplicate recipient, or a message id already used) leaves no trace:
/// neither the message nor any of its deliveries.
pub async fn failed_insert_message_writes_nothing<R: Deliveries>(r: &R) {
    let a = account("acct-a");
    let (first, first_ds) = message(&a, "m-1", &["x@example.com"], t(10));
    r.insert_message(&first, &first_ds).await.expect("insert");

    let (dup, dup_ds) = message(
        &a,
        "m-2",
        &["p@example.com", "q@example.com", "p@example.com"],
        t(20),
    );
    assert!(
        r.insert_message(&dup, &dup_ds).await.is_err(),
        "duplicate recipient must fail"
    );
    assert_eq!(r.get_message(&a, &dup.id).await.expect("get"), None);

    let (reused, reused_ds) = message(&a, "m-1", &["late@example.com"], t(30));
    assert!(
        r.insert_message(&reused, &reused_ds).await.is_err(),
        "reused message id must fail"
    );
    assert_eq!(
        r.get_message(&a, &first.id).await.expect("get"),
        Some(first)
    );
    assert_eq!(r.list(&everything(&a)).await.expect("list"), first_ds);
}

/// A concurrent reader sees a message's deliveries all at once or not at all, and never the
/// message without its deliveries.
pub async fn insert_message_is_never_seen_half_written<R: Deliveries>(r: &R) {
    let a = account("acct-a");
    let recipients: Vec<String> = (0..50).map(|i| format!("r{i}@example.com")).collect();
    let refs: Vec<&str> = recipients.iter().map(String::as_str).collect();
    let (m, ds) = message(&a, "m-big", &refs, t(10));
    let query = DeliveryQuery {
        message_id: Some(m.id.clone()),
        ..everything(&a)
    };
    let writer = async {
        tokio::task::yield_now().await;
        r.insert_message(&m, &ds).await.expect("insert");
    };
    let reader = async {
        for _ in 0..100_000 {
            let seen_message = r.get_message(&a, &m.id).await.expect("get").is_some();
            let seen = r.list(&query).await.expect("list").len();
            assert!(seen == 0 || seen == 50, "saw {seen} of 50 deliveries");
            assert!(
                !seen_message || seen == 50,
                "message visible before its deliveries"
            );
            if seen == 50 {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("the insert never became visible");
    };
    tokio::join!(writer, reader);
}

/// The window is `[from, until)` on request time; message id and recipient narrow it; other
/// accounts' deliveries never appear.
pub async fn list_deliveries_filters_by_window_message_and_recipient<R: Deliveries>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    for (owner, id, rcpts, at) in [
        (&a, "m-1", &["x@example.com", "y@example.com"][..], 10),
        (&a, "m-2", &["x@example.com"][..], 20),
        (&a, "m-3", &["z@example.com"][..], 30),
        (&b, "m-4", &["x@example.com"][..], 20),
    ] {
        let (m, ds) = message(owner, id, rcpts, t(at));
        r.insert_message(&m, &ds).await.expect("insert");
    }
    let keys = |ds: Vec<crate::model::Delivery>| {
        sorted(ds)
            .into_iter()
            .map(|d| format!("{}/{}", d.message_id, d.recipient))
            .collect::<Vec<_>>()
    };
    let list = |q: DeliveryQuery| async move { keys(r.list(&q).await.expect("list")) };

    assert_eq!(
        list(everything(&a)).await,
        [
            "m-1/x@example.com",
            "m-1/y@example.com",
            "m-2/x@example.com",
            "m-3/z@example.com"
        ]
    );
    let window = DeliveryQuery {
        from: t(10),
        until: t(30),
        ..everything(&a)
    };
    assert_eq!(
        list(window).await,
        [
            "m-1/x@example.com",
            "m-1/y@example.com",
            "m-2/x@example.com"
        ]
    );
    let late = DeliveryQuery {
        from: t(11),
        until: t(31),
        ..everything(&a)
    };
    assert_eq!(list(late).await, ["m-2/x@example.com", "m-3/z@example.com"]);
    let by_message = DeliveryQuery {
        message_id: Some(message_id("m-1")),
        ..everything(&a)
    };
    assert_eq!(
        list(by_message).await,
        ["m-1/x@example.com", "m-1/y@example.com"]
    );
    let by_recipient = DeliveryQuery {
        recipient: Some(addr("x@example.com")),
        ..everything(&a)
    };
    assert_eq!(
        list(by_recipient).await,
        ["m-1/x@example.com", "m-2/x@example.com"]
    );
    let both = DeliveryQuery {
        message_id: Some(message_id("m-1")),
        recipient: Some(addr("y@example.com")),
        ..everything(&a)
    };
    assert_eq!(list(both).await, ["m-1/y@example.com"]);
    let foreign_message = DeliveryQuery {
        message_id: Some(message_id("m-4")),
        ..everything(&a)
    };
    assert_eq!(list(foreign_message).await, Vec::<String>::new());
    assert_eq!(list(everything(&b)).await, ["m-4/x@example.com"]);
}

/// Results come oldest request first, and paging with offset/limit walks that same order
/// without gaps or repeats, also through deliveries sharing a request time.
pub async fn list_deliveries_pages_oldest_request_first<R: Deliveries>(r: &R) {
    let a = account("acct-a");
    for i in (0..6).rev() {
        let (m, ds) = message(
            &a,
            &format!("m-{i}"),
            &["x@example.com", "y@example.com"],
            t(i * 10),
        );
        r.insert_message(&m, &ds).await.expect("insert");
    }
    let all = r.list(&everything(&a)).await.expect("list");
    assert_eq!(all.len(), 12);
    assert!(
        all.windows(2)
            .all(|w| w[0].request_time <= w[1].request_time),
        "oldest request first"
    );
    let mut paged = Vec::new();
    for offset in (0..14).step_by(5) {
        let page = r
            .list(&DeliveryQuery {
                offset,
                limit: 5,
                ..everything(&a)
            })
            .await
            .expect("page");
        assert!(page.len() <= 5);
        paged.extend(page);
    }
    assert_eq!(paged, all);
    let none = r
        .list(&DeliveryQuery {
            limit: 0,
            ..everything(&a)
        })
        .await
        .expect("empty page");
    assert_eq!(none, vec![]);
}
