//! The tracking router behind the function URL: sesame-web's `tracking_router`, recording
//! inline (a Lambda environment is frozen once the response is sent, so a background task
//! would not run), bounded so that a slow store delays an answer by at most `INLINE_LIMIT`
//! and never fails it.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use sesame_core::Sesame;
use sesame_core::ports::Ports;
use sesame_web::{Recording, tracking_router};

/// Longest a pixel or redirect waits for its hit to be recorded.
pub const INLINE_LIMIT: Duration = Duration::from_millis(800);

/// The routes the function URL serves.
pub fn router<P: Ports>(app: Arc<Sesame<P>>) -> Router {
    tracking_router(app, Recording::Inline(INLINE_LIMIT))
}

#[cfg(test)]
mod tests {
    use lambda_http::request::LambdaRequest;
    use lambda_http::{Adapter, Context, LambdaEvent, Service};
    use serde_json::{Value, json};

    use super::*;

    const HEALTHZ: &str = include_str!("../events/function-url-healthz.json");

    async fn invoke(event: Value) -> Value {
        let app = Arc::new(sesame_core::testing::sesame(Default::default()));
        let request: LambdaRequest = serde_json::from_value(event).unwrap();
        let response = Adapter::from(router(app))
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
    async fn an_unsigned_pixel_token_is_not_found_through_the_function_url() {
        let mut event: Value = serde_json::from_str(HEALTHZ).unwrap();
        event["rawPath"] = json!("/o/some-token");
        event["requestContext"]["http"]["path"] = json!("/o/some-token");
        let response = invoke(event).await;
        assert_eq!(response["statusCode"], 404);
    }
}
