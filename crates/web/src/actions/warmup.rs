//! Sesame extension actions (outside the Tencent action set) for warm-up:
//! `GetWarmupStatus` (any account: its own domains and their dedicated pools),
//! `ListWarmupPlans`, and the operator actions `CreateWarmupPlan` and `AssignWarmupPlan`
//! (only for accounts listed in `SESAME_OPERATOR_ACCOUNTS`).

use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};

use sesame_core::app::{PlanTarget, ScopeStatus};
use sesame_core::ports::Ports;
use sesame_core::types::{AccountId, Domain};
use sesame_core::warmup::{Decision, Plan, PoolName, Scope};
use sesame_core::{ErrorCode, SesError, Sesame};

use crate::wire::{datetime, parse};

/// Largest backlog a forecast is asked for.
const MAX_BACKLOG: u64 = 1_000_000_000;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct StatusReq {
    backlog: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CreatePlanReq {
    plan_name: String,
    steps: Vec<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AssignPlanReq {
    plan_name: String,
    account: Option<String>,
    email_identity: Option<String>,
    pool: Option<String>,
}

fn decision_json(d: &Decision) -> Value {
    json!({
        "Day": d.day.to_string(),
        "Action": d.action,
        "FromStep": d.from_step,
        "ToStep": d.to_step,
        "Used": d.used,
        "Quota": d.quota,
        "Reason": d.reason,
    })
}

/// One scope's status as `GetWarmupStatus` shows it (also what `sesame warmup status --json`
/// prints).
pub fn scope_status_json(s: &ScopeStatus, tz: Tz) -> Value {
    let (kind, name, account) = match &s.scope {
        Scope::Domain { account, domain } => ("domain", domain.to_string(), Some(account)),
        Scope::Pool { pool } => ("pool", pool.to_string(), None),
    };
    let forecast: Vec<Value> = s
        .forecast
        .iter()
        .map(|f| {
            json!({
                "Day": f.day.to_string(),
                "Step": f.step,
                "Quota": f.quota,
                "Send": f.send,
                "Remaining": f.remaining,
            })
        })
        .collect();
    json!({
        "Scope": kind,
        "Name": name,
        "Account": account.map(AccountId::as_str),
        "Pool": s.pool,
        "Plan": s.plan.as_str(),
        "PlanSteps": s.plan_steps,
        "Step": s.step,
        "Warm": s.warm,
        "QuotaDay": s.day.to_string(),
        "DailyQuota": s.quota,
        "Used": s.used,
        "Remaining": s.remaining,
        "NextRollover": datetime(s.next_rollover, tz),
        "LastDecision": s.last_decision.as_ref().map(decision_json),
        "Forecast": forecast,
    })
}

fn plan_json(p: &Plan) -> Value {
    json!({ "PlanName": p.name.as_str(), "Steps": p.steps })
}

fn operator_only<P: Ports>(app: &Sesame<P>, account: &AccountId) -> Result<(), SesError> {
    if app.settings.warmup.operators.contains(account) {
        Ok(())
    } else {
        Err(SesError::new(
            ErrorCode::UnauthorizedOperation,
            "Only operator accounts may manage warm-up plans.",
        ))
    }
}

pub(super) async fn get_status<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: StatusReq = parse(body)?;
    let backlog = req.backlog.unwrap_or(0);
    if backlog > MAX_BACKLOG {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            format!("Backlog must not exceed {MAX_BACKLOG}."),
        ));
    }
    let tz = app.settings.timezone;
    let scopes: Vec<Value> = app
        .warmup_status(Some(account), backlog)
        .await?
        .iter()
        .map(|s| scope_status_json(s, tz))
        .collect();
    Ok(json!({ "Scopes": scopes }))
}

pub(super) async fn list_plans<P: Ports>(
    app: &Sesame<P>,
    _account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let _: EmptyReq = parse(body)?;
    let plans: Vec<Value> = app.list_plans().await?.iter().map(plan_json).collect();
    Ok(json!({ "Plans": plans }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmptyReq {}

pub(super) async fn create_plan<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    operator_only(app, account)?;
    let req: CreatePlanReq = parse(body)?;
    let plan = app.create_plan(&req.plan_name, req.steps).await?;
    Ok(plan_json(&plan))
}

pub(super) async fn assign_plan<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    operator_only(app, account)?;
    let req: AssignPlanReq = parse(body)?;
    let invalid = |m: &str| SesError::new(ErrorCode::InvalidParameterValue, m);
    let target = match (req.email_identity, req.pool) {
        (Some(domain), None) => {
            let owner = match req.account {
                Some(raw) => AccountId::parse(&raw)
                    .map_err(|_| invalid("Account is not an account name."))?,
                None => account.clone(),
            };
            let domain = Domain::parse(&domain).map_err(|_| {
                SesError::new(
                    ErrorCode::InvalidParameterValueInvalidEmailIdentity,
                    "EmailIdentity is not a domain name.",
                )
            })?;
            PlanTarget::Domain(owner, domain)
        }
        (None, Some(pool)) => {
            if req.account.is_some() {
                return Err(invalid("Account goes with EmailIdentity, not with Pool."));
            }
            PlanTarget::Pool(
                PoolName::parse(&pool).map_err(|_| invalid("Pool is not a pool name."))?,
            )
        }
        _ => return Err(invalid("Give exactly one of EmailIdentity and Pool.")),
    };
    let state = app.assign_plan(&req.plan_name, target).await?;
    Ok(json!({
        "PlanName": state.plan.as_str(),
        "Step": state.step,
        "LastDecision": state.last_decision().map(decision_json),
    }))
}
