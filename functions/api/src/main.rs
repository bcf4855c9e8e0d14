//! Lambda `api`: the Tencent Cloud SES 2020-10-02 API behind a function URL.

mod handler;

use sesame_lambda::{Function, LambdaConfig};
use sesame_web::ApiOptions;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    sesame_lambda::init_tracing();
    let config = LambdaConfig::from_env(Function::Api)?;
    let app = sesame_lambda::build(&config).await?;
    let options = ApiOptions {
        max_body_bytes: config.max_body_bytes,
    };
    lambda_http::run(handler::service(app, options, config.public_host)).await
}
