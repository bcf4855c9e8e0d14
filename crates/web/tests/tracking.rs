//! The tracking edge through `Router::oneshot`: a message is sent and delivered over fakes,
//! then its pixel, links and unsubscribe link are requested like a mail client would.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use common::{Harness, b64};
use sesame_core::Sesame;
use sesame_core::app::RawHit;
use sesame_core::ports::{Clock, Events, Ids};
use sesame_core::settings::Settings;
use sesame_core::testing::TestPorts;
use sesame_core::tracking::{Reason, Target, TokenClaims, TrackKind, TrackingKey, TrackingKeys};
use sesame_core::types::{AccountId, EmailAddress, MessageId};
use sesame_web::{Recorder, Recording, tracking_router};

const BASE: &str = "https://t.example";
const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
const HTML: &str = r##"<html><body><p>Hi</p><a href="https://shop.example/sale?a=1&amp;b=2">Sale</a>
<a href="mailto:help@shop.example">Help</a><a href="#top">Top</a></body></html>"##;

struct Edge {
    h: Harness,
    track: Router,
}

fn settings() -> Settings {
    let mut s = Settings::default();
    s.tracking.base_url = Some(BASE.into());
    s
}

impl Edge {
    async fn new() -> Self {
        let h = Harness::with_settings("acme", settings()).await;
        h.ready_to_send().await;
        let track = tracking_router(h.app.clone(), Recording::Inline(Duration::from_secs(5)));
        Self { h, track }
    }

    /// Sends and delivers one message to `to`; returns its id and the delivered bytes.
    async fn deliver(&self, to: &str, extra: serde_json::Value) -> (String, String) {
        let mut body = json!({
            "FromEmailAddress": "noreply@example.com",
            "Destination": [to],
            "Subject": "Sale",
            "Simple": {"Html": b64(HTML), "Text": b64("Hi https://shop.example/sale")},
            "Unsubscribe": "2",
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let id = self.h.ok("SendEmail", body).await["MessageId"]
            .as_str()
            .unwrap()
            .to_owned();
        for job in self.h.app.queue.bodies() {
            self.h.app.deliver(&job).await;
        }
        let rcpt = EmailAddress::parse(to).unwrap();
        let sent = self.h.app.mailer.sent_to(&rcpt);
        let raw = String::from_utf8(sent.last().expect("delivered").clone()).unwrap();
        (id, raw)
    }

    async fn get(&self, method: &str, path: &str, agent: Option<&str>) -> Response<Body> {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(agent) = agent {
            request = request.header("user-agent", agent);
        }
        let request = if method == "POST" {
            request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("List-Unsubscribe=One-Click"))
        } else {
            request.body(Body::empty())
        };
        self.track.clone().oneshot(request.unwrap()).await.unwrap()
    }

    async fn flags(&self, id: &str) -> serde_json::Value {
        let date = self
            .h
            .app
            .clock
            .now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d")
            .to_string();
        let status = self
            .h
            .ok(
                "GetSendEmailStatus",
                json!({"RequestDate": date, "Offset": 0, "Limit": 10, "MessageId": id}),
            )
            .await;
        status["EmailStatusList"][0].clone()
    }

    async fn hits(&self, id: &str, to: &str) -> Vec<sesame_core::ports::Hit> {
        self.h
            .app
            .events
            .list_hits(
                &self.h.account,
                &MessageId::parse(id).unwrap(),
                &EmailAddress::parse(to).unwrap(),
                chrono::DateTime::UNIX_EPOCH,
                1000,
            )
            .await
            .unwrap()
    }

    fn later(&self, secs: i64) {
        self.h.app.clock.advance(chrono::Duration::seconds(secs));
    }
}

/// Every `BASE/<kind>/<token>` URL in the raw message, in order.
fn urls(raw: &str, kind: &str) -> Vec<String> {
    let prefix = format!("{BASE}/{kind}/");
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(i) = rest.find(&prefix) {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_/:.".contains(c)))
            .unwrap_or(tail.len());
        out.push(tail[BASE.len()..end].to_owned());
        rest = &tail[end..];
    }
    out
}

async fn body_text(response: Response<Body>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn delivered_mail_is_rewritten_and_opens_and_clicks_set_the_status_flags() {
    let e = Edge::new().await;
    let (id, raw) = e.deliver("ann@example.org", json!({})).await;
    assert!(
        raw.contains("List-Unsubscribe: <https://t.example/u/"),
        "{raw}"
    );
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    assert!(raw.contains("mailto:help@shop.example") && raw.contains("href=\"#top\""));
    assert!(
        !raw.contains("href=\"https://shop.example/sale"),
        "the link is rewritten"
    );
    assert!(
        raw.contains("Hi https://shop.example/sale"),
        "text part untouched"
    );
    let pixel = urls(&raw, "o");
    let clicks = urls(&raw, "c");
    assert_eq!(pixel.len(), 1);
    assert_eq!(clicks.len(), 2, "the link and the honeypot");
    assert_eq!(e.flags(&id).await["UserOpened"], false);

    e.later(60);
    let response = e.get("GET", &pixel[0], Some(BROWSER)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/gif");
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    assert!(body_text(response).await.starts_with("GIF89a"));

    let response = e.get("GET", &clicks[0], Some(BROWSER)).await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "https://shop.example/sale?a=1&b=2"
    );
    let row = e.flags(&id).await;
    assert_eq!(
        (row["UserOpened"].clone(), row["UserClicked"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(row["UserUnsubscribed"], false);
    // A second open counts (opens are totals), a second click does not (users who clicked).
    e.get("GET", &pixel[0], Some(BROWSER)).await;
    e.get("GET", &clicks[0], Some(BROWSER)).await;
    let day =
        e.h.app
            .clock
            .now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d")
            .to_string();
    let stats =
        e.h.ok(
            "GetStatisticsReport",
            json!({"StartDate": day, "EndDate": day}),
        )
        .await;
    let overall = &stats["OverallVolume"];
    assert_eq!(
        (
            overall["OpenedCount"].clone(),
            overall["ClickedCount"].clone()
        ),
        (json!(2), json!(1)),
        "{stats}"
    );

    let feed = e.h.ok("ListEvents", json!({"Limit": 10})).await;
    assert_eq!(
        feed["Events"].as_array().unwrap().len(),
        1,
        "only the delivery has settled: {feed}"
    );
    e.later(10);
    let feed = e.h.ok("ListEvents", json!({"Limit": 10})).await;
    let kinds: Vec<&str> = feed["Events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Type"].as_str().unwrap())
        .collect();
    // Recorded in the same millisecond (fixed clock), they are ordered by id among themselves.
    assert_eq!(kinds[0], "delivered");
    let mut rest = kinds[1..].to_vec();
    rest.sort_unstable();
    assert_eq!(rest, ["clicked", "clicked", "opened", "opened"]);
    let next = feed["NextCursor"].as_str().unwrap();
    let more = e.h.ok("ListEvents", json!({"Cursor": next})).await;
    assert!(more["Events"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn tampered_foreign_and_misused_tokens_get_404_and_record_nothing() {
    let e = Edge::new().await;
    let (id, raw) = e.deliver("ann@example.org", json!({})).await;
    e.later(60);
    let click = &urls(&raw, "c")[0];
    let pixel = &urls(&raw, "o")[0];
    let token = click.trim_start_matches("/c/");
    let mut flipped = token.to_owned().into_bytes();
    let mid = flipped.len() / 2;
    flipped[mid] = if flipped[mid] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let foreign = TrackingKeys::new(vec![TrackingKey::new(0, [42; 32])])
        .sign(&TokenClaims {
            kind: TrackKind::Click,
            account: e.h.account.clone(),
            message_id: MessageId::parse(&id).unwrap(),
            recipient: EmailAddress::parse("ann@example.org").unwrap(),
            issued_at: e.h.app.clock.now(),
            target: Target::Url("https://evil.example/".into()),
        })
        .unwrap();
    for path in [
        format!("/c/{flipped}"),
        format!("/c/{}", &token[..token.len() - 4]),
        format!("/c/{foreign}"),
        // An open token is not a click token: no redirect from a pixel URL.
        pixel.replace("/o/", "/c/"),
        "/c/https:%2F%2Fevil.example".into(),
        "/c/%2F%2Fevil.example".into(),
        format!("/o/{flipped}"),
        format!("/u/{flipped}"),
        "/o/".into(),
    ] {
        for method in ["GET", "POST"] {
            let response = e.get(method, &path, Some(BROWSER)).await;
            assert!(
                matches!(response.status().as_u16(), 404 | 405),
                "{method} {path}: {}",
                response.status()
            );
            assert!(response.headers().get("location").is_none());
        }
    }
    assert!(e.hits(&id, "ann@example.org").await.is_empty());
    assert_eq!(e.flags(&id).await["UserClicked"], false);
}

#[tokio::test]
async fn valid_tokens_for_another_account_or_past_their_ttl_redirect_but_record_nothing() {
    let e = Edge::new().await;
    let (id, raw) = e.deliver("ann@example.org", json!({})).await;
    // Signed by this installation but naming a message the account does not have.
    let keys = &e.h.app.settings.tracking.keys;
    let other = keys
        .sign(&TokenClaims {
            kind: TrackKind::Click,
            account: AccountId::parse("globex").unwrap(),
            message_id: MessageId::parse(&id).unwrap(),
            recipient: EmailAddress::parse("ann@example.org").unwrap(),
            issued_at: e.h.app.clock.now(),
            target: Target::Url("https://shop.example/x".into()),
        })
        .unwrap();
    e.later(60);
    let response = e.get("GET", &format!("/c/{other}"), Some(BROWSER)).await;
    assert_eq!(response.status(), 302, "the link in a mailbox never breaks");
    // Past the token TTL (90 days): still redirects, records nothing.
    e.later(91 * 86_400);
    let click = &urls(&raw, "c")[0];
    let response = e.get("GET", click, Some(BROWSER)).await;
    assert_eq!(response.status(), 302);
    assert!(e.hits(&id, "ann@example.org").await.is_empty());
}

#[tokio::test]
async fn get_shows_the_unsubscribe_page_and_only_post_unsubscribes() {
    let e = Edge::new().await;
    let (id, raw) = e
        .deliver("ann@example.org", json!({"Unsubscribe": "6"}))
        .await;
    let link = &urls(&raw, "u")[0];
    assert!(raw.contains("Abmelden"), "German footer");
    let sender = EmailAddress::parse("noreply@example.com").unwrap();
    let ann = EmailAddress::parse("ann@example.org").unwrap();

    let page = e.get("GET", link, Some(BROWSER)).await;
    assert_eq!(page.status(), 200);
    let page = body_text(page).await;
    assert!(page.contains("<form method=\"post\"") && page.contains("lang=\"de\""));
    assert!(page.contains("noreply@example.com"));
    let head = e.get("HEAD", link, None).await;
    assert_eq!(head.status(), 200);
    assert!(
        !e.h.app
            .events
            .is_unsubscribed(&e.h.account, &sender, &ann)
            .await
            .unwrap()
    );
    assert_eq!(e.flags(&id).await["UserUnsubscribed"], false);

    let done = e.get("POST", link, None).await;
    assert_eq!(done.status(), 200);
    assert!(body_text(done).await.contains("abgemeldet"));
    assert!(
        e.h.app
            .events
            .is_unsubscribed(&e.h.account, &sender, &ann)
            .await
            .unwrap()
    );
    assert_eq!(e.flags(&id).await["UserUnsubscribed"], true);
    // One-click again is harmless.
    assert_eq!(e.get("POST", link, None).await.status(), 200);

    let again =
        e.h.call(
            "SendEmail",
            json!({"FromEmailAddress": "noreply@example.com", "Destination": ["Ann@example.org"],
                   "Subject": "x", "Simple": {"Text": b64("x")}}),
        )
        .await;
    assert_eq!(again.code(), "FailedOperation.ReceiverHasUnsubscribed");
}

#[tokio::test]
async fn scanners_head_requests_and_honeypots_are_machine_hits_that_set_no_flag() {
    let e = Edge::new().await;
    let (id, raw) = e.deliver("bob@example.org", json!({})).await;
    let clicks = urls(&raw, "c");
    let (link, honeypot) = (&clicks[0], &clicks[1]);
    // A scanner follows links the moment mail arrives.
    assert_eq!(e.get("GET", link, Some(BROWSER)).await.status(), 302);
    e.later(60);
    assert_eq!(e.get("HEAD", link, Some(BROWSER)).await.status(), 302);
    assert_eq!(
        e.get("GET", link, Some("Barracuda Sentinel (EE)"))
            .await
            .status(),
        302
    );
    assert_eq!(e.get("GET", honeypot, Some(BROWSER)).await.status(), 204);
    assert_eq!(
        e.get("GET", &urls(&raw, "o")[0], Some("Mozilla/5.0"))
            .await
            .status(),
        200
    );
    let mut reasons: Vec<&str> = e
        .hits(&id, "bob@example.org")
        .await
        .iter()
        .map(|h| h.reason.as_str())
        .collect();
    reasons.sort_unstable();
    let mut want = [
        Reason::TooSoonAfterDelivery,
        Reason::HeadRequest,
        Reason::ScannerUserAgent,
        Reason::Honeypot,
        Reason::PrivacyProxyPrefetch,
    ]
    .map(Reason::as_str);
    want.sort_unstable();
    assert_eq!(reasons, want);
    let row = e.flags(&id).await;
    assert_eq!(
        (row["UserOpened"].clone(), row["UserClicked"].clone()),
        (json!(false), json!(false))
    );
}

#[tokio::test]
async fn a_replayed_hit_is_stored_and_counted_once() {
    let e = Edge::new().await;
    let (id, raw) = e.deliver("cy@example.org", json!({})).await;
    e.later(60);
    let token = urls(&raw, "o")[0].trim_start_matches("/o/").to_owned();
    let hit = RawHit {
        id: e.h.app.new_hit_id(),
        claims: e.h.app.settings.tracking.keys.verify(&token).unwrap(),
        at: e.h.app.clock.now(),
        head: false,
        user_agent: Some(BROWSER.into()),
        ip: None,
    };
    let first =
        e.h.app
            .record_hits(std::slice::from_ref(&hit))
            .await
            .unwrap();
    let replay = e.h.app.record_hits(&[hit.clone(), hit]).await.unwrap();
    assert_eq!((first.stored, first.events), (1, 1));
    assert_eq!(replay.events, 0, "replays append nothing");
    let day =
        e.h.app
            .clock
            .now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d")
            .to_string();
    let stats =
        e.h.ok(
            "GetStatisticsReport",
            json!({"StartDate": day, "EndDate": day}),
        )
        .await;
    assert_eq!(
        stats["OverallVolume"]["OpenedCount"], 1,
        "counted once: {stats}"
    );
    assert_eq!(e.hits(&id, "cy@example.org").await.len(), 1);
    e.later(10);
    let feed = e.h.ok("ListEvents", json!({})).await;
    let opened = feed["Events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["Type"] == "opened")
        .count();
    assert_eq!(opened, 1);
}

#[tokio::test]
async fn tracking_can_be_switched_off_per_message_and_per_account() {
    let e = Edge::new().await;
    let (_, raw) = e
        .deliver(
            "dee@example.org",
            json!({"SmtpHeaders": "{\"X-Sesame-Tracking\":\"off\"}", "Unsubscribe": "0"}),
        )
        .await;
    assert!(urls(&raw, "o").is_empty() && urls(&raw, "c").is_empty());
    assert!(raw.contains("href=\"https://shop.example/sale?a=1&amp;b=2\""));
    assert!(
        !raw.contains("X-Sesame-Tracking"),
        "the opt-out header is not sent"
    );
    assert!(!raw.contains("List-Unsubscribe"));

    e.h.ok("UpdateAccountTracking", json!({"Enabled": false}))
        .await;
    assert_eq!(
        e.h.ok("GetAccountTracking", json!({})).await["Enabled"],
        false
    );
    let (_, raw) = e.deliver("eve@example.org", json!({})).await;
    assert!(urls(&raw, "o").is_empty() && urls(&raw, "c").is_empty());
    assert_eq!(
        urls(&raw, "u").len(),
        3,
        "unsubscribe is not tracking: HTML and text footers, header"
    );
}

#[tokio::test]
async fn the_background_recorder_loses_no_hit_up_to_its_bound() {
    let e = Edge::new().await;
    let (id, raw) = e.deliver("fay@example.org", json!({})).await;
    e.later(60);
    let app: Arc<Sesame<TestPorts>> = e.h.app.clone();
    let (recorder, task) = Recorder::spawn(app.clone(), 5000);
    let track = tracking_router(app.clone(), Recording::Background(recorder.clone()));
    let stats = recorder.stats();
    drop(recorder);
    let pixel = urls(&raw, "o")[0].clone();
    for _ in 0..3000 {
        let request = Request::get(&pixel)
            .header("user-agent", BROWSER)
            .body(Body::empty())
            .unwrap();
        assert_eq!(track.clone().oneshot(request).await.unwrap().status(), 200);
    }
    drop(track);
    task.await.unwrap();
    use std::sync::atomic::Ordering::Relaxed;
    assert_eq!(stats.dropped.load(Relaxed), 0);
    assert_eq!(stats.recorded.load(Relaxed), 3000);
    assert_eq!(
        e.hits(&id, "fay@example.org").await.len(),
        1000,
        "list limit"
    );
    let all = app
        .events
        .list_hits(
            &e.h.account,
            &MessageId::parse(&id).unwrap(),
            &EmailAddress::parse("fay@example.org").unwrap(),
            chrono::DateTime::UNIX_EPOCH,
            10_000,
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 3000);
    let _ = app.ids.random_bytes(1);
}
