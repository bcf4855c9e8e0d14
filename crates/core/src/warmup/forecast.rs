//! The forecast: for a backlog, the day-by-day plan until it is sent, assuming every day's
//! quota is used and no day goes bad (what the policy then does is advance each full day).

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::plan::Plan;
use super::policy::{DayStats, Policy, decide};

/// Longest forecast, in days.
pub const MAX_FORECAST_DAYS: usize = 400;

/// One forecast day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastDay {
    /// The quota day.
    pub day: NaiveDate,
    /// The step that day.
    pub step: u32,
    /// That day's quota.
    pub quota: u64,
    /// Messages of the backlog sent that day.
    pub send: u64,
    /// Backlog left after that day.
    pub remaining: u64,
}

/// Plans `backlog` messages from `today`, where `left_today` of today's quota is still free
/// and the scope is at `step`. The policy decides each later day's step from the day before
/// (a day that sends less than the advance share holds).
pub fn forecast(
    policy: &Policy,
    plan: &Plan,
    step: u32,
    left_today: u64,
    today: NaiveDate,
    backlog: u64,
) -> Vec<ForecastDay> {
    let mut days = Vec::new();
    let mut remaining = backlog;
    let mut step = plan.clamp(step);
    let mut day = today;
    let mut free = left_today;
    // Today's usage so far counts for today's decision.
    let mut used_before = plan.quota(step).saturating_sub(left_today);
    while remaining > 0 && days.len() < MAX_FORECAST_DAYS {
        let quota = plan.quota(step);
        let send = remaining.min(free);
        remaining -= send;
        days.push(ForecastDay {
            day,
            step,
            quota,
            send,
            remaining,
        });
        let stats = DayStats {
            used: used_before + send,
            ..DayStats::default()
        };
        // Idle days cannot occur while a backlog waits, so the idle count stays 0.
        step = decide(policy, plan, step, 0, day, stats).0.to_step;
        day = day.checked_add_days(Days::new(1)).unwrap_or(day);
        free = plan.quota(step);
        used_before = 0;
    }
    days
}
