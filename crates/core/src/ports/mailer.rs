//! The mailer port (hand signed bytes to a relay) and the DKIM port (keys, MIME, signatures).

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::model::{DkimAlgorithm, Message};
use crate::types::EmailAddress;

/// An SMTP reply: code and text (the text is what GetSendEmailStatus shows as DeliverMessage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpReply {
    /// Three-digit code (0 when there was no reply, e.g. connection refused).
    pub code: u16,
    /// Reply text, one line.
    pub text: String,
}

impl std::fmt::Display for SmtpReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.code == 0 {
            f.write_str(&self.text)
        } else {
            write!(f, "{} {}", self.code, self.text)
        }
    }
}

/// Why a send did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// 4xx, connection refused, timeout, TLS failure: the same send may succeed later.
    #[error("transient: {0}")]
    Transient(SmtpReply),
    /// 5xx: the receiving side refused the message for good.
    #[error("permanent: {0}")]
    Permanent(SmtpReply),
}

impl MailError {
    /// Whether retrying may help.
    pub fn is_retryable(&self) -> bool {
        matches!(self, MailError::Transient(_))
    }

    /// The reply that caused the error.
    pub fn reply(&self) -> &SmtpReply {
        match self {
            MailError::Transient(r) | MailError::Permanent(r) => r,
        }
    }
}

/// SMTP envelope of one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `MAIL FROM` (return path).
    pub mail_from: EmailAddress,
    /// `RCPT TO`.
    pub rcpt_to: EmailAddress,
}

/// Sends complete, signed messages to a relay.
pub trait Mailer: Send + Sync + 'static {
    /// Sends `raw` (CRLF line endings, already signed). Ok carries the relay's 2xx reply.
    fn send(
        &self,
        envelope: &Envelope,
        raw: &[u8],
    ) -> impl Future<Output = Result<SmtpReply, MailError>> + Send;

    /// Sends through the relays of sending pool `pool`. A mailer without pools (the default)
    /// sends every message the same way, through [`Mailer::send`].
    fn send_via<'a>(
        &'a self,
        pool: &'a crate::warmup::PoolName,
        envelope: &'a Envelope,
        raw: &'a [u8],
    ) -> impl Future<Output = Result<SmtpReply, MailError>> + Send + 'a {
        let _ = pool;
        self.send(envelope, raw)
    }
}

/// A generated DKIM key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedKey {
    /// Private key, PKCS#8 DER (seal it before storing).
    pub private_pkcs8: Vec<u8>,
    /// Public key, base64, for the `p=` tag (SubjectPublicKeyInfo for RSA, raw 32 bytes for Ed25519).
    pub public_key: String,
}

/// A decrypted DKIM key ready to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// `d=` domain.
    pub domain: String,
    /// `s=` selector.
    pub selector: String,
    /// Algorithm.
    pub algorithm: DkimAlgorithm,
    /// PKCS#8 DER private key.
    pub private_pkcs8: Vec<u8>,
}

/// What composing a message needs beyond the message itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeInput<'a> {
    /// The accepted message.
    pub message: &'a Message,
    /// The recipient this copy is for (only used for per-recipient content, never a header
    /// for Bcc recipients).
    pub recipient: &'a EmailAddress,
    /// `Date:` and DKIM `t=`.
    pub now: DateTime<Utc>,
    /// Domain for the generated `Message-ID` when the client gave none.
    pub message_id_domain: &'a str,
    /// Keys to sign with (one or two for dual signing); empty means unsigned.
    pub keys: &'a [SigningKey],
}

/// Why a message could not be composed or signed. Never retryable: the input is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("compose failed: {0}")]
pub struct ComposeError(pub String);

/// Key generation, MIME composition and DKIM signing (pure computation, no IO).
pub trait Dkim: Send + Sync + 'static {
    /// Generates a new key pair.
    fn generate(&self, algorithm: DkimAlgorithm) -> Result<GeneratedKey, ComposeError>;
    /// Builds the RFC 5322 message for one recipient and DKIM-signs it with every key given.
    fn compose(&self, input: &ComposeInput<'_>) -> Result<Vec<u8>, ComposeError>;
}
