//! The tracking edge's domain: signed tokens, human-or-machine classification, HTML
//! rewriting and the unsubscribe wording. Pure; the use-cases live in `app::tracking`.

mod classify;
mod i18n;
mod rewrite;
mod token;

use std::time::Duration;

pub use classify::{ClassifyRules, HitFacts, Reason, classify};
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
