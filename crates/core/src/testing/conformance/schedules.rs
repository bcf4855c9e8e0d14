//! Checks of the [`Schedules`](crate::ports::Schedules) port (every backend) and of
//! [`DueSchedules`](crate::ports::DueSchedules) (local backends), on a fixed notion of "now"
//! passed to `take_due`, so no check waits.

use std::collections::HashMap;
use std::num::NonZeroU32;

use chrono::{DateTime, Duration, Utc};

use super::fixtures::{join_all, t};
use crate::ports::{DueSchedules, Fired, Schedule, ScheduleName, Schedules};

const HOUR: i64 = 3600;

fn name(raw: &str) -> ScheduleName {
    ScheduleName::parse(raw).expect("valid schedule name")
}

fn payload(n: &str) -> String {
    format!("{{\"v\":1,\"kind\":\"task\",\"task_id\":\"{n}\"}}")
}

fn once(n: &str, at: DateTime<Utc>) -> Schedule {
    Schedule {
        name: name(n),
        first: at,
        every_hours: None,
        until: None,
        payload: payload(n),
    }
}

fn every(n: &str, first: DateTime<Utc>, hours: u32, until: Option<DateTime<Utc>>) -> Schedule {
    Schedule {
        every_hours: NonZeroU32::new(hours),
        until,
        ..once(n, first)
    }
}

fn fired(n: &str, at: DateTime<Utc>) -> Fired {
    Fired {
        name: name(n),
        payload: payload(n),
        at,
    }
}

/// Schedules are far in the future for the round-trip checks: EventBridge may refuse an
/// `at()` in the past and would fire a due one during the test.
fn future(hours: i64) -> DateTime<Utc> {
    Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        + Duration::days(30)
        + Duration::hours(hours)
}

/// What was put is what `get` returns: one-time, recurring, recurring with an end; an
/// unknown name is `None`.
pub async fn put_and_get_round_trip<S: Schedules>(s: &S) {
    let schedules = [
        once("task-1", future(1)),
        every("task-2", future(2), 24, None),
        every("task-3.x_y", future(3), 6, Some(future(3 + 6 * 4))),
    ];
    for schedule in &schedules {
        s.put(schedule).await.expect("put");
    }
    for schedule in &schedules {
        assert_eq!(
            s.get(&schedule.name).await.expect("get").as_ref(),
            Some(schedule)
        );
    }
    assert_eq!(s.get(&name("task-9")).await.expect("get"), None);
}

/// A payload comes back byte for byte: quotes, backslashes, non-ASCII.
pub async fn payload_round_trips_exactly<S: Schedules>(s: &S) {
    let schedule = Schedule {
        payload: "{\"v\":1,\"kind\":\"task\",\"note\":\"Grüße \\\"q\\\" \\\\ 你好\"}".to_owned(),
        ..once("odd-payload", future(5))
    };
    s.put(&schedule).await.expect("put");
    assert_eq!(s.get(&schedule.name).await.expect("get"), Some(schedule));
}

/// Putting an existing name replaces the schedule: one-time becomes recurring and back.
pub async fn put_replaces_a_schedule_of_the_same_name<S: Schedules>(s: &S) {
    let first = once("task-7", future(1));
    s.put(&first).await.expect("put");
    let replaced = Schedule {
        payload: payload("other"),
        ..every("task-7", future(4), 12, Some(future(100)))
    };
    s.put(&replaced).await.expect("replace");
    assert_eq!(s.get(&first.name).await.expect("get"), Some(replaced));
    let back = once("task-7", future(2));
    s.put(&back).await.expect("replace again");
    assert_eq!(s.get(&first.name).await.expect("get"), Some(back));
}

/// Delete reports whether there was a schedule, and a deleted schedule is gone.
pub async fn delete_is_idempotent<S: Schedules>(s: &S) {
    s.put(&once("task-8", future(1))).await.expect("put");
    s.put(&once("task-8b", future(1))).await.expect("put");
    assert!(s.delete(&name("task-8")).await.expect("delete"));
    assert!(!s.delete(&name("task-8")).await.expect("delete again"));
    assert!(!s.delete(&name("never")).await.expect("delete unknown"));
    assert_eq!(s.get(&name("task-8")).await.expect("get"), None);
    assert!(s.get(&name("task-8b")).await.expect("get").is_some());
}

/// A one-time schedule is not taken before its time, is taken once at it, and is then gone.
pub async fn one_time_fires_once<S: DueSchedules>(s: &S) {
    s.put(&once("once", t(100))).await.expect("put");
    assert_eq!(s.take_due(t(99), 10).await.expect("take"), vec![]);
    assert_eq!(
        s.take_due(t(100), 10).await.expect("take"),
        vec![fired("once", t(100))]
    );
    assert_eq!(s.take_due(t(100), 10).await.expect("take"), vec![]);
    assert_eq!(s.take_due(t(10 * HOUR), 10).await.expect("take"), vec![]);
    assert_eq!(s.get(&name("once")).await.expect("get"), None);
}

/// A recurring schedule fires at each interval, once per instant; missed intervals are
/// coalesced into one fire at the latest due instant.
pub async fn recurring_fires_every_interval<S: DueSchedules>(s: &S) {
    let schedule = every("daily", t(0), 2, None);
    s.put(&schedule).await.expect("put");
    assert_eq!(s.take_due(t(-1), 10).await.expect("take"), vec![]);
    assert_eq!(
        s.take_due(t(0), 10).await.expect("take"),
        vec![fired("daily", t(0))]
    );
    assert_eq!(s.take_due(t(HOUR), 10).await.expect("take"), vec![]);
    assert_eq!(
        s.take_due(t(2 * HOUR + 30), 10).await.expect("take"),
        vec![fired("daily", t(2 * HOUR))]
    );
    assert_eq!(
        s.take_due(t(2 * HOUR + 60), 10).await.expect("take"),
        vec![]
    );
    assert_eq!(
        s.take_due(t(7 * HOUR), 10).await.expect("take"),
        vec![fired("daily", t(6 * HOUR))],
        "4h and 6h were missed: one fire, at 6h"
    );
    assert_eq!(s.take_due(t(8 * HOUR - 1), 10).await.expect("take"), vec![]);
    assert_eq!(
        s.take_due(t(8 * HOUR), 10).await.expect("take"),
        vec![fired("daily", t(8 * HOUR))]
    );
    assert_eq!(s.get(&schedule.name).await.expect("get"), Some(schedule));
}

/// A recurring schedule with an end fires up to and including `until`, then is gone.
pub async fn recurring_schedule_ends_at_until<S: DueSchedules>(s: &S) {
    s.put(&every("ends", t(0), 1, Some(t(2 * HOUR))))
        .await
        .expect("put");
    let mut at = Vec::new();
    for h in 0..6 {
        for f in s.take_due(t(h * HOUR), 10).await.expect("take") {
            at.push(f.at);
        }
    }
    assert_eq!(at, vec![t(0), t(HOUR), t(2 * HOUR)]);
    assert_eq!(s.get(&name("ends")).await.expect("get"), None);
    s.put(&every("late", t(0), 1, Some(t(90 * 60))))
        .await
        .expect("put");
    assert_eq!(
        s.take_due(t(10 * HOUR), 10).await.expect("take"),
        vec![fired("late", t(HOUR))],
        "the coalesced fire is the last one before until"
    );
    assert_eq!(s.get(&name("late")).await.expect("get"), None);
}

/// `take_due` takes the earliest due schedules first and at most `limit` of them.
pub async fn take_due_is_earliest_first_and_limited<S: DueSchedules>(s: &S) {
    for (n, at) in [("c", 30), ("a", 10), ("b", 20), ("d", 40), ("later", 1000)] {
        s.put(&once(n, t(at))).await.expect("put");
    }
    assert_eq!(
        s.take_due(t(500), 2).await.expect("take"),
        vec![fired("a", t(10)), fired("b", t(20))]
    );
    assert_eq!(
        s.take_due(t(500), 10).await.expect("take"),
        vec![fired("c", t(30)), fired("d", t(40))]
    );
}

/// Replacing a schedule recomputes its next fire from the new `first`; deleting one stops it.
pub async fn replaced_or_deleted_schedules_fire_as_now_defined<S: DueSchedules>(s: &S) {
    s.put(&every("r", t(0), 1, None)).await.expect("put");
    s.put(&once("gone", t(0))).await.expect("put");
    assert_eq!(s.take_due(t(0), 10).await.expect("take").len(), 2);
    s.put(&once("gone", t(HOUR))).await.expect("put");
    assert!(s.delete(&name("gone")).await.expect("delete"));
    s.put(&once("r", t(5 * HOUR))).await.expect("replace");
    assert_eq!(s.take_due(t(4 * HOUR), 10).await.expect("take"), vec![]);
    assert_eq!(
        s.take_due(t(5 * HOUR), 10).await.expect("take"),
        vec![fired("r", t(5 * HOUR))]
    );
    assert_eq!(s.take_due(t(9 * HOUR), 10).await.expect("take"), vec![]);
}

/// Eight loops taking at the same instants never take the same fire twice, and together take
/// every fire: 40 one-time schedules and a recurring one over three instants.
pub async fn concurrent_takers_take_each_fire_once<S: DueSchedules>(s: &S) {
    for i in 0..40 {
        s.put(&once(&format!("o{i}"), t(i))).await.expect("put");
    }
    s.put(&every("rec", t(0), 1, None)).await.expect("put");
    let mut taken: Vec<Fired> = Vec::new();
    for h in 0..3 {
        let now = t(h * HOUR);
        let taker = || async {
            let mut mine = Vec::new();
            loop {
                let batch = s.take_due(now, 3).await.expect("take");
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch);
            }
        };
        taken.extend(
            join_all((0..8).map(|_| taker()))
                .await
                .into_iter()
                .flatten(),
        );
    }
    let mut counts: HashMap<(String, DateTime<Utc>), usize> = HashMap::new();
    for f in &taken {
        *counts.entry((f.name.to_string(), f.at)).or_default() += 1;
    }
    assert!(counts.values().all(|n| *n == 1), "a fire was taken twice");
    assert_eq!(taken.len(), 40 + 3);
    for h in 0..3 {
        assert!(counts.contains_key(&("rec".to_owned(), t(h * HOUR))));
    }
}
