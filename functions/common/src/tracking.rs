//! The tracking part of a function's configuration (`SESAME_TRACKING_*`).

use std::time::Duration;

use sesame_core::tracking::{TrackingSettings, is_http_url, parse_keys};

/// Tracking settings from `[SESAME_TRACKING_URL, SESAME_TRACKING_KEYS, SESAME_TRACKING_MIN_CLICK_SECS]`.
/// Without a URL nothing is rewritten (deliver) and the `track` function's tokens still
/// verify; without keys the key is derived from the master key when the deployment is built.
pub(crate) fn settings(vars: [Option<String>; 3], problems: &mut Vec<String>) -> TrackingSettings {
    let [url, keys, min_click] = vars;
    let mut settings = TrackingSettings::default();
    if let Some(raw) = url {
        let url = raw.trim().trim_end_matches('/').to_owned();
        if is_http_url(&url) {
            settings.base_url = Some(url);
        } else {
            problems.push(format!("SESAME_TRACKING_URL={raw:?} is not an http(s) URL"));
        }
    }
    if let Some(raw) = keys {
        match parse_keys(&raw) {
            Ok(keys) => settings.keys = keys,
            Err(e) => problems.push(format!("SESAME_TRACKING_KEYS: {e}")),
        }
    }
    if let Some(raw) = min_click {
        match raw.trim().parse() {
            Ok(secs) => settings.rules.min_click_delay = Duration::from_secs(secs),
            Err(_) => problems.push(format!(
                "SESAME_TRACKING_MIN_CLICK_SECS={raw:?} is not a number"
            )),
        }
    }
    settings
}
