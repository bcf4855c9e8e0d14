//! Table-driven tests of plans, the policy, rollover catch-up and the forecast.

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::types::{AccountId, Domain};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn scope() -> Scope {
    Scope::Domain {
        account: AccountId::parse("acme").unwrap(),
        domain: Domain::parse("mail.example.com").unwrap(),
    }
}

#[test]
fn standard_plan_is_exactly_the_published_table() {
    let expected: [(u32, u64); 20] = [
        (1, 500),
        (2, 1_000),
        (3, 2_000),
        (4, 5_000),
        (5, 10_000),
        (6, 20_000),
        (7, 40_000),
        (8, 60_000),
        (9, 80_000),
        (10, 100_000),
        (11, 150_000),
        (12, 200_000),
        (13, 300_000),
        (14, 400_000),
        (15, 500_000),
        (16, 600_000),
        (17, 700_000),
        (18, 800_000),
        (19, 900_000),
        (20, 1_000_000),
    ];
    let plan = Plan::standard();
    assert_eq!(plan.name.as_str(), "standard");
    assert_eq!(plan.steps.len(), 20);
    for (step, volume) in expected {
        assert_eq!(plan.quota(step), volume, "step {step}");
        assert!(!plan.is_warm(step));
    }
    assert_eq!(plan.warm_step(), 21);
    assert!(plan.is_warm(21));
    assert_eq!(plan.quota(21), 1_000_000, "warm keeps the last volume");
    assert_eq!(plan.quota(0), 500, "steps below 1 read as step 1");
}

#[test]
fn custom_plans_are_checked() {
    let name = |n: &str| PlanName::parse(n).unwrap();
    let ok = Plan::custom(name("fast"), vec![5_000, 20_000, 100_000]).unwrap();
    assert_eq!(ok.quota(1), 5_000);
    assert_eq!(ok.warm_step(), 4);
    let cases: [(&str, Vec<u64>, PlanError); 5] = [
        ("standard", vec![1], PlanError::Reserved),
        ("empty", vec![], PlanError::BadLength),
        ("zero", vec![0, 10], PlanError::NotIncreasing),
        ("down", vec![10, 5], PlanError::NotIncreasing),
        ("long", vec![1; MAX_STEPS + 1], PlanError::BadLength),
    ];
    for (n, steps, err) in cases {
        assert_eq!(Plan::custom(name(n), steps), Err(err), "{n}");
    }
    for bad in ["", "Fast", "a b", "x/y", &"a".repeat(33)] {
        assert_eq!(PlanName::parse(bad), Err(PlanError::BadName), "{bad:?}");
    }
}

#[test]
fn scope_keys_round_trip_and_refuse_garbage() {
    let pool = Scope::Pool {
        pool: PoolName::parse("dedicated-1").unwrap(),
    };
    for s in [scope(), pool] {
        assert_eq!(Scope::from_key(&s.key()), Some(s.clone()));
    }
    assert_eq!(scope().key(), "domain/acme/mail.example.com");
    for bad in [
        "",
        "pool",
        "pool/",
        "pool/A",
        "domain/acme",
        "x/y/z",
        "pool/a/b",
    ] {
        assert_eq!(Scope::from_key(bad), None, "{bad:?}");
    }
}

struct Case {
    name: &'static str,
    step: u32,
    idle_before: u32,
    stats: DayStats,
    action: Action,
    to_step: u32,
    idle_after: u32,
    reason_has: &'static str,
}

fn stats(used: u64, hard_bounces: u64, complaints: u64) -> DayStats {
    DayStats {
        used,
        hard_bounces,
        complaints,
    }
}

#[test]
fn policy_advances_holds_steps_back_and_falls_back_after_idle_gaps() {
    let policy = Policy::default();
    let plan = Plan::standard();
    let cases = [
        Case {
            name: "full day advances",
            step: 1,
            idle_before: 0,
            stats: stats(500, 0, 0),
            action: Action::Advance,
            to_step: 2,
            idle_after: 0,
            reason_has: "used 500 of 500 (100%)",
        },
        Case {
            name: "exactly the share advances",
            step: 3,
            idle_before: 0,
            stats: stats(1_600, 10, 0),
            action: Action::Advance,
            to_step: 4,
            idle_after: 0,
            reason_has: "(80%)",
        },
        Case {
            name: "under the share holds",
            step: 3,
            idle_before: 0,
            stats: stats(1_599, 0, 0),
            action: Action::Hold,
            to_step: 3,
            idle_after: 0,
            reason_has: "under the 80% needed",
        },
        Case {
            name: "bounce rate at the limit steps back",
            step: 5,
            idle_before: 0,
            stats: stats(10_000, 500, 0),
            action: Action::StepBack,
            to_step: 4,
            idle_after: 0,
            reason_has: "hard-bounce rate 5% reached the limit 5%",
        },
        Case {
            name: "bounces just under the limit advance",
            step: 5,
            idle_before: 0,
            stats: stats(10_000, 499, 9),
            action: Action::Advance,
            to_step: 6,
            idle_after: 0,
            reason_has: "under their limits",
        },
        Case {
            name: "complaint rate at the limit steps back",
            step: 5,
            idle_before: 0,
            stats: stats(10_000, 0, 10),
            action: Action::StepBack,
            to_step: 4,
            idle_after: 0,
            reason_has: "complaint rate 0.1% reached the limit 0.1%",
        },
        Case {
            name: "bad day at step 1 stays at 1",
            step: 1,
            idle_before: 0,
            stats: stats(100, 50, 0),
            action: Action::StepBack,
            to_step: 1,
            idle_after: 0,
            reason_has: "bad day",
        },
        Case {
            name: "an idle day holds and counts",
            step: 6,
            idle_before: 2,
            stats: stats(0, 0, 0),
            action: Action::Hold,
            to_step: 6,
            idle_after: 3,
            reason_has: "idle day 3",
        },
        Case {
            name: "the seventh idle day falls back three steps",
            step: 6,
            idle_before: 6,
            stats: stats(0, 0, 0),
            action: Action::IdleFallback,
            to_step: 3,
            idle_after: 0,
            reason_has: "nothing sent for 7 days",
        },
        Case {
            name: "idle fallback never goes below step 1",
            step: 2,
            idle_before: 6,
            stats: stats(0, 0, 0),
            action: Action::IdleFallback,
            to_step: 1,
            idle_after: 0,
            reason_has: "back 1 step",
        },
        Case {
            name: "a sending day resets the idle count",
            step: 4,
            idle_before: 5,
            stats: stats(10, 0, 0),
            action: Action::Hold,
            to_step: 4,
            idle_after: 0,
            reason_has: "used 10 of 5000",
        },
        Case {
            name: "warm holds on a full day",
            step: 21,
            idle_before: 0,
            stats: stats(1_000_000, 0, 0),
            action: Action::Hold,
            to_step: 21,
            idle_after: 0,
            reason_has: "warm",
        },
        Case {
            name: "warm steps back after a bad day",
            step: 21,
            idle_before: 0,
            stats: stats(1_000_000, 60_000, 0),
            action: Action::StepBack,
            to_step: 20,
            idle_after: 0,
            reason_has: "bad day",
        },
    ];
    let day = d(2026, 3, 1);
    for c in cases {
        let (decision, idle) = decide(&policy, &plan, c.step, c.idle_before, day, c.stats);
        assert_eq!(decision.action, c.action, "{}", c.name);
        assert_eq!(decision.from_step, c.step, "{}", c.name);
        assert_eq!(decision.to_step, c.to_step, "{}", c.name);
        assert_eq!(idle, c.idle_after, "{}", c.name);
        assert_eq!(decision.day, day, "{}", c.name);
        assert_eq!(decision.used, c.stats.used, "{}", c.name);
        assert_eq!(decision.quota, plan.quota(c.step), "{}", c.name);
        assert!(
            decision.reason.contains(c.reason_has),
            "{}: {:?} lacks {:?}",
            c.name,
            decision.reason,
            c.reason_has
        );
    }
}

#[test]
fn policy_knobs_change_the_outcome() {
    let plan = Plan::standard();
    let strict = Policy {
        advance_share: 1.0,
        idle_days: 2,
        idle_step_back: 100,
        bad_day_step_back: 2,
        ..Policy::default()
    };
    let day = d(2026, 3, 1);
    assert_eq!(
        decide(&strict, &plan, 3, 0, day, stats(1_999, 0, 0))
            .0
            .action,
        Action::Hold
    );
    assert_eq!(
        decide(&strict, &plan, 9, 1, day, stats(0, 0, 0)).0.to_step,
        1,
        "a large idle step-back restarts the plan"
    );
    assert_eq!(
        decide(&strict, &plan, 9, 0, day, stats(100, 5, 0))
            .0
            .to_step,
        7
    );
    let no_idle = Policy {
        idle_days: 0,
        ..Policy::default()
    };
    assert_eq!(
        decide(&no_idle, &plan, 9, 1_000, day, stats(0, 0, 0))
            .0
            .action,
        Action::Hold
    );
}

#[test]
fn twenty_full_days_walk_the_standard_table_then_stay_warm() {
    let policy = Policy::default();
    let plan = Plan::standard();
    let start = d(2026, 1, 1);
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut state = WarmupState::new(scope(), plan.name.clone(), start, now);
    let mut seen = Vec::new();
    for offset in 0..22u64 {
        let day = start + chrono::Days::new(offset);
        assert_eq!(state.day, day);
        let quota = plan.quota(state.step);
        seen.push(quota);
        state.judge(&policy, &plan, stats(quota, 0, 0));
    }
    let mut expected = STANDARD_STEPS.to_vec();
    expected.extend([1_000_000, 1_000_000]);
    assert_eq!(seen, expected);
    assert_eq!(state.step, 21);
    assert!(plan.is_warm(state.step));
    assert_eq!(state.decisions.len(), 22);
    assert!(
        state.decisions[..20]
            .iter()
            .all(|d| d.action == Action::Advance)
    );
    assert_eq!(state.last_decision().unwrap().action, Action::Hold);
}

#[test]
fn catch_up_judges_every_missed_day_and_long_gaps_restart() {
    let plan = Plan::standard();
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut state = WarmupState::new(scope(), plan.name.clone(), d(2026, 1, 10), now);
    assert!(state.days_to_judge(d(2026, 1, 10)).is_empty());
    assert!(state.days_to_judge(d(2026, 1, 9)).is_empty());
    assert_eq!(
        state.days_to_judge(d(2026, 1, 13)),
        vec![d(2026, 1, 10), d(2026, 1, 11), d(2026, 1, 12)]
    );
    state.step = 9;
    let far = d(2027, 6, 1);
    assert!(state.days_to_judge(far).is_empty());
    assert!(state.gap_too_long(far));
    state.restart_after_long_gap(&plan, far);
    assert_eq!((state.step, state.day), (1, far));
    assert!(state.last_decision().unwrap().reason.contains("restarts"));
}

#[test]
fn decision_log_keeps_the_most_recent() {
    let policy = Policy::default();
    let plan = Plan::standard();
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut state = WarmupState::new(scope(), plan.name.clone(), d(2026, 1, 1), now);
    for _ in 0..DECISIONS_KEPT + 5 {
        state.judge(&policy, &plan, stats(1, 0, 0));
    }
    assert_eq!(state.decisions.len(), DECISIONS_KEPT);
    assert_eq!(
        state.decisions.last().unwrap().day,
        state.day.pred_opt().unwrap()
    );
}

#[test]
fn assigning_a_plan_keeps_the_step_within_the_new_plan() {
    let plan = Plan::standard();
    let fast = Plan::custom(
        PlanName::parse("fast").unwrap(),
        vec![5_000, 50_000, 500_000],
    )
    .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut state = WarmupState::new(scope(), plan.name.clone(), d(2026, 1, 1), now);
    state.step = 9;
    state.assign(&fast, d(2026, 1, 1));
    assert_eq!(state.plan.as_str(), "fast");
    assert_eq!(state.step, 4, "clamped to warm");
    let decision = state.last_decision().unwrap();
    assert_eq!(decision.action, Action::PlanChanged);
    assert_eq!(decision.reason, "plan changed from standard to fast");
}

#[test]
fn forecast_of_100000_on_a_new_domain_takes_eight_days() {
    let plan = Plan::standard();
    let days = forecast(&Policy::default(), &plan, 1, 500, d(2026, 1, 1), 100_000);
    let sends: Vec<u64> = days.iter().map(|f| f.send).collect();
    assert_eq!(
        sends,
        [500, 1_000, 2_000, 5_000, 10_000, 20_000, 40_000, 21_500]
    );
    assert_eq!(days.last().unwrap().remaining, 0);
    assert_eq!(days.last().unwrap().day, d(2026, 1, 8));
    assert_eq!(days[7].quota, 60_000);
}

#[test]
fn forecast_counts_what_today_already_used_and_holds_after_a_small_day() {
    let plan = Plan::standard();
    // 400 of 500 used today; a 50-message backlog takes today's last 100 slots, and the day
    // (450 of 500) clears the 80% share.
    let days = forecast(&Policy::default(), &plan, 1, 100, d(2026, 1, 1), 50);
    assert_eq!(days.len(), 1);
    assert_eq!((days[0].send, days[0].remaining), (50, 0));
    // Nothing free today: the backlog starts tomorrow, and today (500 of 500) advanced.
    let days = forecast(&Policy::default(), &plan, 1, 0, d(2026, 1, 1), 1_500);
    let got: Vec<(u32, u64)> = days.iter().map(|f| (f.step, f.send)).collect();
    assert_eq!(got, [(1, 0), (2, 1_000), (3, 500)]);
    assert!(forecast(&Policy::default(), &plan, 1, 500, d(2026, 1, 1), 0).is_empty());
}

#[test]
fn quota_days_follow_the_configured_zone() {
    let tz = chrono_tz::Asia::Shanghai;
    // 2026-01-01 16:30 UTC is 2026-01-02 00:30 in Shanghai.
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 16, 30, 0).unwrap();
    assert_eq!(quota_day(now, tz), d(2026, 1, 2));
    assert_eq!(quota_day(now, chrono_tz::UTC), d(2026, 1, 1));
    assert_eq!(
        next_rollover(d(2026, 1, 2), tz),
        Utc.with_ymd_and_hms(2026, 1, 2, 16, 0, 0).unwrap()
    );
    // A DST gap at midnight (Santiago, 2026-09-06 00:00 does not exist): the day starts at 01:00.
    let santiago = chrono_tz::America::Santiago;
    let start = day_start(d(2026, 9, 6), santiago);
    assert_eq!(quota_day(start, santiago), d(2026, 9, 6));
}
