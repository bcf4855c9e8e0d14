//! The tracking part of the configuration: public URL, keys, classification thresholds and
//! where and how `sesame serve` answers the tracking routes.

use std::net::SocketAddr;
use std::time::Duration;

use sesame_core::tracking::{TrackingSettings, parse_keys};

use crate::config::env;

/// How `sesame serve` runs the tracking edge.
#[derive(Debug, Clone)]
pub struct TrackingConfig {
    /// Core tracking settings (URL, keys, thresholds).
    pub settings: TrackingSettings,
    /// A separate listener for the tracking routes (`SESAME_TRACKING_LISTEN`); `None` serves
    /// them on the API listener.
    pub listen: Option<SocketAddr>,
    /// Hits the background recorder buffers before dropping (`SESAME_TRACKING_BUFFER`).
    pub buffer: usize,
}

impl TrackingConfig {
    /// Reads the `SESAME_TRACKING_*` variables; problems are added to `errors`.
    pub fn load(api_listen: SocketAddr, errors: &mut Vec<String>) -> Self {
        let mut number = |name: &str, default: u64| match env(name) {
            None => default,
            Some(raw) => raw.trim().parse().unwrap_or_else(|_| {
                errors.push(format!("{name}={raw:?} is not a number"));
                default
            }),
        };
        let min_click = number("SESAME_TRACKING_MIN_CLICK_SECS", 5);
        let buffer = number("SESAME_TRACKING_BUFFER", 1 << 20);
        let listen = match env("SESAME_TRACKING_LISTEN") {
            None => None,
            Some(raw) => match raw.parse::<SocketAddr>() {
                Ok(addr) => Some(addr),
                Err(_) => {
                    errors.push(format!("SESAME_TRACKING_LISTEN={raw:?} is not host:port"));
                    None
                }
            },
        };
        let base_url = match env("SESAME_TRACKING_URL") {
            Some(raw) => {
                let url = raw.trim().trim_end_matches('/').to_owned();
                if !sesame_core::tracking::is_http_url(&url) {
                    errors.push(format!("SESAME_TRACKING_URL={raw:?} is not an http(s) URL"));
                }
                url
            }
            None => format!("http://{}", listen.unwrap_or(api_listen)),
        };
        let mut settings = TrackingSettings {
            base_url: Some(base_url),
            ..TrackingSettings::default()
        };
        settings.rules.min_click_delay = Duration::from_secs(min_click);
        // Unset: the key is derived from the master key when the deployment is wired.
        if let Some(raw) = env("SESAME_TRACKING_KEYS").or_else(|| env("SESAME_TRACKING_KEY")) {
            match parse_keys(&raw) {
                Ok(keys) => settings.keys = keys,
                Err(e) => errors.push(format!("SESAME_TRACKING_KEYS: {e}")),
            }
        }
        Self {
            settings,
            listen,
            buffer: usize::try_from(buffer).unwrap_or(usize::MAX).max(1),
        }
    }
}
