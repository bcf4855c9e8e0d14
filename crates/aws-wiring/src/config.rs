//! [`AwsConfig`]: the shared settings ([`sesame_config::Config`]) plus what only the AWS
//! deployment reads: its table, queue and schedules, item retention and counter sharding,
//! the API's signed host and the sweep's grace. Read once at cold start (or when an admin
//! command starts), every problem reported in one error.

use std::time::Duration;

use sesame_aws::{DEFAULT_COUNTER_SHARDS, ScheduleTarget};
use sesame_config::{Config, ConfigError, Deployment, Env, Reader, Role};

/// Everything a process of the AWS deployment needs, typed.
#[derive(Debug, Clone)]
pub struct AwsConfig {
    /// The variables every process shares.
    pub shared: Config,
    /// DynamoDB table (`SESAME_TABLE`).
    pub table: String,
    /// Delivery queue URL (`SESAME_QUEUE_URL`); required by the functions. `None` (admin
    /// commands, which never enqueue) wires a queue that refuses every call.
    pub queue_url: Option<String>,
    /// The `Host` clients sign when a proxy or custom domain rewrites it before the function
    /// URL (`SESAME_PUBLIC_HOST`); `None` verifies against the host the function receives.
    pub public_host: Option<http::HeaderValue>,
    /// How long message and delivery items are kept before TTL expiry
    /// (`SESAME_RETENTION_DAYS`, 0 keeps them forever).
    pub retention: Option<chrono::Duration>,
    /// How long a delivery may sit unclaimed before the sweep enqueues it again
    /// (`SESAME_STALE_GRACE_SECS`; default the claim window, at least a minute).
    pub stale_grace: Duration,
    /// The EventBridge Scheduler group of timed and recurring tasks (`SESAME_SCHEDULE_GROUP`,
    /// default `default`).
    pub schedule_group: String,
    /// What task schedules invoke (`SESAME_SCHEDULER_TARGET_ARN` and
    /// `SESAME_SCHEDULER_ROLE_ARN`, both or neither). `None` in processes that never create
    /// schedules; they can still read and delete them.
    pub schedules: Option<ScheduleTarget>,
    /// Items each statistics counter is spread over (`SESAME_COUNTER_SHARDS`, default 8).
    pub counter_shards: u32,
}

impl AwsConfig {
    /// Reads the configuration of `role` from `env`.
    pub fn from_env(env: &Env, role: Role) -> Result<Self, ConfigError> {
        let mut r = env.reader();
        let config = Self::read(&mut r, role);
        r.finish(config)
    }

    /// Reads the shared variables and the AWS extras into `r`. Use the result only through
    /// [`Reader::finish`].
    pub fn read(r: &mut Reader, role: Role) -> Self {
        let shared = Config::read(r, Deployment::Aws(role));
        let table = r.required("SESAME_TABLE");
        let queue_url = match role {
            Role::Admin => r.get("SESAME_QUEUE_URL"),
            _ => Some(r.required("SESAME_QUEUE_URL")),
        };
        let public_host = r.get("SESAME_PUBLIC_HOST").and_then(|raw| {
            let host = raw.trim();
            let value = http::HeaderValue::from_str(host)
                .ok()
                .filter(|_| !host.contains(['/', ' ', '@']));
            if value.is_none() {
                r.problem(format!("SESAME_PUBLIC_HOST={raw:?} is not a host[:port]"));
            }
            value
        });
        let default_grace = shared.settings.claim_window.max(Duration::from_secs(60));
        let stale_grace =
            Duration::from_secs(r.parse("SESAME_STALE_GRACE_SECS", default_grace.as_secs()));
        let retention_days: i64 = r.parse("SESAME_RETENTION_DAYS", 90);
        if retention_days < 0 {
            r.problem("SESAME_RETENTION_DAYS must not be negative");
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
                r.problem(
                    "set both SESAME_SCHEDULER_TARGET_ARN and SESAME_SCHEDULER_ROLE_ARN, or neither",
                );
                None
            }
        };
        let counter_shards: u32 = r.parse("SESAME_COUNTER_SHARDS", DEFAULT_COUNTER_SHARDS);
        if counter_shards == 0 {
            r.problem("SESAME_COUNTER_SHARDS must be at least 1");
        }
        AwsConfig {
            shared,
            table,
            queue_url,
            public_host,
            retention: (retention_days > 0).then(|| chrono::Duration::days(retention_days)),
            stale_grace,
            schedule_group,
            schedules,
            counter_shards,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(role: Role, vars: &[(&str, &str)]) -> Result<AwsConfig, ConfigError> {
        AwsConfig::from_env(&vars.iter().copied().collect(), role)
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
    fn api_reads_its_extras_and_defaults() {
        let config = read(Role::Api, &minimal()).unwrap();
        assert_eq!(config.table, "sesame");
        assert_eq!(
            config.queue_url.as_deref(),
            Some("https://sqs.us-east-1.amazonaws.com/1/q")
        );
        assert_eq!(config.public_host, None);
        assert_eq!(config.stale_grace, Duration::from_secs(120));
        assert_eq!(config.retention, Some(chrono::Duration::days(90)));
        assert_eq!(config.schedules, None);
        assert_eq!(config.counter_shards, 8);
    }

    #[test]
    fn functions_need_the_queue_and_admin_commands_do_not() {
        let vars: Vec<_> = minimal()
            .into_iter()
            .filter(|(k, _)| *k != "SESAME_QUEUE_URL")
            .collect();
        let err = read(Role::Scheduler, &vars).unwrap_err();
        assert_eq!(err.problems, ["SESAME_QUEUE_URL is required"]);
        assert_eq!(read(Role::Admin, &vars).unwrap().queue_url, None);
    }

    #[test]
    fn schedule_target_needs_both_arns_and_defaults_the_group() {
        let mut vars = minimal();
        vars.push((
            "SESAME_SCHEDULER_TARGET_ARN",
            "arn:aws:lambda:us-east-1:1:function:s",
        ));
        let err = read(Role::Api, &vars).unwrap_err();
        assert!(
            err.to_string().contains("SESAME_SCHEDULER_ROLE_ARN"),
            "{err}"
        );
        vars.push(("SESAME_SCHEDULER_ROLE_ARN", "arn:aws:iam::1:role/r"));
        let config = read(Role::Api, &vars).unwrap();
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
    fn shared_and_extra_problems_are_reported_together() {
        let err = read(
            Role::Deliver,
            &[
                ("SESAME_MASTER_KEY", "too-short"),
                ("SESAME_PUBLIC_HOST", "https://api.example.com/"),
                ("SESAME_COUNTER_SHARDS", "0"),
                ("SESAME_RETENTION_DAYS", "-1"),
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
            "SESAME_PUBLIC_HOST",
            "SESAME_COUNTER_SHARDS must be at least 1",
            "SESAME_RETENTION_DAYS must not be negative",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from {text}");
        }
        assert_eq!(err.problems.len(), 8);
    }

    #[test]
    fn retention_zero_keeps_items_forever_and_the_grace_follows_the_claim_window() {
        let mut vars = minimal();
        vars.extend([
            ("SESAME_RETENTION_DAYS", "0"),
            ("SESAME_CLAIM_WINDOW_SECS", "300"),
            ("SESAME_PUBLIC_HOST", "ses.example.com"),
        ]);
        let config = read(Role::Api, &vars).unwrap();
        assert_eq!(config.retention, None);
        assert_eq!(config.stale_grace, Duration::from_secs(300));
        assert_eq!(
            config.public_host.as_ref().map(|h| h.to_str().unwrap()),
            Some("ses.example.com")
        );
    }
}
