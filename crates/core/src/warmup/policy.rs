//! The progress policy: at each quota-day rollover, decide from the day that ended whether the
//! scope advances one step, holds, steps back, or falls back after an idle gap.
//!
//! Pure: the caller supplies the day's figures; [`decide`] returns the new step and the
//! decision with its reason, which is stored and shown (`sesame warmup status`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::plan::Plan;

/// Knobs of the policy (environment variables `SESAME_WARMUP_*`, see the README).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Advance only if the day used at least this share of its quota (0–1).
    pub advance_share: f64,
    /// A day whose hard-bounce rate (hard bounces / sent) reaches this is a bad day.
    pub max_hard_bounce_rate: f64,
    /// A day whose complaint rate (complaints / sent) reaches this is a bad day.
    pub max_complaint_rate: f64,
    /// Steps to go back after a bad day.
    pub bad_day_step_back: u32,
    /// Consecutive days with nothing sent that count as an idle gap (0 disables).
    pub idle_days: u32,
    /// Steps to go back after each idle gap; at least the step count restarts the plan.
    pub idle_step_back: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            advance_share: 0.8,
            max_hard_bounce_rate: 0.05,
            max_complaint_rate: 0.001,
            bad_day_step_back: 1,
            idle_days: 7,
            idle_step_back: 3,
        }
    }
}

/// What happened on one quota day of one scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayStats {
    /// Messages counted against the quota (batch and transactional).
    pub used: u64,
    /// Hard bounces of that day's sends.
    pub hard_bounces: u64,
    /// Complaints received that day.
    pub complaints: u64,
}

/// The kind of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// One step up.
    Advance,
    /// Same step.
    Hold,
    /// Back after a bad day.
    StepBack,
    /// Back after an idle gap.
    IdleFallback,
    /// An operator assigned another plan.
    PlanChanged,
}

/// One stored decision: the day it judged, the step before and after, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The quota day that was judged (the day that just ended), or the day of a plan change.
    pub day: NaiveDate,
    /// What was decided.
    pub action: Action,
    /// Step before.
    pub from_step: u32,
    /// Step after.
    pub to_step: u32,
    /// Messages counted that day.
    pub used: u64,
    /// That day's quota.
    pub quota: u64,
    /// Why, in words an operator reads.
    pub reason: String,
}

/// Judges the day `day` of a scope at `step` after `idle_before` consecutive idle days.
/// Returns the decision and the idle-day count to carry into the next day.
///
/// Order of the rules: a bad day (bounce or complaint rate at or over its threshold) steps
/// back; a day with nothing sent counts towards an idle gap and falls back when the gap
/// reaches `idle_days`; otherwise the scope advances if it used at least `advance_share` of
/// the quota, and holds if it did not (a warm scope holds).
pub fn decide(
    policy: &Policy,
    plan: &Plan,
    step: u32,
    idle_before: u32,
    day: NaiveDate,
    stats: DayStats,
) -> (Decision, u32) {
    let step = plan.clamp(step);
    let quota = plan.quota(step);
    let decision = |action, to_step: u32, reason: String| Decision {
        day,
        action,
        from_step: step,
        to_step,
        used: stats.used,
        quota,
        reason,
    };
    if stats.used > 0 {
        let bounce_rate = stats.hard_bounces as f64 / stats.used as f64;
        let complaint_rate = stats.complaints as f64 / stats.used as f64;
        let bad = if bounce_rate >= policy.max_hard_bounce_rate {
            Some(format!(
                "hard-bounce rate {} reached the limit {}",
                percent(bounce_rate),
                percent(policy.max_hard_bounce_rate)
            ))
        } else if complaint_rate >= policy.max_complaint_rate {
            Some(format!(
                "complaint rate {} reached the limit {}",
                percent(complaint_rate),
                percent(policy.max_complaint_rate)
            ))
        } else {
            None
        };
        if let Some(why) = bad {
            let to = step.saturating_sub(policy.bad_day_step_back).max(1);
            return (decision(Action::StepBack, to, format!("bad day: {why}")), 0);
        }
    } else {
        let idle = idle_before + 1;
        if policy.idle_days > 0 && idle >= policy.idle_days {
            let to = step.saturating_sub(policy.idle_step_back).max(1);
            let reason = format!("nothing sent for {idle} days: back {} step(s)", step - to);
            return (decision(Action::IdleFallback, to, reason), 0);
        }
        let reason = format!("nothing sent (idle day {idle})");
        return (decision(Action::Hold, step, reason), idle);
    }
    let share = stats.used as f64 / quota as f64;
    if share + 1e-9 < policy.advance_share {
        let reason = format!(
            "used {} of {quota} ({}), under the {} needed to advance",
            stats.used,
            percent(share),
            percent(policy.advance_share)
        );
        return (decision(Action::Hold, step, reason), 0);
    }
    if plan.is_warm(step) {
        let reason = format!("warm: the plan's {} steps are done", plan.steps.len());
        return (decision(Action::Hold, step, reason), 0);
    }
    let reason = format!(
        "used {} of {quota} ({}) with bounce and complaint rates under their limits",
        stats.used,
        percent(share)
    );
    (decision(Action::Advance, step + 1, reason), 0)
}

fn percent(rate: f64) -> String {
    let number = format!("{:.2}", rate * 100.0);
    let number = number.trim_end_matches('0').trim_end_matches('.');
    format!("{number}%")
}
