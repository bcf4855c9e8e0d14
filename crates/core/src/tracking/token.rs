//! Tracking tokens: what an open pixel, click or unsubscribe URL carries, signed so that the
//! tracking edge needs no database read to answer and can never be made to redirect anywhere
//! a message did not link to.
//!
//! Layout (then base64url without padding):
//! `version(1) key_id(1) kind(1) issued_at(u32 BE, unix seconds)` then four length-prefixed
//! (u16 BE) UTF-8 fields `account, message id, recipient, target`, then the first 16 bytes of
//! HMAC-SHA256 over everything before it, under the key named by `key_id`.
//!
//! Tokens are signed, not encrypted: the recipient's own address and the link target are
//! readable by whoever holds the URL (the recipient, or someone they forwarded the mail to).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle_eq::ct_eq;

use crate::types::{AccountId, EmailAddress, MessageId};

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 1;
const MAC_LEN: usize = 16;
/// Longest token accepted (a click token carries its URL; mail links past 4 KB are not sent).
pub const MAX_TOKEN_CHARS: usize = 6000;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackKind {
    /// The open pixel.
    Open,
    /// A rewritten link.
    Click,
    /// The unsubscribe page and one-click endpoint.
    Unsubscribe,
}

impl TrackKind {
    fn code(self) -> u8 {
        match self {
            TrackKind::Open => 1,
            TrackKind::Click => 2,
            TrackKind::Unsubscribe => 3,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(TrackKind::Open),
            2 => Some(TrackKind::Click),
            3 => Some(TrackKind::Unsubscribe),
            _ => None,
        }
    }

    /// Stable name (storage, event feed).
    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Open => "open",
            TrackKind::Click => "click",
            TrackKind::Unsubscribe => "unsubscribe",
        }
    }
}

/// The target of a click token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// Opens and unsubscribes have none.
    None,
    /// The original `http(s)` URL of a rewritten link.
    Url(String),
    /// The hidden link no human sees: a click on it is a machine's.
    Honeypot,
}

impl Target {
    /// The stored spelling: the URL, `~` for the honeypot, empty for none.
    pub fn stored(&self) -> &str {
        match self {
            Target::None => "",
            Target::Url(url) => url,
            Target::Honeypot => "~",
        }
    }

    /// The target a stored spelling names.
    pub fn from_stored(raw: &str) -> Self {
        match raw {
            "" => Target::None,
            "~" => Target::Honeypot,
            url => Target::Url(url.to_owned()),
        }
    }
}

/// The signed content of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// Open, click or unsubscribe.
    pub kind: TrackKind,
    /// Account of the message.
    pub account: AccountId,
    /// Message.
    pub message_id: MessageId,
    /// Recipient of this copy.
    pub recipient: EmailAddress,
    /// When the copy was composed (whole seconds).
    pub issued_at: DateTime<Utc>,
    /// Click target.
    pub target: Target,
}

/// One signing key. `Debug` never shows the key.
#[derive(Clone)]
pub struct TrackingKey {
    /// Id carried in every token it signs (rotation: verifiers pick the key by id).
    pub id: u8,
    /// HMAC state with the key already absorbed: every pixel and click verifies a token, and
    /// cloning this skips hashing the key's two pads per request.
    keyed: HmacSha256,
}

impl std::fmt::Debug for TrackingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrackingKey({}, ..)", self.id)
    }
}

impl TrackingKey {
    /// A key from its id and 32 secret bytes.
    pub fn new(id: u8, secret: [u8; 32]) -> Self {
        let keyed = HmacSha256::new_from_slice(&secret).expect("HMAC takes any key");
        Self { id, keyed }
    }

    fn mac(&self, data: &[u8]) -> [u8; MAC_LEN] {
        let mut mac = self.keyed.clone();
        mac.update(data);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }
}

/// The key ring: the first key signs, every key verifies (rotation: add the new key first,
/// keep the old ones for as long as mail signed with them may be clicked).
#[derive(Debug, Clone, Default)]
pub struct TrackingKeys {
    keys: Vec<TrackingKey>,
}

/// Why a token was refused. The edge answers 404 to all of them alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not base64url, truncated, or fields that do not parse.
    #[error("malformed token")]
    Malformed,
    /// Signed with a key id this installation does not hold.
    #[error("unknown signing key")]
    UnknownKey,
    /// The signature does not match.
    #[error("bad signature")]
    BadSignature,
}

impl TrackingKeys {
    /// A ring whose first key signs. Empty rings sign nothing and verify nothing.
    pub fn new(keys: Vec<TrackingKey>) -> Self {
        Self { keys }
    }

    /// Whether the ring holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Signs claims with the newest key. `None` only for an empty ring.
    pub fn sign(&self, claims: &TokenClaims) -> Option<String> {
        let key = self.keys.first()?;
        let mut data = Vec::with_capacity(128);
        data.extend_from_slice(&[VERSION, key.id, claims.kind.code()]);
        let issued = u32::try_from(claims.issued_at.timestamp().max(0)).unwrap_or(u32::MAX);
        data.extend_from_slice(&issued.to_be_bytes());
        let target = claims.target.stored();
        for field in [
            claims.account.as_str(),
            claims.message_id.as_str(),
            claims.recipient.as_str(),
            target,
        ] {
            let len = u16::try_from(field.len()).ok()?;
            data.extend_from_slice(&len.to_be_bytes());
            data.extend_from_slice(field.as_bytes());
        }
        let mac = key.mac(&data);
        data.extend_from_slice(&mac);
        Some(URL_SAFE_NO_PAD.encode(&data))
    }

    /// Verifies a token and returns its claims. Constant-time signature comparison.
    pub fn verify(&self, token: &str) -> Result<TokenClaims, TokenError> {
        if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
            return Err(TokenError::Malformed);
        }
        let data = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| TokenError::Malformed)?;
        if data.len() < 7 + 8 + MAC_LEN || data[0] != VERSION {
            return Err(TokenError::Malformed);
        }
        let (signed, mac) = data.split_at(data.len() - MAC_LEN);
        let key = self
            .keys
            .iter()
            .find(|k| k.id == signed[1])
            .ok_or(TokenError::UnknownKey)?;
        if !ct_eq(&key.mac(signed), mac) {
            return Err(TokenError::BadSignature);
        }
        parse_claims(signed).ok_or(TokenError::Malformed)
    }
}

fn parse_claims(signed: &[u8]) -> Option<TokenClaims> {
    let kind = TrackKind::from_code(signed[2])?;
    let issued = u32::from_be_bytes(signed[3..7].try_into().ok()?);
    let mut rest = &signed[7..];
    let mut fields = Vec::with_capacity(4);
    for _ in 0..4 {
        let len = usize::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?));
        let field = std::str::from_utf8(rest.get(2..2 + len)?).ok()?;
        fields.push(field);
        rest = &rest[2 + len..];
    }
    if !rest.is_empty() {
        return None;
    }
    let target = match (kind, fields[3]) {
        (TrackKind::Click, "~") => Target::Honeypot,
        (TrackKind::Click, url) if is_http_url(url) => Target::Url(url.to_owned()),
        (TrackKind::Open | TrackKind::Unsubscribe, "") => Target::None,
        _ => return None,
    };
    Some(TokenClaims {
        kind,
        account: AccountId::parse(fields[0]).ok()?,
        message_id: MessageId::parse(fields[1]).ok()?,
        recipient: EmailAddress::parse(fields[2]).ok()?,
        issued_at: DateTime::from_timestamp(i64::from(issued), 0)?,
        target,
    })
}

/// Whether a link may be tracked and redirected to: an absolute `http`/`https` URL without
/// whitespace or control characters (those could split the `Location` header).
pub fn is_http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && url.len() > "http://".len()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Constant-time byte comparison (the `subtle` crate is not a core dependency).
mod subtle_eq {
    pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(kind: TrackKind, target: Target) -> TokenClaims {
        TokenClaims {
            kind,
            account: AccountId::parse("acme").unwrap(),
            message_id: MessageId::parse("sesame-20260101000000-abc").unwrap(),
            recipient: EmailAddress::parse("ann@example.org").unwrap(),
            issued_at: DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
            target,
        }
    }

    fn ring(ids: &[u8]) -> TrackingKeys {
        TrackingKeys::new(
            ids.iter()
                .map(|&id| TrackingKey::new(id, [id; 32]))
                .collect(),
        )
    }

    #[test]
    fn signed_claims_verify_back() {
        let keys = ring(&[1]);
        for c in [
            claims(TrackKind::Open, Target::None),
            claims(
                TrackKind::Click,
                Target::Url("https://example.com/a?b=1&c=2#x".into()),
            ),
            claims(TrackKind::Click, Target::Honeypot),
            claims(TrackKind::Unsubscribe, Target::None),
        ] {
            let token = keys.sign(&c).unwrap();
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(keys.verify(&token).unwrap(), c);
        }
    }

    #[test]
    fn tampered_tokens_are_refused() {
        let keys = ring(&[1]);
        let token = keys
            .sign(&claims(
                TrackKind::Click,
                Target::Url("https://example.com/".into()),
            ))
            .unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        // Point the link elsewhere without re-signing: the classic open-redirect attempt.
        let at = raw.len() - MAC_LEN - 2;
        raw[at] = b'X';
        let forged = URL_SAFE_NO_PAD.encode(&raw);
        assert_eq!(keys.verify(&forged), Err(TokenError::BadSignature));
        // Every single-character change is caught.
        for i in 0..token.len() {
            let mut t = token.clone().into_bytes();
            t[i] = if t[i] == b'A' { b'B' } else { b'A' };
            let t = String::from_utf8(t).unwrap();
            assert!(keys.verify(&t).is_err(), "position {i}");
        }
        assert_eq!(keys.verify(""), Err(TokenError::Malformed));
        assert_eq!(keys.verify("not a token!"), Err(TokenError::Malformed));
        assert_eq!(
            keys.verify(&token[..token.len() - 3]),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn rotation_signs_with_the_newest_and_verifies_with_all() {
        let old = ring(&[1]);
        let rotated = ring(&[2, 1]);
        let c = claims(TrackKind::Open, Target::None);
        let old_token = old.sign(&c).unwrap();
        assert_eq!(rotated.verify(&old_token).unwrap(), c);
        let new_token = rotated.sign(&c).unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(&new_token).unwrap()[1],
            2,
            "the newest key signs"
        );
        assert_eq!(old.verify(&new_token), Err(TokenError::UnknownKey));
        // Same id, different secret: another installation's token.
        let foreign = TrackingKeys::new(vec![TrackingKey::new(1, [9; 32])]);
        assert_eq!(foreign.verify(&old_token), Err(TokenError::BadSignature));
    }

    #[test]
    fn only_http_targets_are_accepted() {
        assert!(is_http_url("https://example.com/x"));
        assert!(is_http_url("HTTP://example.com"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("//evil.example"));
        assert!(!is_http_url("https://example.com/\r\nSet-Cookie: x"));
        // A signed token can only carry what `sign` was given, but `verify` re-checks the
        // target so a key compromise alone cannot smuggle a `javascript:` redirect.
        let keys = ring(&[1]);
        let bad = keys
            .sign(&claims(
                TrackKind::Click,
                Target::Url("javascript:x".into()),
            ))
            .unwrap();
        assert_eq!(keys.verify(&bad), Err(TokenError::Malformed));
    }
}
