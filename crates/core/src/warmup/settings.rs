//! Settings of warm-up, quotas and pools (filled from `SESAME_WARMUP_*`, `SESAME_TRANSACTIONAL_*`
//! and `SESAME_POOLS` by the binaries).

use super::policy::Policy;
use super::scope::PoolName;
use crate::types::AccountId;

/// A configured sending pool as core sees it: its name and what `SendIp` reports (the hosts
/// of its relays). Relay URLs and credentials stay with the mail adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolInfo {
    /// Name (`shared` for the default pool).
    pub name: PoolName,
    /// Relay hosts or addresses, in configuration order.
    pub send_ips: Vec<String>,
}

/// Warm-up and quota knobs.
#[derive(Debug, Clone, PartialEq)]
pub struct WarmupSettings {
    /// The progress policy.
    pub policy: Policy,
    /// Transactional sends (SendEmail) per account per second; 0 is unlimited.
    pub transactional_per_second: u64,
    /// Transactional sends per account per minute; 0 is unlimited.
    pub transactional_per_minute: u64,
    /// Every configured pool, `shared` included (first).
    pub pools: Vec<PoolInfo>,
    /// Accounts whose API keys may manage warm-up plans (`CreateWarmupPlan`,
    /// `AssignWarmupPlan`); none by default.
    pub operators: Vec<AccountId>,
}

impl Default for WarmupSettings {
    fn default() -> Self {
        Self {
            policy: Policy::default(),
            transactional_per_second: 0,
            transactional_per_minute: 0,
            pools: vec![PoolInfo {
                name: PoolName::shared(),
                send_ips: Vec::new(),
            }],
            operators: Vec::new(),
        }
    }
}

impl WarmupSettings {
    /// The configured pool of that name.
    pub fn pool(&self, name: &PoolName) -> Option<&PoolInfo> {
        self.pools.iter().find(|p| &p.name == name)
    }
}

impl WarmupSettings {
    /// Reads the policy and rate knobs through `lookup` (an environment reader): every
    /// `SESAME_WARMUP_*` and `SESAME_TRANSACTIONAL_*` variable, defaults for the unset ones.
    /// `pools` is left as the default (`shared` only); the binaries add the configured pools.
    /// Every invalid value is reported, all at once.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut errors = Vec::new();
        let defaults = Policy::default();
        let mut rate = |name: &str, default: f64| -> f64 {
            match lookup(name) {
                None => default,
                Some(raw) => match raw.trim().parse::<f64>() {
                    Ok(v) if (0.0..=1.0).contains(&v) => v,
                    _ => {
                        errors.push(format!("{name}={raw:?} is not a number from 0 to 1"));
                        default
                    }
                },
            }
        };
        let advance_share = rate("SESAME_WARMUP_ADVANCE_SHARE", defaults.advance_share);
        let max_hard_bounce_rate = rate(
            "SESAME_WARMUP_MAX_BOUNCE_RATE",
            defaults.max_hard_bounce_rate,
        );
        let max_complaint_rate = rate(
            "SESAME_WARMUP_MAX_COMPLAINT_RATE",
            defaults.max_complaint_rate,
        );
        let mut count = |name: &str, default: u64| -> u64 {
            match lookup(name) {
                None => default,
                Some(raw) => raw.trim().parse().unwrap_or_else(|_| {
                    errors.push(format!("{name}={raw:?} is not a whole number"));
                    default
                }),
            }
        };
        let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        let policy = Policy {
            advance_share,
            max_hard_bounce_rate,
            max_complaint_rate,
            bad_day_step_back: small(count(
                "SESAME_WARMUP_BAD_DAY_STEP_BACK",
                u64::from(defaults.bad_day_step_back),
            )),
            idle_days: small(count(
                "SESAME_WARMUP_IDLE_DAYS",
                u64::from(defaults.idle_days),
            )),
            idle_step_back: small(count(
                "SESAME_WARMUP_IDLE_STEP_BACK",
                u64::from(defaults.idle_step_back),
            )),
        };
        let transactional_per_second = count("SESAME_TRANSACTIONAL_PER_SECOND", 0);
        let transactional_per_minute = count("SESAME_TRANSACTIONAL_PER_MINUTE", 0);
        let mut operators = Vec::new();
        for raw in lookup("SESAME_OPERATOR_ACCOUNTS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            match AccountId::parse(raw) {
                Ok(account) => operators.push(account),
                Err(_) => errors.push(format!(
                    "SESAME_OPERATOR_ACCOUNTS: {raw:?} is not an account name"
                )),
            }
        }
        let settings = Self {
            policy,
            operators,
            transactional_per_second,
            transactional_per_minute,
            ..Self::default()
        };
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_every_knob_and_report_every_bad_value() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            WarmupSettings::from_lookup(env(&[])).unwrap(),
            WarmupSettings::default()
        );
        let s = WarmupSettings::from_lookup(env(&[
            ("SESAME_WARMUP_ADVANCE_SHARE", "0.9"),
            ("SESAME_WARMUP_MAX_BOUNCE_RATE", "0.02"),
            ("SESAME_WARMUP_MAX_COMPLAINT_RATE", "0.0005"),
            ("SESAME_WARMUP_BAD_DAY_STEP_BACK", "2"),
            ("SESAME_WARMUP_IDLE_DAYS", "0"),
            ("SESAME_WARMUP_IDLE_STEP_BACK", "20"),
            ("SESAME_TRANSACTIONAL_PER_SECOND", "20"),
            ("SESAME_TRANSACTIONAL_PER_MINUTE", "600"),
            ("SESAME_OPERATOR_ACCOUNTS", "ops, root"),
        ]))
        .unwrap();
        let ops: Vec<&str> = s.operators.iter().map(AccountId::as_str).collect();
        assert_eq!(ops, ["ops", "root"]);
        assert_eq!(s.policy.advance_share, 0.9);
        assert_eq!(s.policy.max_hard_bounce_rate, 0.02);
        assert_eq!(s.policy.max_complaint_rate, 0.0005);
        assert_eq!(
            (
                s.policy.bad_day_step_back,
                s.policy.idle_days,
                s.policy.idle_step_back
            ),
            (2, 0, 20)
        );
        assert_eq!(
            (s.transactional_per_second, s.transactional_per_minute),
            (20, 600)
        );
        let errors = WarmupSettings::from_lookup(env(&[
            ("SESAME_WARMUP_ADVANCE_SHARE", "80%"),
            ("SESAME_WARMUP_MAX_BOUNCE_RATE", "2"),
            ("SESAME_WARMUP_IDLE_DAYS", "-1"),
            ("SESAME_TRANSACTIONAL_PER_SECOND", "lots"),
            ("SESAME_OPERATOR_ACCOUNTS", "ok,not ok"),
        ]))
        .unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
    }
}
