//! sesame-mail: the mail adapters of Sesame.
//!
//! - [`MailAuthDkim`] implements the [`Dkim`](sesame_core::ports::Dkim) port: key generation
//!   (aws-lc-rs), MIME composition (lettre) and DKIM signatures (mail-auth).
//! - [`SmtpMailer`] implements the [`Mailer`](sesame_core::ports::Mailer) port over a pooled
//!   lettre SMTP transport, configured by a [`RelayUrl`].
//! - [`OutboxMailer`] captures messages to `.eml` files when no relay is configured.
//! - [`AnyMailer`] picks one of the two at runtime, or none (a process that never sends).
//! - [`PoolMailer`] adds dedicated sending pools (weighted relays with connection limits and
//!   failover) beside it.
//! - [`HickoryResolver`] implements the [`Resolver`](sesame_core::ports::Resolver) port.

mod any;
mod compose;
mod dkim;
mod dns;
mod keys;
mod outbox;
mod pool;
mod relay_url;
mod sign;
mod smtp;

pub use any::AnyMailer;
pub use dkim::MailAuthDkim;
pub use dns::{HickoryResolver, ResolverSetupError};
pub use outbox::OutboxMailer;
pub use pool::{PoolConfigError, PoolMailer, PoolsConfig, RelaySpec};
pub use relay_url::{RelayCredentials, RelayError, RelayUrl, SMTP_PORT, SMTPS_PORT, TlsMode};
pub use smtp::{SmtpMailer, SmtpOptions};
