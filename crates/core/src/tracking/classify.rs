//! Human or machine: every open and click is classified, with a reason code that explains the
//! verdict. Only human events set a delivery's flags and feed the statistics; machine hits are
//! kept (raw hits) with their reason, so the numbers can be explained and recomputed.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::clicks::ClickHistory;
use super::token::{Target, TrackKind};

/// Why a hit was judged human or machine. `as_str` is the stored and reported code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// A person's mail client or browser.
    Human,
    /// A mailbox provider fetching images when the person opens the message (Gmail's
    /// GoogleImageProxy, Yahoo): a real open, though cached later opens are not seen.
    ImageProxy,
    /// Apple Mail Privacy Protection fetching every image on arrival, opened or not.
    PrivacyProxyPrefetch,
    /// A security scanner, link checker, bot or HTTP library user agent.
    ScannerUserAgent,
    /// No `User-Agent` at all: no mail client or browser does that.
    NoUserAgent,
    /// A `HEAD` request: link checkers probe, people's browsers `GET`.
    HeadRequest,
    /// The hidden link that no person can see or click.
    Honeypot,
    /// A click sooner after delivery than a person can read a message.
    TooSoonAfterDelivery,
    /// Several different links of the message clicked within a moment: a scanner following
    /// every link.
    AllLinksAtOnce,
}

impl Reason {
    /// Whether the verdict is human.
    pub fn is_human(self) -> bool {
        matches!(self, Reason::Human | Reason::ImageProxy)
    }

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Human => "human",
            Reason::ImageProxy => "image_proxy",
            Reason::PrivacyProxyPrefetch => "privacy_proxy_prefetch",
            Reason::ScannerUserAgent => "scanner_user_agent",
            Reason::NoUserAgent => "no_user_agent",
            Reason::HeadRequest => "head_request",
            Reason::Honeypot => "honeypot",
            Reason::TooSoonAfterDelivery => "too_soon_after_delivery",
            Reason::AllLinksAtOnce => "all_links_at_once",
        }
    }

    /// The reason a stored code names.
    pub fn parse(code: &str) -> Option<Self> {
        ALL.iter().copied().find(|r| r.as_str() == code)
    }
}

const ALL: [Reason; 9] = [
    Reason::Human,
    Reason::ImageProxy,
    Reason::PrivacyProxyPrefetch,
    Reason::ScannerUserAgent,
    Reason::NoUserAgent,
    Reason::HeadRequest,
    Reason::Honeypot,
    Reason::TooSoonAfterDelivery,
    Reason::AllLinksAtOnce,
];

/// Thresholds of the timing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassifyRules {
    /// Clicks sooner than this after delivery are a scanner's.
    pub min_click_delay: Duration,
    /// Distinct links clicked within `burst_window` that make a burst.
    pub burst_links: usize,
    /// The "at once" of all-links-at-once.
    pub burst_window: Duration,
}

impl Default for ClassifyRules {
    fn default() -> Self {
        Self {
            min_click_delay: Duration::from_secs(5),
            burst_links: 3,
            burst_window: Duration::from_secs(2),
        }
    }
}

/// What is known about one request when it is classified.
#[derive(Debug, Clone)]
pub struct HitFacts<'a> {
    /// Open or click.
    pub kind: TrackKind,
    /// Click target.
    pub target: &'a Target,
    /// `HEAD` rather than `GET`.
    pub head: bool,
    /// `User-Agent`, if any.
    pub user_agent: Option<&'a str>,
    /// Client address, if known.
    pub ip: Option<IpAddr>,
    /// When the request arrived.
    pub at: DateTime<Utc>,
    /// When the copy was delivered (or composed, if no delivery time is recorded).
    pub delivered_at: DateTime<Utc>,
    /// Earlier clicks of the same copy.
    pub earlier_clicks: &'a ClickHistory,
}

/// User-agent fragments (lowercase) of security scanners, link checkers, bots and libraries.
const SCANNER_AGENTS: &[&str] = &[
    "barracuda",
    "mimecast",
    "proofpoint",
    "urldefense",
    "safelinks",
    "symantec",
    "messagelabs",
    "trendmicro",
    "fortiguard",
    "forcepoint",
    "sophos",
    "cisco",
    "ironport",
    "bot",
    "spider",
    "crawler",
    "scanner",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "httpclient",
    "headlesschrome",
    "phantomjs",
    "wrk",
];

/// Mailbox providers that fetch images on the person's open (not a prefetch).
const IMAGE_PROXIES: &[&str] = &["googleimageproxy", "yahoomailproxy"];

/// Apple's egress block (17.0.0.0/8), from which Mail Privacy Protection prefetches.
fn is_apple_network(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[0] == 17,
        IpAddr::V6(_) => false,
    }
}

/// Classifies one hit. Pure: the same facts always give the same verdict.
pub fn classify(facts: &HitFacts<'_>, rules: &ClassifyRules) -> Reason {
    if facts.kind == TrackKind::Click && *facts.target == Target::Honeypot {
        return Reason::Honeypot;
    }
    if facts.head {
        return Reason::HeadRequest;
    }
    let Some(agent) = facts.user_agent.map(str::trim).filter(|a| !a.is_empty()) else {
        return Reason::NoUserAgent;
    };
    let lower = agent.to_ascii_lowercase();
    if IMAGE_PROXIES.iter().any(|p| lower.contains(p)) {
        return if facts.kind == TrackKind::Open {
            Reason::ImageProxy
        } else {
            Reason::ScannerUserAgent
        };
    }
    // Apple's prefetcher announces itself as bare "Mozilla/5.0", or fetches from Apple's
    // network with a generic agent that names no client.
    let bare = lower == "mozilla/5.0";
    let apple_generic = facts.ip.is_some_and(is_apple_network)
        && !lower.contains("iphone")
        && !lower.contains("ipad")
        && !lower.contains("macintosh");
    if facts.kind == TrackKind::Open && (bare || apple_generic) {
        return Reason::PrivacyProxyPrefetch;
    }
    if SCANNER_AGENTS.iter().any(|s| lower.contains(s)) {
        return Reason::ScannerUserAgent;
    }
    if facts.kind == TrackKind::Click {
        let since_delivery = (facts.at - facts.delivered_at).to_std().unwrap_or_default();
        if since_delivery < rules.min_click_delay {
            return Reason::TooSoonAfterDelivery;
        }
        let window = chrono::Duration::from_std(rules.burst_window).unwrap_or_default();
        let links = facts
            .earlier_clicks
            .links_within(facts.target, facts.at, window);
        if links >= rules.burst_links {
            return Reason::AllLinksAtOnce;
        }
    }
    Reason::Human
}

#[cfg(test)]
mod tests {
    use super::*;

    static EMPTY: ClickHistory = ClickHistory::new();

    const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + secs, 0).unwrap()
    }

    fn url(u: &str) -> Target {
        Target::Url(u.into())
    }

    fn facts<'a>(kind: TrackKind, target: &'a Target, agent: Option<&'a str>) -> HitFacts<'a> {
        HitFacts {
            kind,
            target,
            head: false,
            user_agent: agent,
            ip: Some("203.0.113.5".parse().unwrap()),
            at: t(600),
            delivered_at: t(0),
            earlier_clicks: &EMPTY,
        }
    }

    #[test]
    fn proxies_and_scanners_are_classified_with_their_reason() {
        let none = Target::None;
        let link = url("https://example.com/a");
        let rules = ClassifyRules::default();
        let cases: Vec<(HitFacts<'_>, Reason)> = vec![
            (facts(TrackKind::Open, &none, Some(BROWSER)), Reason::Human),
            (facts(TrackKind::Click, &link, Some(BROWSER)), Reason::Human),
            (
                facts(
                    TrackKind::Open,
                    &none,
                    Some(
                        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
                    ),
                ),
                Reason::ImageProxy,
            ),
            (
                facts(TrackKind::Open, &none, Some("Mozilla/5.0")),
                Reason::PrivacyProxyPrefetch,
            ),
            (
                HitFacts {
                    ip: Some("17.58.101.4".parse().unwrap()),
                    ..facts(
                        TrackKind::Open,
                        &none,
                        Some("Mozilla/5.0 AppleWebKit/605.1.15"),
                    )
                },
                Reason::PrivacyProxyPrefetch,
            ),
            (
                facts(TrackKind::Click, &link, Some("Barracuda Sentinel (EE)")),
                Reason::ScannerUserAgent,
            ),
            (
                facts(TrackKind::Click, &link, Some("python-requests/2.31")),
                Reason::ScannerUserAgent,
            ),
            (
                facts(TrackKind::Open, &none, Some("Googlebot-Image/1.0")),
                Reason::ScannerUserAgent,
            ),
            (facts(TrackKind::Click, &link, None), Reason::NoUserAgent),
            (
                HitFacts {
                    head: true,
                    ..facts(TrackKind::Click, &link, Some(BROWSER))
                },
                Reason::HeadRequest,
            ),
            (
                facts(TrackKind::Click, &Target::Honeypot, Some(BROWSER)),
                Reason::Honeypot,
            ),
            (
                HitFacts {
                    at: t(2),
                    ..facts(TrackKind::Click, &link, Some(BROWSER))
                },
                Reason::TooSoonAfterDelivery,
            ),
        ];
        for (f, want) in cases {
            assert_eq!(
                classify(&f, &rules),
                want,
                "{:?} {:?}",
                f.kind,
                f.user_agent
            );
        }
    }

    #[test]
    fn a_burst_of_distinct_links_is_a_scanner_but_a_repeat_click_is_not() {
        let rules = ClassifyRules::default();
        let c = url("https://example.com/c");
        let burst = [
            (t(599), url("https://example.com/a")),
            (t(600), url("https://example.com/b")),
        ];
        let f = HitFacts {
            earlier_clicks: &burst.iter().cloned().collect(),
            ..facts(TrackKind::Click, &c, Some(BROWSER))
        };
        assert_eq!(classify(&f, &rules), Reason::AllLinksAtOnce);
        let same = [(t(599), c.clone()), (t(600), c.clone())];
        let f = HitFacts {
            earlier_clicks: &same.iter().cloned().collect(),
            ..facts(TrackKind::Click, &c, Some(BROWSER))
        };
        assert_eq!(classify(&f, &rules), Reason::Human);
        let spread = [
            (t(100), url("https://example.com/a")),
            (t(300), url("https://example.com/b")),
        ];
        let f = HitFacts {
            earlier_clicks: &spread.iter().cloned().collect(),
            ..facts(TrackKind::Click, &c, Some(BROWSER))
        };
        assert_eq!(classify(&f, &rules), Reason::Human);
    }

    #[test]
    fn reason_codes_round_trip() {
        for r in ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(r));
        }
    }
}
