//! The API service a function URL invokes: sesame-web's API router, with the `Host` clients
//! signed restored when a proxy rewrote it.
//!
//! TC3 signatures cover the exact body bytes and the `host` header as the client sent them.
//! Behind a function URL both survive: lambda_http turns the event's `body` back into the
//! client's bytes (base64-decoding it when `isBase64Encoded`), and the event's `host` header
//! is the function URL host the client called. When CloudFront or a custom domain sits in
//! front, the function sees the origin's host instead, so `SESAME_PUBLIC_HOST` names the
//! host clients sign and replaces the received one before verification.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use http::HeaderValue;
use http::header::HOST;
use tower::util::MapRequestLayer;

use sesame_core::Sesame;
use sesame_core::ports::Ports;
use sesame_web::{ApiOptions, api_router};

/// The API router, verifying signatures against `public_host` when set.
pub fn service<P: Ports>(
    app: Arc<Sesame<P>>,
    options: ApiOptions,
    public_host: Option<HeaderValue>,
) -> Router {
    let router = api_router(app, options);
    match public_host {
        None => router,
        Some(host) => router.layer(MapRequestLayer::new(move |mut request: Request| {
            request.headers_mut().insert(HOST, host.clone());
            request
        })),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use lambda_http::request::LambdaRequest;
    use lambda_http::{Adapter, Context, LambdaEvent, Service};
    use serde_json::{Value, json};

    use sesame_core::ports::Clock;
    use sesame_core::settings::Settings;
    use sesame_core::testing::TestPorts;
    use sesame_core::types::AccountId;
    use sesame_web::tc3::sign_post;

    use super::*;

    /// A function URL event whose JSON body is passed as text.
    const TEXT_EVENT: &str = include_str!("../events/function-url-create-template.json");
    /// The same call as a function URL delivers a body it base64-encodes.
    const BASE64_EVENT: &str = include_str!("../events/function-url-create-template-base64.json");

    struct Deployment {
        app: Arc<Sesame<TestPorts>>,
        secret_id: String,
        secret_key: String,
    }

    async fn deployment() -> Deployment {
        let app = Arc::new(sesame_core::testing::sesame(Settings::default()));
        let key = app
            .create_key(&AccountId::parse("1000001").unwrap())
            .await
            .unwrap();
        Deployment {
            app,
            secret_id: key.secret_id.to_string(),
            secret_key: key.secret_key,
        }
    }

    /// The body bytes the client sent, decoded from the event independently of lambda_http.
    fn client_bytes(event: &Value) -> Vec<u8> {
        let body = event["body"].as_str().unwrap();
        if event["isBase64Encoded"].as_bool().unwrap() {
            STANDARD.decode(body).unwrap()
        } else {
            body.as_bytes().to_vec()
        }
    }

    /// The fixture, signed now with the deployment's key over `signed_host` (default: the
    /// event's own host header) and the client's body bytes.
    fn signed(d: &Deployment, fixture: &str, signed_host: Option<&str>) -> Value {
        let mut event: Value = serde_json::from_str(fixture).unwrap();
        let host = signed_host
            .map(str::to_owned)
            .unwrap_or_else(|| event["headers"]["host"].as_str().unwrap().to_owned());
        let now = d.app.clock.now().timestamp();
        let authorization = sign_post(
            &d.secret_id,
            &d.secret_key,
            &host,
            &client_bytes(&event),
            now,
        );
        event["headers"]["authorization"] = json!(authorization);
        event["headers"]["x-tc-timestamp"] = json!(now.to_string());
        event
    }

    /// Runs an event through the same adapter `lambda_http::run` uses; returns the function
    /// URL response (statusCode, headers, body).
    async fn invoke(router: Router, event: Value) -> Value {
        let request: LambdaRequest = serde_json::from_value(event).unwrap();
        let mut adapter = Adapter::from(router);
        let response = adapter
            .call(LambdaEvent::new(request, Context::default()))
            .await
            .unwrap();
        serde_json::to_value(response).unwrap()
    }

    fn answer(response: &Value) -> Value {
        assert_eq!(response["statusCode"], 200);
        let body = response["body"].as_str().unwrap();
        let body = if response["isBase64Encoded"].as_bool().unwrap_or(false) {
            String::from_utf8(STANDARD.decode(body).unwrap()).unwrap()
        } else {
            body.to_owned()
        };
        serde_json::from_str::<Value>(&body).unwrap()["Response"].clone()
    }

    #[tokio::test]
    async fn a_signed_function_url_call_with_a_text_body_verifies_and_runs() {
        let d = deployment().await;
        let router = service(d.app.clone(), ApiOptions::default(), None);
        let response = invoke(router, signed(&d, TEXT_EVENT, None)).await;
        let body = answer(&response);
        assert!(body["Error"].is_null(), "{body}");
        assert!(body["TemplateID"].as_u64().is_some(), "{body}");
    }

    #[tokio::test]
    async fn a_base64_encoded_body_is_verified_over_the_decoded_client_bytes() {
        let d = deployment().await;
        let event = signed(&d, BASE64_EVENT, None);
        assert!(
            client_bytes(&event).iter().any(|b| !b.is_ascii()),
            "the fixture should carry non-ASCII UTF-8 to prove the bytes are exact"
        );
        let router = service(d.app.clone(), ApiOptions::default(), None);
        let body = answer(&invoke(router, event).await);
        assert!(body["Error"].is_null(), "{body}");
        assert!(body["TemplateID"].as_u64().is_some(), "{body}");
    }

    #[tokio::test]
    async fn a_body_altered_after_signing_is_refused() {
        let d = deployment().await;
        let mut event = signed(&d, TEXT_EVENT, None);
        let tampered = event["body"]
            .as_str()
            .unwrap()
            .replace("welcome", "welcomE");
        event["body"] = json!(tampered);
        let router = service(d.app.clone(), ApiOptions::default(), None);
        let body = answer(&invoke(router, event).await);
        assert_eq!(body["Error"]["Code"], "AuthFailure.SignatureFailure");
    }

    #[tokio::test]
    async fn a_public_host_restores_the_host_the_client_signed_behind_a_proxy() {
        let d = deployment().await;
        let proxied = || signed(&d, TEXT_EVENT, Some("ses.example.com"));

        let plain = service(d.app.clone(), ApiOptions::default(), None);
        let body = answer(&invoke(plain, proxied()).await);
        assert_eq!(body["Error"]["Code"], "AuthFailure.SignatureFailure");

        let host = HeaderValue::from_static("ses.example.com");
        let restored = service(d.app.clone(), ApiOptions::default(), Some(host));
        let body = answer(&invoke(restored, proxied()).await);
        assert!(body["Error"].is_null(), "{body}");
    }
}
