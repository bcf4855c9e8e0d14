//! DKIM signatures: one golden header, and verification by two independent verifiers
//! (mail-auth's and Python's dkimpy).

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::verify::{TxtRecords, mail_auth_verdicts};
use common::{dns_record, ed25519_key, input, message, rsa_key};
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::dkim::DkimError;
use mail_auth::{DkimResult, Error, Txt};
use sesame_core::model::DkimAlgorithm;
use sesame_core::ports::{Dkim, SigningKey};
use sesame_mail::MailAuthDkim;

fn sign(keys: &[SigningKey]) -> Vec<u8> {
    let m = message();
    MailAuthDkim::new()
        .compose(&input(&m, &m.to[0], keys))
        .unwrap()
}

/// The DKIM-Signature header fields at the top of `raw`, unfolded.
fn signature_headers(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8(raw.to_vec()).unwrap();
    let unfolded = text.replace("\r\n\t", " ").replace("\r\n ", " ");
    unfolded
        .lines()
        .take_while(|l| l.starts_with("DKIM-Signature:"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn rsa_signature_of_a_fixed_message_at_a_fixed_time_is_exact() {
    let raw = sign(&[rsa_key()]);
    let text = String::from_utf8(raw).unwrap();
    let header = &text[..text.find("\r\nFrom:").unwrap() + 2];
    assert_eq!(header, GOLDEN_RSA);
}

const GOLDEN_RSA: &str = concat!(
    "DKIM-Signature: v=1; a=rsa-sha256; s=rsa2024; d=mail.example.com; c=relaxed/relaxed;\r\n",
    "\th=Content-Type:MIME-Version:Feedback-ID:Message-ID:Date:Subject:To:From;\r\n",
    "\tt=1714552200; bh=y8Uzk/5MU2xl5C625Idva9Jt+TUpEk0o+0e6MD3zSX4=; b=egixW91Okk\r\n",
    "\tBAopHu+XQVN0t8HPNhPdiFz8FAykutZgFFRZnrFoLMBhbT88tIsW8CpLXQt0QHV3Qyt3EGkCHDQ\r\n",
    "\tESWir648o+XjQiowX2FMoW56S0M7UMWQTP1Yk4lQ49zP4HiGGLgV1NbscRc9S8U+1yUQX8g6QGF\r\n",
    "\tO0Hk5nfSqYykQ8bqE+riV9sNE9KfZ2zakgOkFIEXpV+LpLTmH4PtBQtYIPagoTF5My7P/Xqi/Wm\r\n",
    "\tx3Rm8oDiJxzEBiO1BJI17JmAz7Qudtxlqoy3CaoCuJgrDxa0/27/5YFZ5SYAbPyQJ3oBOLRdkZ1\r\n",
    "\tDo4UfkNqEIvdnYTBTmor+so+IgvuS6oA==;\r\n",
);

#[test]
fn signature_lists_present_headers_and_stamps_the_given_time() {
    let mut m = message();
    m.cc = vec![common::addr("carol@example.net")];
    m.reply_to = Some(common::addr("support@example.com"));
    let raw = MailAuthDkim::new()
        .compose(&input(&m, &m.to[0], &[rsa_key()]))
        .unwrap();
    let header = &signature_headers(&raw)[0];
    for tag in [
        "a=rsa-sha256",
        "s=rsa2024",
        "d=mail.example.com",
        "c=relaxed/relaxed",
        "t=1714552200",
    ] {
        assert!(header.contains(tag), "{tag} missing in {header}");
    }
    let h = header
        .split("h=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    let mut names: Vec<String> = h
        .split(':')
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    names.sort();
    let expected = [
        "cc",
        "content-type",
        "date",
        "feedback-id",
        "from",
        "message-id",
        "mime-version",
        "reply-to",
        "subject",
        "to",
    ];
    assert_eq!(names, expected);

    let plain = signature_headers(&sign(&[rsa_key()])).remove(0);
    let h = plain
        .split("h=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        !h.contains("cc") && !h.contains("reply-to"),
        "absent headers listed: {h}"
    );
}

#[test]
fn no_keys_means_no_signature() {
    assert!(signature_headers(&sign(&[])).is_empty());
}

#[test]
fn dual_signing_puts_one_signature_per_key_in_key_order() {
    let headers = signature_headers(&sign(&[rsa_key(), ed25519_key()]));
    assert_eq!(headers.len(), 2);
    assert!(headers[0].contains("a=rsa-sha256"), "{}", headers[0]);
    assert!(headers[1].contains("a=ed25519-sha256"), "{}", headers[1]);
}

#[test]
fn unusable_key_is_a_compose_error() {
    let mut key = rsa_key();
    key.private_pkcs8.truncate(100);
    let m = message();
    assert!(
        MailAuthDkim::new()
            .compose(&input(&m, &m.to[0], &[key]))
            .is_err()
    );
}

#[tokio::test]
async fn mail_auth_verifies_rsa_ed25519_and_dual_signatures() {
    for keys in [
        vec![rsa_key()],
        vec![ed25519_key()],
        vec![rsa_key(), ed25519_key()],
    ] {
        let raw = sign(&keys);
        let verdicts = mail_auth_verdicts(&raw, &TxtRecords::of(&keys)).await;
        assert_eq!(
            verdicts,
            vec![DkimResult::Pass; keys.len()],
            "{:?}",
            keys.iter().map(|k| k.algorithm).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn mail_auth_verifies_every_message_shape() {
    let keys = [rsa_key(), ed25519_key()];
    let mut m = message();
    m.html = Some("<p>Grüße</p>".to_owned());
    m.subject = "Grüße 🚚".to_owned();
    m.cc = vec![common::addr("carol@example.net")];
    m.attachments = vec![common::attachment()];
    m.headers = vec![("X-Campaign".to_owned(), "spring".to_owned())];
    let raw = MailAuthDkim::new()
        .compose(&input(&m, &m.to[0], &keys))
        .unwrap();
    assert_eq!(
        mail_auth_verdicts(&raw, &TxtRecords::of(&keys)).await,
        vec![DkimResult::Pass; 2]
    );
}

#[tokio::test]
async fn tampered_message_fails_verification() {
    let keys = [rsa_key(), ed25519_key()];
    let raw = String::from_utf8(sign(&keys)).unwrap();
    let body_changed = raw.replace("on its way", "on its WAY");
    let subject_changed = raw.replace("Subject: Your order", "Subject: Our order");
    // mail-auth reports a body hash mismatch as neutral, a bad header signature as fail.
    let verdicts = mail_auth_verdicts(body_changed.as_bytes(), &TxtRecords::of(&keys)).await;
    assert_eq!(
        verdicts,
        vec![DkimResult::Neutral(Error::Dkim(DkimError::FailedBodyHashMatch)); 2]
    );
    let verdicts = mail_auth_verdicts(subject_changed.as_bytes(), &TxtRecords::of(&keys)).await;
    assert_eq!(verdicts.len(), 2);
    assert!(
        verdicts.iter().all(|v| matches!(v, DkimResult::Fail(_))),
        "{verdicts:?}"
    );
}

#[tokio::test]
async fn generated_keys_sign_verifiable_mail() {
    let dkim = MailAuthDkim::new();
    let mut keys = Vec::new();
    let mut records = HashMap::new();
    for (algorithm, selector) in [
        (DkimAlgorithm::Rsa2048, "gen-rsa"),
        (DkimAlgorithm::Ed25519, "gen-ed"),
    ] {
        let generated = dkim.generate(algorithm).unwrap();
        let record = format!(
            "v=DKIM1; k={}; p={}",
            algorithm.key_type(),
            generated.public_key
        );
        let name = format!("{selector}._domainkey.mail.example.com.").into_boxed_str();
        records.insert(
            name,
            Txt::DomainKey(Arc::new(DomainKey::parse(record.as_bytes()).unwrap())),
        );
        keys.push(SigningKey {
            domain: "mail.example.com".to_owned(),
            selector: selector.to_owned(),
            algorithm,
            private_pkcs8: generated.private_pkcs8,
        });
    }
    let raw = sign(&keys);
    assert_eq!(
        mail_auth_verdicts(&raw, &TxtRecords(records)).await,
        vec![DkimResult::Pass; 2]
    );
}

/// dkimpy is an independent implementation; it checks RSA only here because its Ed25519
/// support needs PyNaCl, which the test environment does not install.
#[test]
fn dkimpy_verifies_the_rsa_signature() {
    let python = common::require_python_module("dkim", "dkimpy");
    let dir = tempfile::tempdir().unwrap();
    let mut m = message();
    m.html = Some("<p>Grüße</p>".to_owned());
    m.attachments = vec![common::attachment()];
    let raw = MailAuthDkim::new()
        .compose(&input(&m, &m.to[0], &[rsa_key()]))
        .unwrap();
    let good = dir.path().join("good.eml");
    let bad = dir.path().join("bad.eml");
    std::fs::write(&good, &raw).unwrap();
    std::fs::write(
        &bad,
        String::from_utf8(raw)
            .unwrap()
            .replace("Hello Alice", "Hello Mallory"),
    )
    .unwrap();
    let script = common::fixtures().join("dkim_verify.py");
    let run = |file: &std::path::Path| {
        std::process::Command::new(&python)
            .arg(&script)
            .arg(file)
            .arg(format!(
                "{}._domainkey.{}.",
                rsa_key().selector,
                rsa_key().domain
            ))
            .arg(dns_record(&rsa_key()))
            .output()
            .expect("python runs")
    };
    let out = run(&good);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "pass",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&bad);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "fail",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
