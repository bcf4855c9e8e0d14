//! MIME composition: snapshots of whole messages and the rules behind them.

mod common;

use common::{addr, attachment, input, message};
use sesame_core::ports::{ComposeError, Dkim};
use sesame_core::types::{DisplayName, Mailbox};
use sesame_mail::MailAuthDkim;

fn compose(message: &sesame_core::model::Message) -> Result<String, ComposeError> {
    let recipient = message
        .to
        .first()
        .or(message.bcc.first())
        .expect("a recipient")
        .clone();
    let raw = MailAuthDkim::new().compose(&input(message, &recipient, &[]))?;
    Ok(String::from_utf8(raw).expect("composed messages are ASCII"))
}

/// Snapshots are stored with LF; CRLF itself is checked by its own test.
fn lf(raw: &str) -> String {
    raw.replace("\r\n", "\n")
}

#[test]
fn text_only_message_is_a_single_text_part() {
    insta::assert_snapshot!(lf(&compose(&message()).unwrap()));
}

#[test]
fn html_and_text_become_multipart_alternative() {
    let mut m = message();
    m.html = Some("<p>Hello Alice,<br>your order is on its way.</p>".to_owned());
    insta::assert_snapshot!(lf(&compose(&m).unwrap()));
}

#[test]
fn html_only_message_is_a_single_html_part() {
    let mut m = message();
    m.text = None;
    m.html = Some("<p>Only HTML</p>".to_owned());
    let raw = compose(&m).unwrap();
    assert!(
        raw.contains("Content-Type: text/html; charset=utf-8\r\n"),
        "{raw}"
    );
    assert!(!raw.contains("multipart"), "{raw}");
}

#[test]
fn attachment_wraps_body_in_multipart_mixed() {
    let mut m = message();
    m.html = Some("<p>Invoice attached.</p>".to_owned());
    m.attachments = vec![attachment()];
    insta::assert_snapshot!(lf(&compose(&m).unwrap()));
}

#[test]
fn utf8_subject_and_display_name_are_rfc2047_encoded() {
    let mut m = message();
    m.from = Mailbox::parse("Grüße Team <noreply@mail.example.com>").unwrap();
    m.subject = "Ваш заказ отправлен — Grüße 🚚".to_owned();
    m.text = Some("Привет, Алиса! Straße.\n".to_owned());
    let raw = compose(&m).unwrap();
    assert!(raw.is_ascii());
    insta::assert_snapshot!(lf(&raw));
}

#[test]
fn cc_and_reply_to_are_written_and_bcc_never_is() {
    let mut m = message();
    m.cc = vec![addr("carol@example.net")];
    m.bcc = vec![addr("secret-bcc@example.com")];
    m.reply_to = Some(addr("support@example.com"));
    // The copy for the Bcc recipient still names nobody in Bcc.
    let raw = MailAuthDkim::new()
        .compose(&input(&m, &m.bcc[0], &[]))
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    assert!(!raw.to_ascii_lowercase().contains("bcc"), "{raw}");
    assert!(!raw.contains("secret-bcc"), "{raw}");
    insta::assert_snapshot!(lf(&raw));
}

#[test]
fn bcc_only_message_composes_without_to_header() {
    let mut m = message();
    m.to = vec![];
    m.bcc = vec![addr("hidden@example.com")];
    let raw = compose(&m).unwrap();
    assert!(!raw.contains("\r\nTo:") && !raw.starts_with("To:"), "{raw}");
    assert!(!raw.contains("hidden@"), "{raw}");
}

#[test]
fn header_from_overrides_the_sender_in_from() {
    let mut m = message();
    m.header_from = Some(Mailbox {
        name: Some(DisplayName::parse("Shop").unwrap()),
        address: addr("news@mail.example.com"),
    });
    let raw = compose(&m).unwrap();
    assert!(
        raw.starts_with("From: Shop <news@mail.example.com>\r\n"),
        "{raw}"
    );
    assert!(!raw.contains("noreply@"), "{raw}");
}

#[test]
fn extra_headers_are_added_verbatim() {
    let mut m = message();
    m.headers = vec![
        ("X-Campaign".to_owned(), "spring-sale".to_owned()),
        ("List-Id".to_owned(), "<news.example.com>".to_owned()),
    ];
    let raw = compose(&m).unwrap();
    assert!(raw.contains("\r\nX-Campaign: spring-sale\r\n"), "{raw}");
    assert!(raw.contains("\r\nList-Id: <news.example.com>\r\n"), "{raw}");
}

#[test]
fn header_value_with_line_break_is_refused() {
    for value in ["a\r\nBcc: victim@example.com", "a\nb", "a\rb"] {
        let mut m = message();
        m.headers = vec![("X-Campaign".to_owned(), value.to_owned())];
        assert!(compose(&m).is_err(), "{value:?}");
    }
}

#[test]
fn extra_header_may_not_replace_a_composed_one() {
    for name in [
        "From",
        "subject",
        "Bcc",
        "Message-ID",
        "DKIM-Signature",
        "Content-Type",
    ] {
        let mut m = message();
        m.headers = vec![(name.to_owned(), "x".to_owned())];
        assert!(compose(&m).is_err(), "{name}");
    }
    let mut m = message();
    m.headers = vec![("Bad Name".to_owned(), "x".to_owned())];
    assert!(compose(&m).is_err());
}

#[test]
fn subject_with_line_break_is_encoded_not_injected() {
    let mut m = message();
    m.subject = "Hi\r\nBcc: victim@example.com".to_owned();
    let raw = compose(&m).unwrap();
    assert!(
        raw.contains("\r\nSubject: =?utf-8?b?SGkNCkJjYzo=?= victim@example.com\r\n"),
        "{raw}"
    );
    assert!(!raw.contains("\r\nBcc:"), "{raw}");
}

#[test]
fn every_line_ends_in_crlf_and_stays_short() {
    let mut m = message();
    m.text = Some(format!("{}\nshort line\n", "long words ".repeat(40)));
    m.html = Some(format!("<p>{}</p>", "x".repeat(3000)));
    m.attachments = vec![attachment()];
    let raw = compose(&m).unwrap();
    assert!(
        !raw.replace("\r\n", "").contains(['\r', '\n']),
        "bare CR or LF"
    );
    for line in raw.split("\r\n") {
        assert!(line.len() <= 78, "line of {} chars: {line}", line.len());
    }
}

#[test]
fn client_message_id_is_used_as_given() {
    let mut m = message();
    m.smtp_message_id = Some("<order-42@shop.example.com>".to_owned());
    let raw = compose(&m).unwrap();
    assert!(
        raw.contains("\r\nMessage-ID: <order-42@shop.example.com>\r\n"),
        "{raw}"
    );
}

#[test]
fn generated_message_id_is_stable_per_recipient_and_differs_between_recipients() {
    let mut m = message();
    m.to = vec![addr("alice@example.org"), addr("bob@example.org")];
    let dkim = MailAuthDkim::new();
    let id = |r| {
        let raw = String::from_utf8(dkim.compose(&input(&m, r, &[])).unwrap()).unwrap();
        raw.lines()
            .find(|l| l.starts_with("Message-ID:"))
            .unwrap()
            .to_owned()
    };
    assert_eq!(id(&m.to[0]), id(&m.to[0]));
    assert_ne!(id(&m.to[0]), id(&m.to[1]));
    assert!(
        id(&m.to[0]).starts_with("Message-ID: <m-20240501-0001."),
        "{}",
        id(&m.to[0])
    );
    assert!(
        id(&m.to[0]).ends_with("@mail.example.com>"),
        "{}",
        id(&m.to[0])
    );
}

#[test]
fn invalid_attachment_content_type_is_refused() {
    let mut m = message();
    let mut a = attachment();
    a.content_type = "not a type".to_owned();
    m.attachments = vec![a];
    assert!(compose(&m).is_err());
}

#[test]
fn feedback_id_names_campaign_account_and_mail_type() {
    let mut m = message();
    assert!(
        compose(&m)
            .unwrap()
            .contains("\r\nFeedback-ID: direct:acct:transactional:sesame\r\n")
    );
    m.template_id = Some(sesame_core::types::TemplateId(42));
    m.trigger_type = 0;
    assert!(
        compose(&m)
            .unwrap()
            .contains("\r\nFeedback-ID: t42:acct:marketing:sesame\r\n")
    );
}

#[test]
fn header_fields_rfc5322_requires_appear_exactly_once() {
    let mut m = message();
    m.html = Some("<p>hi</p>".into());
    let raw = compose(&m).unwrap();
    let head = &raw[..raw.find("\r\n\r\n").unwrap()];
    for name in ["From", "Date", "Message-ID", "MIME-Version", "Feedback-ID"] {
        let count = head
            .split("\r\n")
            .filter(|l| {
                l.to_ascii_lowercase()
                    .starts_with(&format!("{}:", name.to_ascii_lowercase()))
            })
            .count();
        assert_eq!(count, 1, "{name} in {head}");
    }
    assert!(
        head.contains("@mail.example.com>"),
        "Message-ID is in the sender's domain: {head}"
    );
}
