//! Lambda `track`: the public tracking endpoints (open pixel, click redirect, unsubscribe)
//! behind a function URL.

mod handler;

use sesame_lambda::{Function, LambdaConfig};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    sesame_lambda::init_tracing();
    let config = LambdaConfig::from_env(Function::Track)?;
    let app = sesame_lambda::build(&config).await?;
    lambda_http::run(handler::router(app)).await
}
