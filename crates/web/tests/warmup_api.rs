//! Warm-up over the API: ListEmailIdentities' quota fields and the extension actions
//! (GetWarmupStatus, ListWarmupPlans, CreateWarmupPlan, AssignWarmupPlan).

mod common;

use common::Harness;
use serde_json::json;
use sesame_core::settings::Settings;
use sesame_core::types::AccountId;
use sesame_core::warmup::{PoolInfo, PoolName, WarmupSettings};

fn settings(operator: bool) -> Settings {
    let mut warmup = WarmupSettings::default();
    warmup.pools[0].send_ips = vec!["relay.example.net".into()];
    warmup.pools.push(PoolInfo {
        name: PoolName::parse("dedicated").unwrap(),
        send_ips: vec!["192.0.2.10".into()],
    });
    if operator {
        warmup.operators.push(AccountId::parse("acme").unwrap());
    }
    Settings {
        warmup,
        ..Settings::default()
    }
}

async fn harness(operator: bool) -> Harness {
    let h = Harness::with_settings("acme", settings(operator)).await;
    h.ok(
        "CreateEmailIdentity",
        json!({"EmailIdentity": "mail.example.com"}),
    )
    .await;
    h
}

#[tokio::test]
async fn list_email_identities_reports_the_warm_up_step_quota_and_pool_hosts() {
    let h = harness(false).await;
    let listed = h.ok("ListEmailIdentities", json!({})).await;
    let row = &listed["EmailIdentities"][0];
    assert_eq!(row["CurrentReputationLevel"], 1, "{listed}");
    assert_eq!(row["DailyQuota"], 500);
    assert_eq!(row["SendIp"], json!(["relay.example.net"]));
    assert_eq!(listed["MaxReputationLevel"], 1);
    assert_eq!(listed["MaxDailyQuota"], 500);
    let account = AccountId::parse("acme").unwrap();
    let domain = sesame_core::types::Domain::parse("mail.example.com").unwrap();
    h.app
        .bind_pool(&account, Some(&domain), Some("dedicated"))
        .await
        .unwrap();
    let listed = h.ok("ListEmailIdentities", json!({})).await;
    assert_eq!(
        listed["EmailIdentities"][0]["SendIp"],
        json!(["192.0.2.10"])
    );
}

#[tokio::test]
async fn get_warmup_status_shows_the_day_and_the_forecast_of_a_backlog() {
    let h = harness(false).await;
    let status = h.ok("GetWarmupStatus", json!({"Backlog": 100000})).await;
    let scopes = status["Scopes"].as_array().unwrap();
    assert_eq!(scopes.len(), 1, "{status}");
    let s = &scopes[0];
    assert_eq!(s["Scope"], "domain");
    assert_eq!(s["Name"], "mail.example.com");
    assert_eq!(s["Account"], "acme");
    assert_eq!(s["Pool"], "shared");
    assert_eq!(s["Plan"], "standard");
    assert_eq!(
        (s["Step"].clone(), s["PlanSteps"].clone()),
        (json!(1), json!(20))
    );
    assert_eq!(
        (
            s["DailyQuota"].clone(),
            s["Used"].clone(),
            s["Remaining"].clone()
        ),
        (json!(500), json!(0), json!(500))
    );
    assert_eq!(s["LastDecision"], json!(null));
    assert!(
        s["NextRollover"].as_str().unwrap().ends_with("00:00:00"),
        "{s}"
    );
    let sends: Vec<u64> = s["Forecast"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["Send"].as_u64().unwrap())
        .collect();
    assert_eq!(sends, [500, 1000, 2000, 5000, 10000, 20000, 40000, 21500]);
    // Another account sees nothing of acme's.
    let (id, key) = h.other_account("bob").await;
    let other = h
        .send(h.signed_with(&id, &key, "GetWarmupStatus", b"{}"))
        .await;
    assert_eq!(
        other.body["Response"]["Scopes"],
        json!([]),
        "{:?}",
        other.body
    );
}

#[tokio::test]
async fn plans_are_created_and_assigned_by_operator_accounts_only() {
    let h = harness(false).await;
    let refused = h
        .call(
            "CreateWarmupPlan",
            json!({"PlanName": "fast", "Steps": [5000]}),
        )
        .await;
    assert_eq!(refused.code(), "UnauthorizedOperation");
    let refused = h
        .call(
            "AssignWarmupPlan",
            json!({"PlanName": "standard", "EmailIdentity": "mail.example.com"}),
        )
        .await;
    assert_eq!(refused.code(), "UnauthorizedOperation");

    let h = harness(true).await;
    let plan = h
        .ok(
            "CreateWarmupPlan",
            json!({"PlanName": "fast", "Steps": [5000, 50000]}),
        )
        .await;
    assert_eq!(plan["PlanName"], "fast");
    assert_eq!(plan["Steps"], json!([5000, 50000]));
    let plans = h.ok("ListWarmupPlans", json!({})).await;
    assert_eq!(plans["Plans"][0]["PlanName"], "standard");
    assert_eq!(plans["Plans"][1]["PlanName"], "fast");
    let assigned = h
        .ok(
            "AssignWarmupPlan",
            json!({"PlanName": "fast", "EmailIdentity": "mail.example.com"}),
        )
        .await;
    assert_eq!(assigned["PlanName"], "fast");
    assert_eq!(assigned["LastDecision"]["Action"], "plan_changed");
    let listed = h.ok("ListEmailIdentities", json!({})).await;
    assert_eq!(listed["EmailIdentities"][0]["DailyQuota"], 5000);
    h.ok(
        "AssignWarmupPlan",
        json!({"PlanName": "fast", "Pool": "dedicated"}),
    )
    .await;
}

#[tokio::test]
async fn bad_warm_up_requests_get_documented_errors_and_change_nothing() {
    let h = harness(true).await;
    let cases = [
        (
            "GetWarmupStatus",
            json!({"Backlog": "many"}),
            "InvalidParameter",
        ),
        (
            "GetWarmupStatus",
            json!({"Backlog": 2_000_000_000u64}),
            "InvalidParameterValue",
        ),
        ("GetWarmupStatus", json!({"Colour": 1}), "UnknownParameter"),
        ("ListWarmupPlans", json!({"Limit": 1}), "UnknownParameter"),
        (
            "CreateWarmupPlan",
            json!({"Steps": [1]}),
            "MissingParameter",
        ),
        (
            "CreateWarmupPlan",
            json!({"PlanName": "down", "Steps": [10, 5]}),
            "InvalidParameterValue",
        ),
        (
            "CreateWarmupPlan",
            json!({"PlanName": "standard", "Steps": [10]}),
            "InvalidParameterValue",
        ),
        (
            "CreateWarmupPlan",
            json!({"PlanName": "Bad Name", "Steps": [10]}),
            "InvalidParameterValue",
        ),
        (
            "AssignWarmupPlan",
            json!({"PlanName": "nope", "EmailIdentity": "mail.example.com"}),
            "InvalidParameterValue",
        ),
        (
            "AssignWarmupPlan",
            json!({"PlanName": "standard"}),
            "InvalidParameterValue",
        ),
        (
            "AssignWarmupPlan",
            json!({"PlanName": "standard", "EmailIdentity": "mail.example.com", "Pool": "dedicated"}),
            "InvalidParameterValue",
        ),
        (
            "AssignWarmupPlan",
            json!({"PlanName": "standard", "Pool": "shared"}),
            "InvalidParameterValue",
        ),
        (
            "AssignWarmupPlan",
            json!({"PlanName": "standard", "Pool": "ghost"}),
            "InvalidParameterValue",
        ),
        (
            "AssignWarmupPlan",
            json!({"PlanName": "standard", "EmailIdentity": "other.example.com"}),
            "InvalidParameterValue.NotExistDomain",
        ),
        (
            "AssignWarmupPlan",
            json!({"PlanName": "standard", "EmailIdentity": "not a domain"}),
            "InvalidParameterValue.InvalidEmailIdentity",
        ),
    ];
    for (action, body, code) in cases {
        let answer = h.call(action, body.clone()).await;
        assert_eq!(answer.code(), code, "{action} {body}: {:?}", answer.body);
        assert_eq!(answer.status, 200);
    }
    let plans = h.ok("ListWarmupPlans", json!({})).await;
    assert_eq!(
        plans["Plans"].as_array().unwrap().len(),
        1,
        "nothing was created"
    );
    let listed = h.ok("ListEmailIdentities", json!({})).await;
    assert_eq!(listed["EmailIdentities"][0]["DailyQuota"], 500);
}
