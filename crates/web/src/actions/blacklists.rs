//! ListBlackEmailAddress, DeleteBlackList, CreateCustomBlacklist, ListCustomBlacklist,
//! UpdateCustomBlackList, DeleteCustomBlackList and the four AddressUnsubscribeConfig
//! actions (reference §4.10).

use serde::Deserialize;
use serde_json::{Value, json};

use sesame_core::ports::Ports;
use sesame_core::types::AccountId;
use sesame_core::{ErrorCode, SesError, Sesame};

use crate::wire::{datetime, parse};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListBouncesReq {
    start_date: String,
    end_date: String,
    limit: u64,
    offset: u64,
    email_address: Option<String>,
    #[serde(rename = "TaskID")]
    _task_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct DeleteBouncesReq {
    email_address_list: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CreateCustomReq {
    emails: Option<Vec<String>>,
    expire_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListCustomReq {
    offset: u64,
    limit: u64,
    status: u64,
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct UpdateCustomReq {
    id: u64,
    email: String,
    expire_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct DeleteCustomReq {
    emails: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct UnsubscribeReq {
    address: String,
    unsubscribe_config: String,
    status: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListUnsubscribeReq {
    offset: Option<u64>,
    /// A string on the wire (reference §8 quirk 2).
    limit: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct DeleteUnsubscribeReq {
    address: Option<String>,
}

fn emails_necessary() -> SesError {
    SesError::new(
        ErrorCode::MissingParameterEmailsNecessary,
        "At least one address is required.",
    )
}

pub(super) async fn list_bounces<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: ListBouncesReq = parse(body)?;
    let (entries, total) = app
        .list_bounce_blacklist(
            account,
            &req.start_date,
            &req.end_date,
            req.offset,
            req.limit,
            req.email_address,
        )
        .await?;
    let tz = app.settings.timezone;
    let list: Vec<Value> = entries
        .iter()
        .map(|b| {
            json!({
                "BounceTime": datetime(b.bounced_at, tz),
                "EmailAddress": b.email.as_str(),
                "IspDesc": b.reason,
            })
        })
        .collect();
    Ok(json!({ "BlackList": list, "TotalCount": total }))
}

pub(super) async fn delete_bounces<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: DeleteBouncesReq = parse(body)?;
    app.delete_bounce_blacklist(account, &req.email_address_list)
        .await?;
    Ok(json!({}))
}

pub(super) async fn create_custom<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: CreateCustomReq = parse(body)?;
    let emails = req.emails.ok_or_else(emails_necessary)?;
    let report = app
        .create_custom_blacklist(account, &emails, req.expire_date.as_deref())
        .await?;
    Ok(json!({
        "TotalCount": report.total,
        "ValidCount": report.valid,
        "TooLongCount": report.too_long,
        "RepeatCount": report.repeat,
        "InvalidCount": report.invalid,
    }))
}

pub(super) async fn list_custom<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: ListCustomReq = parse(body)?;
    let (entries, total) = app
        .list_custom_blacklist(account, req.offset, req.limit, req.status, req.email)
        .await?;
    let (tz, today) = (app.settings.timezone, app.today());
    let data: Vec<Value> = entries
        .iter()
        .map(|c| {
            json!({
                "Id": c.id,
                "Email": c.email.as_str(),
                "CreateTime": datetime(c.created_at, tz),
                "ExpireDate": c.expire_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
                "Status": u64::from(c.is_active(today)),
            })
        })
        .collect();
    Ok(json!({ "TotalCount": total, "Data": data }))
}

pub(super) async fn update_custom<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: UpdateCustomReq = parse(body)?;
    app.update_custom_blacklist(account, req.id, &req.email, req.expire_date.as_deref())
        .await?;
    Ok(json!({}))
}

pub(super) async fn delete_custom<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: DeleteCustomReq = parse(body)?;
    let emails = req.emails.ok_or_else(emails_necessary)?;
    app.delete_custom_blacklist(account, &emails).await?;
    Ok(json!({}))
}

pub(super) async fn create_unsubscribe<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: UnsubscribeReq = parse(body)?;
    app.create_unsubscribe_config(account, &req.address, &req.unsubscribe_config, req.status)
        .await?;
    Ok(json!({}))
}

pub(super) async fn update_unsubscribe<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: UnsubscribeReq = parse(body)?;
    app.update_unsubscribe_config(account, &req.address, &req.unsubscribe_config, req.status)
        .await?;
    Ok(json!({}))
}

pub(super) async fn list_unsubscribe<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: ListUnsubscribeReq = parse(body)?;
    let limit = match req.limit.as_deref().map(str::trim) {
        None | Some("") => 10,
        Some(raw) => raw.parse::<u64>().map_err(|_| {
            SesError::new(
                ErrorCode::InvalidParameterValue,
                "Limit must be a number in a string, e.g. \"10\".",
            )
        })?,
    };
    let (configs, total) = app
        .list_unsubscribe_configs(account, req.offset.unwrap_or(0), limit)
        .await?;
    let list: Vec<Value> = configs
        .iter()
        .map(|c| {
            json!({
                "Address": c.address.as_str(),
                "UnsubscribeConfig": c.language,
                "Status": u64::from(c.enabled),
            })
        })
        .collect();
    Ok(json!({ "AddressUnsubscribeConfigList": list, "Total": total }))
}

pub(super) async fn delete_unsubscribe<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: DeleteUnsubscribeReq = parse(body)?;
    let address = req
        .address
        .filter(|a| !a.is_empty())
        .ok_or_else(|| SesError::new(ErrorCode::MissingParameter, "Address is required."))?;
    app.delete_unsubscribe_config(account, &address).await?;
    Ok(json!({}))
}
