//! Checks of the feedback port itself: event marks and complaints.

use chrono::{DateTime, Utc};

use super::super::fixtures::{account, join_all};
use super::{addr, at};
use crate::ports::{Complaint, ComplaintQuery, CounterKey, Counters, Feedback};
use crate::types::{AccountId, MessageId};

fn complaint(owner: &AccountId, msg: &str, rcpt: &str, when: DateTime<Utc>) -> Complaint {
    Complaint {
        account: owner.clone(),
        message_id: MessageId::parse(msg).unwrap(),
        recipient: addr(rcpt),
        from: "noreply@example.com".into(),
        feedback_type: "abuse".into(),
        complained_at: when,
        arrived_at: Some(when),
        received_at: when,
        deliver_time: None,
        reporter: "fbl.example".into(),
        source_ip: "198.51.100.7".into(),
        template_id: Some(3),
        smtp_message_id: "<x@example.com>".into(),
        subject: "Hi".into(),
    }
}

/// An event counts once: of concurrent callers with one id exactly one counts, and the
/// counters show exactly that one addition; the same id in another account is another event.
pub async fn an_event_counts_once_even_under_concurrent_callers<F: Feedback + Counters>(f: &F) {
    let acme = account("acme");
    let keep = at(0, 0) + chrono::Duration::days(45);
    let day = at(0, 0).date_naive();
    let key = |owner: &AccountId| CounterKey {
        account: owner.clone(),
        day,
        dims: "domain=example.com|mbox=gmail.com".into(),
    };
    let k = key(&acme);
    let deltas = [("opened", 1), ("clicked", 2)];
    let results =
        join_all((0..8).map(|_| f.count_once(&acme, "opened:hit-1", keep, &k, &deltas))).await;
    let wins = results.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(wins, 1, "exactly one caller counts");
    assert!(
        !f.count_once(&acme, "opened:hit-1", keep, &k, &deltas)
            .await
            .unwrap()
    );
    assert!(
        f.count_once(&acme, "opened:hit-2", keep, &k, &[("opened", 1)])
            .await
            .unwrap()
    );
    let other = account("other");
    assert!(
        f.count_once(&other, "opened:hit-1", keep, &key(&other), &deltas)
            .await
            .unwrap()
    );
    let rows = f.read(&acme, day, day).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let counts: Vec<(&str, i64)> = rows[0].1.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    assert_eq!(counts, [("clicked", 2), ("opened", 2)]);
}

/// One complaint per (account, message, recipient); listing is per account, in the time
/// window, oldest first, paged with the total; `complained` answers per delivery.
pub async fn complaints_are_kept_once_per_delivery_and_listed_per_account<F: Feedback>(f: &F) {
    let acme = account("acme");
    let other = account("other");
    let first = complaint(&acme, "m-1", "ann@gmail.com", at(3, 0));
    assert!(f.put_complaint(&first).await.unwrap());
    let mut again = first.clone();
    again.recipient = addr("ANN@gmail.com");
    assert!(!f.put_complaint(&again).await.unwrap(), "same delivery");
    assert!(
        f.put_complaint(&complaint(&acme, "m-1", "bob@qq.com", at(2, 0)))
            .await
            .unwrap()
    );
    assert!(
        f.put_complaint(&complaint(&acme, "m-2", "cat@qq.com", at(9, 0)))
            .await
            .unwrap()
    );
    assert!(
        f.put_complaint(&complaint(&other, "m-1", "ann@gmail.com", at(3, 0)))
            .await
            .unwrap()
    );

    let q = ComplaintQuery {
        account: acme.clone(),
        from: at(1, 0),
        until: at(5, 0),
        offset: 0,
        limit: 10,
    };
    let (rows, total) = f.list_complaints(&q).await.unwrap();
    assert_eq!(total, 2);
    let who: Vec<&str> = rows.iter().map(|c| c.recipient.as_str()).collect();
    assert_eq!(who, ["bob@qq.com", "ann@gmail.com"]);
    assert_eq!(rows[1], first, "round trip");
    let (page, total) = f
        .list_complaints(&ComplaintQuery {
            offset: 1,
            limit: 5,
            ..q.clone()
        })
        .await
        .unwrap();
    assert_eq!((page.len(), total), (1, 2));

    let m1 = MessageId::parse("m-1").unwrap();
    assert!(
        f.complained(&acme, &m1, &addr("ann@gmail.com"))
            .await
            .unwrap()
    );
    assert!(!f.complained(&acme, &m1, &addr("cat@qq.com")).await.unwrap());
    assert!(
        !f.complained(&account("third"), &m1, &addr("ann@gmail.com"))
            .await
            .unwrap()
    );
}
