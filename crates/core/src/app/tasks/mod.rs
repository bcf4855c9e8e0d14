//! BatchSendEmail tasks: creating one (every check and error code here), listing, deleting.
//! Running them — starting runs, expanding chunks behind a durable cursor, pausing on the
//! daily quota — is [`run`]; per-recipient rendering at delivery is [`render`].

mod gate;
mod render;
mod run;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

pub use run::TickReport;

use super::Sesame;
use super::content::check_subject;
use super::send::TemplateRef;
use crate::error::{ErrorCode, SesError};
use crate::ports::{
    Cycle, Lists, Ports, ReceiverId, ReceiverStatus, RunCounts, Schedule, ScheduleName, Schedules,
    Sequences, Task, TaskId, TaskQuery, TaskStatus, TaskType, Tasks, Templates,
};
use crate::types::{AccountId, EmailAddress, Mailbox, TemplateId};

/// How batch tasks are expanded.
#[derive(Debug, Clone)]
pub struct TaskSettings {
    /// Daily send quota of an account's batch tasks, per quota day in the API time zone;
    /// 0 = unlimited. (Until the warm-up gate replaces it: see [`gate`].)
    pub daily_quota: u64,
    /// Recipients expanded per chunk (one cursor step).
    pub chunk: u64,
    /// Chunks one [`Sesame::tick`] expands at most, over all tasks.
    pub chunks_per_tick: u64,
}

impl Default for TaskSettings {
    fn default() -> Self {
        Self {
            daily_quota: 0,
            chunk: 1000,
            chunks_per_tick: 50,
        }
    }
}

/// Marker put before (ADLocation 1) or after (2) the subject of an advertising task.
pub const AD_MARKER: &str = "(AD)";

/// A BatchSendEmail request as the API received it; checked by [`Sesame::batch_send_email`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchSendCommand {
    /// `addr` or `Alias <addr>`.
    pub from: String,
    /// `ReceiverId`.
    pub receiver_id: Option<u64>,
    /// Subject (may hold `{{var}}`).
    pub subject: String,
    /// `TaskType`.
    pub task_type: u64,
    /// `ReplyToAddresses`.
    pub reply_to: Option<String>,
    /// `Template`.
    pub template: Option<TemplateRef>,
    /// `Simple` was given (refused: batch tasks send templates).
    pub simple: bool,
    /// Number of `Attachments` given (refused: not supported for batch tasks).
    pub attachments: usize,
    /// `TimedParam.BeginTime`; `Some(None)` when TimedParam came without it.
    pub timed_begin: Option<Option<String>>,
    /// `CycleParam`: BeginTime, IntervalTime, TermCycle.
    pub cycle: Option<(Option<String>, Option<u64>, Option<u64>)>,
    /// `Unsubscribe`.
    pub unsubscribe: Option<String>,
    /// `ADLocation`.
    pub ad_location: Option<u64>,
}

fn missing_send_param() -> SesError {
    SesError::new(
        ErrorCode::MissingParameterSendParamNecessary,
        "FromEmailAddress, ReceiverId and Template are required.",
    )
}

/// Parses `YYYY-MM-DD HH:MM:SS` in the API time zone.
pub(crate) fn parse_api_time(raw: &str, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Begin time and recurrence of a command, checked against `now`.
fn schedule_of(
    cmd: &BatchSendCommand,
    task_type: TaskType,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<(Option<DateTime<Utc>>, Option<Cycle>), SesError> {
    let begin = |raw: &str| {
        let at = parse_api_time(raw, tz).ok_or_else(|| {
            SesError::new(
                ErrorCode::InvalidParameterValueWrongDate,
                "BeginTime must be YYYY-MM-DD HH:MM:SS.",
            )
        })?;
        if at <= now {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueBeginTimeBeforeNow,
                "BeginTime must be in the future.",
            ));
        }
        Ok(at)
    };
    match task_type {
        TaskType::Immediate => Ok((None, None)),
        TaskType::Timed => {
            let Some(Some(raw)) = cmd.timed_begin.as_ref().filter(|b| b.is_some()) else {
                return Err(SesError::new(
                    ErrorCode::MissingParameterTimedParamNecessary,
                    "A timed task needs TimedParam.BeginTime.",
                ));
            };
            Ok((Some(begin(raw)?), None))
        }
        TaskType::Recurring => {
            let Some((Some(raw), Some(hours), term)) = cmd.cycle.as_ref() else {
                return Err(SesError::new(
                    ErrorCode::MissingParameterCycleParamNecessary,
                    "A recurring task needs CycleParam.BeginTime and IntervalTime.",
                ));
            };
            let interval_hours = u32::try_from(*hours)
                .ok()
                .filter(|h| (1..=24 * 366).contains(h))
                .ok_or_else(|| {
                    SesError::new(
                        ErrorCode::InvalidParameterValue,
                        "IntervalTime must be 1 to 8784 hours.",
                    )
                })?;
            let terminated = match term.unwrap_or(0) {
                0 => false,
                1 => true,
                _ => {
                    return Err(SesError::new(
                        ErrorCode::InvalidParameterValue,
                        "TermCycle must be 0 or 1.",
                    ));
                }
            };
            Ok((
                Some(begin(raw)?),
                Some(Cycle {
                    interval_hours,
                    terminated,
                }),
            ))
        }
    }
}

fn check_unsubscribe(raw: Option<&str>) -> Result<String, SesError> {
    let code = raw.filter(|r| !r.is_empty()).unwrap_or("0");
    if code
        .parse::<u8>()
        .is_ok_and(|n| n <= 12 && n.to_string() == code)
    {
        Ok(code.to_owned())
    } else {
        Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            "Unsubscribe must be a string \"0\" to \"12\".",
        ))
    }
}

/// The default TemplateData as a compact JSON object text.
fn check_template_data(raw: &str) -> Result<String, SesError> {
    if raw.trim().is_empty() {
        return Ok("{}".into());
    }
    let data: serde_json::Value = serde_json::from_str(raw).map_err(|_| {
        SesError::new(
            ErrorCode::FailedOperationWrongContentJson,
            "TemplateData is not valid JSON.",
        )
    })?;
    if !data.is_object() {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValueTemplateDataError,
            "TemplateData must be a JSON object of variables.",
        ));
    }
    Ok(data.to_string())
}

/// The schedule that wakes a timed or recurring task at its begin time.
pub fn schedule_name(id: TaskId) -> ScheduleName {
    ScheduleName::parse(&format!("task-{}", id.0)).expect("task schedule names are valid")
}

impl<P: Ports> Sesame<P> {
    /// Creates a batch task and returns its id. Nothing is stored unless every check passed.
    #[tracing::instrument(skip(self, cmd), fields(account = %account), err)]
    pub async fn batch_send_email(
        &self,
        account: &AccountId,
        cmd: BatchSendCommand,
    ) -> Result<TaskId, SesError> {
        let template = match (&cmd.template, cmd.receiver_id) {
            (Some(t), Some(r)) if !cmd.from.trim().is_empty() && r > 0 => t,
            _ => return Err(missing_send_param()),
        };
        if cmd.simple || cmd.attachments > 0 {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValue,
                "BatchSendEmail sends a Template; Simple content and Attachments are not supported.",
            ));
        }
        let task_type = TaskType::from_code(cmd.task_type).ok_or_else(|| {
            SesError::new(
                ErrorCode::InvalidParameterValue,
                "TaskType must be 1, 2 or 3.",
            )
        })?;
        let now = self.now();
        let (begin_at, cycle) = schedule_of(&cmd, task_type, now, self.settings.timezone)?;
        let from = Mailbox::parse(&cmd.from).map_err(|_| {
            SesError::new(
                ErrorCode::FailedOperationIncorrectSender,
                "FromEmailAddress must be `addr` or `Alias <addr>`.",
            )
        })?;
        check_subject(&cmd.subject)?;
        let unsubscribe = check_unsubscribe(cmd.unsubscribe.as_deref())?;
        let ad_location = cmd.ad_location.unwrap_or(0);
        if ad_location > 2 {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValue,
                "ADLocation must be 0, 1 or 2.",
            ));
        }
        let reply_to = match cmd.reply_to.as_deref().filter(|r| !r.is_empty()) {
            Some(r) => Some(EmailAddress::parse(r).map_err(|_| {
                SesError::new(
                    ErrorCode::InvalidParameterValueIllegalEmailAddress,
                    "ReplyToAddresses is not a valid email address.",
                )
            })?),
            None => None,
        };
        let template_data = check_template_data(&template.data)?;
        self.check_sender(account, &from).await?;
        self.check_task_template(account, TemplateId(template.id))
            .await?;
        let receiver_id = ReceiverId(cmd.receiver_id.unwrap_or_default());
        let receiver = self
            .lists
            .get_receiver(account, receiver_id)
            .await?
            .ok_or_else(|| {
                SesError::new(
                    ErrorCode::OperationDeniedReceiverNotExist,
                    "The recipient group does not exist.",
                )
            })?;
        if receiver.status != ReceiverStatus::Ready || receiver.count == 0 {
            return Err(SesError::new(
                ErrorCode::OperationDeniedReceiverStatusError,
                "The recipient group is empty or its upload is not complete.",
            ));
        }

        let id = TaskId(self.sequences.next("task").await?);
        let task = Task {
            account: account.clone(),
            id,
            from: cmd.from.trim().to_owned(),
            receiver: receiver.id,
            receiver_name: receiver.name,
            subject: cmd.subject,
            template_id: TemplateId(template.id),
            template_data,
            task_type,
            begin_at,
            cycle,
            unsubscribe,
            ad_location,
            reply_to,
            status: TaskStatus::Pending,
            err_msg: String::new(),
            created_at: now,
            updated_at: now,
            run: 0,
            cursor: 0,
            end_seq: 0,
            counts: RunCounts::default(),
            next_run_at: begin_at,
            wake_at: Some(begin_at.unwrap_or(now)),
            deleted: false,
            revision: 0,
        };
        self.tasks.create_task(&task).await?;
        if let Some(first) = begin_at {
            self.put_task_schedule(&task, first).await;
        }
        tracing::info!(task_id = %id, task_type = task_type.code(), "batch task created");
        Ok(id)
    }

    /// A page of the account's tasks (ListSendTasks), newest first, and the number matching.
    pub async fn list_send_tasks(&self, query: &TaskQuery) -> Result<(Vec<Task>, u64), SesError> {
        Ok(self.tasks.list_tasks(query).await?)
    }

    /// One task of the account (deleted ones are not found).
    pub async fn get_send_task(&self, account: &AccountId, id: TaskId) -> Result<Task, SesError> {
        match self.tasks.get_task(account, id).await? {
            Some(task) if !task.deleted => Ok(task),
            _ => Err(SesError::new(
                ErrorCode::ResourceNotFound,
                "The task does not exist.",
            )),
        }
    }

    /// Deletes a task (a Sesame extension): it never runs again and disappears from listings;
    /// deliveries already made into jobs still go out. Its schedule is removed.
    #[tracing::instrument(skip(self), fields(account = %account), err)]
    pub async fn delete_send_task(&self, account: &AccountId, id: TaskId) -> Result<(), SesError> {
        loop {
            let mut task = self.get_send_task(account, id).await?;
            task.deleted = true;
            task.wake_at = None;
            task.updated_at = self.now();
            task.revision += 1;
            if self.tasks.update_task(&task).await? {
                break;
            }
        }
        if let Err(e) = self.schedules.delete(&schedule_name(id)).await {
            tracing::warn!(error = %e, task_id = %id, "deleting the task's schedule failed");
        }
        Ok(())
    }

    async fn check_task_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<(), SesError> {
        let template = self.templates.get(account, id).await?.ok_or_else(|| {
            SesError::new(
                ErrorCode::FailedOperationInvalidTemplateID,
                "The template does not exist.",
            )
        })?;
        if template.status != 0 {
            return Err(SesError::new(
                ErrorCode::OperationDeniedTemplateStatusError,
                "The template is not approved.",
            ));
        }
        Ok(())
    }

    /// Creates (or replaces) the schedule that fires at the task's next start. The tick finds
    /// due tasks by `wake_at` anyway, so a failure here only costs promptness: logged.
    async fn put_task_schedule(&self, task: &Task, first: DateTime<Utc>) {
        let schedule = Schedule {
            name: schedule_name(task.id),
            first,
            every_hours: task
                .cycle
                .and_then(|c| std::num::NonZeroU32::new(c.interval_hours)),
            until: None,
            payload: serde_json::json!({"v": 1, "kind": "task", "task_id": task.id.0.to_string()})
                .to_string(),
        };
        if let Err(e) = self.schedules.put(&schedule).await {
            tracing::warn!(error = %e, task_id = %task.id, "creating the task's schedule failed");
        }
    }
}
