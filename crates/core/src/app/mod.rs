//! Use-cases. [`Sesame`] holds the adapters of one deployment; each submodule adds the
//! methods of one area (keys, templates, identities, senders, sending, delivery, status).

mod adapters;
mod blacklists;
mod content;
mod deliver;
mod feedback;
mod fired;
mod identities;
mod keys;
mod personalize;
mod receivers;
mod send;
mod senders;
mod statistics;
mod status;
mod suppression;
mod tasks;
mod templates;
mod tracking;
mod unsubscribe_config;
mod validate;
mod warmup;

pub use adapters::{Adapters, Stores};
pub use blacklists::{BlacklistReport, canonical as canonical_address};
pub use deliver::{DeliveryReport, backoff_delay};
pub use feedback::{AbuseQuery, IngestResult};
pub use fired::FiredReport;
pub use identities::{DnsRecord, IdentityView, RecheckReport};
pub use keys::{Authenticated, NewKey};
pub use receivers::{CHUNK_ROWS, MAX_ROWS_PER_GROUP, RowChecker, Upload, UploadReport, UploadRow};
pub use send::{Content, SendCommand, TemplateRef};
pub use statistics::{CountedEvent, StatEvent, StatisticsQuery, Volume};
pub use status::StatusQuery;
pub use suppression::Suppression;
pub use tasks::{
    AD_MARKER, BatchSendCommand, TaskSettings, TickReport, schedule_name as task_schedule_name,
};
pub use templates::TemplateInput;
pub use tracking::{EventPage, RawHit, RecordReport, StatusRow};
pub use warmup::{PlanTarget, Reservation, RolloverReport, ScopeStatus};

#[cfg(test)]
mod flow_tests;

use crate::ports::{Clock, Ids, Ports};
use crate::secrets::SecretBox;
use crate::settings::Settings;

/// Sealing purpose of API secret keys.
pub(crate) const PURPOSE_API_SECRET: &str = "sesame/api-secret/v1";
/// Sealing purpose of DKIM private keys.
pub(crate) const PURPOSE_DKIM: &str = "sesame/dkim-private-key/v1";

/// One deployment of Sesame: its adapters, one field per port, and settings. Cheap to share
/// behind an `Arc`. Built by [`Sesame::new`] from [`Adapters`].
pub struct Sesame<P: Ports> {
    /// Accounts and their API keys.
    pub keys: P::Keys,
    /// Installation-wide sequences (template, list, task ids).
    pub sequences: P::Sequences,
    /// Email templates.
    pub templates: P::Templates,
    /// Sender domains.
    pub identities: P::Identities,
    /// Sender addresses.
    pub senders: P::Senders,
    /// Messages and their deliveries.
    pub deliveries: P::Deliveries,
    /// Daily quota reservations.
    pub quota: P::Quota,
    /// Statistics aggregates.
    pub counters: P::Counters,
    /// Receiver lists, blocklists and unsubscribe settings.
    pub lists: P::Lists,
    /// Warm-up states, plans and pool bindings.
    pub warmup: P::Warmup,
    /// Once-only event counting, complaints and late bounces.
    pub feedback: P::Feedback,
    /// Tracking hits, events and unsubscribes.
    pub events: P::Events,
    /// Batch tasks and their runs.
    pub tasks: P::Tasks,
    /// Job queue adapter.
    pub queue: P::Queue,
    /// One-time and recurring triggers.
    pub schedules: P::Schedules,
    /// Mail relay adapter.
    pub mailer: P::Mailer,
    /// DKIM / MIME adapter.
    pub dkim: P::Dkim,
    /// DNS resolver (sender domain verification).
    pub resolver: P::Resolver,
    /// Clock.
    pub clock: P::Clock,
    /// Randomness.
    pub ids: P::Ids,
    /// Policy settings.
    pub settings: Settings,
    secrets: SecretBox,
}

impl<P: Ports> Sesame<P> {
    /// Wires a deployment. Without a configured tracking key, one is derived from the master
    /// key (id 0): stable across restarts and identical in every function of a deployment.
    pub fn new(adapters: Adapters<P>, settings: Settings, secrets: SecretBox) -> Self {
        let mut settings = settings;
        if settings.tracking.keys.is_empty() {
            let derived = secrets.derive_key(crate::tracking::DERIVED_KEY_PURPOSE);
            settings.tracking.keys =
                crate::tracking::TrackingKeys::new(vec![crate::tracking::TrackingKey::new(
                    0, derived,
                )]);
        }
        let Adapters {
            stores,
            queue,
            schedules,
            mailer,
            dkim,
            resolver,
            clock,
            ids,
        } = adapters;
        let Stores {
            keys,
            sequences,
            templates,
            identities,
            senders,
            deliveries,
            quota,
            counters,
            lists,
            warmup,
            feedback,
            events,
            tasks,
        } = stores;
        Self {
            keys,
            sequences,
            templates,
            identities,
            senders,
            deliveries,
            quota,
            counters,
            lists,
            warmup,
            feedback,
            events,
            tasks,
            queue,
            schedules,
            mailer,
            dkim,
            resolver,
            clock,
            ids,
            settings,
            secrets,
        }
    }

    fn seal(&self, purpose: &str, plaintext: &[u8]) -> Vec<u8> {
        let nonce = self.ids.random_bytes(SecretBox::NONCE_LEN);
        self.secrets.seal(purpose, plaintext, &nonce)
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
