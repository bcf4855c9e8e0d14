//! A Sesame API over in-memory fakes, driven with signed requests through `Router::oneshot`.

#![allow(dead_code)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use sesame_core::Sesame;
use sesame_core::ports::Clock;
use sesame_core::settings::Settings;
use sesame_core::testing::TestPorts;
use sesame_core::types::AccountId;
use sesame_web::tc3::sign_post;
use sesame_web::{ApiOptions, api_router};

pub const HOST: &str = "127.0.0.1:8080";

/// A running API with one account's key.
pub struct Harness {
    pub app: Arc<Sesame<TestPorts>>,
    pub router: Router,
    pub secret_id: String,
    pub secret_key: String,
    pub account: AccountId,
}

/// An API answer: HTTP status, Content-Type, parsed body.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl Answer {
    /// The error code, or "" on success.
    pub fn code(&self) -> &str {
        self.body["Response"]["Error"]["Code"]
            .as_str()
            .unwrap_or_default()
    }
}

impl Harness {
    pub async fn new(account: &str) -> Self {
        Self::with_settings(account, Settings::default()).await
    }

    /// A harness over a deployment with the given settings.
    pub async fn with_settings(account: &str, settings: Settings) -> Self {
        let app = Arc::new(sesame_core::testing::sesame(settings));
        let key = app
            .create_key(&AccountId::parse(account).unwrap())
            .await
            .unwrap();
        let router = api_router(app.clone(), ApiOptions::default());
        Self {
            app,
            router,
            secret_id: key.secret_id.to_string(),
            secret_key: key.secret_key,
            account: key.account,
        }
    }

    /// Another key of another account on the same deployment.
    pub async fn other_account(&self, account: &str) -> (String, String) {
        let key = self
            .app
            .create_key(&AccountId::parse(account).unwrap())
            .await
            .unwrap();
        (key.secret_id.to_string(), key.secret_key)
    }

    pub fn now(&self) -> i64 {
        self.app.clock.now().timestamp()
    }

    /// A correctly signed request.
    pub fn signed(&self, action: &str, body: &[u8]) -> Request<Body> {
        self.signed_with(&self.secret_id, &self.secret_key, action, body)
    }

    pub fn signed_with(&self, id: &str, key: &str, action: &str, body: &[u8]) -> Request<Body> {
        let ts = self.now();
        Request::post("/")
            .header("host", HOST)
            .header("content-type", "application/json")
            .header("x-tc-action", action)
            .header("x-tc-version", "2020-10-02")
            .header("x-tc-timestamp", ts.to_string())
            .header("authorization", sign_post(id, key, HOST, body, ts))
            .body(Body::from(body.to_vec()))
            .unwrap()
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap();
        Answer {
            status,
            content_type,
            body,
        }
    }

    /// Calls an action with a JSON body.
    pub async fn call(&self, action: &str, body: Value) -> Answer {
        self.send(self.signed(action, body.to_string().as_bytes()))
            .await
    }

    /// Calls an action and expects success.
    pub async fn ok(&self, action: &str, body: Value) -> Value {
        let answer = self.call(action, body).await;
        assert_eq!(answer.code(), "", "{action} failed: {}", answer.body);
        answer.body["Response"].clone()
    }

    /// A verified domain `example.com` with sender `noreply@example.com` and template 1
    /// (`Hello {{name}}`), as most tests need.
    pub async fn ready_to_send(&self) -> u64 {
        self.ok(
            "CreateEmailIdentity",
            serde_json::json!({"EmailIdentity": "example.com"}),
        )
        .await;
        self.app
            .trust_identity(&self.account, "example.com")
            .await
            .unwrap();
        self.ok(
            "CreateEmailAddress",
            serde_json::json!({"EmailAddress": "noreply@example.com", "EmailSenderName": "Ops"}),
        )
        .await;
        let t = self
            .ok(
                "CreateEmailTemplate",
                serde_json::json!({"TemplateName": "welcome", "TemplateContent": {"Html": b64("<p>Hello {{name}}</p>"), "Text": b64("Hello {{name}}")}}),
            )
            .await;
        t["TemplateID"].as_u64().unwrap()
    }
}

pub fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}
