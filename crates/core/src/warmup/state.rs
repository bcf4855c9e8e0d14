//! The warm-up state of one scope and its rollover from one quota day to the next.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::plan::{Plan, PlanName};
use super::policy::{Action, DayStats, Decision, Policy, decide};
use super::scope::Scope;

/// Decisions kept in a state record, newest last; older ones are dropped.
pub const DECISIONS_KEPT: usize = 60;

/// Longest gap a rollover judges day by day; beyond it the scope restarts its plan (a year
/// without sending leaves no reputation to keep).
pub const MAX_CATCH_UP_DAYS: u64 = 400;

/// Where one scope stands in its plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarmupState {
    /// The scope.
    pub scope: Scope,
    /// The plan it follows.
    pub plan: PlanName,
    /// Current step, 1-based; `plan.warm_step()` when warm.
    pub step: u32,
    /// The quota day `step` applies to: the last day a rollover reached. The conditional write
    /// of a rollover compares it, so two schedulers rolling the same day decide once.
    pub day: NaiveDate,
    /// Consecutive days with nothing sent, up to `day`.
    pub idle_days: u32,
    /// Recent decisions, oldest first (at most [`DECISIONS_KEPT`]).
    pub decisions: Vec<Decision>,
    /// When the state was created.
    pub created_at: DateTime<Utc>,
}

impl WarmupState {
    /// A scope starting step 1 of `plan` on `day`.
    pub fn new(scope: Scope, plan: PlanName, day: NaiveDate, now: DateTime<Utc>) -> Self {
        Self {
            scope,
            plan,
            step: 1,
            day,
            idle_days: 0,
            decisions: Vec::new(),
            created_at: now,
        }
    }

    /// The most recent decision.
    pub fn last_decision(&self) -> Option<&Decision> {
        self.decisions.last()
    }

    /// Appends a decision, dropping the oldest beyond [`DECISIONS_KEPT`].
    pub fn log(&mut self, decision: Decision) {
        self.decisions.push(decision);
        let excess = self.decisions.len().saturating_sub(DECISIONS_KEPT);
        self.decisions.drain(..excess);
    }

    /// Switches to another plan, keeping the step (clamped to the new plan) and logging why.
    pub fn assign(&mut self, plan: &Plan, day: NaiveDate) {
        let from = self.step;
        let to = plan.clamp(from);
        let reason = format!("plan changed from {} to {}", self.plan, plan.name);
        self.plan = plan.name.clone();
        self.step = to;
        self.log(Decision {
            day,
            action: Action::PlanChanged,
            from_step: from,
            to_step: to,
            used: 0,
            quota: plan.quota(to),
            reason,
        });
    }

    /// The days a rollover to `today` must judge, oldest first: every day from `self.day` up
    /// to the day before `today` (none if `today` is not later). Gaps longer than
    /// [`MAX_CATCH_UP_DAYS`] are judged by [`WarmupState::restart_after_long_gap`] instead.
    pub fn days_to_judge(&self, today: NaiveDate) -> Vec<NaiveDate> {
        let gap = (today - self.day).num_days();
        if gap <= 0 || gap as u64 > MAX_CATCH_UP_DAYS {
            return Vec::new();
        }
        (0..gap as u64)
            .filter_map(|i| self.day.checked_add_days(Days::new(i)))
            .collect()
    }

    /// Whether the gap to `today` is too long to judge day by day.
    pub fn gap_too_long(&self, today: NaiveDate) -> bool {
        (today - self.day).num_days() as u64 > MAX_CATCH_UP_DAYS && today > self.day
    }

    /// Applies the policy to one judged day (`day` must be `self.day`) and moves to the next.
    pub fn judge(&mut self, policy: &Policy, plan: &Plan, stats: DayStats) {
        let (decision, idle) = decide(policy, plan, self.step, self.idle_days, self.day, stats);
        self.step = decision.to_step;
        self.idle_days = idle;
        self.day = self.day.succ_opt().unwrap_or(self.day);
        self.log(decision);
    }

    /// Restarts the plan after a gap too long to judge, landing on `today`.
    pub fn restart_after_long_gap(&mut self, plan: &Plan, today: NaiveDate) {
        let gap = (today - self.day).num_days();
        self.log(Decision {
            day: today.pred_opt().unwrap_or(today),
            action: Action::IdleFallback,
            from_step: self.step,
            to_step: 1,
            used: 0,
            quota: plan.quota(self.step),
            reason: format!("no rollover for {gap} days: the plan restarts"),
        });
        self.step = 1;
        self.idle_days = 0;
        self.day = today;
    }
}
