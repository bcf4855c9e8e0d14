//! Checks of the [`Feedback`](crate::ports::Feedback) port, and the feedback scenarios run
//! through the real use-cases over each backend: a scripted day whose statistics are
//! compared with hand-computed numbers, replays counted once, and a DSN and an ARF fixture
//! each suppressing exactly the right recipient.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::fixtures::{account, join_all};
use crate::Sesame;
use crate::app::{
    Content, CountedEvent, DeliveryReport, SendCommand, StatEvent, StatisticsQuery, TemplateInput,
    TemplateRef, Volume,
};
use crate::model::deliver_status;
use crate::ports::Clock;
use crate::ports::{
    BounceBlockQuery, Complaint, ComplaintQuery, DeliveryQuery, Feedback, JobQueue,
};
use crate::settings::Settings;
use crate::testing::{AllRecords, RecordingMailer, WithRecords, sesame_with};
use crate::types::{AccountId, EmailAddress, MessageId};

const DSN: &str = include_str!("../../../tests/fixtures/feedback/dsn-postfix-user-unknown.eml");
const ARF: &str = include_str!("../../../tests/fixtures/feedback/arf-abuse.eml");

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, h, m, 0).unwrap()
}

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).expect("valid address")
}

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

/// An event mark is written once: of concurrent callers exactly one sees `true`, and the
/// same id in another account is a different event.
pub async fn first_sighting_is_true_exactly_once<F: Feedback>(f: &F) {
    let acme = account("acme");
    let keep = at(0, 0) + chrono::Duration::days(45);
    let results = join_all((0..8).map(|_| f.first_sighting(&acme, "opened:hit-1", keep))).await;
    let wins = results.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(wins, 1, "exactly one first sighting");
    assert!(!f.first_sighting(&acme, "opened:hit-1", keep).await.unwrap());
    assert!(
        f.first_sighting(&account("other"), "opened:hit-1", keep)
            .await
            .unwrap()
    );
    assert!(f.first_sighting(&acme, "opened:hit-2", keep).await.unwrap());
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

/// The deployment the scenarios run: an account with a trusted domain, a sender, a template.
struct Day<R: AllRecords> {
    app: Sesame<WithRecords<R>>,
    acme: AccountId,
    template: u64,
}

impl<R: AllRecords + Clone> Day<R> {
    async fn new(records: &R) -> Self {
        let app = sesame_with(records.clone(), Settings::default());
        app.clock.set(at(2, 0)); // 10:00 in Asia/Shanghai, the API time zone
        let acme = account("acme");
        app.create_identity(&acme, "example.com", None, vec![])
            .await
            .unwrap();
        app.trust_identity(&acme, "example.com").await.unwrap();
        app.create_sender(&acme, "noreply@example.com", Some("Ops"))
            .await
            .unwrap();
        let input = TemplateInput {
            name: "welcome".into(),
            html: Some("<p>Hello {{name}}</p>".into()),
            text: Some("Hello {{name}}".into()),
        };
        let template = app.create_template(&acme, input).await.unwrap().0;
        Self {
            app,
            acme,
            template,
        }
    }

    fn command(&self, to: &[&str], template: u64) -> SendCommand {
        SendCommand {
            from: "Ops <noreply@example.com>".into(),
            destination: to.iter().map(|s| s.to_string()).collect(),
            subject: "Hi {{name}}".into(),
            content: Some(Content::Template(TemplateRef {
                id: template,
                data: r#"{"name":"<Ann>"}"#.into(),
            })),
            ..SendCommand::default()
        }
    }

    async fn run_jobs(&self) {
        let jobs = self
            .app
            .queue
            .receive(100, Duration::from_secs(300), Duration::ZERO)
            .await
            .unwrap();
        for job in jobs {
            let report = self.app.deliver(&job.body).await;
            assert_ne!(report, DeliveryReport::Malformed);
            self.app.queue.ack(&job.receipt).await.unwrap();
            // A redelivered job (SQS at-least-once) must change nothing and count nothing.
            self.app.deliver(&job.body).await;
        }
    }

    async fn status(&self, id: &MessageId, rcpt: &str) -> crate::model::Delivery {
        let q = DeliveryQuery {
            account: self.acme.clone(),
            from: at(0, 0),
            until: at(23, 0),
            message_id: Some(id.clone()),
            recipient: Some(addr(rcpt)),
            offset: 0,
            limit: 10,
        };
        let rows = self.app.records.list_deliveries(&q).await.unwrap();
        rows.into_iter().next().expect("the delivery exists")
    }

    /// The envelope sender and Message-ID of the copy sent to `rcpt`.
    fn sent_copy(&self, rcpt: &str) -> (String, String) {
        let (envelope, raw) = self
            .app
            .mailer
            .sent()
            .into_iter()
            .find(|(e, _)| e.rcpt_to.as_str() == rcpt)
            .expect("a copy was sent");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let message_id = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("Message-ID: ")
                    .or_else(|| l.strip_prefix("Message-Id: "))
            })
            .unwrap_or("<none@example.com>")
            .trim()
            .to_owned();
        (envelope.mail_from.as_str().to_owned(), message_id)
    }

    async fn count(&self, kind: StatEvent, id: &str, rcpt: &str) -> bool {
        let event = CountedEvent {
            account: self.acme.clone(),
            kind,
            event_id: id.into(),
            at: self.app.clock.now(),
            sender_domain: "example.com".into(),
            recipient: addr(rcpt),
        };
        self.app.count_event(&event).await.unwrap()
    }

    async fn report(&self, start: &str, end: &str, mbox: Option<&str>) -> (Vec<Volume>, Volume) {
        self.app
            .statistics_report(
                &self.acme,
                StatisticsQuery {
                    start_date: start.into(),
                    end_date: end.into(),
                    domain: Some("Example.com".into()),
                    receiving_mailbox_type: mbox.map(str::to_owned),
                },
            )
            .await
            .unwrap()
    }

    async fn blocked(&self) -> Vec<String> {
        let q = BounceBlockQuery {
            account: self.acme.clone(),
            from: at(0, 0),
            until: at(23, 0),
            email: None,
            offset: 0,
            limit: 100,
        };
        let (rows, _) = self.app.records.list_bounce_blocks(&q).await.unwrap();
        let mut who: Vec<String> = rows.iter().map(|b| b.email.as_str().to_owned()).collect();
        who.sort();
        who
    }
}

fn fill(template: &str, verp: &str, rcpt: &str, message_id: &str) -> Vec<u8> {
    template
        .replace("{{VERP}}", verp)
        .replace("{{RCPT}}", rcpt)
        .replace("{{TO_HEADER}}", "ann@gmail.com, bob@gmail.com, cat@qq.com")
        .replace("{{MESSAGE_ID}}", message_id)
        .into_bytes()
}

fn volume(day: &str, counts: [u64; 7]) -> Volume {
    let [
        requested,
        accepted,
        delivered,
        opened,
        clicked,
        bounced,
        unsubscribed,
    ] = counts;
    Volume {
        day: Some(NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap()),
        requested,
        accepted,
        delivered,
        opened,
        clicked,
        bounced,
        unsubscribed,
    }
}

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
        deliver_status::REJECTED
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
        deliver_status::DELIVERED
    );

    let results = d.app.ingest_feedback(&d.acme, &dsn).await.unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0].recipient.as_ref().map(|r| r.as_str()),
        Some("bob@gmail.com")
    );
    assert!(results[0].suppressed);
    let bob = d.status(&id, "bob@gmail.com").await;
    assert_eq!(bob.deliver_status, deliver_status::REJECTED);
    assert!(
        bob.deliver_message.contains("5.1.1"),
        "{}",
        bob.deliver_message
    );
    assert_eq!(
        d.status(&id, "ann@gmail.com").await.deliver_status,
        deliver_status::DELIVERED
    );
    assert_eq!(
        d.status(&id, "cat@qq.com").await.deliver_status,
        deliver_status::DELIVERED
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
    assert_eq!(gone.deliver_status, deliver_status::REJECTED);
    assert!(
        gone.deliver_message
            .ends_with("(hard bounce: unknown-user)"),
        "{}",
        gone.deliver_message
    );
    let spam = d.status(&id, "spam@qq.com").await;
    assert_eq!(
        (spam.deliver_status, spam.send_status),
        (deliver_status::REJECTED, 1008)
    );
    assert!(
        spam.deliver_message.contains("soft bounce: blocked"),
        "{}",
        spam.deliver_message
    );
    let grey = d.status(&id, "grey@qq.com").await;
    assert_eq!(
        grey.deliver_status,
        deliver_status::DELAYED,
        "{}",
        grey.deliver_message
    );
    assert_eq!(d.blocked().await, ["gone@gmail.com"]);
}
