//! Lambda `api`: the Tencent Cloud SES 2020-10-02 API behind a function URL.

mod handler;

use sesame_aws_wiring::{AwsConfig, Role};
use sesame_config::Env;
use sesame_web::ApiOptions;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    sesame_lambda::init_tracing();
    let config = AwsConfig::from_env(&Env::from_process(), Role::Api)?;
    let app = sesame_aws_wiring::build(&config).await?;
    let options = ApiOptions {
        max_body_bytes: config.shared.max_body_bytes,
    };
    lambda_http::run(handler::service(app, options, config.public_host)).await
}
