//! TC3-HMAC-SHA256 request signatures (Tencent Cloud API signature v3), server side.
//!
//! The signature covers the raw body bytes and the headers the client lists in
//! `SignedHeaders` — notably `host` exactly as the client sent it (tccli signs
//! `http://127.0.0.1:8080` verbatim). Nothing is re-serialized before hashing.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use sesame_core::{ErrorCode, SesError};

/// Accepted clock skew between client and server.
pub const MAX_SKEW_SECS: i64 = 300;

/// The parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// `SecretId` from the credential scope.
    pub secret_id: String,
    /// `YYYY-MM-DD` from the credential scope.
    pub date: String,
    /// Lower-case header names, in the order given.
    pub signed_headers: Vec<String>,
    /// Lower-case hex signature.
    pub signature: String,
}

fn invalid(msg: &str) -> SesError {
    SesError::new(ErrorCode::AuthFailureInvalidAuthorization, msg.to_owned())
}

impl Authorization {
    /// Parses `TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    pub fn parse(header: &str) -> Result<Self, SesError> {
        let rest = header
            .strip_prefix("TC3-HMAC-SHA256 ")
            .ok_or_else(|| invalid("Authorization must use TC3-HMAC-SHA256."))?;
        let (mut credential, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (k, v) = part
                .trim()
                .split_once('=')
                .ok_or_else(|| invalid("Authorization is malformed."))?;
            match k {
                "Credential" => credential = Some(v),
                "SignedHeaders" => signed = Some(v),
                "Signature" => signature = Some(v),
                _ => return Err(invalid("Authorization has an unknown component.")),
            }
        }
        let (credential, signed, signature) = match (credential, signed, signature) {
            (Some(c), Some(s), Some(g)) => (c, s, g),
            _ => {
                return Err(invalid(
                    "Authorization needs Credential, SignedHeaders and Signature.",
                ));
            }
        };
        let scope: Vec<&str> = credential.split('/').collect();
        let [secret_id, date, service, terminator] = scope[..] else {
            return Err(invalid("Credential must be SecretId/Date/ses/tc3_request."));
        };
        if service != "ses" || terminator != "tc3_request" || secret_id.is_empty() {
            return Err(invalid("Credential must be SecretId/Date/ses/tc3_request."));
        }
        let signed_headers: Vec<String> = signed
            .split(';')
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        if !signed_headers.iter().any(|h| h == "content-type")
            || !signed_headers.iter().any(|h| h == "host")
        {
            return Err(invalid("SignedHeaders must include content-type and host."));
        }
        if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid("Signature must be 64 hex digits."));
        }
        Ok(Self {
            secret_id: secret_id.to_owned(),
            date: date.to_owned(),
            signed_headers,
            signature: signature.to_ascii_lowercase(),
        })
    }
}

/// What a request contributes to its signature.
pub struct SignedRequest<'a> {
    /// HTTP method (`POST`).
    pub method: &'a str,
    /// Raw query string (empty for POST).
    pub query: &'a str,
    /// Header lookup by lower-case name; `None` when absent.
    pub header: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// `X-TC-Timestamp`.
    pub timestamp: i64,
    /// Raw body, or `None` when the client sent `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`.
    pub payload: Option<&'a [u8]>,
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Computes the signature for the given auth header fields, with header values canonicalised
/// by `canon` (the spec says lower-case; the Python SDK sends values as-is).
fn compute(
    auth: &Authorization,
    req: &SignedRequest<'_>,
    secret_key: &str,
    canon: fn(&str) -> String,
) -> String {
    let mut names = auth.signed_headers.clone();
    names.sort();
    let mut canonical_headers = String::new();
    for name in &names {
        let value = (req.header)(name).unwrap_or_default();
        canonical_headers.push_str(&format!("{name}:{}\n", canon(value.trim())));
    }
    let payload_hash = match req.payload {
        Some(body) => sha256_hex(body),
        None => sha256_hex(b"UNSIGNED-PAYLOAD"),
    };
    let canonical_request = format!(
        "{}\n/\n{}\n{}\n{}\n{}",
        req.method,
        req.query,
        canonical_headers,
        names.join(";"),
        payload_hash
    );
    let scope = format!("{}/ses/tc3_request", auth.date);
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{}\n{scope}\n{}",
        req.timestamp,
        sha256_hex(canonical_request.as_bytes())
    );
    let k_date = hmac(format!("TC3{secret_key}").as_bytes(), auth.date.as_bytes());
    let k_service = hmac(&k_date, b"ses");
    let k_signing = hmac(&k_service, b"tc3_request");
    hex::encode(hmac(&k_signing, string_to_sign.as_bytes()))
}

/// Checks the timestamp window and the scope date. `now` is Unix seconds.
pub fn check_time(auth: &Authorization, timestamp: i64, now: i64) -> Result<(), SesError> {
    if (now - timestamp).abs() > MAX_SKEW_SECS {
        return Err(SesError::new(
            ErrorCode::AuthFailureSignatureExpire,
            "X-TC-Timestamp is more than 5 minutes from server time.",
        ));
    }
    let date =
        chrono::DateTime::from_timestamp(timestamp, 0).map(|d| d.format("%Y-%m-%d").to_string());
    if date.as_deref() != Some(auth.date.as_str()) {
        return Err(SesError::new(
            ErrorCode::AuthFailureSignatureFailure,
            "The credential date is not the UTC date of X-TC-Timestamp.",
        ));
    }
    Ok(())
}

/// Verifies the signature in constant time.
pub fn verify(
    auth: &Authorization,
    req: &SignedRequest<'_>,
    secret_key: &str,
) -> Result<(), SesError> {
    let given = auth.signature.as_bytes();
    let lower = compute(auth, req, secret_key, |v| v.to_ascii_lowercase());
    let raw = compute(auth, req, secret_key, |v| v.to_owned());
    let ok = lower.as_bytes().ct_eq(given) | raw.as_bytes().ct_eq(given);
    if bool::from(ok) {
        Ok(())
    } else {
        Err(SesError::new(
            ErrorCode::AuthFailureSignatureFailure,
            "The request signature does not match.",
        ))
    }
}

/// Client-side signing, used by tests and the load generator: the `Authorization` value for a
/// JSON POST signed over `content-type;host`.
pub fn sign_post(
    secret_id: &str,
    secret_key: &str,
    host: &str,
    body: &[u8],
    timestamp: i64,
) -> String {
    let date = chrono::DateTime::from_timestamp(timestamp, 0)
        .expect("valid timestamp")
        .format("%Y-%m-%d")
        .to_string();
    let auth = Authorization {
        secret_id: secret_id.to_owned(),
        date,
        signed_headers: vec!["content-type".into(), "host".into()],
        signature: String::new(),
    };
    let host = host.to_owned();
    let header = move |name: &str| match name {
        "content-type" => Some("application/json".to_owned()),
        "host" => Some(host.clone()),
        _ => None,
    };
    let req = SignedRequest {
        method: "POST",
        query: "",
        header: &header,
        timestamp,
        payload: Some(body),
    };
    let sig = compute(&auth, &req, secret_key, |v| v.to_owned());
    format!(
        "TC3-HMAC-SHA256 Credential={secret_id}/{}/ses/tc3_request, SignedHeaders=content-type;host, Signature={sig}",
        auth.date
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(
        header: &'a (dyn Fn(&str) -> Option<String> + Sync),
        body: &'a [u8],
    ) -> SignedRequest<'a> {
        SignedRequest {
            method: "POST",
            query: "",
            header,
            timestamp: 1_700_000_000,
            payload: Some(body),
        }
    }

    #[test]
    fn a_signed_request_verifies_and_any_change_breaks_it() {
        let body = br#"{"Limit": 10, "Offset": 0}"#;
        let value = sign_post("AKIDtest", "s3cret", "127.0.0.1:8080", body, 1_700_000_000);
        let auth = Authorization::parse(&value).unwrap();
        let headers = |n: &str| match n {
            "content-type" => Some("application/json".to_owned()),
            "host" => Some("127.0.0.1:8080".to_owned()),
            _ => None,
        };
        assert!(verify(&auth, &request(&headers, body), "s3cret").is_ok());
        assert!(verify(&auth, &request(&headers, body), "other").is_err());
        assert!(
            verify(
                &auth,
                &request(&headers, br#"{"Limit": 11, "Offset": 0}"#),
                "s3cret"
            )
            .is_err()
        );
        let moved = |n: &str| {
            if n == "host" {
                Some("127.0.0.1:8081".to_owned())
            } else {
                headers(n)
            }
        };
        assert!(verify(&auth, &request(&moved, body), "s3cret").is_err());
    }

    #[test]
    fn matches_the_official_python_sdk() {
        // Captured from tencentcloud-sdk-python-common (ListEmailTemplates, time fixed at
        // 1700000000, endpoint 127.0.0.1:18089, credentials AKIDEXAMPLE / secretkey).
        let body = br#"{"Limit": 10, "Offset": 0}"#;
        let value = sign_post(
            "AKIDEXAMPLE",
            "secretkey",
            "127.0.0.1:18089",
            body,
            1_700_000_000,
        );
        assert_eq!(
            value,
            "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/ses/tc3_request, SignedHeaders=content-type;host, \
             Signature=2dca00b05ced94e903feb66fb56ad0773b1f124eb191d059015ecd9903e58f60"
        );
    }

    #[test]
    fn malformed_authorization_headers_are_refused() {
        let good = "TC3-HMAC-SHA256 Credential=AKIDx/2024-01-01/ses/tc3_request, SignedHeaders=content-type;host, Signature=".to_owned() + &"a".repeat(64);
        assert!(Authorization::parse(&good).is_ok());
        for bad in [
            "",
            "HMAC-SHA256 Credential=x",
            &good.replace("/ses/", "/cvm/"),
            &good.replace("tc3_request", "tc2_request"),
            &good.replace("content-type;host", "host"),
            &good.replace(&"a".repeat(64), "abc"),
            "TC3-HMAC-SHA256 Credential=AKIDx/2024-01-01/ses/tc3_request",
        ] {
            assert_eq!(
                Authorization::parse(bad).unwrap_err().code,
                ErrorCode::AuthFailureInvalidAuthorization,
                "{bad}"
            );
        }
    }

    #[test]
    fn timestamps_outside_five_minutes_expire() {
        let value = sign_post("AKIDtest", "k", "h", b"{}", 1_700_000_000);
        let auth = Authorization::parse(&value).unwrap();
        assert!(check_time(&auth, 1_700_000_000, 1_700_000_300).is_ok());
        assert_eq!(
            check_time(&auth, 1_700_000_000, 1_700_000_301)
                .unwrap_err()
                .code,
            ErrorCode::AuthFailureSignatureExpire
        );
        assert_eq!(
            check_time(&auth, 1_700_000_000, 1_699_999_699)
                .unwrap_err()
                .code,
            ErrorCode::AuthFailureSignatureExpire
        );
    }
}
