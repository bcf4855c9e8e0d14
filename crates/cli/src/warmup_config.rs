//! The warm-up part of the configuration: policy and rate knobs (`SESAME_WARMUP_*`,
//! `SESAME_TRANSACTIONAL_*`, `SESAME_OPERATOR_ACCOUNTS`) and the dedicated sending pools
//! (`SESAME_POOLS`: JSON, or the path of a JSON file).

use sesame_core::warmup::WarmupSettings;
use sesame_mail::{PoolsConfig, RelayUrl};

use crate::config::env;

/// Warm-up settings and pools, read together.
#[derive(Debug, Clone, Default)]
pub struct WarmupConfig {
    /// Core settings, with every pool (`shared` first) filled in.
    pub settings: WarmupSettings,
    /// Relays of the dedicated pools.
    pub pools: PoolsConfig,
}

impl WarmupConfig {
    /// Reads the variables; problems are added to `errors`. `relay` is `SESAME_RELAY`, whose
    /// host is what the shared pool reports as its `SendIp`.
    pub fn load(relay: Option<&str>, errors: &mut Vec<String>) -> Self {
        let mut settings = WarmupSettings::from_lookup(env).unwrap_or_else(|problems| {
            errors.extend(problems);
            WarmupSettings::default()
        });
        let pools = match env("SESAME_POOLS") {
            None => PoolsConfig::default(),
            Some(raw) => {
                let json = if raw.trim_start().starts_with('{') {
                    Ok(raw)
                } else {
                    std::fs::read_to_string(raw.trim())
                        .map_err(|e| format!("SESAME_POOLS: cannot read {raw:?}: {e}"))
                };
                match json.and_then(|j| PoolsConfig::parse(&j).map_err(|e| e.to_string())) {
                    Ok(pools) => pools,
                    Err(e) => {
                        errors.push(e);
                        PoolsConfig::default()
                    }
                }
            }
        };
        let shared_hosts = relay
            .and_then(|r| RelayUrl::parse(r).ok())
            .map(|u| vec![u.host])
            .unwrap_or_default();
        settings.pools = pools.infos(shared_hosts);
        Self { settings, pools }
    }
}
