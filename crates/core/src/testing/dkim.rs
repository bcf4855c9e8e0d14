//! A fake DKIM/MIME port: deterministic keys and a plain, readable message format.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::model::DkimAlgorithm;
use crate::ports::{ComposeError, ComposeInput, Dkim, GeneratedKey};

/// Generates numbered fake keys and composes a simple RFC 5322 message with one
/// `X-Fake-Signed: <selector>` header per key instead of a real signature. Clones share the
/// key counter.
#[derive(Debug, Clone, Default)]
pub struct PlainDkim {
    generated: Arc<AtomicU64>,
}

const BOUNDARY: &str = "fake-boundary";

impl Dkim for PlainDkim {
    fn generate(&self, algorithm: DkimAlgorithm) -> Result<GeneratedKey, ComposeError> {
        let n = self.generated.fetch_add(1, Ordering::Relaxed) + 1;
        let kind = algorithm.key_type();
        Ok(GeneratedKey {
            private_pkcs8: format!("fake-{kind}-private-key-{n}").into_bytes(),
            public_key: STANDARD.encode(format!("fake-{kind}-public-key-{n}")),
        })
    }

    fn compose(&self, input: &ComposeInput<'_>) -> Result<Vec<u8>, ComposeError> {
        let m = input.message;
        let mut out = String::new();
        let mut header = |name: &str, value: &str| {
            // Infallible: writing to a String.
            let _ = write!(out, "{name}: {value}\r\n");
        };
        for key in input.keys {
            header("X-Fake-Signed", &key.selector);
        }
        header(
            "From",
            &m.header_from.as_ref().unwrap_or(&m.from).to_string(),
        );
        let join = |list: &[crate::types::EmailAddress]| {
            list.iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !m.to.is_empty() {
            header("To", &join(&m.to));
        }
        if !m.cc.is_empty() {
            header("Cc", &join(&m.cc));
        }
        if let Some(reply_to) = &m.reply_to {
            header("Reply-To", reply_to.as_str());
        }
        header("Subject", &m.subject);
        header("Date", &input.now.to_rfc2822());
        let message_id = match &m.smtp_message_id {
            Some(id) => id.clone(),
            None => format!("<{}@{}>", m.id, input.message_id_domain),
        };
        header("Message-ID", &message_id);
        for (name, value) in &m.headers {
            header(name, value);
        }
        for attachment in &m.attachments {
            header("X-Fake-Attachment", &attachment.file_name);
        }
        header("MIME-Version", "1.0");
        match (&m.text, &m.html) {
            (Some(text), Some(html)) => {
                header(
                    "Content-Type",
                    &format!("multipart/alternative; boundary=\"{BOUNDARY}\""),
                );
                out.push_str("\r\n");
                for (kind, body) in [("plain", text), ("html", html)] {
                    let _ = write!(
                        out,
                        "--{BOUNDARY}\r\nContent-Type: text/{kind}; charset=utf-8\r\n\r\n{}\r\n",
                        crlf(body)
                    );
                }
                let _ = write!(out, "--{BOUNDARY}--\r\n");
            }
            (text, html) => {
                let (kind, body) = match (text, html) {
                    (_, Some(html)) => ("html", html.as_str()),
                    (Some(text), None) => ("plain", text.as_str()),
                    (None, None) => ("plain", ""),
                };
                header("Content-Type", &format!("text/{kind}; charset=utf-8"));
                let _ = write!(out, "\r\n{}\r\n", crlf(body));
            }
        }
        Ok(out.into_bytes())
    }
}

fn crlf(body: &str) -> String {
    body.replace("\r\n", "\n").replace('\n', "\r\n")
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::model::Message;
    use crate::ports::SigningKey;
    use crate::types::{AccountId, EmailAddress, Mailbox, MessageId};

    fn message() -> Message {
        let addr = |s: &str| EmailAddress::parse(s).unwrap();
        Message {
            account: AccountId::parse("acct").unwrap(),
            id: MessageId::parse("m-1").unwrap(),
            from: Mailbox::parse("Ops <noreply@mail.example.com>").unwrap(),
            header_from: None,
            reply_to: None,
            to: vec![addr("to@example.com")],
            cc: vec![],
            bcc: vec![addr("hidden@example.com")],
            subject: "Hi".to_owned(),
            html: None,
            text: Some("line one\nline two".to_owned()),
            attachments: vec![],
            headers: vec![],
            smtp_message_id: None,
            trigger_type: 1,
            unsubscribe: "0".to_owned(),
            template_id: None,
            created_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn compose_writes_plain_headers_a_fake_signature_per_key_and_no_bcc() {
        let m = message();
        let key = |selector: &str| SigningKey {
            domain: "mail.example.com".to_owned(),
            selector: selector.to_owned(),
            algorithm: DkimAlgorithm::Rsa2048,
            private_pkcs8: vec![],
        };
        let keys = [key("s1"), key("s2")];
        let input = ComposeInput {
            message: &m,
            recipient: &m.bcc[0],
            now: m.created_at,
            message_id_domain: "sesame.test",
            keys: &keys,
        };
        let raw = String::from_utf8(PlainDkim::default().compose(&input).unwrap()).unwrap();
        assert!(raw.starts_with(
            "X-Fake-Signed: s1\r\nX-Fake-Signed: s2\r\nFrom: Ops <noreply@mail.example.com>\r\n"
        ));
        assert!(raw.contains("\r\nMessage-ID: <m-1@sesame.test>\r\n"));
        assert!(raw.ends_with("\r\n\r\nline one\r\nline two\r\n"));
        assert!(!raw.contains("hidden@"));
    }

    #[test]
    fn generated_keys_are_numbered_and_base64() {
        let dkim = PlainDkim::default();
        let first = dkim.generate(DkimAlgorithm::Ed25519).unwrap();
        let second = dkim.generate(DkimAlgorithm::Ed25519).unwrap();
        assert_ne!(first, second);
        assert_eq!(
            STANDARD.decode(&first.public_key).unwrap(),
            b"fake-ed25519-public-key-1"
        );
    }
}
