//! GetStatisticsReport, GetAbuseReport and the `IngestFeedback` extension (a raw DSN or ARF
//! message, base64, signed like every other action).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};

use sesame_core::app::{AbuseQuery, StatisticsQuery, Volume};
use sesame_core::ports::Ports;
use sesame_core::types::AccountId;
use sesame_core::{ErrorCode, SesError, Sesame};

use crate::wire::{datetime, parse};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct StatisticsReq {
    start_date: String,
    end_date: String,
    domain: Option<String>,
    receiving_mailbox_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AbuseReq {
    start_time: String,
    end_time: String,
    offset: Option<i64>,
    limit: Option<i64>,
    from_domain: Option<String>,
    from_address: Option<String>,
    mta: Option<String>,
    to_address: Option<String>,
    template_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct IngestReq {
    raw_message: String,
}

/// Largest `Limit` of GetAbuseReport (also its default).
const MAX_ABUSE_LIMIT: i64 = 1000;

fn volume(v: &Volume) -> Value {
    json!({
        "SendDate": v.day.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        "RequestCount": v.requested,
        "AcceptedCount": v.accepted,
        "DeliveredCount": v.delivered,
        "OpenedCount": v.opened,
        "ClickedCount": v.clicked,
        "BounceCount": v.bounced,
        "UnsubscribeCount": v.unsubscribed,
    })
}

pub(super) async fn statistics<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: StatisticsReq = parse(body)?;
    let (days, overall) = app
        .statistics_report(
            account,
            StatisticsQuery {
                start_date: req.start_date,
                end_date: req.end_date,
                domain: req.domain,
                receiving_mailbox_type: req.receiving_mailbox_type,
            },
        )
        .await?;
    Ok(json!({
        "DailyVolumes": days.iter().map(volume).collect::<Vec<_>>(),
        "OverallVolume": volume(&overall),
    }))
}

fn non_negative(value: Option<i64>, field: &str, max: i64) -> Result<Option<u64>, SesError> {
    match value {
        None => Ok(None),
        Some(v) if (0..=max).contains(&v) => Ok(Some(v as u64)),
        Some(_) => Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            format!("{field} must be between 0 and {max}."),
        )),
    }
}

pub(super) async fn abuse_report<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: AbuseReq = parse(body)?;
    let offset = non_negative(req.offset, "Offset", i64::MAX)?.unwrap_or(0);
    let limit = match non_negative(req.limit, "Limit", MAX_ABUSE_LIMIT)? {
        None | Some(0) => MAX_ABUSE_LIMIT as u64,
        Some(l) => l,
    };
    let (rows, total) = app
        .abuse_report(
            account,
            AbuseQuery {
                start: req.start_time,
                end: req.end_time,
                offset,
                limit,
                from_domain: req.from_domain,
                from_address: req.from_address,
                mta: req.mta,
                to_address: req.to_address,
                template_id: req.template_id,
            },
        )
        .await?;
    let tz = app.settings.timezone;
    let data: Vec<Value> = rows
        .iter()
        .map(|c| {
            json!({
                "DeliverTime": c.deliver_time.map(|t| datetime(t, tz)).unwrap_or_default(),
                "OriginalMailFrom": c.from,
                "OriginalRcptTo": c.recipient.as_str(),
                "FromDomain": c.from.rsplit('@').next().unwrap_or_default(),
                "ComplainTime": datetime(c.complained_at, tz),
                "Mta": c.recipient.domain(),
                "SourceIp": c.source_ip,
                "InsertTime": datetime(c.received_at, tz),
                "TemplateId": c.template_id.map(|t| t.to_string()).unwrap_or_default(),
                "BulkId": c.message_id.as_str(),
                "MessageId": c.smtp_message_id,
                "AbuseTime": datetime(c.arrived_at.unwrap_or(c.complained_at), tz),
                "Subject": c.subject,
            })
        })
        .collect();
    Ok(json!({ "Data": data, "TotalCount": total as i64 }))
}

pub(super) async fn ingest<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: IngestReq = parse(body)?;
    let raw = STANDARD
        .decode(req.raw_message.trim().as_bytes())
        .map_err(|_| {
            SesError::new(
                ErrorCode::InvalidParameterValue,
                "RawMessage must be the base64 of an RFC 5322 message.",
            )
        })?;
    let results = app.ingest_feedback(account, &raw).await?;
    let results: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "Kind": r.kind,
                "MessageId": r.message_id.as_ref().map(|m| m.as_str()).unwrap_or_default(),
                "ToEmailAddress": r.recipient.as_ref().map(|m| m.as_str()).unwrap_or_default(),
                "Verdict": r.verdict,
                "Suppressed": r.suppressed,
            })
        })
        .collect();
    Ok(json!({ "Results": results }))
}
