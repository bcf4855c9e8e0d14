//! DKIM signing at a given time, with mail-auth's canonicalization, hashing and serialization.
//!
//! mail-auth 0.13.3's `DkimSigner::sign` always stamps `t=` with the system clock and offers no
//! way to pass a time. Sesame takes time from its clock port (so a golden signature is
//! testable), so this module performs the same steps as mail-auth's private `sign_stream`
//! with the public pieces it exposes: `Signature::canonicalize`, `SigningKey::hash`/`sign` and
//! `Signature::write`. The output is byte-for-byte what `DkimSigner::sign` would produce at
//! that time.

use chrono::{DateTime, Utc};
use mail_auth::common::crypto::{DkimKey, SigningKey};
use mail_auth::common::headers::{HeaderStream, HeaderWriter, Writable, Writer};
use mail_auth::dkim::canonicalize::CanonicalHeaders;
use mail_auth::dkim::{Canonicalization, Signature};
use sesame_core::ports::ComposeError;

/// Headers Sesame signs, in this order, when the message has them.
const SIGNED_HEADERS: [&str; 12] = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Reply-To",
    // Providers trust a feedback-loop id only when it is signed.
    "Feedback-ID",
    // RFC 8058 §4: one-click unsubscribe is honoured only when both are signed.
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// Returns the `DKIM-Signature: …\r\n` header line (folded, CRLF-terminated) for `message`.
///
/// Only headers present in `message` are listed in `h=`: mail-auth would otherwise list absent
/// ones too (an "oversigned" empty header), which is valid but not what was asked of us.
pub fn signature_header(
    message: &[u8],
    key: &DkimKey,
    domain: &str,
    selector: &str,
    now: DateTime<Utc>,
) -> Result<String, ComposeError> {
    let present = present_headers(message);
    let template = Signature {
        v: 1,
        a: key.algorithm(),
        d: domain.to_owned(),
        s: selector.to_owned(),
        h: SIGNED_HEADERS
            .iter()
            .filter(|name| present.iter().any(|p| p.eq_ignore_ascii_case(name)))
            .map(|name| (*name).to_owned())
            .collect(),
        ch: Canonicalization::Relaxed,
        cb: Canonicalization::Relaxed,
        ..Default::default()
    };
    let (_, headers, signed_headers, body) = template.canonicalize(Headers::new(message));
    if signed_headers.is_empty() {
        return Err(ComposeError(
            "message has none of the headers DKIM must sign".into(),
        ));
    }
    let mut signature = template.clone();
    signature.bh = key.hash(body).as_ref().to_vec();
    signature.t = u64::try_from(now.timestamp()).unwrap_or(0);
    signature.h = signed_headers;
    signature.b = key
        .sign(Signable {
            headers,
            signature: &signature,
        })
        .map_err(|e| ComposeError(format!("DKIM signing failed: {e}")))?;
    Ok(signature.to_header())
}

/// The data a DKIM signature covers: the canonical signed headers, then the signature header
/// itself with an empty `b=`.
struct Signable<'a> {
    headers: CanonicalHeaders<'a>,
    signature: &'a Signature,
}

impl Writable for Signable<'_> {
    fn write(self, writer: &mut impl Writer) {
        self.headers.write(writer);
        self.signature.write(writer, false);
    }
}

fn present_headers(message: &[u8]) -> Vec<String> {
    let mut headers = Headers::new(message);
    let mut names = Vec::new();
    while let Some((name, _)) = headers.next_header() {
        names.push(String::from_utf8_lossy(name).into_owned());
    }
    names
}

/// Splits a message into header fields and body the way mail-auth's own (crate-private)
/// iterator does: the value runs from after the colon through the CRLF ending the field,
/// folded lines included; the body starts after the empty line.
///
/// Only ever fed messages this crate composed, which lettre writes with CRLF endings and
/// folds with leading whitespace, so no repair of malformed input is attempted.
struct Headers<'x> {
    message: &'x [u8],
    pos: usize,
}

impl<'x> Headers<'x> {
    fn new(message: &'x [u8]) -> Self {
        Self { message, pos: 0 }
    }

    /// End (exclusive) of the field starting at `start`: just past its last line's `\n`.
    fn field_end(&self, start: usize) -> usize {
        let mut cur = start;
        loop {
            let Some(nl) = self.message[cur..].iter().position(|&b| b == b'\n') else {
                return self.message.len();
            };
            cur += nl + 1;
            if !matches!(self.message.get(cur), Some(b' ' | b'\t')) {
                return cur;
            }
        }
    }
}

impl<'x> HeaderStream<'x> for Headers<'x> {
    fn next_header(&mut self) -> Option<(&'x [u8], &'x [u8])> {
        let rest = self.message.get(self.pos..)?;
        if rest.is_empty() || rest.starts_with(b"\r\n") || rest.starts_with(b"\n") {
            return None;
        }
        let end = self.field_end(self.pos);
        let field = &self.message[self.pos..end];
        self.pos = end;
        match field.iter().position(|&b| b == b':') {
            Some(colon) => Some((&field[..colon], &field[colon + 1..])),
            None => Some((field, b"")),
        }
    }

    fn body(&mut self) -> &'x [u8] {
        while self.next_header().is_some() {}
        let rest = self.message.get(self.pos..).unwrap_or_default();
        rest.strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))
            .unwrap_or(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use mail_auth::common::crypto::{RsaKey, Sha256};
    use mail_auth::dkim::DkimSigner;
    use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    const RSA_PKCS8: &[u8] = include_bytes!("../tests/fixtures/dkim-rsa2048.pk8.der");

    fn rsa() -> RsaKey<Sha256> {
        RsaKey::from_key_der(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(RSA_PKCS8))).unwrap()
    }

    #[test]
    fn signature_equals_mail_auths_own_signer_at_the_same_time() {
        let message = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
        let theirs = DkimSigner::from_key(rsa())
            .domain("example.com")
            .selector("s")
            .headers(["From", "To", "Subject"]);
        let theirs = theirs.sign(message).unwrap();
        let at = Utc
            .timestamp_opt(i64::try_from(theirs.t).unwrap(), 0)
            .unwrap();
        let ours =
            signature_header(message, &DkimKey::from(rsa()), "example.com", "s", at).unwrap();
        assert_eq!(ours, theirs.to_header());
    }

    #[test]
    fn message_without_signable_headers_is_refused() {
        let key = DkimKey::from(rsa());
        assert!(
            signature_header(
                b"X-Other: 1\r\n\r\nbody",
                &key,
                "example.com",
                "s",
                Utc::now()
            )
            .is_err()
        );
    }

    #[test]
    fn headers_split_folded_fields_and_find_the_body() {
        let raw =
            b"From: a@example.com\r\nSubject: one\r\n two\r\nTo: b@example.org\r\n\r\nbody\r\n";
        let mut headers = Headers::new(raw);
        assert_eq!(
            headers.next_header(),
            Some((&b"From"[..], &b" a@example.com\r\n"[..]))
        );
        assert_eq!(
            headers.next_header(),
            Some((&b"Subject"[..], &b" one\r\n two\r\n"[..]))
        );
        assert_eq!(headers.body(), b"body\r\n");
        assert_eq!(headers.next_header(), None);
    }

    #[test]
    fn message_without_body_has_empty_body() {
        let mut headers = Headers::new(b"From: a@example.com\r\n");
        assert!(headers.next_header().is_some());
        assert_eq!(headers.body(), b"");
    }
}
