//! [`AnyMailer`]: the mailer chosen at start-up (a relay, or the outbox when none is set),
//! as one concrete type so use-cases stay generic without `Box<dyn Mailer>`.

use sesame_core::ports::{Envelope, MailError, Mailer, SmtpReply};

use crate::outbox::OutboxMailer;
use crate::smtp::SmtpMailer;

/// Either an SMTP relay or the local outbox.
#[derive(Debug)]
pub enum AnyMailer {
    /// Send to an SMTP relay.
    Smtp(SmtpMailer),
    /// Capture to `.eml` files.
    Outbox(OutboxMailer),
}

impl Mailer for AnyMailer {
    async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<SmtpReply, MailError> {
        match self {
            AnyMailer::Smtp(m) => m.send(envelope, raw).await,
            AnyMailer::Outbox(m) => m.send(envelope, raw).await,
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
