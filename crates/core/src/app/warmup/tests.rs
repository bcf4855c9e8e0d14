//! Warm-up use-cases over the fakes with a fixed clock: the gate across scopes, transactional
//! counting and its rate limit, plan assignment, pool bindings, the status view, and the
//! 20-day simulation through the real reservation and rollover path.

use chrono::{Duration, TimeZone, Utc};

use super::usage_key;
use crate::Sesame;
use crate::error::ErrorCode;
use crate::ports::QuotaLedger;
use crate::settings::Settings;
use crate::testing::TestPorts;
use crate::types::{AccountId, Domain};
use crate::warmup::{Action, PlanName, PoolInfo, PoolName, STANDARD_STEPS, Scope, WarmupSettings};

use super::PlanTarget;

fn settings() -> Settings {
    let mut warmup = WarmupSettings::default();
    warmup.pools.push(PoolInfo {
        name: PoolName::parse("dedicated").unwrap(),
        send_ips: vec!["192.0.2.10".into(), "192.0.2.11".into()],
    });
    Settings {
        timezone: chrono_tz::Asia::Shanghai,
        warmup,
        ..Settings::default()
    }
}

struct World {
    app: Sesame<TestPorts>,
    account: AccountId,
    domain: Domain,
}

async fn world(settings: Settings) -> World {
    let app = crate::testing::sesame(settings);
    // 2026-03-02 02:00 UTC is 10:00 in Shanghai.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap());
    let account = AccountId::parse("acme").unwrap();
    app.create_identity(&account, "news.example.com", None, vec![])
        .await
        .unwrap();
    World {
        app,
        account,
        domain: Domain::parse("news.example.com").unwrap(),
    }
}

fn domain_scope(w: &World) -> Scope {
    Scope::Domain {
        account: w.account.clone(),
        domain: w.domain.clone(),
    }
}

fn pool_scope() -> Scope {
    Scope::Pool {
        pool: PoolName::parse("dedicated").unwrap(),
    }
}

#[tokio::test]
async fn when_quota_is_used_up_a_batch_gets_only_what_is_left() {
    let w = world(settings()).await;
    let first = w
        .app
        .reserve_batch(&w.account, &w.domain, 300)
        .await
        .unwrap();
    assert_eq!(first.granted, 300);
    let second = w
        .app
        .reserve_batch(&w.account, &w.domain, 300)
        .await
        .unwrap();
    assert_eq!(second.granted, 200);
    assert_eq!(
        w.app.batch_quota_left(&w.account, &w.domain).await.unwrap(),
        0
    );
    let third = w.app.reserve_batch(&w.account, &w.domain, 1).await.unwrap();
    assert_eq!(third.granted, 0);
    assert_eq!(third.scopes, vec![domain_scope(&w)]);
    // A permanently failed message gives its quota back.
    w.app.release_reservation(&first, 10).await;
    assert_eq!(
        w.app
            .reserve_batch(&w.account, &w.domain, 50)
            .await
            .unwrap()
            .granted,
        10
    );
    w.app.release_batch(&w.account, &w.domain, 3).await.unwrap();
    assert_eq!(
        w.app.batch_quota_left(&w.account, &w.domain).await.unwrap(),
        3
    );
}

#[tokio::test]
async fn a_pool_that_grants_less_returns_the_difference_to_the_domain() {
    let w = world(settings()).await;
    w.app
        .bind_pool(&w.account, Some(&w.domain), Some("dedicated"))
        .await
        .unwrap();
    let day = w.app.quota_today();
    // Another domain already used 450 of the pool's 500 today.
    let other = Domain::parse("other.example.com").unwrap();
    w.app
        .create_identity(&w.account, "other.example.com", None, vec![])
        .await
        .unwrap();
    w.app
        .bind_pool(&w.account, Some(&other), Some("dedicated"))
        .await
        .unwrap();
    assert_eq!(
        w.app
            .reserve_batch(&w.account, &other, 450)
            .await
            .unwrap()
            .granted,
        450
    );
    let r = w
        .app
        .reserve_batch(&w.account, &w.domain, 200)
        .await
        .unwrap();
    assert_eq!(r.granted, 50);
    assert_eq!(r.scopes, vec![domain_scope(&w), pool_scope()]);
    let quota = &w.app.quota;
    assert_eq!(
        quota
            .usage(&usage_key(&domain_scope(&w), day))
            .await
            .unwrap(),
        50
    );
    assert_eq!(
        quota.usage(&usage_key(&pool_scope(), day)).await.unwrap(),
        500
    );
}

#[tokio::test]
async fn transactional_mail_is_never_held_but_counts_toward_the_quota() {
    let w = world(settings()).await;
    let r = w
        .app
        .count_transactional(&w.account, &w.domain, 700)
        .await
        .unwrap();
    assert_eq!(r.granted, 700);
    let day = w.app.quota_today();
    assert_eq!(
        w.app
            .quota
            .usage(&usage_key(&domain_scope(&w), day))
            .await
            .unwrap(),
        700
    );
    assert_eq!(
        w.app
            .reserve_batch(&w.account, &w.domain, 10)
            .await
            .unwrap()
            .granted,
        0
    );
}

#[tokio::test]
async fn transactional_rate_limit_answers_frequency_limit_and_counts_nothing() {
    let mut s = settings();
    s.warmup.transactional_per_second = 2;
    s.warmup.transactional_per_minute = 3;
    let w = world(s).await;
    for _ in 0..2 {
        w.app
            .count_transactional(&w.account, &w.domain, 1)
            .await
            .unwrap();
    }
    let err = w
        .app
        .count_transactional(&w.account, &w.domain, 1)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::FailedOperationFrequencyLimit);
    assert!(
        err.message.contains("2 emails per second"),
        "{}",
        err.message
    );
    w.app.clock.advance(Duration::seconds(1));
    w.app
        .count_transactional(&w.account, &w.domain, 1)
        .await
        .unwrap();
    let err = w
        .app
        .count_transactional(&w.account, &w.domain, 1)
        .await
        .unwrap_err();
    assert!(
        err.message.contains("3 emails per minute"),
        "{}",
        err.message
    );
    let day = w.app.quota_today();
    assert_eq!(
        w.app
            .quota
            .usage(&usage_key(&domain_scope(&w), day))
            .await
            .unwrap(),
        3
    );
    // Other accounts have their own window.
    let bob = AccountId::parse("bob").unwrap();
    w.app.count_transactional(&bob, &w.domain, 1).await.unwrap();
}

#[tokio::test]
async fn twenty_days_of_full_sending_reproduce_the_standard_table() {
    let w = world(settings()).await;
    let mut quotas = Vec::new();
    for _ in 0..21 {
        let granted = w
            .app
            .reserve_batch(&w.account, &w.domain, 5_000_000)
            .await
            .unwrap()
            .granted;
        quotas.push(granted);
        let status = &w.app.warmup_status(Some(&w.account), 0).await.unwrap()[0];
        assert_eq!((status.used, status.remaining), (granted, 0));
        w.app.clock.advance(Duration::days(1));
        w.app.roll_over_warmups().await.unwrap();
    }
    let mut expected = STANDARD_STEPS.to_vec();
    expected.push(1_000_000);
    assert_eq!(quotas, expected);
    let status = &w.app.warmup_status(Some(&w.account), 0).await.unwrap()[0];
    assert!(status.warm);
    assert_eq!(status.step, 21);
    assert_eq!(status.last_decision.as_ref().unwrap().action, Action::Hold);
}

#[tokio::test]
async fn quota_days_roll_over_at_local_midnight() {
    let w = world(settings()).await;
    assert_eq!(
        w.app
            .reserve_batch(&w.account, &w.domain, 500)
            .await
            .unwrap()
            .granted,
        500
    );
    // 15:59 UTC is 23:59 in Shanghai: still the same quota day.
    w.app
        .clock
        .set(Utc.with_ymd_and_hms(2026, 3, 2, 15, 59, 0).unwrap());
    assert_eq!(
        w.app
            .reserve_batch(&w.account, &w.domain, 1)
            .await
            .unwrap()
            .granted,
        0
    );
    let status = &w.app.warmup_status(Some(&w.account), 0).await.unwrap()[0];
    assert_eq!(
        status.next_rollover,
        Utc.with_ymd_and_hms(2026, 3, 2, 16, 0, 0).unwrap()
    );
    // 16:00 UTC is midnight: the gate rolls the scope over by itself, even before the
    // scheduler runs, and the full day advanced it.
    w.app
        .clock
        .set(Utc.with_ymd_and_hms(2026, 3, 2, 16, 0, 0).unwrap());
    assert_eq!(
        w.app
            .reserve_batch(&w.account, &w.domain, 5_000)
            .await
            .unwrap()
            .granted,
        1_000
    );
}

#[tokio::test]
async fn a_bad_day_steps_back_and_is_explained() {
    let w = world(settings()).await;
    w.app
        .reserve_batch(&w.account, &w.domain, 500)
        .await
        .unwrap();
    w.app.clock.advance(Duration::days(1));
    w.app.roll_over_warmups().await.unwrap();
    w.app
        .reserve_batch(&w.account, &w.domain, 1_000)
        .await
        .unwrap();
    for _ in 0..60 {
        w.app.note_hard_bounce(&w.account, &w.domain).await.unwrap();
    }
    w.app.clock.advance(Duration::days(1));
    let report = w.app.roll_over_warmups().await.unwrap();
    assert_eq!(report.judged, 1);
    let status = &w.app.warmup_status(Some(&w.account), 0).await.unwrap()[0];
    assert_eq!(status.step, 1);
    let decision = status.last_decision.as_ref().unwrap();
    assert_eq!(decision.action, Action::StepBack);
    assert_eq!(
        decision.reason,
        "bad day: hard-bounce rate 6% reached the limit 5%"
    );
}

#[tokio::test]
async fn an_idle_week_falls_back_and_a_missed_scheduler_catches_up() {
    let w = world(settings()).await;
    for _ in 0..5 {
        let q = w
            .app
            .reserve_batch(&w.account, &w.domain, 1_000_000)
            .await
            .unwrap();
        assert!(q.granted > 0);
        w.app.clock.advance(Duration::days(1));
        w.app.roll_over_warmups().await.unwrap();
    }
    // Step 6 now; then nothing for 7 days and no scheduler run in between.
    w.app.clock.advance(Duration::days(7));
    let report = w.app.roll_over_warmups().await.unwrap();
    assert_eq!(report.judged, 7);
    let status = &w.app.warmup_status(Some(&w.account), 0).await.unwrap()[0];
    assert_eq!(status.step, 3);
    let decision = status.last_decision.as_ref().unwrap();
    assert_eq!(decision.action, Action::IdleFallback);
    assert_eq!(decision.reason, "nothing sent for 7 days: back 3 step(s)");
    assert_eq!(
        w.app.roll_over_warmups().await.unwrap().judged,
        0,
        "idempotent"
    );
}

#[tokio::test]
async fn custom_plans_are_assigned_to_domains_and_pools() {
    let w = world(settings()).await;
    let err = w.app.create_plan("fast", vec![10, 5]).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValue);
    let err = w.app.create_plan("standard", vec![1]).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValue);
    w.app
        .create_plan("fast", vec![5_000, 50_000])
        .await
        .unwrap();
    let plans = w.app.list_plans().await.unwrap();
    assert_eq!(plans.len(), 2);
    assert_eq!(plans[0].name, PlanName::standard());
    let target = PlanTarget::Domain(w.account.clone(), w.domain.clone());
    let state = w.app.assign_plan("fast", target).await.unwrap();
    assert_eq!(state.plan.as_str(), "fast");
    assert_eq!(
        w.app
            .reserve_batch(&w.account, &w.domain, 9_000)
            .await
            .unwrap()
            .granted,
        5_000
    );
    let err = w
        .app
        .assign_plan(
            "nope",
            PlanTarget::Pool(PoolName::parse("dedicated").unwrap()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValue);
    let err = w
        .app
        .assign_plan("fast", PlanTarget::Pool(PoolName::shared()))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValue);
    let other = AccountId::parse("bob").unwrap();
    let err = w
        .app
        .assign_plan("fast", PlanTarget::Domain(other, w.domain.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValueNotExistDomain);
    w.app
        .assign_plan(
            "fast",
            PlanTarget::Pool(PoolName::parse("dedicated").unwrap()),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn pool_bindings_follow_domain_then_account_then_shared() {
    let w = world(settings()).await;
    assert!(
        w.app
            .pool_of(&w.account, &w.domain)
            .await
            .unwrap()
            .is_shared()
    );
    w.app
        .bind_pool(&w.account, None, Some("dedicated"))
        .await
        .unwrap();
    assert_eq!(
        w.app.pool_of(&w.account, &w.domain).await.unwrap().as_str(),
        "dedicated"
    );
    w.app
        .bind_pool(&w.account, Some(&w.domain), Some("shared"))
        .await
        .unwrap();
    assert!(
        w.app
            .pool_of(&w.account, &w.domain)
            .await
            .unwrap()
            .is_shared()
    );
    let err = w
        .app
        .bind_pool(&w.account, None, Some("ghost"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValue);
    w.app
        .bind_pool(&w.account, Some(&w.domain), None)
        .await
        .unwrap();
    let (step, quota, ips) = w.app.domain_quota(&w.account, &w.domain).await.unwrap();
    assert_eq!((step, quota), (1, 500));
    assert_eq!(ips, ["192.0.2.10", "192.0.2.11"]);
}

#[tokio::test]
async fn status_shows_quota_use_and_the_forecast_for_a_backlog() {
    let w = world(settings()).await;
    w.app
        .reserve_batch(&w.account, &w.domain, 120)
        .await
        .unwrap();
    let status = w
        .app
        .warmup_status(Some(&w.account), 100_000)
        .await
        .unwrap();
    assert_eq!(status.len(), 1);
    let s = &status[0];
    assert_eq!((s.step, s.quota, s.used, s.remaining), (1, 500, 120, 380));
    assert_eq!(s.pool, "shared");
    assert!(s.last_decision.is_none());
    let sends: Vec<u64> = s.forecast.iter().map(|f| f.send).collect();
    assert_eq!(
        sends,
        [380, 1_000, 2_000, 5_000, 10_000, 20_000, 40_000, 21_620]
    );
    // Another account sees none of it.
    let bob = AccountId::parse("bob").unwrap();
    assert!(
        w.app
            .warmup_status(Some(&bob), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The installation view adds configured dedicated pools.
    let all = w.app.warmup_status(None, 0).await.unwrap();
    let keys: Vec<String> = all.iter().map(|s| s.scope.key()).collect();
    assert_eq!(keys, ["domain/acme/news.example.com", "pool/dedicated"]);
}

#[tokio::test]
async fn send_email_counts_toward_the_quota_and_its_rate_limit_refuses_with_nothing_stored() {
    let mut s = settings();
    s.warmup.transactional_per_second = 1;
    let w = world(s).await;
    w.app
        .trust_identity(&w.account, "news.example.com")
        .await
        .unwrap();
    w.app
        .create_sender(&w.account, "hi@news.example.com", None)
        .await
        .unwrap();
    let command = || crate::app::SendCommand {
        from: "hi@news.example.com".into(),
        destination: vec!["a@example.org".into(), "b@example.org".into()],
        subject: "Hi".into(),
        content: Some(crate::app::Content::Simple {
            html: None,
            text: Some("aGk=".into()),
        }),
        ..crate::app::SendCommand::default()
    };
    w.app.send_email(&w.account, command()).await.unwrap();
    let err = w.app.send_email(&w.account, command()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::FailedOperationFrequencyLimit);
    let day = w.app.quota_today();
    assert_eq!(
        w.app
            .quota
            .usage(&usage_key(&domain_scope(&w), day))
            .await
            .unwrap(),
        2,
        "two recipients of the accepted message, none of the refused one"
    );
    assert_eq!(w.app.queue.len(), 2, "only the accepted message's jobs");
}

#[tokio::test]
async fn complaints_at_the_limit_make_a_bad_day() {
    let w = world(settings()).await;
    w.app
        .reserve_batch(&w.account, &w.domain, 500)
        .await
        .unwrap();
    w.app.clock.advance(Duration::days(1));
    w.app.roll_over_warmups().await.unwrap();
    w.app
        .reserve_batch(&w.account, &w.domain, 1_000)
        .await
        .unwrap();
    // 0.1% of 1,000 sends is one complaint.
    w.app.note_complaint(&w.account, &w.domain).await.unwrap();
    w.app.clock.advance(Duration::days(1));
    w.app.roll_over_warmups().await.unwrap();
    let status = &w.app.warmup_status(Some(&w.account), 0).await.unwrap()[0];
    assert_eq!(status.step, 1);
    let decision = status.last_decision.as_ref().unwrap();
    assert_eq!(
        decision.reason,
        "bad day: complaint rate 0.1% reached the limit 0.1%"
    );
}
