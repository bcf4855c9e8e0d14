//! Lambda `scheduler`: EventBridge ticks, the DNS re-check, and the schedules core creates
//! (timed and recurring batch tasks), fired by EventBridge Scheduler.

mod handler;
mod trigger;

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use sesame_aws_wiring::{AwsConfig, Role};
use sesame_config::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    sesame_lambda::init_tracing();
    let config = AwsConfig::from_env(&Env::from_process(), Role::Scheduler)?;
    let app = sesame_aws_wiring::build(&config).await?;
    let grace = config.stale_grace;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let app = app.clone();
        async move { handler::handle(&app, grace, event.payload).await }
    }))
    .await
}
