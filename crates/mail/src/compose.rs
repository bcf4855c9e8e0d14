//! Builds the RFC 5322 message for one recipient with lettre's message builder.
//!
//! Everything that would otherwise be random (Message-ID, MIME boundaries) is derived from the
//! message id and the recipient, so the same input always gives the same bytes: a redelivery
//! of the same copy carries the same Message-ID, and snapshot tests are stable.

use std::time::SystemTime;

use aws_lc_rs::digest::{SHA256, digest};
use lettre::address::{Address, Envelope};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{
    Attachment as LettreAttachment, Mailbox as LettreMailbox, MultiPart, SinglePart,
};
use sesame_core::model::Message;
use sesame_core::ports::{ComposeError, ComposeInput};
use sesame_core::types::{EmailAddress, Mailbox};

/// Header names that the composer writes itself; an extra header may not replace them.
const RESERVED: [&str; 14] = [
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "dkim-signature",
    "feedback-id",
];

/// The unsigned message for `input.recipient`, CRLF line endings.
pub fn compose(input: &ComposeInput<'_>) -> Result<Vec<u8>, ComposeError> {
    let message = input.message;
    let seed = Seed::new(message, input.recipient);
    let from = message.header_from.as_ref().unwrap_or(&message.from);

    // Set explicitly: lettre would derive it from To/Cc and fail on a Bcc-only message.
    // The SMTP envelope is given to the mailer separately; this one is never used.
    let mut builder = lettre::Message::builder()
        .from(mailbox(from)?)
        .envelope(envelope(&message.from.address, input.recipient)?);
    for to in &message.to {
        builder = builder.to(address(to)?.into());
    }
    for cc in &message.cc {
        builder = builder.cc(address(cc)?.into());
    }
    if let Some(reply_to) = &message.reply_to {
        builder = builder.reply_to(address(reply_to)?.into());
    }
    builder = builder
        .subject(message.subject.as_str())
        .date(SystemTime::from(input.now))
        .message_id(Some(message_id(message, &seed, input.message_id_domain)?))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Feedback-ID"),
            feedback_id(message),
        ));
    for (name, value) in &message.headers {
        builder = builder.raw_header(extra_header(name, value)?);
    }

    let built = match (body(message, &seed), message.attachments.is_empty()) {
        (Body::Single(part), true) => builder.singlepart(part),
        (Body::Multi(part), true) => builder.multipart(part),
        (content, false) => {
            let mut mixed = MultiPart::mixed()
                .boundary(seed.boundary("mixed", message))
                .build();
            mixed = match content {
                Body::Single(part) => mixed.singlepart(part),
                Body::Multi(part) => mixed.multipart(part),
            };
            for attachment in &message.attachments {
                mixed = mixed.singlepart(attachment_part(attachment)?);
            }
            builder.multipart(mixed)
        }
    };
    built
        .map(|m| m.formatted())
        .map_err(|e| ComposeError(format!("cannot build message: {e}")))
}

enum Body {
    Single(SinglePart),
    Multi(MultiPart),
}

fn body(message: &Message, seed: &Seed) -> Body {
    match (&message.text, &message.html) {
        (Some(text), Some(html)) => Body::Multi(
            MultiPart::alternative()
                .boundary(seed.boundary("alt", message))
                .singlepart(SinglePart::plain(text.clone()))
                .singlepart(SinglePart::html(html.clone())),
        ),
        (None, Some(html)) => Body::Single(SinglePart::html(html.clone())),
        (Some(text), None) => Body::Single(SinglePart::plain(text.clone())),
        (None, None) => Body::Single(SinglePart::plain(String::new())),
    }
}

fn attachment_part(
    attachment: &sesame_core::model::Attachment,
) -> Result<SinglePart, ComposeError> {
    if attachment.file_name.chars().any(char::is_control) {
        return Err(ComposeError(
            "attachment file name contains control characters".into(),
        ));
    }
    let content_type = ContentType::parse(&attachment.content_type).map_err(|_| {
        ComposeError(format!(
            "invalid attachment content type {:?}",
            attachment.content_type
        ))
    })?;
    Ok(LettreAttachment::new(attachment.file_name.clone())
        .body(attachment.data.clone(), content_type))
}

fn extra_header(name: &str, value: &str) -> Result<HeaderValue, ComposeError> {
    if value.contains(['\r', '\n']) || name.contains(['\r', '\n']) {
        return Err(ComposeError(format!(
            "header {name:?} contains a line break"
        )));
    }
    if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(ComposeError(format!(
            "header {name:?} is set by the composer"
        )));
    }
    let valid_name = name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
    let name = HeaderName::new_from_ascii(name.to_owned())
        .ok()
        .filter(|_| valid_name)
        .ok_or_else(|| ComposeError(format!("invalid header name {name:?}")))?;
    Ok(HeaderValue::new(name, value.to_owned()))
}

fn address(address: &EmailAddress) -> Result<Address, ComposeError> {
    Address::new(address.local_part(), address.domain()).map_err(|_| {
        ComposeError(format!(
            "address {} not accepted by the MIME writer",
            address.redacted()
        ))
    })
}

fn mailbox(mailbox: &Mailbox) -> Result<LettreMailbox, ComposeError> {
    let name = mailbox.name.as_ref().map(|n| n.as_str().to_owned());
    Ok(LettreMailbox::new(name, address(&mailbox.address)?))
}

fn envelope(from: &EmailAddress, to: &EmailAddress) -> Result<Envelope, ComposeError> {
    Envelope::new(Some(address(from)?), vec![address(to)?])
        .map_err(|e| ComposeError(format!("invalid envelope: {e}")))
}

fn message_id(message: &Message, seed: &Seed, domain: &str) -> Result<String, ComposeError> {
    if let Some(id) = &message.smtp_message_id {
        if id.contains(['\r', '\n']) {
            return Err(ComposeError("Message-ID contains a line break".into()));
        }
        return Ok(id.clone());
    }
    let domain_ok = !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if !domain_ok {
        return Err(ComposeError(format!(
            "invalid Message-ID domain {domain:?}"
        )));
    }
    let local: String = message
        .id
        .as_str()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    Ok(format!(
        "<{}.{}@{domain}>",
        local.trim_matches('.'),
        seed.hex(16)
    ))
}

/// `Feedback-ID: <campaign>:<account>:<mail type>:sesame` for mailbox providers' feedback
/// loops (Gmail's format: the last field identifies the sender, the others let complaint
/// reports be grouped). The campaign is `t<template id>`, or `direct` for raw content; the
/// mail type is `transactional` or `marketing` (the request's `TriggerType`). Account names
/// cannot contain `:`.
fn feedback_id(message: &Message) -> String {
    let campaign = message
        .template_id
        .map_or_else(|| "direct".to_owned(), |t| format!("t{}", t.0));
    let kind = if message.trigger_type == 1 {
        "transactional"
    } else {
        "marketing"
    };
    format!("{campaign}:{}:{kind}:sesame", message.account.as_str())
}

/// A per-(message, recipient) hash: the source of every "unique" token in the message.
struct Seed(String);

impl Seed {
    fn new(message: &Message, recipient: &EmailAddress) -> Self {
        let mut data = Vec::new();
        data.extend_from_slice(message.id.as_str().as_bytes());
        data.push(0);
        data.extend_from_slice(recipient.as_str().to_ascii_lowercase().as_bytes());
        let hash = digest(&SHA256, &data);
        Self(hash.as_ref().iter().map(|b| format!("{b:02x}")).collect())
    }

    fn hex(&self, len: usize) -> &str {
        &self.0[..len.min(self.0.len())]
    }

    /// A boundary that cannot occur in the encoded parts: quoted-printable escapes `=` and
    /// base64 has no `_`. A 7bit text part could contain it in theory, so that is checked.
    fn boundary(&self, kind: &str, message: &Message) -> String {
        let texts = [message.text.as_deref(), message.html.as_deref()];
        let mut n = 0u32;
        loop {
            let candidate = format!("=_{kind}_{}_{n}", self.hex(24));
            if !texts.iter().flatten().any(|t| t.contains(&candidate)) {
                return candidate;
            }
            n += 1;
        }
    }
}
