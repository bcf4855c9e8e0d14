//! The typed configuration of `sesame`, read once at start from flags and environment
//! variables (flags win). Every invalid variable is reported together in one error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono_tz::Tz;

use sesame_core::settings::Settings;

/// Everything `sesame serve` and the admin commands need.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory of the SQLite database, the outbox and the generated master key.
    pub data_dir: PathBuf,
    /// Address the HTTP API listens on.
    pub listen: SocketAddr,
    /// SMTP relay URL; `None` captures mail into `<data_dir>/outbox/`.
    pub relay: Option<String>,
    /// Most pooled SMTP connections to the relay.
    pub relay_pool: u32,
    /// Master key from the environment (base64 of 32 bytes); else the data dir's key file.
    pub master_key: Option<Vec<u8>>,
    /// Concurrent delivery attempts.
    pub workers: usize,
    /// Largest API request body.
    pub max_body_bytes: usize,
    /// `SQLITE synchronous=FULL` instead of NORMAL.
    pub sync_full: bool,
    /// DNS server for sender domain verification; `None` uses the system's resolvers.
    pub dns_server: Option<SocketAddr>,
    /// Period of the DNS re-check of sender domains.
    pub recheck_every: Duration,
    /// Period of the batch-task tick (starting due runs, expanding chunks).
    pub tick_every: Duration,
    /// Core policy settings.
    pub settings: Settings,
    /// Where and how the tracking routes are served (their core settings are in `settings`).
    pub tracking: crate::tracking_config::TrackingConfig,
    /// Relays of the dedicated sending pools (their names and hosts are in `settings.warmup`).
    pub pools: sesame_mail::PoolsConfig,
}

/// Reads an environment variable, treating empty as unset.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

struct Reader {
    errors: Vec<String>,
}

impl Reader {
    fn parse<T: std::str::FromStr>(&mut self, name: &str, default: T) -> T {
        match env(name) {
            None => default,
            Some(raw) => raw.parse().unwrap_or_else(|_| {
                self.errors.push(format!("{name}={raw:?} is not valid"));
                default
            }),
        }
    }
}

impl Config {
    /// Reads the configuration. `data_dir` and `listen` come from flags that already fell
    /// back to their environment variables and defaults.
    pub fn load(data_dir: PathBuf, listen: &str) -> Result<Self, String> {
        let mut r = Reader { errors: Vec::new() };
        let listen: SocketAddr = listen.parse().unwrap_or_else(|_| {
            r.errors
                .push(format!("listen address {listen:?} is not host:port"));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });
        let master_key =
            env("SESAME_MASTER_KEY").and_then(|raw| match STANDARD.decode(raw.trim()) {
                Ok(k) if k.len() == 32 => Some(k),
                _ => {
                    r.errors
                        .push("SESAME_MASTER_KEY must be base64 of 32 bytes".into());
                    None
                }
            });
        let timezone: Tz = r.parse("SESAME_TIMEZONE", chrono_tz::Asia::Shanghai);
        let hostname = env("SESAME_HOSTNAME").unwrap_or_else(|| "localhost".into());
        let return_path_domain =
            env("SESAME_RETURN_PATH_DOMAIN").and_then(
                |raw| match sesame_core::types::Domain::parse(raw.trim()) {
                    Ok(d) => Some(d.as_str().to_owned()),
                    Err(_) => {
                        r.errors
                            .push(format!("SESAME_RETURN_PATH_DOMAIN={raw:?} is not a domain"));
                        None
                    }
                },
            );
        let defaults = Settings::default();
        let settings = Settings {
            timezone,
            max_attempts: r.parse("SESAME_MAX_ATTEMPTS", defaults.max_attempts),
            retry_base: Duration::from_secs(r.parse("SESAME_RETRY_BASE_SECS", 30)),
            retry_cap: Duration::from_secs(r.parse("SESAME_RETRY_CAP_SECS", 3600)),
            claim_window: Duration::from_secs(r.parse("SESAME_CLAIM_WINDOW_SECS", 120)),
            spf_include: env("SESAME_SPF_INCLUDE").unwrap_or_else(|| format!("a:{hostname}")),
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
        let relay = env("SESAME_RELAY");
        let dns_server = env("SESAME_DNS_SERVER").and_then(|raw| {
            // A bare address means the standard DNS port.
            let parsed = raw.parse::<SocketAddr>().or_else(|_| {
                raw.parse::<std::net::IpAddr>()
                    .map(|ip| SocketAddr::new(ip, 53))
            });
            match parsed {
                Ok(addr) => Some(addr),
                Err(_) => {
                    r.errors
                        .push(format!("SESAME_DNS_SERVER={raw:?} is not ip or ip:port"));
                    None
                }
            }
        });
        let recheck_secs: u64 = r.parse("SESAME_RECHECK_SECS", 3600);
        let tick_ms: u64 = r.parse("SESAME_TICK_MS", 2000);
        let tracking = crate::tracking_config::TrackingConfig::load(listen, &mut r.errors);
        let warmup = crate::warmup_config::WarmupConfig::load(relay.as_deref(), &mut r.errors);
        let config = Config {
            data_dir,
            listen,
            relay,
            relay_pool: r.parse("SESAME_RELAY_POOL", 16),
            master_key,
            workers: r.parse("SESAME_WORKERS", 64),
            max_body_bytes: r.parse("SESAME_MAX_BODY_BYTES", 10 * 1024 * 1024),
            sync_full: r.parse("SESAME_SYNC_FULL", false),
            dns_server,
            recheck_every: Duration::from_secs(recheck_secs),
            tick_every: Duration::from_millis(tick_ms),
            settings: Settings {
                tracking: tracking.settings.clone(),
                warmup: warmup.settings,
                ..settings
            },
            tracking,
            pools: warmup.pools,
        };
        if config.settings.max_attempts == 0 {
            r.errors
                .push("SESAME_MAX_ATTEMPTS must be at least 1".into());
        }
        if recheck_secs == 0 {
            r.errors
                .push("SESAME_RECHECK_SECS must be at least 1".into());
        }
        if tick_ms == 0 {
            r.errors.push("SESAME_TICK_MS must be at least 1".into());
        }
        if config.settings.tasks.chunk == 0 || config.settings.tasks.chunk > 1000 {
            r.errors.push("SESAME_TASK_CHUNK must be 1 to 1000".into());
        }
        if config.settings.tasks.chunks_per_tick == 0 {
            r.errors
                .push("SESAME_TASK_CHUNKS_PER_TICK must be at least 1".into());
        }
        if config.workers == 0 {
            r.errors.push("SESAME_WORKERS must be at least 1".into());
        }
        if r.errors.is_empty() {
            Ok(config)
        } else {
            Err(format!("invalid configuration: {}", r.errors.join("; ")))
        }
    }
}
