//! SmtpMailer against a real SMTP server (aiosmtpd) on loopback.

mod common;

use common::relay::{Relay, free_port};
use common::verify::{TxtRecords, mail_auth_verdicts};
use common::{addr, input, message, rsa_key};
use mail_auth::DkimResult;
use sesame_core::ports::{Dkim, Envelope, MailError, Mailer};
use sesame_mail::{AnyMailer, MailAuthDkim, RelayUrl, SmtpMailer, SmtpOptions};

impl Relay {
    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn mailer(&self) -> SmtpMailer {
        SmtpMailer::from_url(&self.url()).unwrap()
    }

    /// The n-th accepted message (1-based) and its envelope lines.
    fn received(&self, n: usize) -> (Vec<u8>, Vec<String>) {
        let base = self.outdir.path().join(n.to_string());
        let raw = std::fs::read(base.with_extension("eml")).expect("message was received");
        let env = std::fs::read_to_string(base.with_extension("env")).unwrap();
        (raw, env.lines().map(str::to_owned).collect())
    }

    fn received_count(&self) -> usize {
        std::fs::read_dir(self.outdir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "eml")
            })
            .count()
    }
}

fn envelope(to: &str) -> Envelope {
    Envelope {
        mail_from: addr("bounces@mail.example.com"),
        rcpt_to: addr(to),
    }
}

fn signed_message() -> Vec<u8> {
    let mut m = message();
    // A line starting with a dot checks that dot-stuffing round-trips.
    m.text = Some("Hello Alice,\n.leading dot line\nbye\n".to_owned());
    MailAuthDkim::new()
        .compose(&input(&m, &m.to[0], &[rsa_key()]))
        .unwrap()
}

#[tokio::test]
async fn delivered_message_gets_the_relay_reply_and_arrives_byte_for_byte() {
    let relay = Relay::start();
    let raw = signed_message();
    let reply = relay
        .mailer()
        .send(&envelope("alice@example.org"), &raw)
        .await
        .unwrap();
    assert_eq!(reply.code, 250);
    assert_eq!(reply.text, "2.0.0 Ok: queued as TEST1");

    let (received, env) = relay.received(1);
    assert_eq!(env, vec!["bounces@mail.example.com", "alice@example.org"]);
    // lettre ends DATA with CRLF "." CRLF even after a final CRLF, adding one empty line;
    // DKIM body canonicalization ignores trailing empty lines, so the signature still holds.
    let trimmed = |b: &[u8]| {
        String::from_utf8(b.to_vec())
            .unwrap()
            .trim_end_matches("\r\n")
            .to_owned()
    };
    assert_eq!(trimmed(&received), trimmed(&raw));
    let verdicts = mail_auth_verdicts(&received, &TxtRecords::of(&[rsa_key()])).await;
    assert_eq!(verdicts, vec![DkimResult::Pass]);
}

#[tokio::test]
async fn rejected_recipient_is_a_permanent_error_with_the_reply() {
    let relay = Relay::start();
    let err = relay
        .mailer()
        .send(&envelope("bounce@example.org"), &signed_message())
        .await
        .unwrap_err();
    let MailError::Permanent(reply) = err else {
        panic!("expected permanent, got {err:?}")
    };
    assert_eq!(reply.code, 550);
    assert_eq!(
        reply.text,
        "5.1.1 <bounce@example.org>: Recipient address rejected: User unknown"
    );
    assert_eq!(relay.received_count(), 0);
}

#[tokio::test]
async fn deferred_recipient_is_a_transient_error_with_the_reply() {
    let relay = Relay::start();
    let err = relay
        .mailer()
        .send(&envelope("later@example.org"), &signed_message())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.reply().code, 451);
    assert_eq!(
        err.reply().text,
        "4.3.0 Mailbox temporarily unavailable, try again later"
    );
}

#[tokio::test]
async fn pooled_mailer_keeps_working_after_a_rejection_and_under_concurrency() {
    let relay = Relay::start();
    let url = RelayUrl::parse(&relay.url()).unwrap();
    let mailer = SmtpMailer::new(
        &url,
        SmtpOptions {
            max_connections: 2,
            ..SmtpOptions::default()
        },
    )
    .unwrap();
    let raw = signed_message();
    assert!(
        mailer
            .send(&envelope("bounce@example.org"), &raw)
            .await
            .is_err()
    );
    let sends: Vec<_> = (0..6)
        .map(|i| {
            let (mailer, raw) = (&mailer, &raw);
            async move {
                mailer
                    .send(&envelope(&format!("user{i}@example.org")), raw)
                    .await
            }
        })
        .collect();
    for result in join_all(sends).await {
        assert_eq!(result.unwrap().code, 250);
    }
    assert_eq!(relay.received_count(), 6);
}

/// Polls every future to completion concurrently on this task.
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (f, o) in pending.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *o = Some(v),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

#[tokio::test]
async fn connection_refused_is_transient_with_code_zero_and_no_secrets() {
    let port = free_port();
    let mailer = SmtpMailer::from_url(&format!("smtp://user:hunter2@127.0.0.1:{port}")).unwrap();
    let err = mailer
        .send(&envelope("alice@example.org"), &signed_message())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.reply().code, 0);
    assert_eq!(
        err.reply().text,
        format!("connection refused by relay 127.0.0.1:{port}")
    );
    assert!(!format!("{err:?} {mailer:?}").contains("hunter2"));
}

#[tokio::test]
async fn starttls_required_but_not_offered_is_transient() {
    let relay = Relay::start();
    let url = format!("smtp://127.0.0.1:{}?tls=starttls", relay.port);
    let mailer = SmtpMailer::from_url(&url).unwrap();
    let err = mailer
        .send(&envelope("alice@example.org"), &signed_message())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.reply().code, 0);
    assert!(
        err.reply()
            .text
            .contains(&format!("127.0.0.1:{}", relay.port)),
        "{err:?}"
    );
    assert_eq!(relay.received_count(), 0);
}

#[tokio::test]
async fn any_mailer_sends_through_the_chosen_relay() {
    let relay = Relay::start();
    let mailer = AnyMailer::from(relay.mailer());
    let reply = mailer
        .send(&envelope("alice@example.org"), &signed_message())
        .await
        .unwrap();
    assert_eq!(reply.code, 250);
    assert_eq!(relay.received_count(), 1);
}
