//! The tracking router: `GET /o/{token}` (open pixel), `GET|HEAD /c/{token}` (click redirect),
//! `GET|POST /u/{token}` (unsubscribe page and RFC 8058 one-click), `GET /healthz`.
//!
//! Pixel and redirect are answered from the verified token alone: no store read, so the
//! answer never waits on or fails with the store, and the redirect target can only be a URL
//! the message linked to. A tampered, truncated, foreign or unknown-key token gets 404 and
//! records nothing. Unsubscribing is the one write the answer waits for: it must be durable
//! before the page says it is done.

mod page;
mod pixel;
mod recorder;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use sesame_core::Sesame;
use sesame_core::app::RawHit;
use sesame_core::ports::{Clock, Ports};
use sesame_core::tracking::{Target, TokenClaims, TrackKind, unsubscribe_texts};

pub use recorder::{Recorder, RecorderStats};

/// How hits reach the store.
#[derive(Debug, Clone)]
pub enum Recording {
    /// Through the background recorder (`sesame serve`): the answer never waits.
    Background(Recorder),
    /// Before answering, bounded by a timeout whose expiry or failure is only logged. For
    /// Lambda, whose environment is frozen once the response is sent, so a background task
    /// would not run.
    Inline(Duration),
}

struct TrackState<P: Ports> {
    app: Arc<Sesame<P>>,
    recording: Recording,
}

/// The tracking routes over a deployment.
pub fn tracking_router<P: Ports>(app: Arc<Sesame<P>>, recording: Recording) -> Router {
    let state = Arc::new(TrackState { app, recording });
    Router::new()
        .route("/o/{token}", get(open::<P>))
        .route("/c/{token}", get(click::<P>))
        .route(
            "/u/{token}",
            get(unsubscribe_page::<P>).post(unsubscribe::<P>),
        )
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state)
}

const NO_CACHE: &str = "no-store, no-cache, must-revalidate, private, max-age=0";

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE))],
        "not found",
    )
        .into_response()
}

fn verify<P: Ports>(state: &TrackState<P>, token: &str, kind: TrackKind) -> Option<TokenClaims> {
    state
        .app
        .settings
        .tracking
        .keys
        .verify(token)
        .ok()
        .filter(|c| c.kind == kind)
}

/// The client address: the first `X-Forwarded-For` hop (function URLs and proxies set it),
/// else the peer. Only used to classify the hit.
fn client_ip(request: &Request) -> Option<IpAddr> {
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.trim().parse().ok());
    forwarded.or_else(|| {
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
    })
}

fn raw_hit<P: Ports>(state: &TrackState<P>, claims: TokenClaims, request: &Request) -> RawHit {
    RawHit {
        id: state.app.new_hit_id(),
        claims,
        at: state.app.clock.now(),
        head: request.method() == Method::HEAD,
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip: client_ip(request),
    }
}

async fn record<P: Ports>(state: &TrackState<P>, hit: RawHit) {
    match &state.recording {
        Recording::Background(recorder) => {
            recorder.submit(hit);
        }
        Recording::Inline(limit) => {
            match tokio::time::timeout(*limit, state.app.record_hits(&[hit])).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "hit not recorded"),
                Err(_) => tracing::warn!("hit not recorded in time"),
            }
        }
    }
}

async fn open<P: Ports>(
    State(state): State<Arc<TrackState<P>>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let Some(claims) = verify(&state, &token, TrackKind::Open) else {
        return not_found();
    };
    let hit = raw_hit(&state, claims, &request);
    record(&state, hit).await;
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/gif")),
            (header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
            (header::PRAGMA, HeaderValue::from_static("no-cache")),
            (header::EXPIRES, HeaderValue::from_static("0")),
        ],
        pixel::PIXEL.clone(),
    )
        .into_response()
}

async fn click<P: Ports>(
    State(state): State<Arc<TrackState<P>>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let Some(claims) = verify(&state, &token, TrackKind::Click) else {
        return not_found();
    };
    // The honeypot link has no destination a person would want; it leads nowhere.
    let location = match &claims.target {
        Target::Url(url) => HeaderValue::from_str(url).ok(),
        Target::Honeypot | Target::None => None,
    };
    let hit = raw_hit(&state, claims, &request);
    record(&state, hit).await;
    let Some(location) = location else {
        return (
            StatusCode::NO_CONTENT,
            [(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE))],
        )
            .into_response();
    };
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
    )
        .into_response()
}

fn html(status: StatusCode, body: String) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    (status, headers, Body::from(body)).into_response()
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, HeaderValue::from_static("60"))],
        "temporarily unavailable, please try again",
    )
        .into_response()
}

/// GET: the confirmation page. Shows, never changes anything (link scanners GET every link).
async fn unsubscribe_page<P: Ports>(
    State(state): State<Arc<TrackState<P>>>,
    Path(token): Path<String>,
) -> Response {
    let Some(claims) = verify(&state, &token, TrackKind::Unsubscribe) else {
        return not_found();
    };
    match state.app.unsubscribe_sender(&claims).await {
        Ok(Some((sender, language))) => {
            let texts = unsubscribe_texts(&language)
                .or_else(|| unsubscribe_texts("2"))
                .expect("English texts exist");
            html(StatusCode::OK, page::confirm(texts, sender.as_str()))
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::warn!(error = %e, "unsubscribe page unavailable");
            unavailable()
        }
    }
}

/// POST: unsubscribes, whatever the body (RFC 8058's `List-Unsubscribe=One-Click` from a mail
/// client, or the confirmation page's form). Answers once the unsubscribe is stored.
async fn unsubscribe<P: Ports>(
    State(state): State<Arc<TrackState<P>>>,
    Path(token): Path<String>,
) -> Response {
    let Some(claims) = verify(&state, &token, TrackKind::Unsubscribe) else {
        return not_found();
    };
    match state.app.unsubscribe(&claims).await {
        Ok(Some((sender, language))) => {
            let texts = unsubscribe_texts(&language)
                .or_else(|| unsubscribe_texts("2"))
                .expect("English texts exist");
            html(StatusCode::OK, page::done(texts, sender.as_str()))
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::warn!(error = %e, "unsubscribe not stored");
            unavailable()
        }
    }
}
