//! Lambda `deliver`: consumes delivery jobs from SQS and sends them through the relay.

mod handler;

use lambda_runtime::{LambdaEvent, service_fn};
use sesame_aws_wiring::{AwsConfig, Role};
use sesame_config::Env;

use aws_lambda_events::event::sqs::SqsEvent;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    sesame_lambda::init_tracing();
    let config = AwsConfig::from_env(&Env::from_process(), Role::Deliver)?;
    let app = sesame_aws_wiring::build(&config).await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let app = app.clone();
        async move { Ok::<_, lambda_runtime::Error>(handler::handle(app, event.payload).await) }
    }))
    .await
}
