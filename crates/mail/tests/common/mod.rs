//! Shared fixtures for the integration tests: a fixed message, fixed keys, a fixed clock.

#![allow(dead_code)] // Each test binary uses a different subset.

pub mod dnsmasq;
pub mod relay;
pub mod verify;

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use sesame_core::model::{Attachment, DkimAlgorithm, Message};
use sesame_core::ports::{ComposeInput, SigningKey};
use sesame_core::types::{AccountId, EmailAddress, Mailbox, MessageId};

/// Where the fixture files live.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).expect("fixture file")
}

/// Fixed time of every composed message: 2024-05-01T08:30:00Z.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 8, 30, 0)
        .single()
        .expect("valid time")
}

pub fn addr(raw: &str) -> EmailAddress {
    EmailAddress::parse(raw).expect("valid address")
}

/// A text-only message to one `To:` recipient; tests adjust the fields they exercise.
pub fn message() -> Message {
    Message {
        account: AccountId::parse("acct").expect("account"),
        id: MessageId::parse("m-20240501-0001").expect("message id"),
        from: Mailbox::parse("noreply@mail.example.com").expect("mailbox"),
        header_from: None,
        reply_to: None,
        to: vec![addr("alice@example.org")],
        cc: vec![],
        bcc: vec![],
        subject: "Your order has shipped".to_owned(),
        html: None,
        text: Some("Hello Alice,\nyour order is on its way.\n".to_owned()),
        attachments: vec![],
        headers: vec![],
        smtp_message_id: None,
        trigger_type: 1,
        unsubscribe: "0".to_owned(),
        template_id: None,
        created_at: now(),
    }
}

pub fn attachment() -> Attachment {
    Attachment {
        file_name: "invoice.pdf".to_owned(),
        content_type: "application/pdf".to_owned(),
        data: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\nfake\x00".to_vec(),
    }
}

/// The fixture RSA-2048 key (PKCS#8 DER) for `mail.example.com`, selector `rsa2024`.
pub fn rsa_key() -> SigningKey {
    SigningKey {
        domain: "mail.example.com".to_owned(),
        selector: "rsa2024".to_owned(),
        algorithm: DkimAlgorithm::Rsa2048,
        private_pkcs8: fixture("dkim-rsa2048.pk8.der"),
    }
}

/// The fixture Ed25519 key (PKCS#8 v1 DER, as openssl writes it), selector `ed2024`.
pub fn ed25519_key() -> SigningKey {
    SigningKey {
        domain: "mail.example.com".to_owned(),
        selector: "ed2024".to_owned(),
        algorithm: DkimAlgorithm::Ed25519,
        private_pkcs8: fixture("dkim-ed25519.pk8.der"),
    }
}

/// The DNS TXT value published for a fixture key.
pub fn dns_record(key: &SigningKey) -> String {
    let (file, k) = match key.algorithm {
        DkimAlgorithm::Rsa2048 => ("dkim-rsa2048.pub.b64", "rsa"),
        DkimAlgorithm::Ed25519 => ("dkim-ed25519.pub.b64", "ed25519"),
    };
    let p = String::from_utf8(fixture(file)).expect("utf-8");
    format!("v=DKIM1; k={k}; p={}", p.trim())
}

/// Compose input for `message` addressed to its first `To:` recipient.
pub fn input<'a>(
    message: &'a Message,
    recipient: &'a EmailAddress,
    keys: &'a [SigningKey],
) -> ComposeInput<'a> {
    ComposeInput {
        message,
        recipient,
        now: now(),
        message_id_domain: "mail.example.com",
        keys,
    }
}

/// The Python interpreter for tests that need aiosmtpd or dkimpy: `$SESAME_TEST_PYTHON`, else
/// the workspace's `.venv/bin/python`, else `python3` on the PATH.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SESAME_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// Panics with instructions unless `module` imports in [`python`]: these tests must fail,
/// not pass vacuously, when their tools are missing.
pub fn require_python_module(module: &str, package: &str) -> PathBuf {
    let python = python();
    let ok = std::process::Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "Python module `{module}` is not importable with {}. Install it: \
         `python3 -m venv .venv && .venv/bin/pip install {package}` at the workspace root, \
         or set SESAME_TEST_PYTHON to an interpreter that has it.",
        python.display()
    );
    python
}
