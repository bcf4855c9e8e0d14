//! The warm-up and rate knobs (`SESAME_WARMUP_*`, `SESAME_TRANSACTIONAL_*`,
//! `SESAME_OPERATOR_ACCOUNTS`) and the dedicated sending pools (`SESAME_POOLS`,
//! `SESAME_POOLS_PARAM`).

use sesame_core::types::AccountId;
use sesame_core::warmup::{Policy, WarmupSettings};
use sesame_mail::PoolsConfig;

use crate::env::Reader;

/// Where the dedicated pools come from.
#[derive(Debug, Clone)]
pub enum Pools {
    /// Read and parsed already (`SESAME_POOLS`: JSON, or the path of a JSON file).
    Given(PoolsConfig),
    /// An SSM parameter holding the JSON (`SESAME_POOLS_PARAM`, AWS only: relay URLs may
    /// carry credentials), read when the deployment is wired.
    Parameter(String),
}

impl Default for Pools {
    fn default() -> Self {
        Pools::Given(PoolsConfig::default())
    }
}

/// The policy and rate knobs, defaults for the unset ones. `pools` is left as the default
/// (`shared` only): the wiring fills it in once it knows the relays.
pub(crate) fn settings(r: &mut Reader) -> WarmupSettings {
    let defaults = Policy::default();
    let advance_share = rate(r, "SESAME_WARMUP_ADVANCE_SHARE", defaults.advance_share);
    let max_hard_bounce_rate = rate(
        r,
        "SESAME_WARMUP_MAX_BOUNCE_RATE",
        defaults.max_hard_bounce_rate,
    );
    let max_complaint_rate = rate(
        r,
        "SESAME_WARMUP_MAX_COMPLAINT_RATE",
        defaults.max_complaint_rate,
    );
    let whole = "is not a whole number";
    let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let policy = Policy {
        advance_share,
        max_hard_bounce_rate,
        max_complaint_rate,
        bad_day_step_back: small(r.parse_with(
            "SESAME_WARMUP_BAD_DAY_STEP_BACK",
            u64::from(defaults.bad_day_step_back),
            whole,
        )),
        idle_days: small(r.parse_with(
            "SESAME_WARMUP_IDLE_DAYS",
            u64::from(defaults.idle_days),
            whole,
        )),
        idle_step_back: small(r.parse_with(
            "SESAME_WARMUP_IDLE_STEP_BACK",
            u64::from(defaults.idle_step_back),
            whole,
        )),
    };
    let transactional_per_second = r.parse_with("SESAME_TRANSACTIONAL_PER_SECOND", 0, whole);
    let transactional_per_minute = r.parse_with("SESAME_TRANSACTIONAL_PER_MINUTE", 0, whole);
    let mut operators = Vec::new();
    for raw in r
        .get("SESAME_OPERATOR_ACCOUNTS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|raw| !raw.is_empty())
    {
        match AccountId::parse(raw) {
            Ok(account) => operators.push(account),
            Err(_) => r.problem(format!(
                "SESAME_OPERATOR_ACCOUNTS: {raw:?} is not an account name"
            )),
        }
    }
    WarmupSettings {
        policy,
        operators,
        transactional_per_second,
        transactional_per_minute,
        ..WarmupSettings::default()
    }
}

/// A share from 0 to 1.
fn rate(r: &mut Reader, name: &'static str, default: f64) -> f64 {
    match r.get(name) {
        None => default,
        Some(raw) => match raw.trim().parse::<f64>() {
            Ok(v) if (0.0..=1.0).contains(&v) => v,
            _ => {
                r.problem(format!("{name}={raw:?} is not a number from 0 to 1"));
                default
            }
        },
    }
}

/// `SESAME_POOLS` (JSON, or the path of a JSON file) or, when `parameters` (AWS),
/// `SESAME_POOLS_PARAM`; at most one of the two. Unset: no dedicated pool.
pub(crate) fn pools(r: &mut Reader, parameters: bool) -> Pools {
    let param = if parameters {
        r.get("SESAME_POOLS_PARAM")
    } else {
        None
    };
    let given = r.get("SESAME_POOLS");
    match (param, given) {
        (Some(_), Some(_)) => {
            r.problem("set only one of SESAME_POOLS_PARAM and SESAME_POOLS");
            Pools::default()
        }
        (Some(name), None) => Pools::Parameter(name),
        (None, None) => Pools::default(),
        (None, Some(raw)) => {
            let json = if raw.trim_start().starts_with('{') {
                Ok(raw)
            } else {
                std::fs::read_to_string(raw.trim())
                    .map_err(|e| format!("SESAME_POOLS: cannot read {raw:?}: {e}"))
            };
            match json.and_then(|j| PoolsConfig::parse(&j).map_err(|e| e.to_string())) {
                Ok(pools) => Pools::Given(pools),
                Err(e) => {
                    r.problem(e);
                    Pools::default()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;

    fn read(pairs: &[(&str, &str)]) -> Result<WarmupSettings, Vec<String>> {
        let env: Env = pairs.iter().copied().collect();
        let mut r = env.reader();
        let settings = settings(&mut r);
        r.finish(settings).map_err(|e| e.problems)
    }

    #[test]
    fn settings_read_every_knob_and_report_every_bad_value() {
        assert_eq!(read(&[]).unwrap(), WarmupSettings::default());
        let s = read(&[
            ("SESAME_WARMUP_ADVANCE_SHARE", "0.9"),
            ("SESAME_WARMUP_MAX_BOUNCE_RATE", "0.02"),
            ("SESAME_WARMUP_MAX_COMPLAINT_RATE", "0.0005"),
            ("SESAME_WARMUP_BAD_DAY_STEP_BACK", "2"),
            ("SESAME_WARMUP_IDLE_DAYS", "0"),
            ("SESAME_WARMUP_IDLE_STEP_BACK", "20"),
            ("SESAME_TRANSACTIONAL_PER_SECOND", "20"),
            ("SESAME_TRANSACTIONAL_PER_MINUTE", "600"),
            ("SESAME_OPERATOR_ACCOUNTS", "ops, root"),
        ])
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
        let errors = read(&[
            ("SESAME_WARMUP_ADVANCE_SHARE", "80%"),
            ("SESAME_WARMUP_MAX_BOUNCE_RATE", "2"),
            ("SESAME_WARMUP_IDLE_DAYS", "-1"),
            ("SESAME_TRANSACTIONAL_PER_SECOND", "lots"),
            ("SESAME_OPERATOR_ACCOUNTS", "ok,not ok"),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
    }

    fn read_pools(pairs: &[(&str, &str)], parameters: bool) -> Result<Pools, Vec<String>> {
        let env: Env = pairs.iter().copied().collect();
        let mut r = env.reader();
        let pools = pools(&mut r, parameters);
        r.finish(pools).map_err(|e| e.problems)
    }

    #[test]
    fn pools_come_inline_from_a_file_or_on_aws_from_a_parameter() {
        let json = r#"{"dedicated": [{"url": "smtp://relay.example.net:2525"}]}"#;
        let Pools::Given(inline) = read_pools(&[("SESAME_POOLS", json)], false).unwrap() else {
            panic!("inline JSON is parsed at once");
        };
        assert_eq!(inline.infos(Vec::new()).len(), 2);

        let dir = std::env::temp_dir().join(format!("sesame-pools-{}.json", std::process::id()));
        std::fs::write(&dir, json).unwrap();
        let from_file = read_pools(&[("SESAME_POOLS", dir.to_str().unwrap())], false);
        std::fs::remove_file(&dir).unwrap();
        assert!(matches!(from_file, Ok(Pools::Given(_))));

        let param = [("SESAME_POOLS_PARAM", "/sesame/pools")];
        assert!(matches!(
            read_pools(&param, true),
            Ok(Pools::Parameter(name)) if name == "/sesame/pools"
        ));
        // Locally there is no SSM to read it from; the variable is not one of local mode's.
        assert!(matches!(read_pools(&param, false), Ok(Pools::Given(_))));

        let both = [("SESAME_POOLS_PARAM", "/p"), ("SESAME_POOLS", "{}")];
        assert_eq!(read_pools(&both, true).unwrap_err().len(), 1);
        assert_eq!(
            read_pools(&[("SESAME_POOLS", "{not json")], false)
                .unwrap_err()
                .len(),
            1
        );
    }
}
