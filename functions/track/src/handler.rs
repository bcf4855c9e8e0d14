//! The tracking router. Today: `GET /healthz` and 404 for everything else. The open pixel and
//! click redirect (signed tokens, no open redirect) arrive with the tracking issue as
//! sesame-web's tracking router; nothing here pretends to track.

use axum::Router;
use axum::routing::get;

/// The routes the function URL serves.
pub fn router() -> Router {
    Router::new().route("/healthz", get(|| async { "ok" }))
}

#[cfg(test)]
mod tests {
    use lambda_http::request::LambdaRequest;
    use lambda_http::{Adapter, Context, LambdaEvent, Service};
    use serde_json::{Value, json};

    use super::*;

    const HEALTHZ: &str = include_str!("../events/function-url-healthz.json");

    async fn invoke(event: Value) -> Value {
        let request: LambdaRequest = serde_json::from_value(event).unwrap();
        let response = Adapter::from(router())
            .call(LambdaEvent::new(request, Context::default()))
            .await
            .unwrap();
        serde_json::to_value(response).unwrap()
    }

    #[tokio::test]
    async fn healthz_answers_ok_through_the_function_url() {
        let response = invoke(serde_json::from_str(HEALTHZ).unwrap()).await;
        assert_eq!(response["statusCode"], 200);
        assert_eq!(response["body"], "ok");
    }

    #[tokio::test]
    async fn tracking_paths_do_not_exist_yet() {
        let mut event: Value = serde_json::from_str(HEALTHZ).unwrap();
        event["rawPath"] = json!("/o/some-token.gif");
        event["requestContext"]["http"]["path"] = json!("/o/some-token.gif");
        let response = invoke(event).await;
        assert_eq!(response["statusCode"], 404);
    }
}
