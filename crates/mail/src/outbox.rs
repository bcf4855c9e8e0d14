//! [`OutboxMailer`]: a [`Mailer`] that keeps each message as an `.eml` file instead of sending
//! it. Used when no relay is configured, so a local installation can be tried end to end.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use sesame_core::ports::{Envelope, MailError, Mailer, SmtpReply};

/// Writes messages to `<dir>/<UTC timestamp>-<pid>-<counter>.eml`.
///
/// Files appear atomically (written under a dot-name, then renamed), so a reader polling the
/// directory never sees half a message. The process id keeps names unique between processes
/// sharing the directory; the counter keeps them unique within one.
#[derive(Debug)]
pub struct OutboxMailer {
    dir: PathBuf,
    counter: AtomicU64,
}

impl OutboxMailer {
    /// An outbox in `dir`; the directory is created on first send if missing.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            counter: AtomicU64::new(0),
        }
    }

    /// The directory messages are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn next_name(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // The file name only orders captures for humans; it is not a domain timestamp.
        let stamp = Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
        format!("{stamp}-{}-{n:06}.eml", std::process::id())
    }
}

impl Mailer for OutboxMailer {
    /// Each call writes a new file; retries capture the message again.
    async fn send(&self, _envelope: &Envelope, raw: &[u8]) -> Result<SmtpReply, MailError> {
        let name = self.next_name();
        let temp = self.dir.join(format!(".{name}.tmp"));
        let target = self.dir.join(&name);
        let io = |what: &str, e: std::io::Error| {
            MailError::Transient(SmtpReply {
                code: 0,
                text: format!("outbox {what} failed: {}", e.kind()),
            })
        };
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| io("create directory", e))?;
        tokio::fs::write(&temp, raw)
            .await
            .map_err(|e| io("write", e))?;
        if let Err(e) = tokio::fs::rename(&temp, &target).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(io("rename", e));
        }
        Ok(SmtpReply {
            code: 250,
            text: format!("captured to outbox {name}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesame_core::types::EmailAddress;

    fn envelope() -> Envelope {
        Envelope {
            mail_from: EmailAddress::parse("a@example.com").unwrap(),
            rcpt_to: EmailAddress::parse("b@example.org").unwrap(),
        }
    }

    #[tokio::test]
    async fn each_send_becomes_one_complete_eml_file() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = OutboxMailer::new(dir.path().join("outbox"));
        let first = outbox
            .send(&envelope(), b"Subject: one\r\n\r\nbody\r\n")
            .await
            .unwrap();
        let second = outbox
            .send(&envelope(), b"Subject: two\r\n\r\nbody\r\n")
            .await
            .unwrap();
        assert_eq!(first.code, 250);
        assert_ne!(first.text, second.text);

        let mut names: Vec<String> = std::fs::read_dir(outbox.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "no temp files left behind: {names:?}");
        assert!(
            names
                .iter()
                .all(|n| n.ends_with(".eml") && !n.starts_with('.'))
        );
        let file = first.text.strip_prefix("captured to outbox ").unwrap();
        assert_eq!(
            std::fs::read(outbox.dir().join(file)).unwrap(),
            b"Subject: one\r\n\r\nbody\r\n"
        );
    }

    #[tokio::test]
    async fn unwritable_outbox_is_a_transient_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let outbox = OutboxMailer::new(blocker.join("outbox"));
        let err = outbox.send(&envelope(), b"x").await.unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(err.reply().code, 0);
    }
}
