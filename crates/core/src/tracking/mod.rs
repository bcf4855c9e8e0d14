//! The tracking edge's domain: signed tokens, human-or-machine classification, HTML
//! rewriting and the unsubscribe wording. Pure; the use-cases live in `app::tracking`.

mod classify;
mod clicks;
mod i18n;
mod rewrite;
mod token;

use std::time::Duration;

pub use classify::{ClassifyRules, HitFacts, Reason, classify};
pub use clicks::ClickHistory;
pub use i18n::{UnsubscribeTexts, escape_html, unsubscribe_texts};
pub use rewrite::{HtmlAdditions, rewrite_html};
pub use token::{
    MAX_TOKEN_CHARS, Target, TokenClaims, TokenError, TrackKind, TrackingKey, TrackingKeys,
    is_http_url,
};

/// Sealing purpose from which the default tracking key is derived (see
/// [`crate::secrets::SecretBox::derive_key`]).
pub const DERIVED_KEY_PURPOSE: &str = "sesame/tracking-key/v1";

/// Per-message opt-out: an `SmtpHeaders` entry `X-Sesame-Tracking: off` turns open and click
/// tracking off for that message (the header itself is not sent).
pub const OPT_OUT_HEADER: &str = "X-Sesame-Tracking";

/// Settings of tracking and unsubscribe links.
#[derive(Debug, Clone)]
pub struct TrackingSettings {
    /// Public base URL of the tracking routes, without a trailing slash
    /// (`SESAME_TRACKING_URL`). `None`: no links are rewritten, no pixel and no unsubscribe
    /// link is added (nothing could answer them).
    pub base_url: Option<String>,
    /// Signing keys, newest first. Empty: derived from the master key when the deployment is
    /// wired.
    pub keys: TrackingKeys,
    /// Timing thresholds of the classification.
    pub rules: ClassifyRules,
    /// Hits on tokens older than this are not recorded (their delivery records are gone);
    /// links still redirect and unsubscribe links still work.
    pub token_ttl: Duration,
    /// How long raw hits are kept.
    pub hit_ttl: Duration,
    /// How long an appended event waits before the feed shows it, so that a reader's cursor
    /// never passes an event still being written with an earlier time.
    pub feed_settle: Duration,
}

impl Default for TrackingSettings {
    fn default() -> Self {
        Self {
            base_url: None,
            keys: TrackingKeys::default(),
            rules: ClassifyRules::default(),
            token_ttl: Duration::from_secs(90 * 86_400),
            hit_ttl: Duration::from_secs(30 * 86_400),
            feed_settle: Duration::from_secs(5),
        }
    }
}

/// Parses a key ring from configuration: `id:base64key` entries separated by commas, newest
/// (signing) first, each key 32 bytes, ids 0–255 and distinct. A bare `base64key` is id 1.
/// Never echoes key material in its error.
pub fn parse_keys(raw: &str) -> Result<TrackingKeys, String> {
    use base64::Engine;
    let mut keys: Vec<TrackingKey> = Vec::new();
    for (n, entry) in raw.split(',').map(str::trim).enumerate() {
        let (id, b64) = match entry.split_once(':') {
            Some((id, b64)) => (id.trim().parse::<u8>().ok(), b64.trim()),
            None => (Some(1), entry),
        };
        let key = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok());
        match (id, key) {
            (Some(id), Some(key)) if keys.iter().all(|k| k.id != id) => {
                keys.push(TrackingKey::new(id, key));
            }
            _ => {
                return Err(format!(
                    "entry {} must be `id:base64` with a distinct id 0-255 and a 32-byte key",
                    n + 1
                ));
            }
        }
    }
    Ok(TrackingKeys::new(keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_rings_parse_newest_first_and_refuse_bad_entries() {
        let k = |b: u8| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode([b; 32])
        };
        let ring = parse_keys(&format!("2:{}, 1:{}", k(2), k(1))).unwrap();
        assert!(!ring.is_empty());
        assert!(parse_keys(&k(1)).is_ok());
        assert!(parse_keys(&format!("1:{},1:{}", k(1), k(2))).is_err());
        assert!(parse_keys("1:short").is_err());
        let err = parse_keys(&format!("x:{}", k(3))).unwrap_err();
        assert!(!err.contains(&k(3)), "no key material in errors");
    }
}
