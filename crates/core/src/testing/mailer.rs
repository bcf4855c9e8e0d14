//! A mailer that records what it is given and answers as scripted per recipient.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use super::lock;
use crate::ports::{Envelope, MailError, Mailer, SmtpReply};
use crate::types::EmailAddress;

#[derive(Debug, Default)]
struct State {
    sent: Vec<(Envelope, Vec<u8>)>,
    script: HashMap<EmailAddress, VecDeque<Result<SmtpReply, MailError>>>,
}

/// Records every send (envelope and raw bytes) and answers `250 OK` unless a recipient was
/// scripted otherwise. Clones share the record and the script.
#[derive(Debug, Clone, Default)]
pub struct RecordingMailer {
    state: Arc<Mutex<State>>,
}

impl RecordingMailer {
    /// The reply of an unscripted send.
    pub fn ok_reply() -> SmtpReply {
        SmtpReply {
            code: 250,
            text: "2.0.0 OK queued".to_owned(),
        }
    }

    /// A `451` temporary failure, for scripts.
    pub fn transient() -> MailError {
        MailError::Transient(SmtpReply {
            code: 451,
            text: "4.3.0 try again later".to_owned(),
        })
    }

    /// A `550` permanent failure, for scripts.
    pub fn permanent() -> MailError {
        MailError::Permanent(SmtpReply {
            code: 550,
            text: "5.1.1 no such user".to_owned(),
        })
    }

    /// Sends to `recipient` answer `answers` in turn; the last answer repeats from then on.
    /// Replaces any earlier script for that recipient; an empty list restores `250 OK`.
    pub fn script(&self, recipient: &EmailAddress, answers: Vec<Result<SmtpReply, MailError>>) {
        lock(&self.state)
            .script
            .insert(recipient.clone(), answers.into());
    }

    /// Every send attempted so far, in order, whatever it was answered.
    pub fn sent(&self) -> Vec<(Envelope, Vec<u8>)> {
        lock(&self.state).sent.clone()
    }

    /// The sends attempted to one recipient, in order.
    pub fn sent_to(&self, recipient: &EmailAddress) -> Vec<Vec<u8>> {
        lock(&self.state)
            .sent
            .iter()
            .filter(|(e, _)| &e.rcpt_to == recipient)
            .map(|(_, raw)| raw.clone())
            .collect()
    }
}

impl Mailer for RecordingMailer {
    async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<SmtpReply, MailError> {
        let mut state = lock(&self.state);
        state.sent.push((envelope.clone(), raw.to_vec()));
        let answers = state.script.get_mut(&envelope.rcpt_to);
        match answers {
            Some(queue) if queue.len() > 1 => {
                queue.pop_front().unwrap_or_else(|| Ok(Self::ok_reply()))
            }
            Some(queue) => queue
                .front()
                .cloned()
                .unwrap_or_else(|| Ok(Self::ok_reply())),
            None => Ok(Self::ok_reply()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    #[tokio::test]
    async fn scripted_answers_play_in_order_and_the_last_repeats() {
        let mailer = RecordingMailer::default();
        let bob = addr("bob@example.com");
        mailer.script(
            &bob,
            vec![
                Err(RecordingMailer::transient()),
                Ok(RecordingMailer::ok_reply()),
            ],
        );
        let env = Envelope {
            mail_from: addr("a@example.org"),
            rcpt_to: bob.clone(),
        };
        assert!(matches!(
            mailer.send(&env, b"x").await,
            Err(MailError::Transient(_))
        ));
        assert!(mailer.send(&env, b"y").await.is_ok());
        assert!(mailer.send(&env, b"z").await.is_ok());
        assert_eq!(
            mailer.sent_to(&bob),
            vec![b"x".to_vec(), b"y".to_vec(), b"z".to_vec()]
        );
    }

    #[tokio::test]
    async fn unscripted_recipients_are_accepted() {
        let mailer = RecordingMailer::default();
        let env = Envelope {
            mail_from: addr("a@example.org"),
            rcpt_to: addr("c@example.com"),
        };
        assert_eq!(
            mailer.send(&env, b"raw").await,
            Ok(RecordingMailer::ok_reply())
        );
        assert_eq!(mailer.sent().len(), 1);
    }
}
