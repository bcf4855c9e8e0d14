//! Automatic warm-up: plans (the standard 20-step table and custom ones), scopes (sending
//! domains and dedicated pools), the progress policy judged at each quota-day rollover, and
//! the forecast of a backlog. Everything here is pure; the use-cases that read and write
//! states and reserve quota live in [`crate::app`].

mod day;
mod forecast;
mod plan;
mod policy;
mod scope;
mod settings;
mod state;

#[cfg(test)]
mod tests;

pub use day::{day_start, next_rollover, quota_day};
pub use forecast::{ForecastDay, MAX_FORECAST_DAYS, forecast};
pub use plan::{MAX_STEPS, Plan, PlanError, PlanName, STANDARD_PLAN, STANDARD_STEPS};
pub use policy::{Action, DayStats, Decision, Policy, decide};
pub use scope::{PoolName, PoolNameError, SHARED_POOL, Scope};
pub use settings::{PoolInfo, WarmupSettings};
pub use state::{DECISIONS_KEPT, MAX_CATCH_UP_DAYS, WarmupState};
