//! The tasks port: BatchSendEmail tasks and the durable cursor that expands them.
//!
//! A task walks its recipient group in `seq` order, one chunk per scheduler tick. Each
//! recurrence is a *run* with its own cursor and counts. Every change to a task is a
//! compare-and-set on its `revision`, so two tickers (two `sesame serve` processes, two Lambda
//! instances) never both advance the same run: the loser re-reads and finds the work done.
//!
//! Expansion writes deliveries with *insert-if-absent* semantics under deterministic keys
//! (message `task-<id>-r<run>`, one delivery per recipient): a chunk expanded again after a
//! crash between writing deliveries and advancing the cursor finds its rows present, so no
//! recipient is skipped (the cursor never moved past unwritten rows) and none is sent twice.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::model::{Delivery, Message};
use crate::ports::ReceiverId;
use crate::types::{AccountId, EmailAddress, MessageId, TemplateId};

/// A task's id (`TaskId`), installation-wide unique (sequence `"task"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaskId(pub u64);

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// `TaskType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaskType {
    /// 1: runs at once.
    Immediate,
    /// 2: runs once at `TimedParam.BeginTime`.
    Timed,
    /// 3: runs at `CycleParam.BeginTime` and every `IntervalTime` hours.
    Recurring,
}

impl TaskType {
    /// Every type, in code order.
    pub const ALL: [TaskType; 3] = [TaskType::Immediate, TaskType::Timed, TaskType::Recurring];

    /// Wire value.
    pub fn code(self) -> u64 {
        match self {
            TaskType::Immediate => 1,
            TaskType::Timed => 2,
            TaskType::Recurring => 3,
        }
    }

    /// Type of a wire value.
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// `TaskStatus` (reference §6.3): every documented code. The wire and the SQLite `status`
/// column hold [`TaskStatus::code`]; a task's JSON body holds the variant name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaskStatus {
    /// 1: not started yet (waiting for its begin time).
    Pending,
    /// 5: a run is expanding.
    Sending,
    /// 6: the day's quota is used up; the run resumes after the quota day rolls over.
    PausedToday,
    /// 7: the run stopped on an error (`err_msg` says which).
    Error,
    /// 10: the last run completed (a recurring task waits for its next run).
    Done,
}

impl TaskStatus {
    /// Every status, in code order.
    pub const ALL: [TaskStatus; 5] = [
        TaskStatus::Pending,
        TaskStatus::Sending,
        TaskStatus::PausedToday,
        TaskStatus::Error,
        TaskStatus::Done,
    ];

    /// Wire value.
    pub fn code(self) -> u64 {
        match self {
            TaskStatus::Pending => 1,
            TaskStatus::Sending => 5,
            TaskStatus::PausedToday => 6,
            TaskStatus::Error => 7,
            TaskStatus::Done => 10,
        }
    }

    /// Status of a wire value.
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Counts of the current run. At run end `request == sent + invalid + suppressed()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunCounts {
    /// Rows of the group when the run started (`RequestCount`).
    pub request: u64,
    /// Recipients turned into delivery jobs (`SendCount`).
    pub sent: u64,
    /// Rows stored invalid at upload, skipped.
    pub invalid: u64,
    /// Skipped: on the account's custom blacklist.
    pub custom_blacklisted: u64,
    /// Skipped: on the account's bounce blacklist.
    pub bounce_blacklisted: u64,
    /// Skipped: unsubscribed from the sender.
    pub unsubscribed: u64,
}

impl RunCounts {
    /// Recipients skipped by suppression.
    pub fn suppressed(&self) -> u64 {
        self.custom_blacklisted + self.bounce_blacklisted + self.unsubscribed
    }

    /// Rows walked so far.
    pub fn processed(&self) -> u64 {
        self.sent + self.invalid + self.suppressed()
    }
}

/// Recurrence of a type-3 task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    /// Period in hours (`IntervalTime`, ≥ 1).
    pub interval_hours: u32,
    /// `TermCycle` = 1: no further run starts.
    pub terminated: bool,
}

/// A BatchSendEmail task and its current run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Owning account.
    pub account: AccountId,
    /// Id.
    pub id: TaskId,
    /// `FromEmailAddress` as given (`addr` or `Alias <addr>`).
    pub from: String,
    /// The recipient group.
    pub receiver: ReceiverId,
    /// The group's name when the task was created (`ReceiversName`).
    pub receiver_name: String,
    /// Subject, unrendered (may hold `{{var}}`).
    pub subject: String,
    /// Template.
    pub template_id: TemplateId,
    /// Default TemplateData (JSON object text); a row's own data overrides its keys.
    pub template_data: String,
    /// Type.
    pub task_type: TaskType,
    /// Begin time of a timed or recurring task.
    pub begin_at: Option<DateTime<Utc>>,
    /// Recurrence of a recurring task.
    pub cycle: Option<Cycle>,
    /// Unsubscribe language code, `"0"` for none.
    pub unsubscribe: String,
    /// `ADLocation`: 0 none, 1 marker before the subject, 2 after.
    pub ad_location: u64,
    /// `ReplyToAddresses`.
    pub reply_to: Option<EmailAddress>,
    /// Status.
    pub status: TaskStatus,
    /// Why the task is in status 7; empty otherwise.
    pub err_msg: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Current run number; 0 before the first run.
    pub run: u32,
    /// Last group row (`seq`) walked by the current run.
    pub cursor: u64,
    /// Last row of the group when the run started: the run walks `1..=end_seq`.
    pub end_seq: u64,
    /// Counts of the current run.
    pub counts: RunCounts,
    /// When the next run starts (recurring tasks).
    pub next_run_at: Option<DateTime<Utc>>,
    /// When the scheduler must next look at the task; `None` when it never needs to again.
    /// Adapters index it (sparsely): [`Tasks::due_tasks`] reads it.
    pub wake_at: Option<DateTime<Utc>>,
    /// Deleted by its owner: invisible to listings, never runs again.
    pub deleted: bool,
    /// Bumped by every write; the compare-and-set token of [`Tasks::update_task`].
    pub revision: u64,
}

impl Task {
    /// The id of the message a run's deliveries belong to.
    pub fn run_message_id(&self, run: u32) -> MessageId {
        MessageId::parse(&format!("task-{}-r{run}", self.id.0)).expect("task message ids are valid")
    }

    /// Rows not yet walked by the current run (`CacheCount` while it is active).
    pub fn remaining(&self) -> u64 {
        self.counts.request.saturating_sub(self.counts.processed())
    }
}

/// Filter and page of ListSendTasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskQuery {
    /// Owning account.
    pub account: AccountId,
    /// Only this status.
    pub status: Option<TaskStatus>,
    /// Only this group.
    pub receiver: Option<ReceiverId>,
    /// Only this type.
    pub task_type: Option<TaskType>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return at most.
    pub limit: u64,
}

/// A delivery to write during expansion, with the per-recipient TemplateData it renders with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDelivery {
    /// The delivery (queued).
    pub delivery: Delivery,
    /// TemplateData for this recipient (the task's default merged with the row's own).
    pub data: Option<String>,
}

/// Durable storage of batch tasks and their expansion.
pub trait Tasks: Send + Sync + 'static {
    /// Stores a new task. A task id that exists is refused with `StoreError::Corrupt`.
    fn create_task(&self, task: &Task) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// One task of the account, deleted or not.
    fn get_task(
        &self,
        account: &AccountId,
        id: TaskId,
    ) -> impl Future<Output = Result<Option<Task>, StoreError>> + Send;

    /// Tasks matching the query, newest (highest id) first, without deleted ones, and the
    /// number matching.
    fn list_tasks(
        &self,
        query: &TaskQuery,
    ) -> impl Future<Output = Result<(Vec<Task>, u64), StoreError>> + Send;

    /// Replaces the task if its stored revision is `task.revision - 1`; returns false (and
    /// writes nothing) when another writer got there first or the task is gone.
    fn update_task(&self, task: &Task) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Up to `limit` tasks of any account whose `wake_at` is at or before `now`, in
    /// ascending id order (first in, first out). Reads only the sparse index of tasks that
    /// need work: the cost is proportional to due tasks, not to all tasks.
    fn due_tasks(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> impl Future<Output = Result<Vec<Task>, StoreError>> + Send;

    /// Stores a run's message unless a message with its id exists in the account (then
    /// nothing is written). Returns whether it was written. Idempotent.
    fn put_run_message(
        &self,
        message: &Message,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Writes each delivery whose (account, message, recipient) does not exist yet, leaving
    /// existing ones untouched, and returns for each row whether it was written. SQLite writes
    /// the chunk in one transaction; DynamoDB in conditional transactions of up to 100 items
    /// (a crash may leave a prefix written, which a repeat finds present). Callers pass at
    /// most 1 000 rows of one message.
    fn insert_deliveries_if_absent(
        &self,
        rows: &[TaskDelivery],
    ) -> impl Future<Output = Result<Vec<bool>, StoreError>> + Send;

    /// The per-recipient TemplateData stored with a task delivery, if any.
    fn delivery_data(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_task_status_maps_to_one_variant_and_back() {
        let table = [
            (1, TaskStatus::Pending),
            (5, TaskStatus::Sending),
            (6, TaskStatus::PausedToday),
            (7, TaskStatus::Error),
            (10, TaskStatus::Done),
        ];
        for (code, status) in table {
            assert_eq!(TaskStatus::from_code(code), Some(status));
            assert_eq!(status.code(), code);
        }
        assert_eq!(TaskStatus::ALL.len(), table.len());
        for code in [0, 2, 3, 4, 8, 9, 11] {
            assert_eq!(TaskStatus::from_code(code), None, "{code}");
        }
    }

    #[test]
    fn every_documented_task_type_maps_to_one_variant_and_back() {
        let table = [
            (1, TaskType::Immediate),
            (2, TaskType::Timed),
            (3, TaskType::Recurring),
        ];
        for (code, kind) in table {
            assert_eq!(TaskType::from_code(code), Some(kind));
            assert_eq!(kind.code(), code);
        }
        assert_eq!(TaskType::ALL.len(), table.len());
        assert_eq!(TaskType::from_code(0), None);
        assert_eq!(TaskType::from_code(4), None);
    }

    #[test]
    fn a_task_status_is_stored_in_a_body_by_its_variant_name() {
        let names: Vec<String> = TaskStatus::ALL
            .iter()
            .map(|s| serde_json::to_string(s).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                r#""Pending""#,
                r#""Sending""#,
                r#""PausedToday""#,
                r#""Error""#,
                r#""Done""#
            ]
        );
    }
}
