//! Settings of warm-up, quotas and pools (read from `SESAME_WARMUP_*`, `SESAME_TRANSACTIONAL_*`
//! and `SESAME_POOLS` by `sesame-config`; core never reads the environment).

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
