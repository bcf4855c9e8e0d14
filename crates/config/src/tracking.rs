//! The tracking variables every process shares (`SESAME_TRACKING_URL`, `SESAME_TRACKING_KEYS`
//! and its alias `SESAME_TRACKING_KEY`, `SESAME_TRACKING_MIN_CLICK_SECS`). Where `sesame serve`
//! answers the tracking routes is its own business (its extras).

use std::time::Duration;

use sesame_core::tracking::{TrackingSettings, is_http_url, parse_keys};

use crate::env::Reader;

/// Tracking settings. Without a URL, `base_url` stays `None` (a binary may default it to where
/// it serves the routes); without keys, the key is derived from the master key when the
/// deployment is wired.
pub(crate) fn settings(r: &mut Reader) -> TrackingSettings {
    let mut settings = TrackingSettings::default();
    if let Some(raw) = r.get("SESAME_TRACKING_URL") {
        let url = raw.trim().trim_end_matches('/').to_owned();
        if is_http_url(&url) {
            settings.base_url = Some(url);
        } else {
            r.problem(format!("SESAME_TRACKING_URL={raw:?} is not an http(s) URL"));
        }
    }
    // `SESAME_TRACKING_KEY` (singular) is accepted too: a single key is the common case.
    let keys = r.get("SESAME_TRACKING_KEYS");
    let alias = r.get("SESAME_TRACKING_KEY");
    if let Some(raw) = keys.or(alias) {
        match parse_keys(&raw) {
            Ok(keys) => settings.keys = keys,
            Err(e) => r.problem(format!("SESAME_TRACKING_KEYS: {e}")),
        }
    }
    let default_delay = settings.rules.min_click_delay.as_secs();
    settings.rules.min_click_delay = Duration::from_secs(r.parse_with(
        "SESAME_TRACKING_MIN_CLICK_SECS",
        default_delay,
        "is not a number",
    ));
    settings
}
