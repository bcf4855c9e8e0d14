//! [`AnyMailer`]: the mailer chosen at start-up (a relay, the outbox, or none at all), as one
//! concrete type so use-cases stay generic without `Box<dyn Mailer>`. Local mode picks the
//! relay or the outbox; the AWS deployment the relay or none (a Lambda's disk is gone after
//! the invocation, so it never captures to an outbox).

use sesame_core::ports::{Envelope, MailError, Mailer, SmtpReply};

use crate::outbox::OutboxMailer;
use crate::smtp::SmtpMailer;

/// An SMTP relay, the local outbox, or no mailer.
#[derive(Debug)]
pub enum AnyMailer {
    /// Send to an SMTP relay.
    Smtp(SmtpMailer),
    /// Capture to `.eml` files.
    Outbox(OutboxMailer),
    /// A process that only accepts and enqueues mail (the api and scheduler functions, the
    /// admin commands on AWS), so it never holds the relay's credentials. A send fails
    /// transiently, so a job that somehow reaches it is retried by a process that can send,
    /// instead of being lost or bounced.
    Unset,
}

impl Mailer for AnyMailer {
    async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<SmtpReply, MailError> {
        match self {
            AnyMailer::Smtp(m) => m.send(envelope, raw).await,
            AnyMailer::Outbox(m) => m.send(envelope, raw).await,
            AnyMailer::Unset => Err(MailError::Transient(SmtpReply {
                code: 0,
                text: "no relay is configured in this process".into(),
            })),
        }
    }
}

impl From<SmtpMailer> for AnyMailer {
    fn from(m: SmtpMailer) -> Self {
        AnyMailer::Smtp(m)
    }
}

impl From<OutboxMailer> for AnyMailer {
    fn from(m: OutboxMailer) -> Self {
        AnyMailer::Outbox(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesame_core::types::EmailAddress;

    #[tokio::test]
    async fn a_process_without_a_relay_fails_sends_transiently() {
        let envelope = Envelope {
            mail_from: EmailAddress::parse("a@example.com").unwrap(),
            rcpt_to: EmailAddress::parse("b@example.com").unwrap(),
        };
        let err = AnyMailer::Unset
            .send(&envelope, b"Subject: x\r\n\r\nx\r\n")
            .await
            .unwrap_err();
        assert!(err.is_retryable());
    }
}
