//! [`AwsPorts`]: the adapters of the AWS deployment.

use std::time::Duration;

use sesame_aws::{DynamoDbRecords, EventBridgeSchedules, SqsJobQueue};
use sesame_core::ports::{JobQueue, Leased, Ports, SystemClock};
use sesame_core::{Sesame, StoreError};
use sesame_mail::{AnyMailer, HickoryResolver, MailAuthDkim, PoolMailer};

pub use sesame_core::ports::OsIds;

/// The delivery queue, or none: admin commands never enqueue, so they are not made to name
/// a queue (`SESAME_QUEUE_URL`) they do not use.
#[derive(Debug, Clone)]
pub enum AwsQueue {
    /// The stack's SQS delivery queue.
    Sqs(SqsJobQueue),
    /// No queue: every call fails, without retry.
    Unset,
}

impl AwsQueue {
    fn unset() -> StoreError {
        StoreError::Corrupt("no delivery queue is configured (SESAME_QUEUE_URL)".into())
    }
}

impl JobQueue for AwsQueue {
    async fn enqueue(&self, bodies: &[String], delay: Duration) -> Result<(), StoreError> {
        match self {
            AwsQueue::Sqs(q) => q.enqueue(bodies, delay).await,
            AwsQueue::Unset => Err(Self::unset()),
        }
    }

    async fn receive(
        &self,
        max: usize,
        lease: Duration,
        wait: Duration,
    ) -> Result<Vec<Leased>, StoreError> {
        match self {
            AwsQueue::Sqs(q) => q.receive(max, lease, wait).await,
            AwsQueue::Unset => Err(Self::unset()),
        }
    }

    async fn ack(&self, receipt: &str) -> Result<(), StoreError> {
        match self {
            AwsQueue::Sqs(q) => q.ack(receipt).await,
            AwsQueue::Unset => Err(Self::unset()),
        }
    }

    async fn retry_later(&self, receipt: &str, delay: Duration) -> Result<(), StoreError> {
        match self {
            AwsQueue::Sqs(q) => q.retry_later(receipt, delay).await,
            AwsQueue::Unset => Err(Self::unset()),
        }
    }

    fn delay_granularity(&self) -> Duration {
        match self {
            AwsQueue::Sqs(q) => q.delay_granularity(),
            AwsQueue::Unset => Duration::ZERO,
        }
    }
}

/// DynamoDB records, the SQS job queue, EventBridge Scheduler, the SMTP relay, DKIM, DNS, the
/// system clock and OS randomness.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsPorts;

impl Ports for AwsPorts {
    type Keys = DynamoDbRecords;
    type Sequences = DynamoDbRecords;
    type Templates = DynamoDbRecords;
    type Identities = DynamoDbRecords;
    type Senders = DynamoDbRecords;
    type Deliveries = DynamoDbRecords;
    type Quota = DynamoDbRecords;
    type Counters = DynamoDbRecords;
    type Lists = DynamoDbRecords;
    type Warmup = DynamoDbRecords;
    type Feedback = DynamoDbRecords;
    type Events = DynamoDbRecords;
    type Tasks = DynamoDbRecords;
    type Queue = AwsQueue;
    type Schedules = EventBridgeSchedules;
    /// The relay (`shared`; [`AnyMailer::Unset`] in processes that do not send) plus the
    /// dedicated pools of `SESAME_POOLS`.
    type Mailer = PoolMailer<AnyMailer>;
    type Dkim = MailAuthDkim;
    type Resolver = HickoryResolver;
    type Clock = SystemClock;
    type Ids = OsIds;
}

/// A wired AWS deployment.
pub type AwsSesame = Sesame<AwsPorts>;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_a_queue_every_call_fails_for_good() {
        let err = AwsQueue::Unset
            .enqueue(&["{}".into()], Duration::ZERO)
            .await
            .unwrap_err();
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("SESAME_QUEUE_URL"), "{err}");
    }
}
