//! `dkim`: the CPU cost of composing and DKIM-signing one message with the server's own code
//! (`sesame_mail::MailAuthDkim`), for RSA-2048, Ed25519 and both (dual signing), against
//! composing without a signature. One core; the figures bound what delivery can do per core.

use std::hint::black_box;
use std::time::Instant;

use anyhow::Context;
use serde_json::{Value, json};
use sesame_core::model::{DkimAlgorithm, Message};
use sesame_core::ports::{ComposeInput, Dkim, SigningKey};
use sesame_core::types::{AccountId, EmailAddress, Mailbox, MessageId, TemplateId};
use sesame_mail::MailAuthDkim;

const DOMAIN: &str = "bench.example.com";

/// Runs every case `iterations` times and returns the result object.
pub fn run(iterations: u32) -> anyhow::Result<Value> {
    let dkim = MailAuthDkim::new();
    let message = sample_message()?;
    let recipient = message.to[0].clone();
    let rsa = signing_key(&dkim, DkimAlgorithm::Rsa2048, "rsa")?;
    let ed = signing_key(&dkim, DkimAlgorithm::Ed25519, "ed")?;

    let cases: [(&str, Vec<SigningKey>); 4] = [
        ("unsigned", vec![]),
        ("rsa2048", vec![rsa.clone()]),
        ("ed25519", vec![ed.clone()]),
        ("dual_rsa2048_ed25519", vec![rsa, ed]),
    ];
    let mut results = serde_json::Map::new();
    let mut size = 0;
    for (name, keys) in &cases {
        let input = ComposeInput {
            message: &message,
            recipient: &recipient,
            now: chrono::Utc::now(),
            message_id_domain: DOMAIN,
            keys,
        };
        // Warm-up also fills the parsed-key cache, as in a running server.
        for _ in 0..iterations.div_ceil(10).max(5) {
            size = black_box(dkim.compose(&input)?).len();
        }
        let started = Instant::now();
        for _ in 0..iterations {
            black_box(dkim.compose(black_box(&input))?);
        }
        let per_msg_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
        results.insert(
            (*name).to_string(),
            json!({ "us_per_message": per_msg_us, "messages_per_s_one_core": 1e6 / per_msg_us }),
        );
    }

    let keygen_started = Instant::now();
    let keygens = 5;
    for _ in 0..keygens {
        black_box(dkim.generate(DkimAlgorithm::Rsa2048)?);
    }
    let rsa_keygen_ms = keygen_started.elapsed().as_secs_f64() * 1000.0 / f64::from(keygens);

    Ok(json!({
        "iterations": iterations,
        "message_bytes": size,
        "compose_and_sign": results,
        "rsa2048_keygen_ms": rsa_keygen_ms,
    }))
}

fn signing_key(
    dkim: &MailAuthDkim,
    algorithm: DkimAlgorithm,
    selector: &str,
) -> anyhow::Result<SigningKey> {
    let generated = dkim.generate(algorithm).context("generating a DKIM key")?;
    Ok(SigningKey {
        domain: DOMAIN.to_string(),
        selector: selector.to_string(),
        algorithm,
        private_pkcs8: generated.private_pkcs8,
    })
}

/// A typical transactional message: ~1 KB of text and ~3 KB of HTML, no attachment.
fn sample_message() -> anyhow::Result<Message> {
    let addr = |s: &str| EmailAddress::parse(s).map_err(|e| anyhow::anyhow!("{s}: {e:?}"));
    let para = "Your order has shipped and is on its way. Track it any time from your account page; \
                reply to this message if anything looks wrong. ";
    Ok(Message {
        account: AccountId::parse("bench").map_err(|e| anyhow::anyhow!("{e:?}"))?,
        id: MessageId::parse("sesame-20260101000000-0123456789abcdef0123456789abcdef")
            .map_err(|e| anyhow::anyhow!("{e:?}"))?,
        from: Mailbox::parse(&format!("Bench <noreply@{DOMAIN}>"))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?,
        header_from: None,
        reply_to: None,
        to: vec![addr("customer@example.org")?],
        cc: vec![],
        bcc: vec![],
        subject: "Your order #12345 has shipped".to_string(),
        html: Some(format!(
            "<html><body>{}</body></html>",
            format!("<p>{para}</p>\n").repeat(18)
        )),
        text: Some(format!("{para}\n").repeat(7)),
        attachments: vec![],
        headers: vec![],
        smtp_message_id: None,
        trigger_type: 1,
        unsubscribe: "0".to_string(),
        template_id: Some(TemplateId(1)),
        created_at: chrono::Utc::now(),
    })
}
