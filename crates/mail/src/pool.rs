//! [`PoolMailer`]: sending pools. The `shared` pool is the installation's default mailer
//! (`SESAME_RELAY` or the outbox); each dedicated pool is a list of SMTP relays, each with a
//! weight and a connection limit, configured as JSON (`SESAME_POOLS`):
//!
//! ```json
//! {"dedicated": [{"url": "smtps://user:pass@relay1.example.net:465", "weight": 3, "max_connections": 8},
//!                {"url": "smtp://relay2.example.net:587?tls=starttls"}]}
//! ```
//!
//! A send picks a relay by weight, then fails over to the others in turn when a relay cannot
//! be reached (connection refused, timeout, TLS failure: no SMTP reply). A relay that replied
//! (2xx/4xx/5xx) has decided; its answer is final for this attempt. At most `max_connections`
//! sends are in flight per relay; a send waits for a slot of the relay it was given. (lettre
//! parks a finished connection in a background task, so for a moment a relay may see up to
//! twice that many connections open, the extra ones idle and closed at once.)

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;
use sesame_core::ports::{Envelope, MailError, Mailer, SmtpReply};
use sesame_core::warmup::{PoolInfo, PoolName};
use tokio::sync::Semaphore;

use crate::any::AnyMailer;
use crate::relay_url::{RelayError, RelayUrl};
use crate::smtp::{SmtpMailer, SmtpOptions};

/// One relay of a pool, as configured. `Debug` hides the URL (it may hold credentials).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelaySpec {
    /// Relay URL: `smtp://` / `smtps://`, credentials and `?tls=` as for `SESAME_RELAY`.
    pub url: String,
    /// Share of the pool's sends this relay gets first (default 1; 0 only takes failovers).
    #[serde(default = "one")]
    pub weight: u32,
    /// Most sends in flight to this relay (default 16).
    #[serde(default = "sixteen")]
    pub max_connections: u32,
}

impl std::fmt::Debug for RelaySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelaySpec")
            .field("url", &"<redacted>")
            .field("weight", &self.weight)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

fn one() -> u32 {
    1
}

fn sixteen() -> u32 {
    16
}

/// Why the pool configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum PoolConfigError {
    /// Not a JSON object of pool name → list of relays.
    #[error("SESAME_POOLS is not a JSON object of pool name to relay list: {0}")]
    Json(serde_json::Error),
    /// A bad pool name.
    #[error("pool name {0:?} is not 1-32 characters of a-z, 0-9, '_' and '-'")]
    Name(String),
    /// `shared` is the default relay, not configured here.
    #[error("the shared pool is SESAME_RELAY; it cannot be redefined in SESAME_POOLS")]
    Shared,
    /// A pool with no relay, or whose weights are all 0.
    #[error("pool {0} needs at least one relay with a weight above 0")]
    Empty(String),
    /// A bad relay URL (the error never repeats credentials).
    #[error("pool {pool}: {source}")]
    Relay {
        /// The pool.
        pool: String,
        /// What was wrong.
        source: RelayError,
    },
}

/// Parsed pool configuration: the pools' relays, in name order.
#[derive(Debug, Clone, Default)]
pub struct PoolsConfig {
    pools: BTreeMap<PoolName, Vec<(RelayUrl, RelaySpec)>>,
}

impl PoolsConfig {
    /// Parses `SESAME_POOLS` JSON.
    pub fn parse(json: &str) -> Result<Self, PoolConfigError> {
        let raw: BTreeMap<String, Vec<RelaySpec>> =
            serde_json::from_str(json).map_err(PoolConfigError::Json)?;
        let mut pools = BTreeMap::new();
        for (name, relays) in raw {
            let pool = PoolName::parse(&name).map_err(|_| PoolConfigError::Name(name.clone()))?;
            if pool.is_shared() {
                return Err(PoolConfigError::Shared);
            }
            if relays.iter().all(|r| r.weight == 0) {
                return Err(PoolConfigError::Empty(name));
            }
            let mut parsed = Vec::with_capacity(relays.len());
            for spec in relays {
                let url = RelayUrl::parse(&spec.url).map_err(|source| PoolConfigError::Relay {
                    pool: name.clone(),
                    source,
                })?;
                parsed.push((url, spec));
            }
            pools.insert(pool, parsed);
        }
        Ok(Self { pools })
    }

    /// What core needs to know of the pools: names and relay hosts (`SendIp`), `shared`
    /// first with the hosts given.
    pub fn infos(&self, shared_hosts: Vec<String>) -> Vec<PoolInfo> {
        let mut infos = vec![PoolInfo {
            name: PoolName::shared(),
            send_ips: shared_hosts,
        }];
        infos.extend(self.pools.iter().map(|(name, relays)| PoolInfo {
            name: name.clone(),
            send_ips: relays.iter().map(|(url, _)| url.host.clone()).collect(),
        }));
        infos
    }
}

struct Relay {
    mailer: SmtpMailer,
    weight: u64,
    slots: Arc<Semaphore>,
}

struct RelayPool {
    relays: Vec<Relay>,
    total_weight: u64,
    /// Advances once per send: a deterministic weighted round robin.
    turn: AtomicU64,
}

impl RelayPool {
    /// Relay indexes in the order to try: the weighted pick first, then the rest in order.
    fn order(&self) -> Vec<usize> {
        let mut point = self.turn.fetch_add(1, Ordering::Relaxed) % self.total_weight;
        let mut first = 0;
        for (i, relay) in self.relays.iter().enumerate() {
            if point < relay.weight {
                first = i;
                break;
            }
            point -= relay.weight;
        }
        let n = self.relays.len();
        (0..n).map(|k| (first + k) % n).collect()
    }

    async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<SmtpReply, MailError> {
        let mut last = None;
        for index in self.order() {
            let relay = &self.relays[index];
            let _slot = relay
                .slots
                .acquire()
                .await
                .expect("relay semaphores are never closed");
            match relay.mailer.send(envelope, raw).await {
                // No SMTP reply: the relay is unreachable; another may take the message.
                Err(MailError::Transient(reply)) if reply.code == 0 => {
                    tracing::warn!(relay = index, "relay unreachable; failing over");
                    last = Some(MailError::Transient(reply));
                }
                decided => return decided,
            }
        }
        Err(last.unwrap_or_else(|| {
            MailError::Transient(SmtpReply {
                code: 0,
                text: "the pool has no relay".into(),
            })
        }))
    }
}

/// The shared mailer (by default an [`AnyMailer`]) plus every dedicated pool's relays.
pub struct PoolMailer<M = AnyMailer> {
    shared: M,
    pools: BTreeMap<PoolName, RelayPool>,
}

impl<M: Mailer> PoolMailer<M> {
    /// Builds the pools (does not connect). `timeout` applies to each relay's connect and
    /// commands.
    pub fn new(
        shared: M,
        config: &PoolsConfig,
        timeout: std::time::Duration,
    ) -> Result<Self, PoolConfigError> {
        let mut pools = BTreeMap::new();
        for (name, relays) in &config.pools {
            let mut built = Vec::with_capacity(relays.len());
            for (url, spec) in relays {
                let options = SmtpOptions {
                    max_connections: spec.max_connections.max(1),
                    timeout,
                };
                let mailer =
                    SmtpMailer::new(url, options).map_err(|source| PoolConfigError::Relay {
                        pool: name.to_string(),
                        source,
                    })?;
                built.push(Relay {
                    mailer,
                    weight: u64::from(spec.weight),
                    slots: Arc::new(Semaphore::new(spec.max_connections.max(1) as usize)),
                });
            }
            let total_weight = built.iter().map(|r| r.weight).sum::<u64>().max(1);
            pools.insert(
                name.clone(),
                RelayPool {
                    relays: built,
                    total_weight,
                    turn: AtomicU64::new(0),
                },
            );
        }
        Ok(Self { shared, pools })
    }

    /// Only the shared mailer: no dedicated pools.
    pub fn shared_only(shared: M) -> Self {
        Self {
            shared,
            pools: BTreeMap::new(),
        }
    }
}

impl<M: std::fmt::Debug> std::fmt::Debug for PoolMailer<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolMailer")
            .field("shared", &self.shared)
            .field("pools", &self.pools.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<M: Mailer> Mailer for PoolMailer<M> {
    async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<SmtpReply, MailError> {
        self.shared.send(envelope, raw).await
    }

    /// A pool that is not configured (a binding left behind) sends through `shared`.
    async fn send_via(
        &self,
        pool: &PoolName,
        envelope: &Envelope,
        raw: &[u8],
    ) -> Result<SmtpReply, MailError> {
        match self.pools.get(pool) {
            Some(relays) => relays.send(envelope, raw).await,
            None => self.shared.send(envelope, raw).await,
        }
    }
}
