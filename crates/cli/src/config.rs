//! The typed configuration of `sesame serve` and the local admin commands: the shared
//! variables (`sesame-config`, as every Sesame process reads them) plus the extras only the
//! local server has (listeners, worker and tick periods, SQLite durability, the tracking
//! recorder's buffer). Flags win over their variables; every invalid variable is reported
//! together in one error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use sesame_config::{Deployment, Env, Pools, Reader, Secret, decode_master_key};
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
    /// Core policy settings (`warmup.pools` is filled in when the deployment is wired).
    pub settings: Settings,
    /// Where and how the tracking routes are served (their core settings are in `settings`).
    pub tracking: TrackingConfig,
    /// Relays of the dedicated sending pools.
    pub pools: sesame_mail::PoolsConfig,
}

/// How `sesame serve` runs the tracking edge.
#[derive(Debug, Clone)]
pub struct TrackingConfig {
    /// A separate listener for the tracking routes (`SESAME_TRACKING_LISTEN`); `None` serves
    /// them on the API listener.
    pub listen: Option<SocketAddr>,
    /// Hits the background recorder buffers before dropping (`SESAME_TRACKING_BUFFER`).
    pub buffer: usize,
}

/// The log filter (`SESAME_LOG`, `tracing` env-filter syntax) and whether logs are JSON
/// (`SESAME_LOG_FORMAT=json`). Read before anything else, and never refused: a bad filter
/// falls back to `info` when the subscriber is built.
pub fn logging(r: &mut Reader) -> (Option<String>, bool) {
    let filter = r.get("SESAME_LOG");
    let json = r.get("SESAME_LOG_FORMAT").as_deref() == Some("json");
    (filter, json)
}

impl Config {
    /// Reads the configuration. `data_dir` and `listen` come from flags that already fell
    /// back to their environment variables and defaults.
    pub fn load(data_dir: PathBuf, listen: &str, env: &Env) -> Result<Self, String> {
        let mut r = env.reader();
        let config = Self::read(&mut r, data_dir, listen);
        r.finish(config).map_err(|e| e.to_string())
    }

    /// The shared variables, then local mode's extras, into `r`.
    pub fn read(r: &mut Reader, data_dir: PathBuf, listen: &str) -> Self {
        let listen: SocketAddr = listen.parse().unwrap_or_else(|_| {
            r.problem(format!("listen address {listen:?} is not host:port"));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });
        let shared = sesame_config::Config::read(r, Deployment::Local);
        let tracking_listen = r.get("SESAME_TRACKING_LISTEN").and_then(|raw| {
            let addr = raw.trim().parse::<SocketAddr>().ok();
            if addr.is_none() {
                r.problem(format!("SESAME_TRACKING_LISTEN={raw:?} is not host:port"));
            }
            addr
        });
        let buffer: u64 = r.parse_with("SESAME_TRACKING_BUFFER", 1 << 20, "is not a number");
        let recheck_secs: u64 = r.parse("SESAME_RECHECK_SECS", 3600);
        let tick_ms: u64 = r.parse("SESAME_TICK_MS", 2000);
        let workers = r.parse("SESAME_WORKERS", 64);
        let sync_full = r.parse("SESAME_SYNC_FULL", false);
        if recheck_secs == 0 {
            r.problem("SESAME_RECHECK_SECS must be at least 1");
        }
        if tick_ms == 0 {
            r.problem("SESAME_TICK_MS must be at least 1");
        }
        if workers == 0 {
            r.problem("SESAME_WORKERS must be at least 1");
        }
        let mut settings = shared.settings;
        // Links point at this server unless a public URL is configured.
        if settings.tracking.base_url.is_none() {
            let at = tracking_listen.unwrap_or(listen);
            settings.tracking.base_url = Some(format!("http://{at}"));
        }
        // Local mode reads no SSM parameter, so its secrets are inline (and an inline master
        // key has been checked by the reader).
        let inline = |secret: Option<Secret>| match secret {
            Some(Secret::Inline(value)) => Some(value),
            Some(Secret::Parameter(_)) | None => None,
        };
        let pools = match shared.pools {
            Pools::Given(pools) => pools,
            Pools::Parameter(_) => sesame_mail::PoolsConfig::default(),
        };
        Config {
            data_dir,
            listen,
            relay: inline(shared.relay),
            relay_pool: shared.relay_pool,
            master_key: inline(shared.master_key).and_then(|raw| decode_master_key(&raw)),
            workers,
            max_body_bytes: shared.max_body_bytes,
            sync_full,
            dns_server: shared.dns_server,
            recheck_every: Duration::from_secs(recheck_secs),
            tick_every: Duration::from_millis(tick_ms),
            settings,
            tracking: TrackingConfig {
                listen: tracking_listen,
                buffer: usize::try_from(buffer).unwrap_or(usize::MAX).max(1),
            },
            pools,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<Config, String> {
        Config::load(
            "data".into(),
            "127.0.0.1:8080",
            &vars.iter().copied().collect(),
        )
    }

    #[test]
    fn tracking_links_default_to_the_tracking_listener_else_the_api() {
        let config = load(&[]).unwrap();
        assert_eq!(
            config.settings.tracking.base_url.as_deref(),
            Some("http://127.0.0.1:8080")
        );
        let config = load(&[("SESAME_TRACKING_LISTEN", "127.0.0.1:9090")]).unwrap();
        assert_eq!(
            config.settings.tracking.base_url.as_deref(),
            Some("http://127.0.0.1:9090")
        );
        let config = load(&[("SESAME_TRACKING_URL", "https://t.example.com/")]).unwrap();
        assert_eq!(
            config.settings.tracking.base_url.as_deref(),
            Some("https://t.example.com")
        );
    }

    #[test]
    fn shared_and_local_problems_are_reported_together() {
        let err = load(&[
            ("SESAME_WORKERS", "0"),
            ("SESAME_TICK_MS", "0"),
            ("SESAME_MASTER_KEY", "short"),
            ("SESAME_TRACKING_LISTEN", "nowhere"),
        ])
        .unwrap_err();
        for expected in [
            "SESAME_WORKERS must be at least 1",
            "SESAME_TICK_MS must be at least 1",
            "SESAME_MASTER_KEY must be base64 of 32 bytes",
            "SESAME_TRACKING_LISTEN",
        ] {
            assert!(err.contains(expected), "{expected:?} missing from {err}");
        }
    }

    #[test]
    fn an_inline_master_key_and_relay_are_taken_as_given() {
        let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let config = load(&[
            ("SESAME_MASTER_KEY", key),
            ("SESAME_RELAY", "smtp://127.0.0.1:2525"),
        ])
        .unwrap();
        assert_eq!(config.master_key, Some(vec![0; 32]));
        assert_eq!(config.relay.as_deref(), Some("smtp://127.0.0.1:2525"));
        assert_eq!(config.relay_pool, 16);
    }
}
