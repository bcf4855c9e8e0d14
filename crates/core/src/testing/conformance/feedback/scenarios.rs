//! The feedback scenarios: the use-cases over a real records backend.

use super::super::fixtures::account;
use super::day::{ARF, DSN, Day, fill, volume};
use super::{addr, at};
use crate::app::{StatEvent, StatisticsQuery};
use crate::model::{DeliverStatus, SendStatus};
use crate::ports::EventKind;
use crate::testing::{AllRecords, RecordingMailer};

/// A scripted day — four requests (one refused), a synchronous hard bounce, two deliveries,
/// opens, a click, an unsubscribe and an asynchronous bounce, with every event replayed —
/// gives exactly the hand-computed volumes, overall and per receiving mailbox type.
pub async fn a_scripted_day_gives_the_hand_computed_statistics<R: AllRecords + Clone>(r: &R) {
    let d = Day::new(r).await;
    d.app.mailer.script(
        &addr("bob@gmail.com"),
        vec![Err(RecordingMailer::permanent())],
    );
    let id = d
        .app
        .send_email(
            &d.acme,
            d.command(
                &["ann@gmail.com", "bob@gmail.com", "cat@qq.com"],
                d.template,
            ),
        )
        .await
        .unwrap();
    // Refused (no such template): requested, never accepted.
    assert!(
        d.app
            .send_email(&d.acme, d.command(&["dan@qq.com"], 999_999))
            .await
            .is_err()
    );
    d.run_jobs().await;
    assert_eq!(
        d.status(&id, "bob@gmail.com").await.deliver_status,
        DeliverStatus::Rejected
    );

    // Opens count every human open, once per hit id; a replayed hit counts nothing.
    assert!(d.count(StatEvent::Opened, "hit-1", "ann@gmail.com").await);
    assert!(d.count(StatEvent::Opened, "hit-2", "ann@gmail.com").await);
    assert!(!d.count(StatEvent::Opened, "hit-1", "ann@gmail.com").await);
    // Clicks count users: one id per delivery.
    let ann = format!("{id}:ann@gmail.com");
    assert!(d.count(StatEvent::Clicked, &ann, "ann@gmail.com").await);
    assert!(!d.count(StatEvent::Clicked, &ann, "ann@gmail.com").await);
    let cat = format!("{id}:cat@qq.com");
    assert!(d.count(StatEvent::Unsubscribed, &cat, "cat@qq.com").await);
    // Replaying the delivery outcome counts nothing either.
    assert!(!d.count(StatEvent::Delivered, &ann, "ann@gmail.com").await);

    // cat@qq.com was accepted by the relay, then bounced asynchronously (twice reported).
    let (verp, message_id) = d.sent_copy("cat@qq.com");
    let dsn = fill(DSN, &verp, "cat@qq.com", &message_id);
    d.app.ingest_feedback(&d.acme, &dsn).await.unwrap();
    d.app.ingest_feedback(&d.acme, &dsn).await.unwrap();

    // requested, accepted, delivered, opened, clicked, bounced, unsubscribed
    let (days, overall) = d.report("2026-11-27", "2026-11-28", None).await;
    assert_eq!(
        days,
        vec![
            volume("2026-11-27", [4, 3, 2, 2, 1, 2, 1]),
            volume("2026-11-28", [0; 7])
        ]
    );
    assert_eq!(overall, volume("2026-11-27", [4, 3, 2, 2, 1, 2, 1]));
    let (_, gmail) = d
        .report("2026-11-27", "2026-11-27", Some("GMAIL.com"))
        .await;
    assert_eq!(gmail, volume("2026-11-27", [2, 2, 1, 2, 1, 1, 0]));
    let (_, qq) = d.report("2026-11-27", "2026-11-27", Some("qq.com")).await;
    assert_eq!(qq, volume("2026-11-27", [2, 1, 1, 0, 0, 1, 1]));

    // An open the next day (Shanghai time) lands on the next day.
    d.app.clock.set(at(16, 30));
    assert!(d.count(StatEvent::Opened, "hit-3", "ann@gmail.com").await);
    let (days, overall) = d.report("2026-11-27", "2026-11-28", None).await;
    assert_eq!(days[1], volume("2026-11-28", [0, 0, 0, 1, 0, 0, 0]));
    assert_eq!(overall.opened, 3);
    // Another account sees nothing of it.
    let (_, theirs) = d
        .app
        .statistics_report(
            &account("other"),
            StatisticsQuery {
                start_date: "2026-11-27".into(),
                end_date: "2026-11-28".into(),
                ..StatisticsQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(theirs, volume("2026-11-27", [0; 7]));
}

/// A DSN sent back to the VERP address of one copy marks exactly that delivery rejected and
/// blacklists exactly that recipient; the same DSN for another account changes nothing.
pub async fn a_dsn_suppresses_exactly_its_recipient<R: AllRecords + Clone>(r: &R) {
    let d = Day::new(r).await;
    let id = d
        .app
        .send_email(
            &d.acme,
            d.command(
                &["ann@gmail.com", "bob@gmail.com", "cat@qq.com"],
                d.template,
            ),
        )
        .await
        .unwrap();
    d.run_jobs().await;
    let (verp, message_id) = d.sent_copy("bob@gmail.com");
    assert!(
        verp.starts_with("bounces+") && verp.ends_with("@example.com"),
        "{verp}"
    );
    // The fixture names bob in its blocks; the VERP address alone identifies the copy.
    let dsn = fill(DSN, &verp, "bob@gmail.com", &message_id);

    let other = account("other");
    let foreign = d.app.ingest_feedback(&other, &dsn).await.unwrap();
    assert!(
        foreign.is_empty(),
        "another account's ingest matches nothing"
    );
    assert_eq!(
        d.status(&id, "bob@gmail.com").await.deliver_status,
        DeliverStatus::Delivered
    );

    let results = d.app.ingest_feedback(&d.acme, &dsn).await.unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0].recipient.as_ref().map(|r| r.as_str()),
        Some("bob@gmail.com")
    );
    assert!(results[0].suppressed);
    let bob = d.status(&id, "bob@gmail.com").await;
    assert_eq!(bob.deliver_status, DeliverStatus::Rejected);
    assert!(
        bob.deliver_message.contains("5.1.1"),
        "{}",
        bob.deliver_message
    );
    assert_eq!(
        d.status(&id, "ann@gmail.com").await.deliver_status,
        DeliverStatus::Delivered
    );
    assert_eq!(
        d.status(&id, "cat@qq.com").await.deliver_status,
        DeliverStatus::Delivered
    );
    assert_eq!(d.blocked().await, ["bob@gmail.com"]);

    // A tampered token matches nothing.
    let mut tampered = verp.clone();
    let i = "bounces+".len() + 10;
    let c = if &tampered[i..=i] == "a" { "b" } else { "a" };
    tampered.replace_range(i..=i, c);
    let forged = fill(DSN, &tampered, "cat@qq.com", "<unrelated@example.com>");
    assert!(
        d.app
            .ingest_feedback(&d.acme, &forged)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(d.blocked().await, ["bob@gmail.com"]);
}

/// An ARF abuse report records a complaint for exactly its recipient (matched by VERP, or by
/// Message-ID and Original-Rcpt-To when the report carries no VERP address), suppresses it,
/// and is listed by the abuse report; a repeated report is one complaint.
pub async fn an_arf_report_suppresses_exactly_its_recipient<R: AllRecords + Clone>(r: &R) {
    let d = Day::new(r).await;
    let id = d
        .app
        .send_email(
            &d.acme,
            d.command(
                &["ann@gmail.com", "bob@gmail.com", "cat@qq.com"],
                d.template,
            ),
        )
        .await
        .unwrap();
    d.run_jobs().await;
    d.app.clock.set(at(3, 30));
    let (verp, message_id) = d.sent_copy("cat@qq.com");
    let arf = fill(ARF, &verp, "cat@qq.com", &message_id);
    let results = d.app.ingest_feedback(&d.acme, &arf).await.unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].kind, "complaint");
    assert_eq!(
        results[0].recipient.as_ref().map(|r| r.as_str()),
        Some("cat@qq.com")
    );
    d.app.ingest_feedback(&d.acme, &arf).await.unwrap();

    // Without a VERP address: the Message-ID and Original-Rcpt-To identify ann's copy.
    let (_, ann_message_id) = d.sent_copy("ann@gmail.com");
    let arf = fill(ARF, "noreply@example.com", "ann@gmail.com", &ann_message_id);
    let results = d.app.ingest_feedback(&d.acme, &arf).await.unwrap();
    assert_eq!(results.len(), 1, "matched by {ann_message_id}");
    assert_eq!(
        results[0].recipient.as_ref().map(|r| r.as_str()),
        Some("ann@gmail.com")
    );

    assert_eq!(d.blocked().await, ["ann@gmail.com", "cat@qq.com"]);
    let (rows, total) = d
        .app
        .abuse_report(
            &d.acme,
            crate::app::AbuseQuery {
                start: "2026-11-27".into(),
                end: "2026-11-27".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(total, 2);
    let cat = rows
        .iter()
        .find(|c| c.recipient.as_str() == "cat@qq.com")
        .unwrap();
    assert_eq!(cat.message_id, id);
    assert_eq!(cat.feedback_type, "abuse");
    assert_eq!(cat.source_ip, "198.51.100.7");
    // ComplainTime is the report's Date (11:20 +0800), AbuseTime the Arrival-Date.
    assert_eq!(cat.complained_at, at(3, 20));
    assert_eq!(
        cat.arrived_at,
        Some(at(2, 5) + chrono::Duration::seconds(11))
    );
    assert_eq!(cat.template_id, Some(d.template));
    assert!(
        d.app
            .complained(&d.acme, &id, &addr("cat@qq.com"))
            .await
            .unwrap()
    );
    assert!(
        !d.app
            .complained(&d.acme, &id, &addr("bob@gmail.com"))
            .await
            .unwrap()
    );
    let (_, none) = d
        .app
        .abuse_report(
            &account("other"),
            crate::app::AbuseQuery {
                start: "2026-11-27".into(),
                end: "2026-11-27".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(none, 0);
}

/// Synchronous replies are classified: a hard bounce suppresses its recipient, a policy
/// refusal is a soft bounce with `SendStatus` 1008 that suppresses nothing, and a greylisting
/// `550` is retried rather than bounced.
pub async fn synchronous_replies_are_classified_and_only_hard_bounces_suppress<
    R: AllRecords + Clone,
>(
    r: &R,
) {
    use crate::ports::{MailError, SmtpReply};
    let d = Day::new(r).await;
    let permanent = |code: u16, text: &str| {
        Err(MailError::Permanent(SmtpReply {
            code,
            text: text.to_owned(),
        }))
    };
    d.app.mailer.script(
        &addr("gone@gmail.com"),
        vec![permanent(
            550,
            "5.1.1 The email account that you tried to reach does not exist",
        )],
    );
    d.app.mailer.script(
        &addr("spam@qq.com"),
        vec![permanent(
            554,
            "5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org",
        )],
    );
    d.app.mailer.script(
        &addr("grey@qq.com"),
        vec![permanent(550, "Greylisted, please try again later")],
    );
    let id = d
        .app
        .send_email(
            &d.acme,
            d.command(
                &["gone@gmail.com", "spam@qq.com", "grey@qq.com"],
                d.template,
            ),
        )
        .await
        .unwrap();
    d.run_jobs().await;
    let gone = d.status(&id, "gone@gmail.com").await;
    assert_eq!(gone.deliver_status, DeliverStatus::Rejected);
    assert!(
        gone.deliver_message
            .ends_with("(hard bounce: unknown-user)"),
        "{}",
        gone.deliver_message
    );
    let spam = d.status(&id, "spam@qq.com").await;
    assert_eq!(
        (spam.deliver_status, spam.send_status),
        (DeliverStatus::Rejected, SendStatus::SenderRejected)
    );
    assert!(
        spam.deliver_message.contains("soft bounce: blocked"),
        "{}",
        spam.deliver_message
    );
    let grey = d.status(&id, "grey@qq.com").await;
    assert_eq!(
        grey.deliver_status,
        DeliverStatus::Delayed,
        "{}",
        grey.deliver_message
    );
    assert_eq!(d.blocked().await, ["gone@gmail.com"]);
    // Both bounces are in the event feed, once each (the replayed jobs appended nothing).
    d.app.clock.set(at(5, 0));
    let page = d.app.list_events(&d.acme, None, 100).await.unwrap();
    let mut bounced: Vec<&str> = page
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Bounced)
        .map(|e| e.recipient.as_str())
        .collect();
    bounced.sort();
    assert_eq!(bounced, ["gone@gmail.com", "spam@qq.com"]);
}
