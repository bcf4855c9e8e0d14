//! sesame-config: the one reader of the `SESAME_*` variables every Sesame process shares
//! (`sesame serve`, the admin commands, the Lambda functions), typed, with one rule per
//! variable and every problem reported together.
//!
//! It reads from an [`Env`] (a map: [`Env::from_process`] in `main`, a literal in tests), so
//! nothing here touches the process environment behind a caller's back, and `sesame-core`
//! never reads it at all. The few rules that differ between deployments (what is required,
//! a default sized for Lambda) are decided here by [`Deployment`], variable by variable.
//! Each binary then reads its own extras through the same [`Reader`], so their problems join
//! the same error: `sesame serve` its listeners and worker knobs, the AWS wiring
//! (`sesame-aws-wiring`) its table, queue and schedules.
//!
//! The README's configuration table lists exactly the variables read here and in the extras
//! (a test of the `sesame` binary holds the two together).

mod env;
mod tracking;
mod warmup;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono_tz::Tz;

use sesame_core::settings::Settings;

pub use env::{ConfigError, Env, Reader, Secret};
pub use warmup::Pools;

/// Which kind of process reads the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    /// `sesame serve` and the admin commands over the local SQLite store.
    Local,
    /// A process of the AWS deployment.
    Aws(Role),
}

/// A process of the AWS deployment: one of the four functions, or the admin commands run
/// against a deployed stack (`sesame --backend aws`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The TC3 API behind a function URL.
    Api,
    /// The SQS delivery consumer: the only one that sends mail.
    Deliver,
    /// EventBridge ticks and schedules.
    Scheduler,
    /// The tracking edge (open pixel, click redirect, unsubscribe) behind a function URL.
    Track,
    /// `sesame --backend aws …`: an operator's shell, not a function.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Api,
        Role::Deliver,
        Role::Scheduler,
        Role::Track,
        Role::Admin,
    ];
}

impl Deployment {
    /// Secrets may be SSM parameters (`*_PARAM`) only on AWS.
    fn reads_parameters(self) -> bool {
        matches!(self, Deployment::Aws(_))
    }

    /// A function must be told its host name; locally and in an operator's shell
    /// `localhost` will do.
    fn default_hostname(self) -> Option<&'static str> {
        match self {
            Deployment::Local | Deployment::Aws(Role::Admin) => Some("localhost"),
            Deployment::Aws(_) => None,
        }
    }
}

/// Every shared setting, typed.
#[derive(Debug, Clone)]
pub struct Config {
    /// Who read it.
    pub deployment: Deployment,
    /// Core policy settings: `SESAME_TIMEZONE`, `SESAME_HOSTNAME`, `SESAME_SPF_INCLUDE`,
    /// `SESAME_RETURN_PATH_DOMAIN`, retries and claims, batch tasks, warm-up knobs, tracking.
    /// `warmup.pools` holds only `shared` until the wiring knows the relays.
    pub settings: Settings,
    /// The master key, base64 of 32 bytes (`SESAME_MASTER_KEY`, or on AWS
    /// `SESAME_MASTER_KEY_PARAM`). Required on AWS; `None` locally uses the data dir's key
    /// file. An inline key has been checked already.
    pub master_key: Option<Secret>,
    /// The SMTP relay URL (`SESAME_RELAY`, or on AWS `SESAME_RELAY_PARAM`). Required by
    /// `deliver`; `None` locally captures mail into the outbox, and on AWS leaves the process
    /// unable to send (it holds no relay credentials).
    pub relay: Option<Secret>,
    /// Most pooled SMTP connections to the relay (`SESAME_RELAY_POOL`; 16, on AWS 10 per
    /// function instance).
    pub relay_pool: u32,
    /// The dedicated sending pools (`SESAME_POOLS`, or on AWS `SESAME_POOLS_PARAM`).
    pub pools: Pools,
    /// DNS server of the sender-domain checks (`SESAME_DNS_SERVER`, `ip` or `ip:port`);
    /// `None` uses the system's resolvers.
    pub dns_server: Option<SocketAddr>,
    /// Largest API request body (`SESAME_MAX_BODY_BYTES`; 10 MiB, on AWS 6 MiB: a function
    /// URL takes no more).
    pub max_body_bytes: usize,
}

/// Decodes a master key: base64 of exactly 32 bytes, surrounding whitespace ignored.
pub fn decode_master_key(raw: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(raw.trim())
        .ok()
        .filter(|key| key.len() == 32)
}

/// `ip:port`, or a bare `ip` meaning the standard DNS port.
fn parse_dns_server(raw: &str) -> Option<SocketAddr> {
    let raw = raw.trim();
    raw.parse()
        .ok()
        .or_else(|| raw.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53)))
}

impl Config {
    /// Reads the shared variables for `deployment`; all problems are reported together.
    pub fn from_env(env: &Env, deployment: Deployment) -> Result<Self, ConfigError> {
        let mut r = env.reader();
        let config = Self::read(&mut r, deployment);
        r.finish(config)
    }

    /// Reads the shared variables into `r`, so that a binary's extras read after them join
    /// the same error. Use the result only through [`Reader::finish`].
    pub fn read(r: &mut Reader, deployment: Deployment) -> Self {
        let on_aws = deployment.reads_parameters();
        let master_key = if on_aws {
            r.secret("SESAME_MASTER_KEY_PARAM", "SESAME_MASTER_KEY", true)
        } else {
            r.get("SESAME_MASTER_KEY").map(Secret::Inline)
        };
        if let Some(Secret::Inline(raw)) = &master_key
            && decode_master_key(raw).is_none()
        {
            r.problem("SESAME_MASTER_KEY must be base64 of 32 bytes");
        }
        let relay = if on_aws {
            let required = deployment == Deployment::Aws(Role::Deliver);
            r.secret("SESAME_RELAY_PARAM", "SESAME_RELAY", required)
        } else {
            r.get("SESAME_RELAY").map(Secret::Inline)
        };
        let hostname = match deployment.default_hostname() {
            Some(default) => r
                .get("SESAME_HOSTNAME")
                .unwrap_or_else(|| default.to_owned()),
            None => r.required("SESAME_HOSTNAME"),
        };
        let timezone: Tz = r.parse("SESAME_TIMEZONE", chrono_tz::Asia::Shanghai);
        let return_path_domain = r.get("SESAME_RETURN_PATH_DOMAIN").and_then(|raw| {
            match sesame_core::types::Domain::parse(raw.trim()) {
                Ok(d) => Some(d.as_str().to_owned()),
                Err(_) => {
                    r.problem(format!("SESAME_RETURN_PATH_DOMAIN={raw:?} is not a domain"));
                    None
                }
            }
        });
        let tracking = tracking::settings(r);
        let warmup = warmup::settings(r);
        let pools = warmup::pools(r, on_aws);
        let defaults = Settings::default();
        let settings = Settings {
            timezone,
            tracking,
            warmup,
            max_attempts: r.parse("SESAME_MAX_ATTEMPTS", defaults.max_attempts),
            retry_base: Duration::from_secs(r.parse("SESAME_RETRY_BASE_SECS", 30)),
            retry_cap: Duration::from_secs(r.parse("SESAME_RETRY_CAP_SECS", 3600)),
            claim_window: Duration::from_secs(r.parse("SESAME_CLAIM_WINDOW_SECS", 120)),
            spf_include: r
                .get("SESAME_SPF_INCLUDE")
                .unwrap_or_else(|| format!("a:{hostname}")),
            hostname,
            return_path_domain,
            tasks: sesame_core::app::TaskSettings {
                daily_quota: r.parse("SESAME_DAILY_QUOTA", defaults.tasks.daily_quota),
                chunk: r.parse("SESAME_TASK_CHUNK", defaults.tasks.chunk),
                chunks_per_tick: r.parse(
                    "SESAME_TASK_CHUNKS_PER_TICK",
                    defaults.tasks.chunks_per_tick,
                ),
            },
            ..defaults
        };
        if settings.max_attempts == 0 {
            r.problem("SESAME_MAX_ATTEMPTS must be at least 1");
        }
        if settings.tasks.chunk == 0 || settings.tasks.chunk > 1000 {
            r.problem("SESAME_TASK_CHUNK must be 1 to 1000");
        }
        if settings.tasks.chunks_per_tick == 0 {
            r.problem("SESAME_TASK_CHUNKS_PER_TICK must be at least 1");
        }
        let dns_server = r.get("SESAME_DNS_SERVER").and_then(|raw| {
            let addr = parse_dns_server(&raw);
            if addr.is_none() {
                r.problem(format!("SESAME_DNS_SERVER={raw:?} is not ip or ip:port"));
            }
            addr
        });
        let (relay_pool, max_body_bytes) = if on_aws {
            (10, 6 * 1024 * 1024)
        } else {
            (16, 10 * 1024 * 1024)
        };
        Config {
            deployment,
            settings,
            master_key,
            relay,
            relay_pool: r.parse("SESAME_RELAY_POOL", relay_pool),
            pools,
            dns_server,
            max_body_bytes: r.parse("SESAME_MAX_BODY_BYTES", max_body_bytes),
        }
    }
}

#[cfg(test)]
mod tests;
