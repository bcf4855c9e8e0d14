//! sesame-lambda: what the Lambda functions share, so that each `main` only wires.
//!
//! - [`LambdaConfig`]: the typed configuration, read once from the environment at cold start.
//! - [`AwsPorts`] and [`build`]: DynamoDB records, the SQS job queue, the SMTP relay, DKIM, the
//!   system clock and OS randomness wired into one [`Sesame`](sesame_core::Sesame); SDK clients
//!   come from `aws_config`, so endpoints follow the standard environment
//!   (`AWS_ENDPOINT_URL_DYNAMODB`, …) with no code branch.
//! - [`init_tracing`]: JSON logs for CloudWatch (`LoggingConfig: LogFormat: JSON`).

mod config;
mod ports;
mod telemetry;
mod tracking;
mod wiring;

pub use config::{ConfigError, Function, LambdaConfig, SecretSource};
pub use ports::{AwsPorts, AwsSesame, OsIds, RelayMailer};
pub use telemetry::init_tracing;
pub use wiring::{WiringError, build};
