//! sesame-aws: the AWS adapters of Sesame's ports.
//!
//! - [`DynamoDbRecords`]: every storage port over one DynamoDB table (single-table design,
//!   described in `infra/dynamodb-table.md`); [`create_table`] makes that table.
//! - [`SqsJobQueue`]: the job queue port over an SQS queue with a dead-letter queue;
//!   [`create_queue`] makes the pair.
//! - [`EventBridgeSchedules`]: the schedules port over EventBridge Scheduler.
//!
//! Both take SDK clients built from `aws_config`, so endpoints, region and credentials come
//! from the standard environment (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_REGION`, …) and tests point
//! them at an emulator without any code branch.

mod dynamodb;
mod error;
mod scheduler;
mod sqs;

pub use dynamodb::{DEFAULT_COUNTER_SHARDS, DEFAULT_RETENTION, DynamoDbRecords, create_table};
pub use scheduler::{EventBridgeSchedules, ScheduleTarget, create_schedule_group};
pub use sqs::{SqsJobQueue, create_queue};
