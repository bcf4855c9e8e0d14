//! Lambda `track`: the public tracking endpoints (open pixel, click redirect, unsubscribe)
//! behind a function URL.

mod handler;

use sesame_aws_wiring::{AwsConfig, Role};
use sesame_config::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    sesame_lambda::init_tracing();
    let config = AwsConfig::from_env(&Env::from_process(), Role::Track)?;
    let app = sesame_aws_wiring::build(&config).await?;
    lambda_http::run(handler::router(app)).await
}
