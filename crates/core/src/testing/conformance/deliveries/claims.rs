//! Claiming deliveries for an attempt, recording outcomes, finding stale deliveries.

use super::super::fixtures::{account, join_all, message, message_id, t};
use super::{fetch, sorted};
use crate::model::{DeliverStatus, Delivery, SendStatus};
use crate::ports::{Claim, Deliveries, Outcome};
use crate::types::AccountId;

const RCPT: &str = "x@example.com";

async fn insert<R: Deliveries>(
    r: &R,
    owner: &AccountId,
    id: &str,
    recipients: &[&str],
    at: i64,
) -> Vec<Delivery> {
    let (m, ds) = message(owner, id, recipients, t(at));
    r.insert_message(&m, &ds).await.expect("insert");
    ds
}

async fn claim<R: Deliveries>(
    r: &R,
    owner: &AccountId,
    id: &str,
    recipient: &str,
    now: i64,
    until: i64,
) -> Claim {
    let rcpt = super::super::fixtures::addr(recipient);
    r.claim(owner, &message_id(id), &rcpt, t(now), t(until))
        .await
        .expect("claim")
}

fn outcome(deliver: DeliverStatus, text: &str, at: i64) -> Outcome {
    Outcome {
        send_status: SendStatus::Ok,
        deliver_status: deliver,
        deliver_message: text.to_owned(),
        at: t(at),
        retry_at: None,
    }
}

async fn record<R: Deliveries>(r: &R, owner: &AccountId, id: &str, recipient: &str, o: &Outcome) {
    let rcpt = super::super::fixtures::addr(recipient);
    r.record_outcome(owner, &message_id(id), &rcpt, o)
        .await
        .expect("record outcome");
}

/// A claim counts the attempt and holds the delivery until `until`: a second claim before
/// then is `Held`, one at or after `until` succeeds again.
pub async fn claim_counts_an_attempt_and_holds_until_expiry<R: Deliveries>(r: &R) {
    let a = account("acct-a");
    let inserted = insert(r, &a, "m-1", &[RCPT], 10).await.remove(0);
    let Claim::Claimed(first) = claim(r, &a, "m-1", RCPT, 100, 160).await else {
        panic!("first claim must win")
    };
    assert_eq!(
        first,
        Delivery {
            attempts: 1,
            claimed_until: Some(t(160)),
            ..inserted.clone()
        }
    );
    assert_eq!(claim(r, &a, "m-1", RCPT, 120, 180).await, Claim::Held);
    assert_eq!(claim(r, &a, "m-1", RCPT, 159, 200).await, Claim::Held);
    let Claim::Claimed(second) = claim(r, &a, "m-1", RCPT, 160, 220).await else {
        panic!("expired claim must be retaken")
    };
    assert_eq!((second.attempts, second.claimed_until), (2, Some(t(220))));
    assert_eq!(fetch(r, &a, "m-1", RCPT).await, Some(second));
}

/// Once an outcome is final (delivered, dropped, rejected) every claim is `AlreadyFinal`,
/// whatever the time; a delayed (non-final) outcome can be claimed again.
pub async fn claim_of_a_final_delivery_is_already_final<R: Deliveries>(r: &R) {
    let a = account("acct-a");
    let rcpts = [
        "d@example.com",
        "p@example.com",
        "j@example.com",
        "w@example.com",
    ];
    insert(r, &a, "m-1", &rcpts, 10).await;
    let statuses = [
        DeliverStatus::Delivered,
        DeliverStatus::Dropped,
        DeliverStatus::Rejected,
        DeliverStatus::Delayed,
    ];
    for (rcpt, status) in rcpts.iter().zip(statuses) {
        assert!(matches!(
            claim(r, &a, "m-1", rcpt, 100, 160).await,
            Claim::Claimed(_)
        ));
        record(r, &a, "m-1", rcpt, &outcome(status, "reply", 110)).await;
    }
    for rcpt in &rcpts[..3] {
        assert_eq!(
            claim(r, &a, "m-1", rcpt, 120, 180).await,
            Claim::AlreadyFinal,
            "{rcpt}"
        );
        assert_eq!(
            claim(r, &a, "m-1", rcpt, 10_000, 10_060).await,
            Claim::AlreadyFinal,
            "{rcpt}"
        );
    }
    assert!(
        matches!(claim(r, &a, "m-1", rcpts[3], 120, 180).await, Claim::Claimed(d) if d.attempts == 2)
    );
}

/// Unknown message, unknown recipient, or another account's delivery: `Missing`, and the
/// real delivery is untouched.
pub async fn claim_of_an_unknown_or_foreign_delivery_is_missing<R: Deliveries>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let inserted = insert(r, &a, "m-1", &[RCPT], 10).await.remove(0);
    assert_eq!(claim(r, &a, "m-2", RCPT, 100, 160).await, Claim::Missing);
    assert_eq!(
        claim(r, &a, "m-1", "nobody@example.com", 100, 160).await,
        Claim::Missing
    );
    assert_eq!(claim(r, &b, "m-1", RCPT, 100, 160).await, Claim::Missing);
    assert_eq!(fetch(r, &a, "m-1", RCPT).await, Some(inserted));
}

/// 32 workers claim the same delivery at the same moment: exactly one wins.
pub async fn concurrent_claimers_have_exactly_one_winner<R: Deliveries>(r: &R) {
    let a = account("acct-a");
    insert(r, &a, "m-1", &[RCPT], 10).await;
    let results = join_all((0..32).map(|_| claim(r, &a, "m-1", RCPT, 100, 160))).await;
    let won = results
        .iter()
        .filter(|c| matches!(c, Claim::Claimed(_)))
        .count();
    let held = results.iter().filter(|c| **c == Claim::Held).count();
    assert_eq!((won, held), (1, 31));
    assert_eq!(fetch(r, &a, "m-1", RCPT).await.map(|d| d.attempts), Some(1));
}

/// `record_outcome` stores status, reply and time, and without `retry_at` releases the claim
/// so that a retry need not wait for `until`; recording the same outcome again changes nothing.
pub async fn record_outcome_sets_status_and_releases_the_claim<R: Deliveries>(r: &R) {
    let a = account("acct-a");
    let inserted = insert(r, &a, "m-1", &[RCPT], 10).await.remove(0);
    assert!(matches!(
        claim(r, &a, "m-1", RCPT, 100, 200).await,
        Claim::Claimed(_)
    ));
    let delayed = Outcome {
        send_status: SendStatus::Ok,
        ..outcome(DeliverStatus::Delayed, "451 4.3.0 try later", 110)
    };
    record(r, &a, "m-1", RCPT, &delayed).await;
    let expected = Delivery {
        deliver_status: DeliverStatus::Delayed,
        deliver_message: "451 4.3.0 try later".to_owned(),
        deliver_time: Some(t(110)),
        attempts: 1,
        claimed_until: None,
        ..inserted
    };
    assert_eq!(fetch(r, &a, "m-1", RCPT).await, Some(expected.clone()));
    record(r, &a, "m-1", RCPT, &delayed).await;
    assert_eq!(fetch(r, &a, "m-1", RCPT).await, Some(expected));
    assert!(
        matches!(claim(r, &a, "m-1", RCPT, 120, 220).await, Claim::Claimed(d) if d.attempts == 2)
    );
    let failed = Outcome {
        send_status: SendStatus::TimedOut,
        ..outcome(DeliverStatus::Dropped, "gave up", 130)
    };
    record(r, &a, "m-1", RCPT, &failed).await;
    let stored = fetch(r, &a, "m-1", RCPT).await.expect("stored");
    assert_eq!(
        (
            stored.send_status,
            stored.deliver_status,
            stored.deliver_time
        ),
        (SendStatus::TimedOut, DeliverStatus::Dropped, Some(t(130)))
    );
}

/// Once a delivery is final, a late outcome (from a worker whose claim expired) changes
/// nothing.
pub async fn record_outcome_never_overwrites_a_final_status<R: Deliveries>(r: &R) {
    let a = account("acct-a");
    insert(r, &a, "m-1", &[RCPT], 10).await;
    assert!(matches!(
        claim(r, &a, "m-1", RCPT, 100, 200).await,
        Claim::Claimed(_)
    ));
    record(
        r,
        &a,
        "m-1",
        RCPT,
        &outcome(DeliverStatus::Delivered, "250 ok", 110),
    )
    .await;
    let settled = fetch(r, &a, "m-1", RCPT).await.expect("stored");
    record(
        r,
        &a,
        "m-1",
        RCPT,
        &outcome(DeliverStatus::Delayed, "451 late", 120),
    )
    .await;
    record(
        r,
        &a,
        "m-1",
        RCPT,
        &outcome(DeliverStatus::Rejected, "550 late", 130),
    )
    .await;
    assert_eq!(fetch(r, &a, "m-1", RCPT).await, Some(settled));
}

/// Another account recording an outcome for this delivery changes nothing.
pub async fn record_outcome_of_another_account_changes_nothing<R: Deliveries>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    insert(r, &a, "m-1", &[RCPT], 10).await;
    let Claim::Claimed(held) = claim(r, &a, "m-1", RCPT, 100, 200).await else {
        panic!("claim must win")
    };
    record(
        r,
        &b,
        "m-1",
        RCPT,
        &outcome(DeliverStatus::Delivered, "250 ok", 110),
    )
    .await;
    record(
        r,
        &a,
        "m-2",
        RCPT,
        &outcome(DeliverStatus::Delivered, "250 ok", 110),
    )
    .await;
    assert_eq!(fetch(r, &a, "m-1", RCPT).await, Some(held));
}

/// With `retry_at`, the outcome keeps the delivery held until then (an early duplicate job
/// finds it `Held`); at `retry_at` it can be claimed again.
pub async fn record_outcome_with_retry_at_holds_the_delivery_until_then<R: Deliveries>(r: &R) {
    let a = account("acct-a");
    insert(r, &a, "m-1", &[RCPT], 10).await;
    assert!(matches!(
        claim(r, &a, "m-1", RCPT, 100, 160).await,
        Claim::Claimed(_)
    ));
    let later = Outcome {
        retry_at: Some(t(300)),
        ..outcome(DeliverStatus::Delayed, "421 busy", 110)
    };
    record(r, &a, "m-1", RCPT, &later).await;
    let stored = fetch(r, &a, "m-1", RCPT).await.expect("stored");
    assert_eq!(
        (stored.claimed_until, stored.deliver_time),
        (Some(t(300)), Some(t(110)))
    );
    assert_eq!(claim(r, &a, "m-1", RCPT, 200, 260).await, Claim::Held);
    assert!(
        matches!(claim(r, &a, "m-1", RCPT, 300, 360).await, Claim::Claimed(d) if d.attempts == 2)
    );
}

/// Stale deliveries are those of any account that are not final and whose `claimed_until`
/// (or, never claimed, whose request time) is before `before`; oldest first, at most `limit`.
pub async fn stale_deliveries_are_pending_and_unheld_before_the_cutoff<R: Deliveries>(r: &R) {
    let (a, b) = (account("acct-a"), account("acct-b"));
    let m1 = insert(
        r,
        &a,
        "m-1",
        &["x@example.com", "y@example.com", "z@example.com"],
        10,
    )
    .await;
    let m2 = insert(r, &a, "m-2", &["x@example.com"], 50).await;
    insert(r, &b, "m-3", &["w@example.com"], 20).await;
    insert(r, &a, "m-4", &["v@example.com"], 5).await;
    assert!(matches!(
        claim(r, &a, "m-1", "y@example.com", 30, 500).await,
        Claim::Claimed(_)
    ));
    assert!(matches!(
        claim(r, &a, "m-1", "z@example.com", 30, 500).await,
        Claim::Claimed(_)
    ));
    record(
        r,
        &a,
        "m-1",
        "z@example.com",
        &outcome(DeliverStatus::Delivered, "250 ok", 31),
    )
    .await;
    assert!(matches!(
        claim(r, &b, "m-3", "w@example.com", 25, 30).await,
        Claim::Claimed(_)
    ));
    assert!(matches!(
        claim(r, &a, "m-4", "v@example.com", 6, 30).await,
        Claim::Claimed(_)
    ));
    let retry = Outcome {
        retry_at: Some(t(45)),
        ..outcome(DeliverStatus::Delayed, "451 later", 7)
    };
    record(r, &a, "m-4", "v@example.com", &retry).await;
    let w = fetch(r, &b, "m-3", "w@example.com").await.expect("w");
    let y = fetch(r, &a, "m-1", "y@example.com").await.expect("y");
    let v = fetch(r, &a, "m-4", "v@example.com").await.expect("v");

    assert_eq!(
        r.stale(t(40), 10).await.expect("stale"),
        vec![m1[0].clone(), w.clone()]
    );
    assert_eq!(r.stale(t(40), 1).await.expect("stale"), vec![m1[0].clone()]);
    let with_retry = r.stale(t(46), 10).await.expect("stale");
    assert_eq!(
        sorted(with_retry),
        sorted(vec![m1[0].clone(), w.clone(), v.clone()])
    );
    let everything_pending = r.stale(t(600), 10).await.expect("stale");
    assert_eq!(
        sorted(everything_pending),
        sorted(vec![m1[0].clone(), y, m2[0].clone(), w, v])
    );
    assert_eq!(r.stale(t(10), 10).await.expect("stale"), vec![]);
}
