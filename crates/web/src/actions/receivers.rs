//! CreateReceiver, CreateReceiverDetail, CreateReceiverDetailWithData, ListReceivers,
//! ListReceiverDetails, DeleteReceiver (reference §4.9).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};

use sesame_core::app::{UploadReport, UploadRow};
use sesame_core::ports::{DetailQuery, Ports, ReceiverId};
use sesame_core::types::AccountId;
use sesame_core::{ErrorCode, SesError, Sesame};

use crate::wire::{datetime, parse};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CreateReq {
    receivers_name: String,
    desc: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct DetailReq {
    receiver_id: Option<u64>,
    emails: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct InputData {
    email: String,
    template_data: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct DetailWithDataReq {
    receiver_id: Option<u64>,
    datas: Option<Vec<InputData>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListReq {
    offset: u64,
    limit: u64,
    status: Option<u64>,
    key_word: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListDetailsReq {
    receiver_id: Option<u64>,
    offset: u64,
    limit: u64,
    email: Option<String>,
    create_time_begin: Option<String>,
    create_time_end: Option<String>,
    status: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct IdReq {
    receiver_id: Option<u64>,
}

fn receiver_id(id: Option<u64>) -> Result<ReceiverId, SesError> {
    id.map(ReceiverId).ok_or_else(|| {
        SesError::new(
            ErrorCode::MissingParameterReceiverIdNecessary,
            "ReceiverId is required.",
        )
    })
}

fn emails_necessary() -> SesError {
    SesError::new(
        ErrorCode::MissingParameterEmailsNecessary,
        "At least one address is required.",
    )
}

fn counters(report: UploadReport) -> Value {
    json!({
        "TotalCount": report.total,
        "ValidCount": report.valid,
        "TooLongCount": report.too_long,
        "EmptyEmailCount": report.empty,
        "RepeatCount": report.repeat,
    })
}

pub(super) async fn create<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: CreateReq = parse(body)?;
    let id = app
        .create_receiver(
            account,
            &req.receivers_name,
            req.desc.as_deref().unwrap_or(""),
        )
        .await?;
    Ok(json!({ "ReceiverId": id.0 }))
}

pub(super) async fn create_detail<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: DetailReq = parse(body)?;
    let id = receiver_id(req.receiver_id)?;
    let rows: Vec<UploadRow> = req
        .emails
        .ok_or_else(emails_necessary)?
        .into_iter()
        .map(|email| UploadRow {
            email,
            template_data: None,
        })
        .collect();
    let report = app
        .upload_receiver_details(account, id, rows, false)
        .await?;
    Ok(counters(report))
}

pub(super) async fn create_detail_with_data<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: DetailWithDataReq = parse(body)?;
    let id = receiver_id(req.receiver_id)?;
    let rows: Vec<UploadRow> = req
        .datas
        .ok_or_else(emails_necessary)?
        .into_iter()
        .map(|d| UploadRow {
            email: d.email,
            template_data: Some(d.template_data),
        })
        .collect();
    let report = app.upload_receiver_details(account, id, rows, true).await?;
    Ok(counters(report))
}

pub(super) async fn list<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: ListReq = parse(body)?;
    let (groups, total) = app
        .list_receivers(account, req.offset, req.limit, req.status, req.key_word)
        .await?;
    let tz = app.settings.timezone;
    let data: Vec<Value> = groups
        .iter()
        .map(|g| {
            json!({
                "ReceiverId": g.id.0,
                "ReceiversName": g.name,
                "Count": g.count,
                "Desc": g.desc,
                "ReceiversStatus": g.status.code(),
                "CreateTime": datetime(g.created_at, tz),
                "InvalidCount": g.invalid_count,
            })
        })
        .collect();
    Ok(json!({ "TotalCount": total, "Data": data }))
}

/// A `CreateTimeBegin`/`CreateTimeEnd` value in the API time zone: `YYYY-MM-DD HH:MM:SS`, or a
/// bare date meaning the start of that day (begin) or the end of it (end, inclusive).
fn bound(raw: Option<String>, tz: Tz, end: bool) -> Result<Option<DateTime<Utc>>, SesError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    let raw = raw.trim();
    let local = if let Ok(at) = NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S") {
        if end {
            at + chrono::Duration::seconds(1)
        } else {
            at
        }
    } else if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let day = if end {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        day.and_hms_opt(0, 0, 0).unwrap_or_default()
    } else {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValueWrongDate,
            "CreateTimeBegin and CreateTimeEnd must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.",
        ));
    };
    Ok(Some(tz.from_local_datetime(&local).earliest().map_or_else(
        || local.and_utc(),
        |t| t.with_timezone(&Utc),
    )))
}

pub(super) async fn list_details<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: ListDetailsReq = parse(body)?;
    let tz = app.settings.timezone;
    let valid = match req.status {
        None | Some(0) => None,
        Some(1) => Some(true),
        Some(2) => Some(false),
        Some(_) => {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValue,
                "Status must be 1 (valid) or 2 (invalid).",
            ));
        }
    };
    let query = DetailQuery {
        account: account.clone(),
        receiver: receiver_id(req.receiver_id)?,
        email: req.email.filter(|e| !e.is_empty()),
        from: bound(req.create_time_begin, tz, false)?,
        until: bound(req.create_time_end, tz, true)?,
        valid,
        offset: req.offset,
        limit: req.limit,
    };
    let page = app.list_receiver_details(query).await?;
    let data: Vec<Value> = page
        .rows
        .iter()
        .map(|d| {
            json!({
                "EmailId": d.seq,
                "Email": d.email,
                "CreateTime": datetime(d.created_at, tz),
                "TemplateData": d.template_data.as_deref().unwrap_or(""),
                "Reason": d.invalid_reason.as_deref().unwrap_or(""),
                "Status": if d.invalid_reason.is_some() { 2 } else { 1 },
            })
        })
        .collect();
    Ok(json!({
        "TotalCount": page.total,
        "Data": data,
        "ValidCount": page.valid,
        "InvalidCount": page.invalid,
    }))
}

pub(super) async fn delete<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: IdReq = parse(body)?;
    app.delete_receiver(account, receiver_id(req.receiver_id)?)
        .await?;
    Ok(json!({}))
}
