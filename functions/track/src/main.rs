//! Lambda `track`: the public tracking endpoints behind a function URL.
//!
//! The open pixel and click redirect land with the tracking issue, as sesame-web's tracking
//! router; this function will then read its config and build the deployment like `api`.
//! Until then it serves only a health check, and needs no configuration or AWS access.

mod handler;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    sesame_lambda::init_tracing();
    lambda_http::run(handler::router()).await
}
