//! Conformance checks of [`WarmupRecords`]: revisioned states, plans and pool bindings.

use chrono::NaiveDate;

use super::fixtures::{account, domain, join_all, t};
use crate::ports::{PoolSubject, WarmupRecords};
use crate::warmup::{Action, Decision, Plan, PlanName, PoolName, Scope, WarmupState};

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, n).expect("valid day")
}

fn domain_scope(acct: &str, name: &str) -> Scope {
    Scope::Domain {
        account: account(acct),
        domain: domain(name),
    }
}

fn pool_scope(name: &str) -> Scope {
    Scope::Pool {
        pool: PoolName::parse(name).expect("valid pool"),
    }
}

fn state(scope: Scope) -> WarmupState {
    let mut state = WarmupState::new(scope, PlanName::standard(), day(1), t(0));
    state.step = 3;
    state.idle_days = 2;
    state.log(Decision {
        day: day(1),
        action: Action::Advance,
        from_step: 2,
        to_step: 3,
        used: 1_000,
        quota: 1_000,
        reason: "used 1000 of 1000 (100%) — ünïcode kept".into(),
    });
    state
}

/// A state round-trips exactly; revisions start at 1 and count writes.
pub async fn warmup_state_round_trips_with_revisions<R: WarmupRecords>(records: &R) {
    let scope = domain_scope("acme", "mail.example.com");
    assert!(records.get_warmup(&scope).await.unwrap().is_none());
    let mut s = state(scope.clone());
    assert!(records.put_warmup(&s, 0).await.unwrap());
    let stored = records.get_warmup(&scope).await.unwrap().expect("stored");
    assert_eq!(stored.value, s);
    assert_eq!(stored.revision, 1);
    s.step = 4;
    s.day = day(2);
    assert!(records.put_warmup(&s, 1).await.unwrap());
    let stored = records.get_warmup(&scope).await.unwrap().expect("stored");
    assert_eq!(
        (stored.value.step, stored.value.day, stored.revision),
        (4, day(2), 2)
    );
}

/// A write with a stale revision (or a create of an existing state) writes nothing.
pub async fn warmup_put_with_a_stale_revision_writes_nothing<R: WarmupRecords>(records: &R) {
    let scope = pool_scope("dedicated");
    let s = state(scope.clone());
    assert!(records.put_warmup(&s, 0).await.unwrap());
    let mut other = s.clone();
    other.step = 9;
    assert!(
        !records.put_warmup(&other, 0).await.unwrap(),
        "create of an existing state"
    );
    assert!(
        !records.put_warmup(&other, 2).await.unwrap(),
        "revision from the future"
    );
    let stored = records.get_warmup(&scope).await.unwrap().expect("stored");
    assert_eq!((stored.value.step, stored.revision), (3, 1));
    let missing = state(pool_scope("nowhere"));
    assert!(
        !records.put_warmup(&missing, 1).await.unwrap(),
        "update of a missing state"
    );
    assert!(
        records
            .get_warmup(&pool_scope("nowhere"))
            .await
            .unwrap()
            .is_none()
    );
}

/// Concurrent writers holding the same revision (two schedulers rolling the same day):
/// exactly one succeeds.
pub async fn concurrent_warmup_writers_have_exactly_one_winner<R: WarmupRecords>(records: &R) {
    let scope = domain_scope("acme", "race.example.com");
    let base = state(scope.clone());
    assert!(records.put_warmup(&base, 0).await.unwrap());
    let attempts = (0..16u32).map(|i| {
        let mut s = base.clone();
        s.step = 10 + i;
        async move { (i, records.put_warmup(&s, 1).await.unwrap()) }
    });
    let results = join_all(attempts).await;
    let winners: Vec<u32> = results.iter().filter(|r| r.1).map(|r| r.0).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let stored = records.get_warmup(&scope).await.unwrap().expect("stored");
    assert_eq!((stored.value.step, stored.revision), (10 + winners[0], 2));
}

/// States are per account: the same domain name in two accounts is two scopes; the
/// listing spans accounts and pools in key order.
pub async fn warmup_states_are_per_scope_and_listed_in_key_order<R: WarmupRecords>(records: &R) {
    let scopes = [
        pool_scope("p2"),
        domain_scope("bob", "mail.example.com"),
        domain_scope("acme", "mail.example.com"),
        pool_scope("p1"),
        domain_scope("acme", "a.example.com"),
    ];
    for (i, scope) in scopes.iter().enumerate() {
        let mut s = state(scope.clone());
        s.step = i as u32 + 1;
        assert!(records.put_warmup(&s, 0).await.unwrap());
    }
    let acme = records
        .get_warmup(&scopes[2])
        .await
        .unwrap()
        .expect("acme's state");
    assert_eq!(acme.value.step, 3);
    let bob = records
        .get_warmup(&scopes[1])
        .await
        .unwrap()
        .expect("bob's");
    assert_eq!(bob.value.step, 2);
    let listed: Vec<String> = records
        .list_warmups()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.value.scope.key())
        .collect();
    let mut expected: Vec<String> = scopes.iter().map(Scope::key).collect();
    expected.sort();
    assert_eq!(listed, expected);
}

/// Plans are created, replaced and listed by name.
pub async fn plans_round_trip_and_list_by_name<R: WarmupRecords>(records: &R) {
    let name = |n: &str| PlanName::parse(n).expect("valid plan name");
    assert!(records.get_plan(&name("fast")).await.unwrap().is_none());
    let fast = Plan::custom(name("fast"), vec![5_000, 50_000]).unwrap();
    let bulk = Plan::custom(name("bulk"), vec![1_000, 1_000, 9_000_000_000]).unwrap();
    records.put_plan(&fast).await.unwrap();
    records.put_plan(&bulk).await.unwrap();
    assert_eq!(records.get_plan(&name("fast")).await.unwrap(), Some(fast));
    let faster = Plan::custom(name("fast"), vec![10_000]).unwrap();
    records.put_plan(&faster).await.unwrap();
    assert_eq!(
        records.list_plans().await.unwrap(),
        vec![bulk, faster.clone()]
    );
    assert_eq!(records.get_plan(&name("fast")).await.unwrap(), Some(faster));
}

/// Pool bindings are set, replaced and removed per subject; an account's binding and its
/// domain's binding are separate, and other accounts see neither.
pub async fn pool_bindings_are_per_subject<R: WarmupRecords>(records: &R) {
    let pool = |n: &str| PoolName::parse(n).expect("valid pool");
    let acme = PoolSubject::Account {
        account: account("acme"),
    };
    let acme_domain = PoolSubject::Domain {
        account: account("acme"),
        domain: domain("mail.example.com"),
    };
    let bob_domain = PoolSubject::Domain {
        account: account("bob"),
        domain: domain("mail.example.com"),
    };
    assert_eq!(records.get_pool_binding(&acme).await.unwrap(), None);
    records
        .set_pool_binding(&acme, Some(&pool("p1")))
        .await
        .unwrap();
    records
        .set_pool_binding(&acme_domain, Some(&pool("p2")))
        .await
        .unwrap();
    assert_eq!(
        records.get_pool_binding(&acme).await.unwrap(),
        Some(pool("p1"))
    );
    assert_eq!(
        records.get_pool_binding(&acme_domain).await.unwrap(),
        Some(pool("p2"))
    );
    assert_eq!(records.get_pool_binding(&bob_domain).await.unwrap(), None);
    records
        .set_pool_binding(&acme_domain, Some(&pool("p3")))
        .await
        .unwrap();
    assert_eq!(
        records.get_pool_binding(&acme_domain).await.unwrap(),
        Some(pool("p3"))
    );
    records.set_pool_binding(&acme_domain, None).await.unwrap();
    records.set_pool_binding(&acme_domain, None).await.unwrap();
    assert_eq!(records.get_pool_binding(&acme_domain).await.unwrap(), None);
    assert_eq!(
        records.get_pool_binding(&acme).await.unwrap(),
        Some(pool("p1"))
    );
}

/// The warm-up scenario a backend must hold under concurrency: 32 delivery workers drain
/// 2,000 queued batch messages of a new domain (quota 500 on day 1). Each worker reserves one
/// message's quota before sending it through the recording mailer, and stops for the day at
/// its first refusal. Exactly the plan's volume goes out each day (500, 1,000, then the last
/// 500), every message exactly once, none lost.
pub async fn thirty_two_workers_send_exactly_the_quota_each_day<R>(records: &R)
where
    R: crate::testing::AllRecords + Clone,
{
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use crate::ports::{Envelope, Mailer};
    use crate::types::EmailAddress;

    let settings = crate::settings::Settings {
        timezone: chrono_tz::UTC,
        ..crate::settings::Settings::default()
    };
    let app = crate::testing::sesame_with(records.clone(), settings);
    app.clock.set(t(10 * 3600));
    let acct = account("acme");
    let dom = domain("news.example.com");
    let queue: Mutex<VecDeque<u32>> = Mutex::new((0..2_000).collect());
    let mut per_day = Vec::new();
    for _ in 0..5 {
        if queue.lock().unwrap().is_empty() {
            break;
        }
        let before = app.mailer.sent().len();
        let workers = (0..32).map(|_| async {
            loop {
                let Some(id) = queue.lock().unwrap().pop_front() else {
                    return;
                };
                let reservation = app.reserve_batch(&acct, &dom, 1).await.unwrap();
                if reservation.granted == 0 {
                    queue.lock().unwrap().push_front(id);
                    return;
                }
                let envelope = Envelope {
                    mail_from: EmailAddress::parse("news@news.example.com").unwrap(),
                    rcpt_to: EmailAddress::parse(&format!("r{id}@example.org")).unwrap(),
                };
                app.mailer.send(&envelope, b"x").await.unwrap();
            }
        });
        join_all(workers).await;
        per_day.push(app.mailer.sent().len() - before);
        app.clock.advance(chrono::Duration::days(1));
        app.roll_over_warmups().await.unwrap();
    }
    assert_eq!(per_day, vec![500, 1_000, 500], "messages sent per day");
    let mut sent: Vec<String> = app
        .mailer
        .sent()
        .into_iter()
        .map(|(e, _)| e.rcpt_to.to_string())
        .collect();
    assert_eq!(sent.len(), 2_000);
    sent.sort();
    sent.dedup();
    assert_eq!(sent.len(), 2_000, "a message was sent twice");
    let scope = Scope::Domain {
        account: acct,
        domain: dom,
    };
    let state = records
        .get_warmup(&scope)
        .await
        .unwrap()
        .expect("state")
        .value;
    let steps: Vec<(u32, u32)> = state
        .decisions
        .iter()
        .map(|d| (d.from_step, d.to_step))
        .collect();
    assert_eq!(steps, vec![(1, 2), (2, 3), (3, 3)], "{:?}", state.decisions);
}

/// Concurrent rollovers of the same day (two schedulers, Lambda instances) decide it once.
pub async fn concurrent_rollovers_decide_a_day_once<R>(records: &R)
where
    R: crate::testing::AllRecords + Clone,
{
    let settings = crate::settings::Settings {
        timezone: chrono_tz::UTC,
        ..crate::settings::Settings::default()
    };
    let app = crate::testing::sesame_with(records.clone(), settings);
    app.clock.set(t(3600));
    let acct = account("acme");
    let dom = domain("roll.example.com");
    assert_eq!(
        app.reserve_batch(&acct, &dom, 800).await.unwrap().granted,
        500
    );
    app.clock.advance(chrono::Duration::days(1));
    let reports = join_all((0..8).map(|_| app.roll_over_warmups())).await;
    let judged: usize = reports.into_iter().map(|r| r.unwrap().judged).sum();
    assert_eq!(judged, 1, "the day was judged more than once");
    let scope = Scope::Domain {
        account: acct,
        domain: dom,
    };
    let state = records.get_warmup(&scope).await.unwrap().expect("state");
    assert_eq!(state.value.step, 2);
    assert_eq!(state.value.decisions.len(), 1);
    assert_eq!(state.value.decisions[0].action, Action::Advance);
}
