//! [`SmtpMailer`]: the [`Mailer`] port over lettre's pooled async SMTP transport.

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use lettre::address::{Address, Envelope as LettreEnvelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{self, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sesame_core::ports::{Envelope, MailError, Mailer, SmtpReply};
use sesame_core::types::EmailAddress;

use crate::relay_url::{RelayError, RelayUrl, TlsMode};

/// Tuning of the SMTP connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmtpOptions {
    /// Most connections kept open to the relay at once.
    pub max_connections: u32,
    /// Limit on connecting and on each SMTP command.
    pub timeout: Duration,
}

impl Default for SmtpOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Sends signed messages to one relay, reusing pooled connections.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// `host:port`, for messages; never contains credentials.
    relay: String,
    tls: TlsMode,
    authenticated: bool,
}

impl SmtpMailer {
    /// Builds a mailer for `url` with default options. Does not connect.
    pub fn from_url(url: &str) -> Result<Self, RelayError> {
        Self::new(&RelayUrl::parse(url)?, SmtpOptions::default())
    }

    /// Builds a mailer for a parsed relay URL. Does not connect.
    pub fn new(url: &RelayUrl, options: SmtpOptions) -> Result<Self, RelayError> {
        let tls_params = || {
            TlsParameters::new(url.host.clone()).map_err(|e| RelayError::Tls {
                host: url.host.clone(),
                reason: e.to_string(),
            })
        };
        let tls = match url.tls {
            TlsMode::None => Tls::None,
            TlsMode::StartTls => Tls::Required(tls_params()?),
            TlsMode::Opportunistic => Tls::Opportunistic(tls_params()?),
            TlsMode::Implicit => Tls::Wrapper(tls_params()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.clone())
            .port(url.port)
            .tls(tls)
            .timeout(Some(options.timeout))
            .pool_config(PoolConfig::new().max_size(options.max_connections.max(1)));
        if let Some(c) = &url.credentials {
            builder = builder.credentials(Credentials::new(c.user.clone(), c.password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            relay: url.authority(),
            tls: url.tls,
            authenticated: url.credentials.is_some(),
        })
    }

    fn classify(&self, err: &smtp::Error) -> MailError {
        if let Some(code) = err.status() {
            // For 4xx/5xx replies lettre keeps the reply text as the error source.
            let text = err
                .source()
                .map(|s| one_line(&s.to_string()))
                .unwrap_or_default();
            let reply = SmtpReply {
                code: u16::from(code),
                text,
            };
            return if err.is_permanent() {
                MailError::Permanent(reply)
            } else {
                MailError::Transient(reply)
            };
        }
        let relay = &self.relay;
        let text = match io_kind(err) {
            Some(std::io::ErrorKind::ConnectionRefused) => {
                format!("connection refused by relay {relay}")
            }
            Some(std::io::ErrorKind::TimedOut) => format!("timed out talking to relay {relay}"),
            _ if err.is_timeout() => format!("timed out talking to relay {relay}"),
            _ if err.is_tls() => format!(
                "TLS failure with relay {relay}: {}",
                one_line(&err.to_string())
            ),
            // lettre's messages name the failing step and the IO error, never credentials.
            _ => format!("relay {relay} failed: {}", one_line(&err.to_string())),
        };
        MailError::Transient(SmtpReply { code: 0, text })
    }
}

fn io_kind(err: &smtp::Error) -> Option<std::io::ErrorKind> {
    let mut source = err.source();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = e.source();
    }
    None
}

fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn lettre_address(address: &EmailAddress) -> Result<Address, MailError> {
    Address::new(address.local_part(), address.domain()).map_err(|_| {
        MailError::Permanent(SmtpReply {
            code: 0,
            text: format!("address {} is not sendable", address.redacted()),
        })
    })
}

impl Mailer for SmtpMailer {
    /// Not idempotent: each call is one SMTP transaction, so a retry after a lost reply may
    /// deliver twice. Callers claim the delivery before sending.
    async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<SmtpReply, MailError> {
        let lettre_envelope = LettreEnvelope::new(
            Some(lettre_address(&envelope.mail_from)?),
            vec![lettre_address(&envelope.rcpt_to)?],
        )
        .map_err(|e| {
            MailError::Permanent(SmtpReply {
                code: 0,
                text: format!("invalid envelope: {e}"),
            })
        })?;
        match self.transport.send_raw(&lettre_envelope, raw).await {
            Ok(response) => Ok(SmtpReply {
                code: u16::from(response.code()),
                text: one_line(&response.message().collect::<Vec<_>>().join(" ")),
            }),
            Err(err) => {
                let classified = self.classify(&err);
                // Reply texts often quote the recipient, so only the code is logged.
                tracing::debug!(relay = %self.relay, code = classified.reply().code, "SMTP send failed");
                Err(classified)
            }
        }
    }
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("relay", &self.relay)
            .field("tls", &self.tls)
            .field("authenticated", &self.authenticated)
            .finish_non_exhaustive()
    }
}
