//! [`LambdaConfig`]: the typed configuration of the Lambda functions, read once at cold start
//! from environment variables. Every missing or invalid variable is reported in one error, so
//! a misconfigured deployment is fixed in one round.
//!
//! Secrets (the master key, the relay URL with its credentials) come from SSM SecureString
//! parameters named by `SESAME_MASTER_KEY_PARAM` / `SESAME_RELAY_PARAM`; the values themselves
//! may be given directly (`SESAME_MASTER_KEY`, `SESAME_RELAY`) for tests and emulators.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono_tz::Tz;

use sesame_aws::{DEFAULT_COUNTER_SHARDS, ScheduleTarget};
use sesame_core::settings::Settings;

/// Which function is starting: each needs a different subset of the variables (only
/// `deliver` sends mail, so only it needs the relay and the right to read its parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// The TC3 API behind a function URL.
    Api,
    /// The SQS delivery consumer.
    Deliver,
    /// EventBridge ticks and schedules.
    Scheduler,
    /// The tracking edge (open pixel, click redirect, unsubscribe) behind a function URL.
    Track,
}

impl Function {
    fn needs_relay(self) -> bool {
        matches!(self, Function::Deliver)
    }
}

/// Where a secret comes from. `Debug` never shows an inline value.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// The name of an SSM SecureString parameter, read with decryption at cold start.
    Parameter(String),
    /// The value itself (tests, emulators).
    Inline(String),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Parameter(name) => f.debug_tuple("Parameter").field(name).finish(),
            SecretSource::Inline(_) => f.write_str("Inline(..)"),
        }
    }
}

/// Everything a function needs, typed.
#[derive(Debug, Clone)]
pub struct LambdaConfig {
    /// DynamoDB table (`SESAME_TABLE`).
    pub table: String,
    /// Delivery queue URL (`SESAME_QUEUE_URL`).
    pub queue_url: String,
    /// Master key, base64 of 32 bytes (`SESAME_MASTER_KEY_PARAM` or `SESAME_MASTER_KEY`).
    pub master_key: SecretSource,
    /// SMTP relay URL (`SESAME_RELAY_PARAM` or `SESAME_RELAY`); `None` in functions that never
    /// send, which then hold no relay credentials.
    pub relay: Option<SecretSource>,
    /// Most pooled SMTP connections per function instance (`SESAME_RELAY_POOL`).
    pub relay_pool: u32,
    /// The `Host` clients sign when a proxy or custom domain rewrites it before the function
    /// URL (`SESAME_PUBLIC_HOST`); `None` verifies against the host the function receives.
    pub public_host: Option<http::HeaderValue>,
    /// Largest API request body (`SESAME_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// How long message and delivery items are kept before TTL expiry
    /// (`SESAME_RETENTION_DAYS`, 0 keeps them forever).
    pub retention: Option<chrono::Duration>,
    /// How long a delivery may sit unclaimed before the sweep enqueues it again
    /// (`SESAME_STALE_GRACE_SECS`; default the claim window, at least a minute).
    pub stale_grace: Duration,
    /// DNS server for sender-domain verification (`SESAME_DNS_SERVER`, `ip:port`); `None`
    /// uses the system's resolvers.
    pub dns_server: Option<SocketAddr>,
    /// Core policy settings (`SESAME_TIMEZONE`, `SESAME_HOSTNAME`, retry knobs).
    pub settings: Settings,
    /// The EventBridge Scheduler group of timed and recurring tasks (`SESAME_SCHEDULE_GROUP`,
    /// default `default`).
    pub schedule_group: String,
    /// What task schedules invoke (`SESAME_SCHEDULER_TARGET_ARN` and
    /// `SESAME_SCHEDULER_ROLE_ARN`, both or neither). `None` in functions that never create
    /// schedules; they can still read and delete them.
    pub schedules: Option<ScheduleTarget>,
    /// Items each statistics counter is spread over (`SESAME_COUNTER_SHARDS`, default 8).
    pub counter_shards: u32,
    /// Dedicated sending pools as JSON (`SESAME_POOLS_PARAM` or `SESAME_POOLS`; relay URLs may
    /// carry credentials, hence a parameter); `None`: only the shared pool.
    pub pools: Option<SecretSource>,
}

/// The configuration was refused; the message lists every problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", .problems.join("; "))]
pub struct ConfigError {
    /// One line per missing or invalid variable.
    pub problems: Vec<String>,
}

/// Collects problems while reading variables.
struct Reader<F> {
    lookup: F,
    problems: Vec<String>,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    /// A variable, treating empty as unset.
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    fn required(&mut self, name: &str) -> String {
        self.get(name).unwrap_or_else(|| {
            self.problems.push(format!("{name} is required"));
            String::new()
        })
    }

    fn parse<T: std::str::FromStr>(&mut self, name: &str, default: T) -> T {
        match self.get(name) {
            None => default,
            Some(raw) => raw.trim().parse().unwrap_or_else(|_| {
                self.problems.push(format!("{name}={raw:?} is not valid"));
                default
            }),
        }
    }

    /// A secret given either as a parameter name or inline; exactly one of the two.
    fn secret(&mut self, param: &str, inline: &str, required: bool) -> Option<SecretSource> {
        match (self.get(param), self.get(inline)) {
            (Some(name), None) => Some(SecretSource::Parameter(name)),
            (None, Some(value)) => Some(SecretSource::Inline(value)),
            (Some(_), Some(_)) => {
                self.problems
                    .push(format!("set only one of {param} and {inline}"));
                None
            }
            (None, None) => {
                if required {
                    self.problems
                        .push(format!("{param} (or {inline}) is required"));
                }
                None
            }
        }
    }
}

/// Decodes a master key: base64 of exactly 32 bytes, surrounding whitespace ignored.
pub(crate) fn decode_master_key(raw: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(raw.trim())
        .ok()
        .filter(|key| key.len() == 32)
}

impl LambdaConfig {
    /// Reads the configuration of `function` from the process environment.
    pub fn from_env(function: Function) -> Result<Self, ConfigError> {
        Self::from_lookup(function, |name| std::env::var(name).ok())
    }

    /// Reads the configuration from any variable lookup (tests pass a map).
    pub fn from_lookup(
        function: Function,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut r = Reader {
            lookup,
            problems: Vec::new(),
        };
        let table = r.required("SESAME_TABLE");
        let queue_url = r.required("SESAME_QUEUE_URL");
        let master_key = r.secret("SESAME_MASTER_KEY_PARAM", "SESAME_MASTER_KEY", true);
        if let Some(SecretSource::Inline(raw)) = &master_key
            && decode_master_key(raw).is_none()
        {
            r.problems
                .push("SESAME_MASTER_KEY must be base64 of 32 bytes".into());
        }
        let relay = r.secret("SESAME_RELAY_PARAM", "SESAME_RELAY", function.needs_relay());
        let hostname = r.required("SESAME_HOSTNAME");
        let timezone: Tz = r.parse("SESAME_TIMEZONE", chrono_tz::Asia::Shanghai);
        let public_host = r.get("SESAME_PUBLIC_HOST").and_then(|raw| {
            let host = raw.trim();
            let value = http::HeaderValue::from_str(host)
                .ok()
                .filter(|_| !host.contains(['/', ' ', '@']));
            if value.is_none() {
                r.problems
                    .push(format!("SESAME_PUBLIC_HOST={raw:?} is not a host[:port]"));
            }
            value
        });
        let return_path_domain = r.get("SESAME_RETURN_PATH_DOMAIN").and_then(|raw| {
            match sesame_core::types::Domain::parse(raw.trim()) {
                Ok(d) => Some(d.as_str().to_owned()),
                Err(_) => {
                    r.problems
                        .push(format!("SESAME_RETURN_PATH_DOMAIN={raw:?} is not a domain"));
                    None
                }
            }
        });
        let tracking = [
            "SESAME_TRACKING_URL",
            "SESAME_TRACKING_KEYS",
            "SESAME_TRACKING_MIN_CLICK_SECS",
        ]
        .map(|name| r.get(name));
        let tracking = crate::tracking::settings(tracking, &mut r.problems);
        let warmup = sesame_core::warmup::WarmupSettings::from_lookup(|name| r.get(name))
            .unwrap_or_else(|problems| {
                r.problems.extend(problems);
                Default::default()
            });
        let pools = r.secret("SESAME_POOLS_PARAM", "SESAME_POOLS", false);
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
        if settings.tasks.chunk == 0 || settings.tasks.chunk > 1000 {
            r.problems
                .push("SESAME_TASK_CHUNK must be 1 to 1000".into());
        }
        if settings.tasks.chunks_per_tick == 0 {
            r.problems
                .push("SESAME_TASK_CHUNKS_PER_TICK must be at least 1".into());
        }
        if settings.max_attempts == 0 {
            r.problems
                .push("SESAME_MAX_ATTEMPTS must be at least 1".into());
        }
        let default_grace = settings.claim_window.max(Duration::from_secs(60));
        let stale_grace =
            Duration::from_secs(r.parse("SESAME_STALE_GRACE_SECS", default_grace.as_secs()));
        let dns_server = r.get("SESAME_DNS_SERVER").and_then(|raw| {
            raw.trim().parse().ok().or_else(|| {
                r.problems
                    .push(format!("SESAME_DNS_SERVER={raw:?} is not ip:port"));
                None
            })
        });
        let retention_days: i64 = r.parse("SESAME_RETENTION_DAYS", 90);
        if retention_days < 0 {
            r.problems
                .push("SESAME_RETENTION_DAYS must not be negative".into());
        }
        let schedule_group = r
            .get("SESAME_SCHEDULE_GROUP")
            .unwrap_or_else(|| "default".to_owned());
        let schedules = match (
            r.get("SESAME_SCHEDULER_TARGET_ARN"),
            r.get("SESAME_SCHEDULER_ROLE_ARN"),
        ) {
            (Some(target_arn), Some(role_arn)) => Some(ScheduleTarget {
                group: schedule_group.clone(),
                target_arn,
                role_arn,
            }),
            (None, None) => None,
            _ => {
                r.problems.push(
                    "set both SESAME_SCHEDULER_TARGET_ARN and SESAME_SCHEDULER_ROLE_ARN, or neither"
                        .into(),
                );
                None
            }
        };
        let counter_shards: u32 = r.parse("SESAME_COUNTER_SHARDS", DEFAULT_COUNTER_SHARDS);
        if counter_shards == 0 {
            r.problems
                .push("SESAME_COUNTER_SHARDS must be at least 1".into());
        }
        let config = LambdaConfig {
            table,
            queue_url,
            master_key: master_key.unwrap_or(SecretSource::Inline(String::new())),
            relay,
            relay_pool: r.parse("SESAME_RELAY_POOL", 10),
            public_host,
            max_body_bytes: r.parse("SESAME_MAX_BODY_BYTES", 6 * 1024 * 1024),
            retention: (retention_days > 0).then(|| chrono::Duration::days(retention_days)),
            stale_grace,
            dns_server,
            settings,
            schedule_group,
            schedules,
            counter_shards,
            pools,
        };
        if r.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError {
                problems: r.problems,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    fn read(function: Function, vars: &[(&str, &str)]) -> Result<LambdaConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LambdaConfig::from_lookup(function, |name| vars.get(name).cloned())
    }

    fn minimal() -> Vec<(&'static str, &'static str)> {
        vec![
            ("SESAME_TABLE", "sesame"),
            (
                "SESAME_QUEUE_URL",
                "https://sqs.us-east-1.amazonaws.com/1/q",
            ),
            ("SESAME_MASTER_KEY_PARAM", "/sesame/master-key"),
            ("SESAME_HOSTNAME", "mail.example.com"),
        ]
    }

    #[test]
    fn api_reads_parameters_and_defaults() {
        let config = read(Function::Api, &minimal()).unwrap();
        assert_eq!(config.table, "sesame");
        assert_eq!(
            config.master_key,
            SecretSource::Parameter("/sesame/master-key".into())
        );
        assert_eq!(config.relay, None);
        assert_eq!(config.public_host, None);
        assert_eq!(config.settings.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(config.settings.spf_include, "a:mail.example.com");
        assert_eq!(config.stale_grace, Duration::from_secs(120));
        assert_eq!(config.retention, Some(chrono::Duration::days(90)));
        assert_eq!(config.schedules, None);
        assert_eq!(config.counter_shards, 8);
    }

    #[test]
    fn schedule_target_needs_both_arns_and_defaults_the_group() {
        let mut vars = minimal();
        vars.push((
            "SESAME_SCHEDULER_TARGET_ARN",
            "arn:aws:lambda:us-east-1:1:function:s",
        ));
        let err = read(Function::Api, &vars).unwrap_err();
        assert!(
            err.to_string().contains("SESAME_SCHEDULER_ROLE_ARN"),
            "{err}"
        );
        vars.push(("SESAME_SCHEDULER_ROLE_ARN", "arn:aws:iam::1:role/r"));
        let config = read(Function::Api, &vars).unwrap();
        assert_eq!(
            config.schedules,
            Some(ScheduleTarget {
                group: "default".into(),
                target_arn: "arn:aws:lambda:us-east-1:1:function:s".into(),
                role_arn: "arn:aws:iam::1:role/r".into(),
            })
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = read(
            Function::Deliver,
            &[
                ("SESAME_MASTER_KEY", "too-short"),
                ("SESAME_TIMEZONE", "Mars/Olympus"),
                ("SESAME_MAX_ATTEMPTS", "0"),
                ("SESAME_PUBLIC_HOST", "https://api.example.com/"),
                ("SESAME_DNS_SERVER", "ns.example.com"),
            ],
        )
        .unwrap_err();
        let text = err.to_string();
        for expected in [
            "SESAME_TABLE is required",
            "SESAME_QUEUE_URL is required",
            "SESAME_MASTER_KEY must be base64 of 32 bytes",
            "SESAME_RELAY_PARAM (or SESAME_RELAY) is required",
            "SESAME_HOSTNAME is required",
            "SESAME_TIMEZONE",
            "SESAME_MAX_ATTEMPTS must be at least 1",
            "SESAME_PUBLIC_HOST",
            "SESAME_DNS_SERVER",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from {text}");
        }
        assert_eq!(err.problems.len(), 9);
    }

    #[test]
    fn deliver_takes_the_relay_from_a_parameter_or_inline() {
        let mut vars = minimal();
        vars.push(("SESAME_RELAY_PARAM", "/sesame/relay"));
        let config = read(Function::Deliver, &vars).unwrap();
        assert_eq!(
            config.relay,
            Some(SecretSource::Parameter("/sesame/relay".into()))
        );

        let mut vars = minimal();
        vars.push(("SESAME_RELAY", "smtp://127.0.0.1:2525"));
        let config = read(Function::Deliver, &vars).unwrap();
        assert!(matches!(config.relay, Some(SecretSource::Inline(_))));
    }

    #[test]
    fn warm_up_knobs_and_pools_are_read_and_bad_values_reported() {
        let mut vars = minimal();
        vars.extend([
            ("SESAME_POOLS_PARAM", "/sesame/pools"),
            ("SESAME_WARMUP_IDLE_DAYS", "10"),
            ("SESAME_TRANSACTIONAL_PER_SECOND", "20"),
            ("SESAME_OPERATOR_ACCOUNTS", "ops"),
        ]);
        let config = read(Function::Api, &vars).unwrap();
        assert_eq!(
            config.pools,
            Some(SecretSource::Parameter("/sesame/pools".into()))
        );
        assert_eq!(config.settings.warmup.policy.idle_days, 10);
        assert_eq!(config.settings.warmup.transactional_per_second, 20);
        assert_eq!(config.settings.warmup.operators.len(), 1);
        assert_eq!(read(Function::Api, &minimal()).unwrap().pools, None);

        let mut vars = minimal();
        vars.extend([
            ("SESAME_WARMUP_ADVANCE_SHARE", "80%"),
            ("SESAME_POOLS", "{}"),
            ("SESAME_POOLS_PARAM", "/sesame/pools"),
        ]);
        let problems = read(Function::Api, &vars).unwrap_err().problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn a_secret_set_both_ways_is_ambiguous() {
        let mut vars = minimal();
        vars.push(("SESAME_MASTER_KEY", KEY));
        let err = read(Function::Scheduler, &vars).unwrap_err();
        assert_eq!(
            err.problems,
            vec!["set only one of SESAME_MASTER_KEY_PARAM and SESAME_MASTER_KEY"]
        );
    }

    #[test]
    fn inline_secrets_never_show_in_debug_output() {
        let mut vars: Vec<_> = minimal()
            .into_iter()
            .filter(|(k, _)| *k != "SESAME_MASTER_KEY_PARAM")
            .collect();
        vars.push(("SESAME_MASTER_KEY", KEY));
        vars.push(("SESAME_RELAY", "smtp://user:hunter2@relay.example.com"));
        let config = read(Function::Deliver, &vars).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains(KEY));
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn retention_zero_keeps_items_forever_and_knobs_parse() {
        let mut vars = minimal();
        vars.extend([
            ("SESAME_RETENTION_DAYS", "0"),
            ("SESAME_RETRY_BASE_SECS", "10"),
            ("SESAME_CLAIM_WINDOW_SECS", "300"),
            ("SESAME_TIMEZONE", "UTC"),
            ("SESAME_PUBLIC_HOST", "ses.example.com"),
        ]);
        let config = read(Function::Api, &vars).unwrap();
        assert_eq!(config.retention, None);
        assert_eq!(config.settings.retry_base, Duration::from_secs(10));
        assert_eq!(config.stale_grace, Duration::from_secs(300));
        assert_eq!(config.settings.timezone, chrono_tz::UTC);
        assert_eq!(
            config.public_host.as_ref().map(|h| h.to_str().unwrap()),
            Some("ses.example.com")
        );
    }

    #[test]
    fn master_keys_decode_only_at_32_bytes() {
        assert_eq!(decode_master_key(&format!(" {KEY}\n")), Some(vec![0u8; 32]));
        assert_eq!(decode_master_key("AAAA"), None);
        assert_eq!(decode_master_key("not base64!"), None);
    }
}
