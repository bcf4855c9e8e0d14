//! Request parsing and response formatting shared by the actions.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::de::DeserializeOwned;

use sesame_core::{ErrorCode, SesError};

/// Parses an action's JSON body into its request type, mapping serde's complaints onto the
/// documented codes: missing field → `MissingParameter`, unknown field → `UnknownParameter`,
/// anything else (wrong type, bad JSON) → `InvalidParameter`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, SesError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        let text = e.to_string();
        let detail = text.split(" at line ").next().unwrap_or(&text).to_owned();
        let code = if text.starts_with("missing field") {
            ErrorCode::MissingParameter
        } else if text.starts_with("unknown field") {
            ErrorCode::UnknownParameter
        } else {
            ErrorCode::InvalidParameter
        };
        SesError::new(code, format!("The request body is invalid: {detail}."))
    })
}

/// `YYYY-MM-DD HH:MM:SS` in the API time zone.
pub fn datetime(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
