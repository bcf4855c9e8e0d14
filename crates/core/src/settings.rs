//! Settings of the core use-cases, filled from the typed `Config` by the binaries.

use std::time::Duration;

use chrono_tz::Tz;

/// Policy knobs of sending and delivery.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Time zone of every date and time the API shows or takes (storage is UTC).
    pub timezone: Tz,
    /// Attempts before a transiently failing delivery becomes a soft bounce.
    pub max_attempts: u32,
    /// First retry delay; doubles each attempt (with jitter), capped at `retry_cap`.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_cap: Duration,
    /// How long a claimed delivery is held: a redelivered job cannot send again before this.
    pub claim_window: Duration,
    /// Host name used in generated `Message-ID`s and as the SPF include target.
    pub hostname: String,
    /// SPF mechanism to publish for sender domains, e.g. `include:spf.sesame.example` or `ip4:…`.
    pub spf_include: String,
    /// DKIM selector prefix; the key's selector is `<prefix><yyyymm>`.
    pub dkim_selector_prefix: String,
    /// Maximum templates per account.
    pub max_templates: u64,
    /// Maximum sender domains per account.
    pub max_domains: usize,
    /// Maximum sender addresses per account.
    pub max_senders: usize,
    /// Domain of the VERP return path (`bounces+<token>@<domain>`); `None` = the sender's
    /// domain, which keeps SPF aligned for DMARC.
    pub return_path_domain: Option<String>,
    /// Warm-up policy, transactional rate limits and sending pools.
    pub warmup: crate::warmup::WarmupSettings,
    /// Open and click tracking, unsubscribe links, the event feed.
    pub tracking: crate::tracking::TrackingSettings,
    /// Batch task expansion.
    pub tasks: crate::app::TaskSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            timezone: chrono_tz::Asia::Shanghai,
            max_attempts: 8,
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(3600),
            claim_window: Duration::from_secs(120),
            hostname: "localhost".into(),
            spf_include: "a:localhost".into(),
            dkim_selector_prefix: "sesame".into(),
            max_templates: 1000,
            max_domains: 10,
            max_senders: 10,
            return_path_domain: None,
            warmup: crate::warmup::WarmupSettings::default(),
            tracking: crate::tracking::TrackingSettings::default(),
            tasks: crate::app::TaskSettings::default(),
        }
    }
}
