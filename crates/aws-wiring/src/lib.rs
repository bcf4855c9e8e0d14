//! sesame-aws-wiring: the AWS deployment of Sesame, wired from settings, for the Lambda
//! functions and for the admin commands run against a deployed stack (`sesame --backend aws`).
//!
//! - [`AwsConfig`]: the shared settings (`sesame-config`) plus the AWS extras (table, queue,
//!   schedules, retention, counter shards, the API's signed host, the sweep's grace).
//! - [`AwsPorts`] and [`build`]: DynamoDB records, the SQS job queue, EventBridge Scheduler,
//!   the SMTP relay, DKIM, DNS, the system clock and OS randomness wired into one
//!   [`Sesame`](sesame_core::Sesame); secrets come from SSM or inline, SDK clients from
//!   `aws_config`, so endpoints follow the standard environment (`AWS_ENDPOINT_URL_DYNAMODB`,
//!   …) with no code branch.
//!
//! Nothing here is Lambda-specific: the functions add only their handlers, their mains and
//! their log format (`sesame-lambda`).

mod build;
mod config;
mod ports;

pub use build::{WiringError, build};
pub use config::AwsConfig;
pub use ports::{AwsPorts, AwsQueue, AwsSesame, OsIds};
pub use sesame_config::Role;
