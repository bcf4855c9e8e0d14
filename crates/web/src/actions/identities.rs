//! CreateEmailIdentity, GetEmailIdentity, UpdateEmailIdentity, ListEmailIdentities,
//! DeleteEmailIdentity.

use serde::Deserialize;
use serde_json::{Value, json};

use sesame_core::app::IdentityView;
use sesame_core::ports::Ports;
use sesame_core::types::AccountId;
use sesame_core::{ErrorCode, SesError, Sesame};

use crate::wire::parse;

#[derive(Deserialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Tag {
    tag_key: String,
    tag_value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CreateReq {
    email_identity: String,
    #[serde(rename = "DKIMOption")]
    dkim_option: Option<u64>,
    tag_list: Option<Vec<Tag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct UpdateReq {
    email_identity: String,
    /// The console's flag; it changes nothing here.
    #[serde(rename = "NewAPI")]
    #[allow(dead_code)]
    new_api: Option<bool>,
    #[serde(rename = "DKIMOption")]
    dkim_option: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct NameReq {
    email_identity: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListReq {
    tag_list: Option<Vec<Tag>>,
    limit: Option<u64>,
    offset: Option<u64>,
}

fn tags_json(tags: &[(String, String)]) -> Value {
    tags.iter()
        .map(|(k, v)| json!({ "TagKey": k, "TagValue": v }))
        .collect()
}

fn view_json(view: &IdentityView, with_tags: bool) -> Value {
    let attributes: Vec<Value> = view
        .records
        .iter()
        .map(|r| {
            json!({
                "Type": r.record_type,
                "SendDomain": r.host,
                "ExpectedValue": r.expected,
                "CurrentValue": r.current,
                "Status": r.ok,
            })
        })
        .collect();
    let mut out = json!({
        "IdentityType": "DOMAIN",
        "VerifiedForSendingStatus": view.identity.verified,
        "Attributes": attributes,
        "DKIMOption": view.identity.dkim_option,
    });
    if with_tags {
        out["TagList"] = tags_json(&view.identity.tags);
    }
    out
}

pub(super) async fn create<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: CreateReq = parse(body)?;
    let tags = req
        .tag_list
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.tag_key, t.tag_value))
        .collect();
    let view = app
        .create_identity(account, &req.email_identity, req.dkim_option, tags)
        .await?;
    Ok(view_json(&view, false))
}

pub(super) async fn get<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: NameReq = parse(body)?;
    let view = app.get_identity(account, &req.email_identity).await?;
    Ok(view_json(&view, true))
}

/// Re-checks the domain's DNS records (and rotates DKIM keys when `DKIMOption` changes);
/// answers with the same fields as CreateEmailIdentity.
pub(super) async fn update<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: UpdateReq = parse(body)?;
    let view = app
        .update_identity(account, &req.email_identity, req.dkim_option)
        .await?;
    Ok(view_json(&view, false))
}

pub(super) async fn list<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: ListReq = parse(body)?;
    let limit = req.limit.unwrap_or(100);
    if limit > 100 {
        return Err(SesError::new(
            ErrorCode::FailedOperationInvalidLimit,
            "Limit must not exceed 100.",
        ));
    }
    let wanted: Vec<(String, String)> = req
        .tag_list
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.tag_key, t.tag_value))
        .collect();
    let matching: Vec<_> = app
        .list_identities(account)
        .await?
        .into_iter()
        .filter(|i| wanted.iter().all(|w| i.tags.contains(w)))
        .collect();
    let total = matching.len();
    // CurrentReputationLevel is the warm-up step, DailyQuota its volume, SendIp the hosts of
    // the domain's pool's relays.
    // Every matching domain (at most `max_domains`), so the maxima cover the whole account.
    let mut rows: Vec<Value> = Vec::new();
    for i in &matching {
        let (step, quota, ips) = app.domain_quota(account, &i.domain).await?;
        rows.push(json!({
            "IdentityName": i.domain.as_str(),
            "IdentityType": "DOMAIN",
            "SendingEnabled": i.verified,
            "CurrentReputationLevel": step,
            "DailyQuota": quota,
            "SendIp": ips,
            "TagList": tags_json(&i.tags),
            "DKIMOption": i.dkim_option,
        }));
    }
    let max = |field: &str| {
        rows.iter()
            .filter_map(|r| r[field].as_u64())
            .max()
            .unwrap_or(0)
    };
    let (max_level, max_quota) = (max("CurrentReputationLevel"), max("DailyQuota"));
    let rows: Vec<Value> = rows
        .into_iter()
        .skip(req.offset.unwrap_or(0) as usize)
        .take(limit as usize)
        .collect();
    Ok(json!({
        "EmailIdentities": rows,
        "MaxReputationLevel": max_level,
        "MaxDailyQuota": max_quota,
        "Total": total,
    }))
}

pub(super) async fn delete<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: NameReq = parse(body)?;
    app.delete_identity(account, &req.email_identity).await?;
    Ok(json!({}))
}
