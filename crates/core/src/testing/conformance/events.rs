//! Checks of the [`Events`] port: raw hits, the idempotent feed with its flags, unsubscribes
//! and the tracking switch.

use super::fixtures::{account, addr, message_id, t};
use crate::ports::{Engagement, Event, EventKind, Events, Hit};
use crate::tracking::{Reason, Target, TrackKind};
use crate::types::{AccountId, EmailAddress, MessageId};

fn hit(id: &str, acct: &AccountId, m: &MessageId, r: &EmailAddress, at: i64) -> Hit {
    Hit {
        id: id.to_owned(),
        account: acct.clone(),
        message_id: m.clone(),
        recipient: r.clone(),
        kind: TrackKind::Click,
        target: Target::Url(format!("https://example.com/{id}")),
        at: t(at),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0".into()),
        ip: Some("203.0.113.9".into()),
        reason: Reason::Human,
        expires_at: t(at + 86_400),
    }
}

fn event(id: &str, acct: &AccountId, kind: EventKind, at: i64, recorded: i64) -> Event {
    Event {
        id: id.to_owned(),
        account: acct.clone(),
        message_id: message_id("m-1"),
        recipient: addr("Ann@Example.org"),
        kind,
        at: t(at),
        recorded_at: t(recorded),
        detail: format!("detail of {id}"),
    }
}

/// Hits read back exactly, per copy, from `since`, oldest first; storing one again stores
/// nothing new; another account's copy is not listed.
pub async fn hits_round_trip_per_copy_and_are_idempotent<E: Events>(e: &E) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let (m, r) = (message_id("m-1"), addr("ann@example.org"));
    let mut machine = hit("h2", &a, &m, &r, 20);
    machine.kind = TrackKind::Open;
    machine.target = Target::None;
    machine.reason = Reason::PrivacyProxyPrefetch;
    machine.user_agent = None;
    machine.ip = None;
    let hits = vec![
        hit("h1", &a, &m, &r, 10),
        machine,
        hit("h3", &a, &m, &r, 30),
    ];
    e.put_hits(&hits).await.expect("put");
    e.put_hits(&hits[..1]).await.expect("put again");
    e.put_hits(&[hit("h4", &b, &m, &r, 15)])
        .await
        .expect("put other");
    let listed = e.list_hits(&a, &m, &r, t(0), 100).await.expect("list");
    assert_eq!(listed, hits);
    let upper = addr("ANN@example.org");
    let recent = e.list_hits(&a, &m, &upper, t(20), 100).await.expect("list");
    assert_eq!(
        recent,
        hits[1..].to_vec(),
        "since is inclusive; addresses ignore case"
    );
    assert_eq!(
        e.list_hits(&a, &m, &r, t(0), 1).await.expect("limit").len(),
        1
    );
    let other = e.list_hits(&a, &message_id("m-2"), &r, t(0), 100).await;
    assert!(other.expect("list").is_empty());
}

/// An event appended twice is in the feed once, keeps its first `recorded_at`, and sets its
/// flag once (to the first event's time).
pub async fn replayed_events_are_appended_once_and_set_flags_once<E: Events>(e: &E) {
    let a = account("acct-a");
    let first = event("e1", &a, EventKind::Opened, 100, 101);
    let again = event("e1", &a, EventKind::Opened, 100, 500);
    let later = event("e2", &a, EventKind::Opened, 200, 201);
    assert_eq!(
        e.append_events(std::slice::from_ref(&first))
            .await
            .expect("append"),
        vec![true]
    );
    assert_eq!(
        e.append_events(&[again, later.clone()])
            .await
            .expect("append"),
        vec![false, true]
    );
    let feed = e.list_events(&a, None, t(1000), 100).await.expect("feed");
    assert_eq!(feed, vec![first, later]);
    let flags = e
        .engagements(&a, &[(message_id("m-1"), addr("ann@example.org"))])
        .await
        .expect("flags");
    assert_eq!(
        flags,
        vec![Engagement {
            opened_at: Some(t(100)),
            ..Engagement::default()
        }]
    );
}

/// Each flag-carrying kind sets its own flag; delivered and bounced set none; another
/// account's flags and unknown copies read as unset.
pub async fn each_event_kind_sets_its_own_flag_in_its_account<E: Events>(e: &E) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let events = vec![
        event("d", &a, EventKind::Delivered, 1, 1),
        event("b", &a, EventKind::Bounced, 2, 2),
        event("c", &a, EventKind::Clicked, 3, 3),
        event("u", &a, EventKind::Unsubscribed, 4, 4),
        event("x", &a, EventKind::Complained, 5, 5),
    ];
    e.append_events(&events).await.expect("append");
    let key = (message_id("m-1"), addr("ann@example.org"));
    let unknown = (message_id("m-9"), addr("ann@example.org"));
    let flags = e
        .engagements(&a, &[key.clone(), unknown])
        .await
        .expect("flags");
    assert_eq!(
        flags,
        vec![
            Engagement {
                opened_at: None,
                clicked_at: Some(t(3)),
                unsubscribed_at: Some(t(4)),
                complained_at: Some(t(5)),
            },
            Engagement::default()
        ]
    );
    assert_eq!(
        e.engagements(&b, &[key]).await.expect("foreign"),
        vec![Engagement::default()]
    );
    assert!(
        e.list_events(&b, None, t(100), 100)
            .await
            .expect("feed")
            .is_empty()
    );
}

/// The feed pages by cursor in (recorded time, id) order and hides events recorded after
/// `until`.
pub async fn feed_pages_by_cursor_and_hides_unsettled_events<E: Events>(e: &E) {
    let a = account("acct-a");
    let events: Vec<Event> = (0..7)
        .map(|i| event(&format!("ev{i}"), &a, EventKind::Clicked, i, 10 + i))
        .collect();
    // Appended out of order: the feed orders by recorded time, not by arrival.
    let mut shuffled = events.clone();
    shuffled.reverse();
    e.append_events(&shuffled).await.expect("append");
    let page1 = e.list_events(&a, None, t(100), 3).await.expect("page 1");
    assert_eq!(page1, events[..3].to_vec());
    let cursor = page1.last().expect("one").cursor();
    let page2 = e
        .list_events(&a, Some(&cursor), t(100), 3)
        .await
        .expect("page 2");
    assert_eq!(page2, events[3..6].to_vec());
    let cursor = page2.last().expect("one").cursor();
    let settled = e
        .list_events(&a, Some(&cursor), t(15), 3)
        .await
        .expect("page 3");
    assert!(settled.is_empty(), "ev6 was recorded at t(16), after until");
    let page3 = e
        .list_events(&a, Some(&cursor), t(100), 3)
        .await
        .expect("page 3");
    assert_eq!(page3, events[6..].to_vec());
}

/// Unsubscribes are per account and sender, case-insensitive, idempotent.
pub async fn unsubscribes_are_per_sender_and_account<E: Events>(e: &E) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let (news, billing) = (addr("news@shop.example"), addr("billing@shop.example"));
    let ann = addr("ann@example.org");
    assert!(!e.is_unsubscribed(&a, &news, &ann).await.expect("read"));
    assert!(
        e.unsubscribe(&a, &news, &ann, t(1))
            .await
            .expect("unsubscribe")
    );
    assert!(
        !e.unsubscribe(&a, &news, &addr("ANN@example.org"), t(2))
            .await
            .expect("again")
    );
    assert!(
        e.is_unsubscribed(&a, &addr("News@shop.example"), &ann)
            .await
            .expect("read")
    );
    assert!(
        !e.is_unsubscribed(&a, &billing, &ann)
            .await
            .expect("other sender")
    );
    assert!(
        !e.is_unsubscribed(&b, &news, &ann)
            .await
            .expect("other account")
    );
}

/// Tracking is on until switched off, per account.
pub async fn tracking_switch_is_per_account<E: Events>(e: &E) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    assert!(e.tracking_enabled(&a).await.expect("read"));
    e.set_tracking(&a, false).await.expect("off");
    assert!(!e.tracking_enabled(&a).await.expect("read"));
    assert!(e.tracking_enabled(&b).await.expect("other"));
    e.set_tracking(&a, true).await.expect("on");
    assert!(e.tracking_enabled(&a).await.expect("read"));
}
