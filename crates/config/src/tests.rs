use super::*;

const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

fn read(deployment: Deployment, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_env(&vars.iter().copied().collect(), deployment)
}

/// What a function needs at least.
fn minimal() -> Vec<(&'static str, &'static str)> {
    vec![
        ("SESAME_MASTER_KEY_PARAM", "/sesame/master-key"),
        ("SESAME_HOSTNAME", "mail.example.com"),
    ]
}

#[test]
fn local_mode_needs_nothing_and_has_its_defaults() {
    let config = read(Deployment::Local, &[]).unwrap();
    assert_eq!(config.master_key, None);
    assert_eq!(config.relay, None);
    assert_eq!(config.relay_pool, 16);
    assert_eq!(config.max_body_bytes, 10 * 1024 * 1024);
    assert_eq!(config.settings.hostname, "localhost");
    assert_eq!(config.settings.spf_include, "a:localhost");
    assert_eq!(config.settings.tracking.base_url, None);
    assert!(matches!(config.pools, Pools::Given(_)));
}

#[test]
fn a_function_reads_parameters_and_aws_defaults() {
    let config = read(Deployment::Aws(Role::Api), &minimal()).unwrap();
    assert_eq!(
        config.master_key,
        Some(Secret::Parameter("/sesame/master-key".into()))
    );
    assert_eq!(config.relay, None);
    assert_eq!(config.relay_pool, 10);
    assert_eq!(config.max_body_bytes, 6 * 1024 * 1024);
    assert_eq!(config.settings.timezone, chrono_tz::Asia::Shanghai);
    assert_eq!(config.settings.spf_include, "a:mail.example.com");
}

#[test]
fn the_admin_shell_on_aws_defaults_the_hostname_but_needs_the_master_key() {
    let err = read(Deployment::Aws(Role::Admin), &[]).unwrap_err();
    assert_eq!(
        err.problems,
        ["SESAME_MASTER_KEY_PARAM (or SESAME_MASTER_KEY) is required"]
    );
    let config = read(Deployment::Aws(Role::Admin), &[("SESAME_MASTER_KEY", KEY)]).unwrap();
    assert_eq!(config.settings.hostname, "localhost");
}

#[test]
fn parameters_are_not_read_locally() {
    let config = read(
        Deployment::Local,
        &[
            ("SESAME_MASTER_KEY_PARAM", "/sesame/master-key"),
            ("SESAME_RELAY_PARAM", "/sesame/relay"),
        ],
    )
    .unwrap();
    assert_eq!((config.master_key, config.relay), (None, None));
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = read(
        Deployment::Aws(Role::Deliver),
        &[
            ("SESAME_MASTER_KEY", "too-short"),
            ("SESAME_TIMEZONE", "Mars/Olympus"),
            ("SESAME_MAX_ATTEMPTS", "0"),
            ("SESAME_DNS_SERVER", "ns.example.com"),
            ("SESAME_TASK_CHUNK", "1001"),
            ("SESAME_TRACKING_URL", "ftp://t.example.com"),
            ("SESAME_WARMUP_ADVANCE_SHARE", "80%"),
        ],
    )
    .unwrap_err();
    let text = err.to_string();
    for expected in [
        "SESAME_MASTER_KEY must be base64 of 32 bytes",
        "SESAME_RELAY_PARAM (or SESAME_RELAY) is required",
        "SESAME_HOSTNAME is required",
        "SESAME_TIMEZONE",
        "SESAME_MAX_ATTEMPTS must be at least 1",
        "SESAME_DNS_SERVER",
        "SESAME_TASK_CHUNK must be 1 to 1000",
        "SESAME_TRACKING_URL",
        "SESAME_WARMUP_ADVANCE_SHARE",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    assert_eq!(err.problems.len(), 9);
}

#[test]
fn a_dns_server_may_be_a_bare_ip_everywhere() {
    for deployment in [Deployment::Local, Deployment::Aws(Role::Api)] {
        let mut vars = minimal();
        vars.push(("SESAME_DNS_SERVER", "10.0.0.2"));
        let config = read(deployment, &vars).unwrap();
        assert_eq!(config.dns_server, Some("10.0.0.2:53".parse().unwrap()));
        vars.pop();
        vars.push(("SESAME_DNS_SERVER", "127.0.0.1:5353"));
        let config = read(deployment, &vars).unwrap();
        assert_eq!(config.dns_server, Some("127.0.0.1:5353".parse().unwrap()));
    }
}

#[test]
fn the_tracking_key_alias_works_everywhere_and_keys_win() {
    let one = format!("1:{KEY}");
    for deployment in [Deployment::Local, Deployment::Aws(Role::Track)] {
        let mut vars = minimal();
        assert!(
            read(deployment, &vars)
                .unwrap()
                .settings
                .tracking
                .keys
                .is_empty()
        );
        vars.push(("SESAME_TRACKING_KEY", &one));
        let config = read(deployment, &vars).unwrap();
        assert!(!config.settings.tracking.keys.is_empty());
        // With both set, the alias is not even parsed.
        vars.pop();
        vars.push(("SESAME_TRACKING_KEY", "not a key"));
        vars.push(("SESAME_TRACKING_KEYS", &one));
        assert!(read(deployment, &vars).is_ok());
    }
}

#[test]
fn deliver_takes_the_relay_from_a_parameter_or_inline() {
    let mut vars = minimal();
    vars.push(("SESAME_RELAY_PARAM", "/sesame/relay"));
    let config = read(Deployment::Aws(Role::Deliver), &vars).unwrap();
    assert_eq!(
        config.relay,
        Some(Secret::Parameter("/sesame/relay".into()))
    );

    let mut vars = minimal();
    vars.push(("SESAME_RELAY", "smtp://127.0.0.1:2525"));
    let config = read(Deployment::Aws(Role::Deliver), &vars).unwrap();
    assert!(matches!(config.relay, Some(Secret::Inline(_))));
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
    let config = read(Deployment::Aws(Role::Api), &vars).unwrap();
    assert!(matches!(&config.pools, Pools::Parameter(name) if name == "/sesame/pools"));
    assert_eq!(config.settings.warmup.policy.idle_days, 10);
    assert_eq!(config.settings.warmup.transactional_per_second, 20);
    assert_eq!(config.settings.warmup.operators.len(), 1);

    let mut vars = minimal();
    vars.extend([
        ("SESAME_WARMUP_ADVANCE_SHARE", "80%"),
        ("SESAME_POOLS", "{}"),
        ("SESAME_POOLS_PARAM", "/sesame/pools"),
    ]);
    let problems = read(Deployment::Aws(Role::Api), &vars)
        .unwrap_err()
        .problems;
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn a_secret_set_both_ways_is_ambiguous() {
    let mut vars = minimal();
    vars.push(("SESAME_MASTER_KEY", KEY));
    let err = read(Deployment::Aws(Role::Scheduler), &vars).unwrap_err();
    assert_eq!(
        err.problems,
        vec!["set only one of SESAME_MASTER_KEY_PARAM and SESAME_MASTER_KEY"]
    );
}

#[test]
fn inline_secrets_never_show_in_debug_output() {
    let vars = [
        ("SESAME_HOSTNAME", "mail.example.com"),
        ("SESAME_MASTER_KEY", KEY),
        ("SESAME_RELAY", "smtp://user:hunter2@relay.example.com"),
    ];
    let config = read(Deployment::Aws(Role::Deliver), &vars).unwrap();
    let shown = format!("{config:?}");
    assert!(!shown.contains(KEY));
    assert!(!shown.contains("hunter2"));
}

#[test]
fn knobs_parse_with_surrounding_whitespace() {
    let mut vars = minimal();
    vars.extend([
        ("SESAME_RETRY_BASE_SECS", " 10"),
        ("SESAME_CLAIM_WINDOW_SECS", "300"),
        ("SESAME_TIMEZONE", "UTC"),
        ("SESAME_RETURN_PATH_DOMAIN", "Bounces.Example.com"),
    ]);
    let config = read(Deployment::Aws(Role::Api), &vars).unwrap();
    assert_eq!(config.settings.retry_base, Duration::from_secs(10));
    assert_eq!(config.settings.claim_window, Duration::from_secs(300));
    assert_eq!(config.settings.timezone, chrono_tz::UTC);
    assert!(config.settings.return_path_domain.is_some());
}

#[test]
fn master_keys_decode_only_at_32_bytes() {
    assert_eq!(decode_master_key(&format!(" {KEY}\n")), Some(vec![0u8; 32]));
    assert_eq!(decode_master_key("AAAA"), None);
    assert_eq!(decode_master_key("not base64!"), None);
}
