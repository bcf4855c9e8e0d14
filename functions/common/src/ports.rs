//! [`AwsPorts`]: the adapters of the Lambda deployment.

use sesame_aws::{DynamoDbRecords, EventBridgeSchedules, SqsJobQueue};
use sesame_core::Sesame;
pub use sesame_core::ports::OsIds;
use sesame_core::ports::{Envelope, MailError, Mailer, Ports, SmtpReply, SystemClock};
use sesame_mail::{HickoryResolver, MailAuthDkim, PoolMailer, SmtpMailer};

/// The mailer of a function: the SMTP relay in `deliver`; none in the functions that only
/// accept and enqueue mail (api, scheduler), so they never hold the relay's credentials.
/// There is deliberately no outbox fallback: a Lambda's disk is gone after the invocation.
#[derive(Debug)]
pub enum RelayMailer {
    /// Send through the configured relay.
    Smtp(SmtpMailer),
    /// This function has no relay. A send fails transiently, so a job that somehow reaches
    /// it is retried by `deliver` instead of being lost or bounced.
    Unset,
}

impl Mailer for RelayMailer {
    async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<SmtpReply, MailError> {
        match self {
            RelayMailer::Smtp(m) => m.send(envelope, raw).await,
            RelayMailer::Unset => Err(MailError::Transient(SmtpReply {
                code: 0,
                text: "no relay is configured in this function".into(),
            })),
        }
    }
}

/// DynamoDB records, the SQS job queue, EventBridge Scheduler, the SMTP relay, DKIM, DNS, the system clock and OS
/// randomness.
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
    type Queue = SqsJobQueue;
    type Schedules = EventBridgeSchedules;
    /// The relay (`shared`) plus the dedicated pools of `SESAME_POOLS`.
    type Mailer = PoolMailer<RelayMailer>;
    type Dkim = MailAuthDkim;
    type Resolver = HickoryResolver;
    type Clock = SystemClock;
    type Ids = OsIds;
}

/// A wired Lambda deployment.
pub type AwsSesame = Sesame<AwsPorts>;

#[cfg(test)]
mod tests {
    use super::*;
    use sesame_core::types::EmailAddress;

    #[tokio::test]
    async fn a_function_without_a_relay_fails_sends_transiently() {
        let envelope = Envelope {
            mail_from: EmailAddress::parse("a@example.com").unwrap(),
            rcpt_to: EmailAddress::parse("b@example.com").unwrap(),
        };
        let err = RelayMailer::Unset
            .send(&envelope, b"Subject: x\r\n\r\nx\r\n")
            .await
            .unwrap_err();
        assert!(err.is_retryable());
    }
}
