//! Records the checks build, and a dependency-free `join_all`.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use chrono::{DateTime, TimeZone, Utc};

use crate::model::{
    ApiKey, DeliverStatus, Delivery, DkimAlgorithm, DkimKey, DkimKeyState, Identity, Message,
    SendStatus, Sender, Template,
};
use crate::types::{
    AccountId, DisplayName, Domain, EmailAddress, Mailbox, MessageId, SecretId, TemplateId,
};

/// Runs the futures concurrently on the current task and returns their outputs in order.
/// Futures may borrow (unlike `tokio::spawn`), so a check can share `&port` between callers;
/// adapters that hand work to threads (SQLite) or sockets (AWS) still run it in parallel.
pub async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (future, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// `secs` seconds after 2024-05-01T00:00:00Z.
pub(crate) fn t(secs: i64) -> DateTime<Utc> {
    let base = Utc
        .with_ymd_and_hms(2024, 5, 1, 0, 0, 0)
        .single()
        .expect("valid base time");
    base + chrono::Duration::seconds(secs)
}

pub(crate) fn account(name: &str) -> AccountId {
    AccountId::parse(name).expect("valid account")
}

pub(crate) fn addr(raw: &str) -> EmailAddress {
    EmailAddress::parse(raw).expect("valid address")
}

pub(crate) fn domain(raw: &str) -> Domain {
    Domain::parse(raw).expect("valid domain")
}

pub(crate) fn message_id(raw: &str) -> MessageId {
    MessageId::parse(raw).expect("valid message id")
}

/// A SecretId whose 32-character tail is `n` in decimal, zero padded.
pub(crate) fn secret_id(n: u32) -> SecretId {
    SecretId::parse(&format!("AKID{n:032}")).expect("valid secret id")
}

pub(crate) fn key(n: u32, owner: &AccountId, created_at: DateTime<Utc>) -> ApiKey {
    ApiKey {
        secret_id: secret_id(n),
        account: owner.clone(),
        sealed_secret: vec![n as u8, 0, 255],
        created_at,
        revoked: false,
    }
}

pub(crate) fn template(id: u64, owner: &AccountId, created_at: DateTime<Utc>) -> Template {
    Template {
        account: owner.clone(),
        id: TemplateId(id),
        name: format!("template {id}"),
        html: Some(format!("<p>Hello {{{{name}}}}, №{id}</p>")),
        text: if id.is_multiple_of(2) {
            None
        } else {
            Some(format!("Hello {{{{name}}}} {id}"))
        },
        status: 0,
        created_at,
    }
}

pub(crate) fn identity(owner: &AccountId, name: &str, created_at: DateTime<Utc>) -> Identity {
    Identity {
        account: owner.clone(),
        domain: domain(name),
        dkim_option: 1,
        dkim_keys: vec![DkimKey {
            selector: "sesame202405".to_owned(),
            algorithm: DkimAlgorithm::Rsa2048,
            sealed_private_key: vec![1, 2, 3, 0, 4],
            public_key: "MIIBIjANBgkq".to_owned(),
            state: DkimKeyState::Active,
        }],
        verified: false,
        trusted: false,
        check: None,
        tags: vec![("team".to_owned(), "growth".to_owned())],
        created_at,
    }
}

pub(crate) fn sender(
    owner: &AccountId,
    address: &str,
    name: Option<&str>,
    created_at: DateTime<Utc>,
) -> Sender {
    Sender {
        account: owner.clone(),
        address: addr(address),
        name: name.map(|n| DisplayName::parse(n).expect("valid name")),
        created_at,
    }
}

/// A message to `recipients` (all in `To:`) and its queued deliveries, accepted at `at`.
pub(crate) fn message(
    owner: &AccountId,
    id: &str,
    recipients: &[&str],
    at: DateTime<Utc>,
) -> (Message, Vec<Delivery>) {
    let from = Mailbox::parse("Sesame Tests <noreply@mail.example.com>").expect("valid mailbox");
    let message = Message {
        account: owner.clone(),
        id: message_id(id),
        from: from.clone(),
        header_from: None,
        reply_to: Some(addr("support@example.com")),
        to: recipients.iter().map(|r| addr(r)).collect(),
        cc: vec![],
        bcc: vec![],
        subject: "Grüße".to_owned(),
        html: Some("<b>hi</b>".to_owned()),
        text: None,
        attachments: vec![crate::model::Attachment {
            file_name: "a.txt".to_owned(),
            content_type: "text/plain".to_owned(),
            data: vec![0, 1, 2, 254],
        }],
        headers: vec![("X-Campaign".to_owned(), "spring".to_owned())],
        smtp_message_id: None,
        trigger_type: 1,
        unsubscribe: "0".to_owned(),
        template_id: Some(TemplateId(7)),
        created_at: at,
    };
    let deliveries = recipients
        .iter()
        .map(|r| delivery(owner, id, r, at))
        .collect();
    (message, deliveries)
}

/// A queued delivery as `insert_message` receives it.
pub(crate) fn delivery(
    owner: &AccountId,
    id: &str,
    recipient: &str,
    at: DateTime<Utc>,
) -> Delivery {
    Delivery {
        account: owner.clone(),
        message_id: message_id(id),
        recipient: addr(recipient),
        from: "noreply@mail.example.com".to_owned(),
        send_status: SendStatus::Ok,
        deliver_status: DeliverStatus::Queued,
        deliver_message: String::new(),
        request_time: at,
        deliver_time: None,
        attempts: 0,
        claimed_until: None,
    }
}
