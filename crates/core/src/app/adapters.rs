//! What [`Sesame::new`](super::Sesame::new) wires: the adapters of a deployment by name, so a
//! call site cannot swap two of them and adding a port does not shift every argument.

use crate::ports::Ports;

/// The adapters of one deployment, one named field per port.
pub struct Adapters<P: Ports> {
    /// The storage ports.
    pub stores: Stores<P>,
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
}

/// The storage ports of a deployment. Every backend serves them from one store (one SQLite
/// database, one DynamoDB table); [`Stores::shared`] clones that store into each port.
pub struct Stores<P: Ports> {
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
}

impl<P: Ports> Stores<P> {
    /// Every storage port served by `store` (clones share the underlying database).
    pub fn shared<S: Clone>(store: S) -> Self
    where
        P: Ports<
                Keys = S,
                Sequences = S,
                Templates = S,
                Identities = S,
                Senders = S,
                Deliveries = S,
                Quota = S,
                Counters = S,
                Lists = S,
                Warmup = S,
                Feedback = S,
                Events = S,
                Tasks = S,
            >,
    {
        Self {
            keys: store.clone(),
            sequences: store.clone(),
            templates: store.clone(),
            identities: store.clone(),
            senders: store.clone(),
            deliveries: store.clone(),
            quota: store.clone(),
            counters: store.clone(),
            lists: store.clone(),
            warmup: store.clone(),
            feedback: store.clone(),
            events: store.clone(),
            tasks: store,
        }
    }
}
