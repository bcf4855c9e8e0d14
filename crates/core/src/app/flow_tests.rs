//! Send → deliver flows over the in-memory fakes and a fixed clock.

use std::time::Duration;

use chrono::Duration as ChronoDuration;

use super::{Content, DeliveryReport, SendCommand, TemplateInput, TemplateRef};
use crate::Sesame;
use crate::model::{DeliverStatus, SendStatus};
use crate::ports::{Deliveries, DeliveryQuery, Identities, JobQueue};
use crate::settings::Settings;
use crate::testing::{RecordingMailer, TestPorts};
use crate::types::{AccountId, EmailAddress, MessageId};

struct World {
    app: Sesame<TestPorts>,
    account: AccountId,
    template: u64,
}

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

async fn world() -> World {
    let settings = Settings {
        max_attempts: 3,
        ..Settings::default()
    };
    let app = crate::testing::sesame(settings);
    let account = AccountId::parse("acme").unwrap();
    app.create_identity(&account, "example.com", None, vec![])
        .await
        .unwrap();
    app.trust_identity(&account, "example.com").await.unwrap();
    app.create_sender(&account, "noreply@example.com", Some("Ops"))
        .await
        .unwrap();
    let input = TemplateInput {
        name: "welcome".into(),
        html: Some("<p>Hello {{name}}</p>".into()),
        text: Some("Hello {{name}}".into()),
    };
    let template = app.create_template(&account, input).await.unwrap().0;
    World {
        app,
        account,
        template,
    }
}

impl World {
    fn command(&self, to: &[&str]) -> SendCommand {
        SendCommand {
            from: "Ops <noreply@example.com>".into(),
            destination: to.iter().map(|s| s.to_string()).collect(),
            subject: "Hi {{name}}".into(),
            content: Some(Content::Template(TemplateRef {
                id: self.template,
                data: r#"{"name":"<Ann>"}"#.into(),
            })),
            ..SendCommand::default()
        }
    }

    /// Receives every visible job and runs it, settling it as the worker does.
    async fn run_jobs(&self) -> Vec<DeliveryReport> {
        let jobs = self
            .app
            .queue
            .receive(100, Duration::from_secs(300), Duration::ZERO)
            .await
            .unwrap();
        let mut reports = Vec::new();
        for job in jobs {
            let report = self.app.deliver(&job.body).await;
            match &report {
                DeliveryReport::RetryAfter(d) => {
                    self.app.queue.retry_later(&job.receipt, *d).await.unwrap()
                }
                _ => self.app.queue.ack(&job.receipt).await.unwrap(),
            }
            reports.push(report);
        }
        reports
    }

    async fn status(&self, id: &MessageId) -> Vec<crate::model::Delivery> {
        let now = self.app.clock.now();
        let query = DeliveryQuery {
            account: self.account.clone(),
            from: now - ChronoDuration::days(1),
            until: now + ChronoDuration::days(1),
            message_id: Some(id.clone()),
            recipient: None,
            offset: 0,
            limit: 100,
        };
        Deliveries::list(&self.app.deliveries, &query)
            .await
            .unwrap()
    }
}

use crate::ports::Clock;

#[tokio::test]
async fn accepted_mail_is_rendered_sent_and_marked_delivered() {
    let w = world().await;
    let id = w
        .app
        .send_email(&w.account, w.command(&["ann@example.org"]))
        .await
        .unwrap();
    assert_eq!(w.status(&id).await[0].deliver_status, DeliverStatus::Queued);
    assert_eq!(w.run_jobs().await, vec![DeliveryReport::Done]);

    let sent = w.app.mailer.sent();
    assert_eq!(sent.len(), 1);
    // The return path is the copy's VERP address in the sender's domain.
    let mail_from = sent[0].0.mail_from.as_str();
    assert!(mail_from.starts_with("bounces+"), "{mail_from}");
    assert!(mail_from.ends_with("@example.com"), "{mail_from}");
    let token = crate::feedback::verp::find(mail_from).expect("a VERP token");
    assert_eq!(token.message_id, id);
    assert_eq!(sent[0].0.rcpt_to.as_str(), "ann@example.org");
    let raw = String::from_utf8(sent[0].1.clone()).unwrap();
    assert!(raw.contains("Subject: Hi <Ann>"), "{raw}");
    assert!(
        raw.contains("&lt;Ann&gt;"),
        "html values are escaped: {raw}"
    );
    assert!(
        raw.contains("X-Fake-Signed: sesame"),
        "signed with the domain key: {raw}"
    );

    let row = &w.status(&id).await[0];
    assert_eq!(
        (row.send_status, row.deliver_status),
        (SendStatus::Ok, DeliverStatus::Delivered)
    );
    assert!(row.deliver_message.starts_with("250"));
    assert!(row.deliver_time.is_some());
}

#[tokio::test]
async fn every_recipient_gets_a_copy_and_bcc_stays_out_of_headers() {
    let w = world().await;
    let mut cmd = w.command(&["a@example.org", "b@example.org"]);
    cmd.cc = vec!["c@example.org".into()];
    cmd.bcc = vec!["hidden@example.org".into()];
    let id = w.app.send_email(&w.account, cmd).await.unwrap();
    assert_eq!(w.run_jobs().await.len(), 4);
    let rows = w.status(&id).await;
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter()
            .all(|r| r.deliver_status == DeliverStatus::Delivered)
    );
    let copy =
        String::from_utf8(w.app.mailer.sent_to(&addr("hidden@example.org"))[0].clone()).unwrap();
    assert!(!copy.contains("hidden@example.org"), "{copy}");
}

#[tokio::test]
async fn a_5xx_reply_is_a_hard_bounce_with_the_remote_text() {
    let w = world().await;
    w.app.mailer.script(
        &addr("gone@example.org"),
        vec![Err(RecordingMailer::permanent())],
    );
    let id = w
        .app
        .send_email(&w.account, w.command(&["gone@example.org"]))
        .await
        .unwrap();
    assert_eq!(w.run_jobs().await, vec![DeliveryReport::Done]);
    let row = &w.status(&id).await[0];
    assert_eq!(row.deliver_status, DeliverStatus::Rejected);
    assert_eq!(
        row.deliver_message,
        "550 5.1.1 no such user (hard bounce: unknown-user)"
    );
}

#[tokio::test]
async fn a_4xx_reply_is_retried_with_backoff_then_delivered() {
    let w = world().await;
    let rcpt = addr("slow@example.org");
    w.app.mailer.script(
        &rcpt,
        vec![
            Err(RecordingMailer::transient()),
            Ok(RecordingMailer::ok_reply()),
        ],
    );
    let id = w
        .app
        .send_email(&w.account, w.command(&["slow@example.org"]))
        .await
        .unwrap();
    let reports = w.run_jobs().await;
    let DeliveryReport::RetryAfter(delay) = reports[0] else {
        panic!("{reports:?}")
    };
    assert!(
        delay >= Duration::from_secs(15) && delay <= Duration::from_secs(30),
        "{delay:?}"
    );
    let row = &w.status(&id).await[0];
    assert_eq!(row.deliver_status, DeliverStatus::Delayed);
    assert!(row.deliver_message.starts_with("451"));

    // An early duplicate of the job finds the delivery held until the retry time.
    w.app
        .enqueue_deliveries(&w.account, &id, std::slice::from_ref(&rcpt))
        .await;
    let early = w.run_jobs().await;
    assert!(
        matches!(early[..], [DeliveryReport::RetryAfter(_)]),
        "{early:?}"
    );
    assert_eq!(w.app.mailer.sent_to(&rcpt).len(), 1);

    w.app.clock.advance(ChronoDuration::seconds(31));
    w.app
        .enqueue_deliveries(&w.account, &id, std::slice::from_ref(&rcpt))
        .await;
    let later = w
        .app
        .queue
        .receive(100, Duration::from_secs(300), Duration::ZERO)
        .await
        .unwrap();
    let last = later.last().unwrap();
    assert_eq!(w.app.deliver(&last.body).await, DeliveryReport::Done);
    assert_eq!(
        w.status(&id).await[0].deliver_status,
        DeliverStatus::Delivered
    );
    assert_eq!(w.app.mailer.sent_to(&rcpt).len(), 2);
}

#[tokio::test]
async fn after_the_retry_budget_a_transient_failure_is_a_soft_bounce() {
    let w = world().await;
    let rcpt = addr("down@example.org");
    w.app
        .mailer
        .script(&rcpt, vec![Err(RecordingMailer::transient())]);
    let id = w
        .app
        .send_email(&w.account, w.command(&["down@example.org"]))
        .await
        .unwrap();
    let job = w.app.queue.bodies()[0].clone();
    for attempt in 1..=3 {
        let report = w.app.deliver(&job).await;
        if attempt < 3 {
            assert!(
                matches!(report, DeliveryReport::RetryAfter(_)),
                "attempt {attempt}: {report:?}"
            );
            w.app.clock.advance(ChronoDuration::hours(2));
        } else {
            assert_eq!(report, DeliveryReport::Done);
        }
    }
    let row = &w.status(&id).await[0];
    assert_eq!(
        (row.send_status, row.deliver_status),
        (SendStatus::TimedOut, DeliverStatus::Dropped)
    );
    assert!(
        row.deliver_message.contains("gave up after 3 attempts"),
        "{}",
        row.deliver_message
    );
    assert_eq!(
        w.app.deliver(&job).await,
        DeliveryReport::Done,
        "a final delivery is never sent again"
    );
    assert_eq!(w.app.mailer.sent_to(&rcpt).len(), 3);
}

#[tokio::test]
async fn a_redelivered_job_does_not_send_twice() {
    let w = world().await;
    w.app
        .send_email(&w.account, w.command(&["ann@example.org"]))
        .await
        .unwrap();
    let job = w.app.queue.bodies()[0].clone();
    assert_eq!(w.app.deliver(&job).await, DeliveryReport::Done);
    assert_eq!(w.app.deliver(&job).await, DeliveryReport::Done);
    assert_eq!(w.app.mailer.sent().len(), 1);
}

#[tokio::test]
async fn malformed_jobs_are_reported_not_panicked_on() {
    let w = world().await;
    for body in [
        "",
        "{}",
        "not json",
        r#"{"v":2,"account":"acme","message_id":"m","recipient":"a@b.co"}"#,
        r#"{"v":1,"account":"acme","message_id":"m","recipient":"a@b.co","extra":1}"#,
    ] {
        assert_eq!(
            w.app.deliver(body).await,
            DeliveryReport::Malformed,
            "{body}"
        );
    }
}

#[tokio::test]
async fn mail_from_a_domain_unverified_after_acceptance_is_dropped() {
    let w = world().await;
    let id = w
        .app
        .send_email(&w.account, w.command(&["ann@example.org"]))
        .await
        .unwrap();
    let mut identity = Identities::list(&w.app.identities, &w.account)
        .await
        .unwrap()
        .remove(0);
    identity.verified = false;
    w.app.identities.update(&identity).await.unwrap();
    assert_eq!(w.run_jobs().await, vec![DeliveryReport::Done]);
    let row = &w.status(&id).await[0];
    assert_eq!(
        (row.send_status, row.deliver_status),
        (SendStatus::SenderDomainUnverified, DeliverStatus::Dropped)
    );
    assert!(w.app.mailer.sent().is_empty());
}

#[tokio::test]
async fn deliveries_whose_job_was_lost_are_enqueued_again() {
    let w = world().await;
    let id = w
        .app
        .send_email(&w.account, w.command(&["ann@example.org"]))
        .await
        .unwrap();
    // The job vanishes (e.g. a crash between storing and enqueueing).
    let jobs = w
        .app
        .queue
        .receive(10, Duration::from_secs(300), Duration::ZERO)
        .await
        .unwrap();
    w.app.queue.ack(&jobs[0].receipt).await.unwrap();
    assert_eq!(
        w.app.requeue_stale(Duration::from_secs(120)).await.unwrap(),
        0,
        "too recent to be stale"
    );
    w.app.clock.advance(ChronoDuration::seconds(121));
    assert_eq!(
        w.app.requeue_stale(Duration::from_secs(120)).await.unwrap(),
        1
    );
    assert_eq!(w.run_jobs().await, vec![DeliveryReport::Done]);
    assert_eq!(
        w.status(&id).await[0].deliver_status,
        DeliverStatus::Delivered
    );
}

#[tokio::test]
async fn dual_dkim_identities_sign_with_both_keys() {
    let w = world().await;
    let view = w
        .app
        .create_identity(&w.account, "dual.example.com", Some(2), vec![])
        .await
        .unwrap();
    assert_eq!(view.identity.dkim_keys.len(), 2);
    let dkim: Vec<_> = view
        .records
        .iter()
        .filter(|r| r.host.contains("._domainkey."))
        .collect();
    assert_eq!(dkim.len(), 2);
    assert!(dkim[1].expected.starts_with("v=DKIM1; k=ed25519; p="));
    let stored = Identities::list(&w.app.identities, &w.account)
        .await
        .unwrap();
    let sealed = &stored[1].dkim_keys[0].sealed_private_key;
    assert!(
        !String::from_utf8_lossy(sealed).contains("private-key"),
        "private keys are sealed at rest"
    );
}
