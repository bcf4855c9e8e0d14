//! Ports: what core needs from the outside world. Adapters live in other crates.

mod clock;
mod counters;
mod deliveries;
mod events;
mod feedback;
mod identities;
mod keys;
mod lists;
mod mailer;
mod queue;
mod quota;
mod resolver;
mod schedules;
mod senders;
mod sequences;
mod tasks;
mod templates;
mod warmup;

pub use clock::{Clock, Ids, OsIds, SystemClock};
pub use counters::{CounterKey, CounterValues, Counters};
pub use deliveries::{Claim, Deliveries, DeliveryQuery, Outcome};
pub use events::{Engagement, Event, EventKind, Events, Hit};
pub use feedback::{Complaint, ComplaintQuery, Feedback};
pub use identities::{Created, Identities};
pub use keys::Keys;
pub use lists::{
    BlockUpdate, Blocks, BounceBlock, BounceBlockQuery, CustomBlock, CustomBlockQuery, DetailPage,
    DetailQuery, Lists, NewDetail, Receiver, ReceiverDetail, ReceiverId, ReceiverQuery,
    ReceiverStatus, UnsubscribeConfig, UploadStart,
};
pub use mailer::{
    ComposeError, ComposeInput, Dkim, Envelope, GeneratedKey, MailError, Mailer, SigningKey,
    SmtpReply,
};
pub use queue::{JobQueue, Leased};
pub use quota::{QuotaKey, QuotaKeyError, QuotaLedger, QuotaScope, RateWindow};
pub use resolver::{DnsError, Resolver};
pub use schedules::{
    DueSchedules, Fired, Schedule, ScheduleName, Schedules, first_fire, latest_due, next_after,
    whole_seconds,
};
pub use senders::Senders;
pub use sequences::Sequences;
pub use tasks::{
    Cycle, RunCounts, Task, TaskDelivery, TaskId, TaskQuery, TaskStatus, TaskType, Tasks,
};
pub use templates::Templates;
pub use warmup::{PoolSubject, Revised, WarmupRecords};

/// The set of adapters one deployment wires together, one associated type per port. Use-cases
/// are generic over it, so a deployment names its adapters once instead of threading a type
/// parameter per port everywhere. A backend may serve every storage port from one store type
/// (see [`Stores::shared`](crate::Stores::shared)); each port is still its own field of
/// [`Sesame`](crate::Sesame), so a call site says which port it uses.
pub trait Ports: Send + Sync + 'static {
    /// Accounts and their API keys.
    type Keys: Keys;
    /// Installation-wide sequences (template, list, task ids).
    type Sequences: Sequences;
    /// Email templates.
    type Templates: Templates;
    /// Sender domains.
    type Identities: Identities;
    /// Sender addresses.
    type Senders: Senders;
    /// Messages and their deliveries.
    type Deliveries: Deliveries;
    /// Daily quota reservations.
    type Quota: QuotaLedger;
    /// Statistics aggregates.
    type Counters: Counters;
    /// Receiver lists, blocklists and unsubscribe settings.
    type Lists: Lists;
    /// Warm-up states, plans and pool bindings.
    type Warmup: WarmupRecords;
    /// Feedback: once-only event counting, complaints, late bounces.
    type Feedback: Feedback;
    /// Tracking hits, events and unsubscribes.
    type Events: Events;
    /// Batch tasks and their runs.
    type Tasks: Tasks;
    /// Job queue adapter.
    type Queue: JobQueue;
    /// One-time and recurring triggers.
    type Schedules: Schedules;
    /// Mail relay adapter.
    type Mailer: Mailer;
    /// DKIM / MIME adapter.
    type Dkim: Dkim;
    /// DNS lookups (sender domain verification).
    type Resolver: Resolver;
    /// Clock.
    type Clock: Clock;
    /// Randomness.
    type Ids: Ids;
}
