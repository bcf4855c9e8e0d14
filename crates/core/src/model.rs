//! The records Sesame stores. Every record carries the account it belongs to; adapters map
//! these to rows or items and back, and nothing else knows their storage shape.

mod status;

pub use status::{DeliverStatus, SendStatus};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::types::{
    AccountId, DisplayName, Domain, EmailAddress, Mailbox, MessageId, SecretId, TemplateId,
};

/// An API key. The secret is stored only encrypted with the master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Public identifier (`AKID…`).
    pub secret_id: SecretId,
    /// Owning account.
    pub account: AccountId,
    /// The secret key, sealed with the master key (see [`crate::secrets::SecretBox`]).
    pub sealed_secret: Vec<u8>,
    /// When the key was created.
    pub created_at: DateTime<Utc>,
    /// A revoked key authenticates nothing.
    pub revoked: bool,
}

/// An email template. Content is stored decoded (UTF-8); the API base64-encodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Owning account.
    pub account: AccountId,
    /// Numeric id, unique across the installation.
    pub id: TemplateId,
    /// Name given by the user.
    pub name: String,
    /// HTML body with `{{var}}` placeholders.
    pub html: Option<String>,
    /// Plain-text body with `{{var}}` placeholders.
    pub text: Option<String>,
    /// Review status: 0 approved (self-hosted templates are approved on creation).
    pub status: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// DKIM signing algorithm of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DkimAlgorithm {
    /// RSA-2048 with SHA-256 (`k=rsa`).
    Rsa2048,
    /// Ed25519 with SHA-256 (`k=ed25519`, RFC 8463).
    Ed25519,
}

impl DkimAlgorithm {
    /// The `k=` tag value in the DNS record.
    pub fn key_type(self) -> &'static str {
        match self {
            DkimAlgorithm::Rsa2048 => "rsa",
            DkimAlgorithm::Ed25519 => "ed25519",
        }
    }
}

/// Where a DKIM key is in its life. A domain's mail is signed with its active keys only.
///
/// Rotation: new keys start `Pending` under a new selector and never sign; once a DNS check
/// finds every pending record published they become `Active` in the same write that turns
/// the previous active keys `Retired`. Retired keys no longer sign; they stay listed (so the
/// owner sees which record may go) until the next rotation starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DkimKeyState {
    /// Signs the domain's mail.
    #[default]
    Active,
    /// Generated, waiting for its DNS record to be published; does not sign.
    Pending,
    /// Replaced by a newer key; does not sign.
    Retired,
}

/// One DKIM key of a sender domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimKey {
    /// Selector: the record lives at `<selector>._domainkey.<domain>`.
    pub selector: String,
    /// Algorithm.
    pub algorithm: DkimAlgorithm,
    /// Private key (PKCS#8 DER), sealed with the master key.
    pub sealed_private_key: Vec<u8>,
    /// Public key, base64, as published in the `p=` tag.
    pub public_key: String,
    /// Active, pending or retired.
    pub state: DkimKeyState,
}

impl DkimKey {
    /// The TXT record value to publish for this key.
    pub fn dns_value(&self) -> String {
        format!(
            "v=DKIM1; k={}; p={}",
            self.algorithm.key_type(),
            self.public_key
        )
    }
}

/// A sender domain (an "email identity").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Owning account.
    pub account: AccountId,
    /// The domain.
    pub domain: Domain,
    /// `DKIMOption` as the API reports it (1 = RSA-2048, 2 = dual).
    pub dkim_option: u64,
    /// Keys that sign this domain's mail (one, or two when dual signing).
    pub dkim_keys: Vec<DkimKey>,
    /// Whether the domain may send (verified by DNS, or trusted by an operator).
    pub verified: bool,
    /// Vouched for by an operator (`sesame identity trust`): may send whatever DNS says, and
    /// the periodic re-check leaves it alone.
    pub trusted: bool,
    /// The last DNS check, if any.
    pub check: Option<DnsCheck>,
    /// Tags given at creation.
    pub tags: Vec<(String, String)>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// What a DNS record is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordPurpose {
    /// SPF TXT at the domain (the envelope sender's domain).
    Spf,
    /// DKIM TXT at `<selector>._domainkey.<domain>`.
    Dkim,
    /// DMARC TXT at `_dmarc.<domain>`.
    Dmarc,
    /// MX at the domain (return path; bounce handling).
    Mx,
}

/// Outcome of checking one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckStatus {
    /// The record is published as required.
    Pass,
    /// The record is missing or wrong; `detail` says how.
    Fail,
    /// DNS did not answer; nothing is known about the record.
    TempError,
}

/// The result of checking one DNS record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCheck {
    /// What the record is for.
    pub purpose: RecordPurpose,
    /// Host name looked up.
    pub host: String,
    /// What DNS returned (the relevant records, joined by ` | `); empty when nothing.
    pub current: String,
    /// Pass, fail or temporary error.
    pub status: CheckStatus,
    /// Why it did not pass (empty when it did).
    pub detail: String,
}

/// The last DNS check of a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsCheck {
    /// When it ran.
    pub at: DateTime<Utc>,
    /// One result per record checked.
    pub records: Vec<RecordCheck>,
    /// Why the domain cannot send (the failing required records), `None` when DNS verifies it.
    pub reason: Option<String>,
}

/// A sender address under one of the account's domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// Owning account.
    pub account: AccountId,
    /// The address.
    pub address: EmailAddress,
    /// Display name.
    pub name: Option<DisplayName>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An attachment, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name as given.
    pub file_name: String,
    /// MIME type guessed from the extension.
    pub content_type: String,
    /// Raw bytes.
    pub data: Vec<u8>,
}

/// An accepted message: everything needed to build the MIME for each recipient, rendered at
/// accept time so that later template edits do not change mail already accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Owning account.
    pub account: AccountId,
    /// Id returned to the client.
    pub id: MessageId,
    /// Envelope sender and default `From:`.
    pub from: Mailbox,
    /// `From:` header override (HeaderFrom), already validated.
    pub header_from: Option<Mailbox>,
    /// `Reply-To:`.
    pub reply_to: Option<EmailAddress>,
    /// `To:` recipients.
    pub to: Vec<EmailAddress>,
    /// `Cc:` recipients.
    pub cc: Vec<EmailAddress>,
    /// Blind copies: receive the message, never appear in a header.
    pub bcc: Vec<EmailAddress>,
    /// Rendered subject.
    pub subject: String,
    /// Rendered HTML part.
    pub html: Option<String>,
    /// Rendered text part.
    pub text: Option<String>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
    /// Extra headers (allow-listed names, values without CR/LF).
    pub headers: Vec<(String, String)>,
    /// `Message-ID` header value chosen by the client (`<id@domain>`), if any.
    pub smtp_message_id: Option<String>,
    /// 0 marketing, 1 transactional.
    pub trigger_type: u64,
    /// Unsubscribe language code, "0" for none.
    pub unsubscribe: String,
    /// Template used, if any.
    pub template_id: Option<TemplateId>,
    /// When the API accepted it.
    pub created_at: DateTime<Utc>,
}

impl Message {
    /// Every envelope recipient, in order, without duplicates.
    pub fn recipients(&self) -> Vec<EmailAddress> {
        let mut seen = std::collections::HashSet::new();
        self.to
            .iter()
            .chain(&self.cc)
            .chain(&self.bcc)
            .filter(|a| seen.insert(a.as_str().to_ascii_lowercase()))
            .cloned()
            .collect()
    }
}

/// The state of one (message, recipient) delivery: a row of GetSendEmailStatus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Owning account.
    pub account: AccountId,
    /// Message.
    pub message_id: MessageId,
    /// Recipient.
    pub recipient: EmailAddress,
    /// Sender address as given in the request (for the status listing).
    pub from: String,
    /// `SendStatus`.
    pub send_status: SendStatus,
    /// `DeliverStatus`.
    pub deliver_status: DeliverStatus,
    /// Last remote SMTP reply or reason.
    pub deliver_message: String,
    /// When the request arrived.
    pub request_time: DateTime<Utc>,
    /// When the last delivery attempt finished, if any.
    pub deliver_time: Option<DateTime<Utc>>,
    /// Attempts made so far.
    pub attempts: u32,
    /// While a worker holds the delivery: until when nobody else may send it.
    pub claimed_until: Option<DateTime<Utc>>,
}

impl Delivery {
    /// Whether the delivery reached a final state and will never be attempted again.
    pub fn is_final(&self) -> bool {
        self.deliver_status.is_final()
    }
}

/// A delivery job, as carried by the job queue. Versioned; unknown fields are refused so that
/// a worker never half-understands a payload written by a newer version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryJob {
    /// Payload version (1).
    pub v: u8,
    /// Owning account.
    pub account: AccountId,
    /// Message.
    pub message_id: MessageId,
    /// Recipient.
    pub recipient: EmailAddress,
}
