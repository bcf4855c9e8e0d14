//! `POST /`: read the body (bounded), authenticate the TC3 signature, run the action, answer
//! with the envelope. Every failure, including a body that is too large, is an HTTP 200
//! error envelope with a documented code.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, Response, header};
use axum::routing::any;

use sesame_core::ports::{Clock, Ports};
use sesame_core::types::AccountId;
use sesame_core::{ErrorCode, SesError, Sesame};

use crate::{actions, envelope, tc3};

/// The only API version served.
pub const VERSION: &str = "2020-10-02";

/// Options of the API router.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// Largest request body accepted. Tencent's platform limit is 10 MB; a SendEmail carrying
    /// the maximum 4 MB of attachments is about 5.5 MB of JSON.
    pub max_body_bytes: usize,
}

impl Default for ApiOptions {
    fn default() -> Self {
        Self {
            max_body_bytes: 10 * 1024 * 1024,
        }
    }
}

struct ApiState<P: Ports> {
    app: Arc<Sesame<P>>,
    options: ApiOptions,
}

/// The API router: every request to `/` is an API call.
pub fn api_router<P: Ports>(app: Arc<Sesame<P>>, options: ApiOptions) -> Router {
    let state = Arc::new(ApiState { app, options });
    Router::new().route("/", any(handle::<P>)).with_state(state)
}

async fn handle<P: Ports>(
    State(state): State<Arc<ApiState<P>>>,
    request: Request,
) -> Response<Body> {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let action = header_str(request.headers(), "x-tc-action").unwrap_or_default();
    let result = process(&state, request).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok((account, value)) => {
            tracing::info!(%request_id, %action, account = %account, elapsed_ms, "api call");
            envelope::success(value, &request_id)
        }
        Err(err) => {
            tracing::info!(%request_id, %action, code = err.code.as_str(), elapsed_ms, "api call failed");
            envelope::error(&err, &request_id)
        }
    }
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn process<P: Ports>(
    state: &ApiState<P>,
    request: Request,
) -> Result<(AccountId, serde_json::Value), SesError> {
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST {
        return Err(SesError::new(
            ErrorCode::UnsupportedProtocol,
            "Only POST with a JSON body is supported.",
        ));
    }
    let too_large = || {
        SesError::new(
            ErrorCode::RequestSizeLimitExceeded,
            "The request body is too large.",
        )
    };
    let declared =
        header_str(&parts.headers, "content-length").and_then(|l| l.parse::<usize>().ok());
    if declared.is_some_and(|l| l > state.options.max_body_bytes) {
        return Err(too_large());
    }
    let body = axum::body::to_bytes(body, state.options.max_body_bytes)
        .await
        .map_err(|_| too_large())?;

    let Some(authorization) = header_str(&parts.headers, "authorization") else {
        let form = header_str(&parts.headers, "content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        return Err(if form {
            SesError::new(
                ErrorCode::UnsupportedProtocol,
                "Signature v1 is not supported; use TC3-HMAC-SHA256.",
            )
        } else {
            SesError::new(
                ErrorCode::AuthFailureInvalidAuthorization,
                "The Authorization header is missing.",
            )
        });
    };
    let auth = tc3::Authorization::parse(&authorization)?;
    let timestamp = header_str(&parts.headers, "x-tc-timestamp")
        .and_then(|t| t.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            SesError::new(
                ErrorCode::MissingParameter,
                "X-TC-Timestamp is missing or not a number.",
            )
        })?;
    tc3::check_time(&auth, timestamp, state.app.clock.now().timestamp())?;
    let key = state.app.authenticate(&auth.secret_id).await?;
    let lookup = |name: &str| header_str(&parts.headers, name);
    let unsigned =
        header_str(&parts.headers, "x-tc-content-sha256").is_some_and(|v| v == "UNSIGNED-PAYLOAD");
    let signed = tc3::SignedRequest {
        method: parts.method.as_str(),
        query: parts.uri.query().unwrap_or_default(),
        header: &lookup,
        timestamp,
        payload: if unsigned { None } else { Some(&body) },
    };
    tc3::verify(&auth, &signed, &key.secret_key)?;

    if header_str(&parts.headers, "x-tc-version").as_deref() != Some(VERSION) {
        return Err(SesError::new(
            ErrorCode::NoSuchVersion,
            format!("X-TC-Version must be {VERSION}."),
        ));
    }
    let content_type =
        header_str(&parts.headers, header::CONTENT_TYPE.as_str()).unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return Err(SesError::new(
            ErrorCode::UnsupportedProtocol,
            "Content-Type must be application/json.",
        ));
    }
    let action = header_str(&parts.headers, "x-tc-action").unwrap_or_default();
    let value = actions::dispatch(&state.app, &key.account, &action, &body).await?;
    Ok((key.account, value))
}
