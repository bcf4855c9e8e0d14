//! The deployment the feedback scenarios run, and their helpers.

use std::time::Duration;

use chrono::{FixedOffset, NaiveDate};

use super::super::fixtures::account;
use super::{addr, at};
use crate::Sesame;
use crate::app::{
    Content, CountedEvent, DeliveryReport, SendCommand, StatEvent, StatisticsQuery, TemplateInput,
    TemplateRef, Volume,
};
use crate::ports::{BounceBlockQuery, Clock, Deliveries, DeliveryQuery, JobQueue};
use crate::settings::Settings;
use crate::testing::{AllRecords, WithRecords, sesame_with};
use crate::types::{AccountId, MessageId};

/// A real-looking Postfix DSN (user unknown), with `{{VERP}}`, `{{RCPT}}`, `{{MESSAGE_ID}}` and
/// `{{TO_HEADER}}` to fill in.
pub(super) const DSN: &str =
    include_str!("../../../../tests/fixtures/feedback/dsn-postfix-user-unknown.eml");
/// A real-looking ARF abuse report, with the same placeholders.
pub(super) const ARF: &str = include_str!("../../../../tests/fixtures/feedback/arf-abuse.eml");

/// The deployment the scenarios run: an account with a trusted domain, a sender, a template.
pub(super) struct Day<R: AllRecords> {
    pub(super) app: Sesame<WithRecords<R>>,
    pub(super) acme: AccountId,
    pub(super) template: u64,
}

impl<R: AllRecords + Clone> Day<R> {
    pub(super) async fn new(records: &R) -> Self {
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

    pub(super) fn command(&self, to: &[&str], template: u64) -> SendCommand {
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

    pub(super) async fn run_jobs(&self) {
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

    pub(super) async fn status(&self, id: &MessageId, rcpt: &str) -> crate::model::Delivery {
        let q = DeliveryQuery {
            account: self.acme.clone(),
            from: at(0, 0),
            until: at(23, 0),
            message_id: Some(id.clone()),
            recipient: Some(addr(rcpt)),
            offset: 0,
            limit: 10,
        };
        let rows = Deliveries::list(&self.app.deliveries, &q).await.unwrap();
        rows.into_iter().next().expect("the delivery exists")
    }

    /// The envelope sender and Message-ID of the copy sent to `rcpt`.
    pub(super) fn sent_copy(&self, rcpt: &str) -> (String, String) {
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

    pub(super) async fn count(&self, kind: StatEvent, id: &str, rcpt: &str) -> bool {
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

    pub(super) async fn report(
        &self,
        start: &str,
        end: &str,
        mbox: Option<&str>,
    ) -> (Vec<Volume>, Volume) {
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

    pub(super) async fn blocked(&self) -> Vec<String> {
        let q = BounceBlockQuery {
            account: self.acme.clone(),
            from: at(0, 0),
            until: at(23, 0),
            email: None,
            offset: 0,
            limit: 100,
        };
        let (rows, _) = self.app.lists.list_bounce_blocks(&q).await.unwrap();
        let mut who: Vec<String> = rows.iter().map(|b| b.email.as_str().to_owned()).collect();
        who.sort();
        who
    }
}

/// The fixture with its placeholders filled with the scenarios' fixed day (Asia/Shanghai): the
/// original message arrived at 10:05:11, the report is dated 11:20.
pub(super) fn fill(template: &str, verp: &str, rcpt: &str, message_id: &str) -> Vec<u8> {
    let shanghai = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let arrived = (at(2, 5) + chrono::Duration::seconds(11)).with_timezone(&shanghai);
    let reported = at(3, 20).with_timezone(&shanghai);
    template
        .replace("{{DATE}}", &reported.to_rfc2822())
        .replace("{{ARRIVED}}", &arrived.to_rfc2822())
        .replace("{{DAY}}", &arrived.format("%Y%m%d").to_string())
        .replace("{{VERP}}", verp)
        .replace("{{RCPT}}", rcpt)
        .replace("{{TO_HEADER}}", "ann@gmail.com, bob@gmail.com, cat@qq.com")
        .replace("{{MESSAGE_ID}}", message_id)
        .into_bytes()
}

pub(super) fn volume(day: &str, counts: [u64; 7]) -> Volume {
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
