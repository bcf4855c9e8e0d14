//! BatchSendEmail and ListSendTasks, and two Sesame extensions: DeleteSendTask (stops a task,
//! e.g. a recurring one) and GetSendTask (one task with its current run's skip counts).

use serde::Deserialize;
use serde_json::{Value, json};

use sesame_core::app::{BatchSendCommand, TemplateRef};
use sesame_core::ports::{Ports, ReceiverId, Task, TaskId, TaskQuery, TaskStatus, TaskType};
use sesame_core::types::AccountId;
use sesame_core::{ErrorCode, SesError, Sesame};

use crate::wire::{datetime, parse};

/// Largest `Limit` of ListSendTasks.
const MAX_LIMIT: u64 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateIn {
    #[serde(rename = "TemplateID")]
    template_id: u64,
    #[serde(rename = "TemplateData")]
    template_data: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct TimedIn {
    begin_time: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CycleIn {
    begin_time: Option<String>,
    interval_time: Option<u64>,
    term_cycle: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct BatchReq {
    from_email_address: Option<String>,
    receiver_id: Option<u64>,
    subject: String,
    task_type: Option<u64>,
    reply_to_addresses: Option<String>,
    template: Option<TemplateIn>,
    simple: Option<Value>,
    attachments: Option<Vec<Value>>,
    cycle_param: Option<CycleIn>,
    timed_param: Option<TimedIn>,
    unsubscribe: Option<String>,
    #[serde(rename = "ADLocation")]
    ad_location: Option<u64>,
}

pub(super) async fn batch_send_email<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: BatchReq = parse(body)?;
    let task_type = req
        .task_type
        .ok_or_else(|| SesError::new(ErrorCode::MissingParameter, "TaskType is required."))?;
    let cmd = BatchSendCommand {
        from: req.from_email_address.unwrap_or_default(),
        receiver_id: req.receiver_id,
        subject: req.subject,
        task_type,
        reply_to: req.reply_to_addresses,
        template: req.template.map(|t| TemplateRef {
            id: t.template_id,
            data: t.template_data.unwrap_or_default(),
        }),
        simple: req.simple.is_some(),
        attachments: req.attachments.map_or(0, |a| a.len()),
        timed_begin: req.timed_param.map(|t| t.begin_time),
        cycle: req
            .cycle_param
            .map(|c| (c.begin_time, c.interval_time, c.term_cycle)),
        unsubscribe: req.unsubscribe,
        ad_location: req.ad_location,
    };
    let id = app.batch_send_email(account, cmd).await?;
    Ok(json!({ "TaskId": id.0 }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListReq {
    offset: u64,
    limit: u64,
    status: Option<u64>,
    receiver_id: Option<u64>,
    task_type: Option<u64>,
}

pub(super) async fn list_send_tasks<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: ListReq = parse(body)?;
    if req.limit == 0 || req.limit > MAX_LIMIT {
        return Err(SesError::new(
            ErrorCode::FailedOperationInvalidLimit,
            "Limit must be 1-100.",
        ));
    }
    let status = match req.status {
        None => None,
        Some(code) => Some(TaskStatus::from_code(code).ok_or_else(|| {
            SesError::new(
                ErrorCode::InvalidParameterValue,
                "Status must be 1, 5, 6, 7 or 10.",
            )
        })?),
    };
    let task_type = match req.task_type {
        None => None,
        Some(code) => Some(TaskType::from_code(code).ok_or_else(|| {
            SesError::new(
                ErrorCode::InvalidParameterValue,
                "TaskType must be 1, 2 or 3.",
            )
        })?),
    };
    let query = TaskQuery {
        account: account.clone(),
        status,
        receiver: req.receiver_id.map(ReceiverId),
        task_type,
        offset: req.offset,
        limit: req.limit,
    };
    let (tasks, total) = app.list_send_tasks(&query).await?;
    let tz = app.settings.timezone;
    let data: Vec<Value> = tasks.iter().map(|t| task_data(t, tz)).collect();
    Ok(json!({ "TotalCount": total, "Data": data }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct TaskReq {
    task_id: u64,
}

/// Sesame extension: stops and hides a task.
pub(super) async fn delete_send_task<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: TaskReq = parse(body)?;
    app.delete_send_task(account, TaskId(req.task_id)).await?;
    Ok(json!({}))
}

/// Sesame extension: one task as ListSendTasks shows it, plus its current run: number,
/// rows skipped by reason, next start.
pub(super) async fn get_send_task<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: TaskReq = parse(body)?;
    let task = app.get_send_task(account, TaskId(req.task_id)).await?;
    let tz = app.settings.timezone;
    let c = task.counts;
    Ok(json!({
        "Data": task_data(&task, tz),
        "Run": {
            "RunNumber": task.run,
            "RequestCount": c.request,
            "SendCount": c.sent,
            "InvalidCount": c.invalid,
            "CustomBlacklistedCount": c.custom_blacklisted,
            "BounceBlacklistedCount": c.bounce_blacklisted,
            "UnsubscribedCount": c.unsubscribed,
            "CacheCount": cache_count(&task),
            "NextRunTime": task.next_run_at.filter(|_| task.wake_at.is_some()).map(|t| datetime(t, tz)),
        },
    }))
}

/// Rows of the active run not yet walked; 0 once it ended.
fn cache_count(task: &Task) -> u64 {
    match task.status {
        TaskStatus::Sending | TaskStatus::PausedToday => task.remaining(),
        _ => 0,
    }
}

/// `SendTaskData`.
fn task_data(t: &Task, tz: chrono_tz::Tz) -> Value {
    let begin = t.begin_at.map(|b| datetime(b, tz)).unwrap_or_default();
    let cycle = t.cycle.map(|c| {
        json!({
            "BeginTime": begin,
            "IntervalTime": c.interval_hours,
            "TermCycle": u64::from(c.terminated),
        })
    });
    let timed = (t.task_type == TaskType::Timed).then(|| json!({ "BeginTime": begin }));
    json!({
        "TaskId": t.id.0,
        "FromEmailAddress": t.from,
        "ReceiverId": t.receiver.0,
        "TaskStatus": t.status.code(),
        "TaskType": t.task_type.code(),
        "RequestCount": t.counts.request,
        "SendCount": t.counts.sent,
        "CacheCount": cache_count(t),
        "CreateTime": datetime(t.created_at, tz),
        "UpdateTime": datetime(t.updated_at, tz),
        "Subject": t.subject,
        "Template": {
            "TemplateID": t.template_id.0,
            "TemplateData": t.template_data,
        },
        "CycleParam": cycle,
        "TimedParam": timed,
        "ErrMsg": t.err_msg,
        "ReceiversName": t.receiver_name,
    })
}
