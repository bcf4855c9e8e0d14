//! Running batch tasks: the scheduler tick starts due runs and expands active ones chunk by
//! chunk behind a durable cursor.
//!
//! One chunk: read the next rows after the cursor → skip invalid and suppressed rows →
//! reserve quota for the rest → write their deliveries (insert-if-absent) → enqueue the new
//! ones → advance cursor and counts by compare-and-set. A crash anywhere before the last step
//! leaves the cursor where it was; the repeat finds the written deliveries present, counts
//! them without enqueueing them again (the stale sweep enqueues jobs that were lost) and gives
//! back the quota it reserved for them. Work per tick is bounded by the chunk size, so a day
//! with a quota of 500 reads about 500 rows of a list of millions.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::super::Sesame;
use super::super::statistics::{StatEvent, dims};
use super::{AD_MARKER, schedule_name};
use crate::error::SesError;
use crate::model::{DeliverStatus, Delivery, Message, SendStatus};
use crate::ports::{
    CounterKey, Counters, Events, Lists, Ports, ReceiverDetail, ReceiverStatus, RunCounts,
    Schedules, Task, TaskDelivery, TaskStatus, TaskType, Tasks, Templates, next_after,
};
use crate::types::{AccountId, EmailAddress, Mailbox};
use crate::warmup::{next_rollover, quota_day};

/// What one tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TickReport {
    /// Runs started.
    pub started: u64,
    /// Recipients turned into delivery jobs.
    pub expanded: u64,
    /// Rows skipped (invalid or suppressed).
    pub skipped: u64,
    /// Group rows read.
    pub rows_read: u64,
    /// Runs that paused for the rest of the quota day.
    pub paused: u64,
    /// Runs completed.
    pub completed: u64,
    /// The chunk budget ran out with work left: tick again soon.
    pub more: bool,
}

/// Why a row is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Send,
    Invalid,
    CustomBlacklisted,
    BounceBlacklisted,
    Unsubscribed,
}

/// Suppression checks go to the store in groups of this size.
const BLOCKS_BATCH: usize = 100;
/// Tasks looked at per round of a tick.
const DUE_PAGE: u64 = 100;
/// How long a run waits for a group whose upload is still running.
const UPLOAD_WAIT: chrono::Duration = chrono::Duration::seconds(60);

impl<P: Ports> Sesame<P> {
    /// One scheduler tick: starts every due run and expands active runs a chunk at a time,
    /// round after round, until nothing is due or `chunks_per_tick` chunks were expanded.
    /// Safe to call from any number of processes at once (every step is a compare-and-set).
    #[tracing::instrument(skip(self), err)]
    pub async fn tick(&self) -> Result<TickReport, SesError> {
        let mut state = TickState::default();
        let result = self.run_tick(&mut state).await;
        self.flush_counts(state.counts).await;
        result
    }

    async fn run_tick(&self, state: &mut TickState) -> Result<TickReport, SesError> {
        let now = self.now();
        let mut report = TickReport::default();
        let mut budget = self.settings.tasks.chunks_per_tick.max(1);
        // Bounded even if a store kept refusing every compare-and-set.
        for _round in 0..budget + 2 {
            let due = self.tasks.due_tasks(now, DUE_PAGE).await?;
            let mut progressed = false;
            for task in due {
                if budget == 0 {
                    report.more = true;
                    return Ok(report);
                }
                let id = task.id;
                match self.step(task, now, state, &mut report).await {
                    Ok(Step::Chunk) => {
                        budget -= 1;
                        progressed = true;
                    }
                    Ok(Step::Changed) => progressed = true,
                    Ok(Step::Idle) => {}
                    Err(e) => tracing::warn!(error = %e, task_id = %id, "task step failed"),
                }
            }
            if !progressed {
                return Ok(report);
            }
        }
        report.more = true;
        Ok(report)
    }

    async fn step(
        &self,
        task: Task,
        now: DateTime<Utc>,
        state: &mut TickState,
        report: &mut TickReport,
    ) -> Result<Step, SesError> {
        if task.deleted {
            return self.settle(task, now, |t| t.wake_at = None).await;
        }
        match task.status {
            TaskStatus::Pending => self.start_run(task, now, report).await,
            TaskStatus::Done if task.cycle.is_some_and(|c| !c.terminated) => {
                self.start_run(task, now, report).await
            }
            TaskStatus::Sending | TaskStatus::PausedToday => {
                if state.exhausted.contains(&exhaustion_key(&task)) {
                    return self.pause(task, now, report).await;
                }
                self.expand_chunk(task, now, state, report).await
            }
            TaskStatus::Done | TaskStatus::Error => {
                self.settle(task, now, |t| t.wake_at = None).await
            }
        }
    }

    /// Writes a small change (no expansion) by compare-and-set.
    async fn settle(
        &self,
        mut task: Task,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Task),
    ) -> Result<Step, SesError> {
        change(&mut task);
        task.updated_at = now;
        task.revision += 1;
        self.tasks.update_task(&task).await?;
        Ok(Step::Changed)
    }

    fn fail(task: &mut Task, why: &str) {
        task.status = TaskStatus::Error;
        task.err_msg = why.to_owned();
        task.wake_at = None;
    }

    /// Starts the next run: a fresh cursor and counts over the group as it is now, and the
    /// run's message (unrendered template content, rendered per recipient at delivery).
    async fn start_run(
        &self,
        mut task: Task,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<Step, SesError> {
        let receiver = self
            .lists
            .get_receiver(&task.account, task.receiver)
            .await?;
        let receiver = match receiver {
            None => {
                return self
                    .settle(task, now, |t| {
                        Self::fail(t, "The recipient group no longer exists.")
                    })
                    .await;
            }
            Some(r) if r.status == ReceiverStatus::Uploading => {
                return self
                    .settle(task, now, |t| t.wake_at = Some(now + UPLOAD_WAIT))
                    .await;
            }
            Some(r) if r.count == 0 => {
                return self
                    .settle(task, now, |t| {
                        Self::fail(t, "The recipient group is empty.")
                    })
                    .await;
            }
            Some(r) => r,
        };
        let template = self.templates.get(&task.account, task.template_id).await?;
        let Some(template) = template.filter(|t| t.status == 0) else {
            return self
                .settle(task, now, |t| {
                    Self::fail(t, "The template no longer exists or is not approved.")
                })
                .await;
        };
        let Ok(from) = Mailbox::parse(&task.from) else {
            return self
                .settle(task, now, |t| {
                    Self::fail(t, "The sender address is invalid.")
                })
                .await;
        };
        let run = task.run + 1;
        let message = Message {
            account: task.account.clone(),
            id: task.run_message_id(run),
            from,
            header_from: None,
            reply_to: task.reply_to.clone(),
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            subject: ad_subject(&task.subject, task.ad_location),
            html: template.html,
            text: template.text,
            attachments: Vec::new(),
            headers: Vec::new(),
            smtp_message_id: None,
            trigger_type: 0,
            unsubscribe: task.unsubscribe.clone(),
            template_id: Some(task.template_id),
            created_at: now,
        };
        self.tasks.put_run_message(&message).await?;

        task.run = run;
        task.cursor = 0;
        task.end_seq = receiver.count;
        task.counts = RunCounts {
            request: receiver.count,
            ..RunCounts::default()
        };
        task.status = TaskStatus::Sending;
        task.err_msg.clear();
        task.next_run_at = match (task.task_type, task.begin_at, task.cycle) {
            (TaskType::Recurring, Some(begin), Some(cycle)) if !cycle.terminated => {
                std::num::NonZeroU32::new(cycle.interval_hours)
                    .and_then(|every| next_after(begin, every, None, now))
            }
            _ => None,
        };
        task.wake_at = Some(now);
        task.updated_at = now;
        task.revision += 1;
        if self.tasks.update_task(&task).await? {
            report.started += 1;
            tracing::info!(task_id = %task.id, run, request = receiver.count, "task run started");
        }
        Ok(Step::Changed)
    }

    async fn pause(
        &self,
        task: Task,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<Step, SesError> {
        let resume = next_rollover(
            quota_day(now, self.settings.timezone),
            self.settings.timezone,
        );
        if task.status != TaskStatus::PausedToday {
            report.paused += 1;
            tracing::info!(task_id = %task.id, remaining = task.remaining(), "daily quota used up; task paused");
        }
        self.settle(task, now, |t| {
            t.status = TaskStatus::PausedToday;
            t.wake_at = Some(resume);
        })
        .await
    }

    /// Expands the next chunk of the current run (see the module docs).
    async fn expand_chunk(
        &self,
        mut task: Task,
        now: DateTime<Utc>,
        state: &mut TickState,
        report: &mut TickReport,
    ) -> Result<Step, SesError> {
        if task.cursor >= task.end_seq {
            return self.complete_run(task, now, report).await;
        }
        let left = self.quota_left(&task, now).await?;
        if left == Some(0) {
            state.exhausted.insert(exhaustion_key(&task));
            return self.pause(task, now, report).await;
        }
        let want = (self.settings.tasks.chunk.max(1))
            .min(task.end_seq - task.cursor)
            .min(left.unwrap_or(u64::MAX));
        let mut rows = self
            .lists
            .details_after(&task.account, task.receiver, task.cursor, want)
            .await?;
        rows.retain(|r| r.seq <= task.end_seq);
        report.rows_read += rows.len() as u64;
        if rows.is_empty() {
            return self
                .settle(task, now, |t| {
                    Self::fail(t, "The recipient group was deleted while the task ran.")
                })
                .await;
        }
        let fates = self.fates(&task, &rows, now).await?;
        let sendable = fates.iter().filter(|f| **f == Fate::Send).count() as u64;
        let granted = self.reserve_for_task(&task, sendable, now).await?;

        // Take rows up to (not including) the first sendable row beyond the grant.
        let mut taken = 0;
        let mut to_send = 0u64;
        for fate in &fates {
            if *fate == Fate::Send {
                if to_send == granted {
                    break;
                }
                to_send += 1;
            }
            taken += 1;
        }
        let batch: Vec<TaskDelivery> = rows[..taken]
            .iter()
            .zip(&fates)
            .filter(|(_, fate)| **fate == Fate::Send)
            .filter_map(|(row, _)| self.task_delivery(&task, row, now))
            .collect();
        let written = if batch.is_empty() {
            Vec::new()
        } else {
            self.tasks.insert_deliveries_if_absent(&batch).await?
        };
        let fresh: Vec<EmailAddress> = batch
            .iter()
            .zip(&written)
            .filter(|(_, new)| **new)
            .map(|(row, _)| row.delivery.recipient.clone())
            .collect();
        let present = batch.len() as u64 - fresh.len() as u64;
        // Rows already written by an interrupted expansion were paid for then.
        self.release_for_task(&task, present, now).await?;
        if !fresh.is_empty() {
            state.count(&task, &fresh, quota_day(now, self.settings.timezone));
            self.enqueue_deliveries(&task.account, &task.run_message_id(task.run), &fresh)
                .await;
        }

        for fate in &fates[..taken] {
            let counts = &mut task.counts;
            match fate {
                Fate::Send => counts.sent += 1,
                Fate::Invalid => counts.invalid += 1,
                Fate::CustomBlacklisted => counts.custom_blacklisted += 1,
                Fate::BounceBlacklisted => counts.bounce_blacklisted += 1,
                Fate::Unsubscribed => counts.unsubscribed += 1,
            }
        }
        if taken > 0 {
            task.cursor = rows[taken - 1].seq;
        }
        let paused = granted < sendable;
        if paused {
            state.exhausted.insert(exhaustion_key(&task));
            task.status = TaskStatus::PausedToday;
            task.wake_at = Some(next_rollover(
                quota_day(now, self.settings.timezone),
                self.settings.timezone,
            ));
        } else {
            task.status = TaskStatus::Sending;
            task.wake_at = Some(now);
        }
        task.updated_at = now;
        task.revision += 1;
        let id = task.id;
        let cursor = task.cursor;
        if self.tasks.update_task(&task).await? {
            report.expanded += batch.len() as u64;
            report.skipped += (taken - batch.len()) as u64;
            if paused {
                report.paused += 1;
                tracing::info!(task_id = %id, cursor, "daily quota used up; task paused");
            }
            if !paused && task.cursor >= task.end_seq {
                self.complete_run(task, now, report).await?;
            }
        }
        Ok(Step::Chunk)
    }

    /// Ends the current run: done, and for a recurring task, asleep until the next run.
    async fn complete_run(
        &self,
        task: Task,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<Step, SesError> {
        let next = task
            .next_run_at
            .filter(|_| task.cycle.is_some_and(|c| !c.terminated));
        let id = task.id;
        let counts = task.counts;
        let mut task = task;
        task.status = TaskStatus::Done;
        task.wake_at = next;
        task.updated_at = now;
        task.revision += 1;
        if self.tasks.update_task(&task).await? {
            report.completed += 1;
            tracing::info!(
                task_id = %id,
                run = task.run,
                sent = counts.sent,
                invalid = counts.invalid,
                suppressed = counts.suppressed(),
                "task run completed"
            );
            if next.is_none()
                && task.begin_at.is_some()
                && let Err(e) = self.schedules.delete(&schedule_name(id)).await
            {
                tracing::warn!(error = %e, task_id = %id, "deleting the task's schedule failed");
            }
        }
        Ok(Step::Changed)
    }

    /// Writes the statistics a tick gathered: one counter write per account, day and
    /// recipient domain, not per recipient or chunk. A failure is logged: statistics never
    /// stop a task (a crash mid-tick loses that tick's counts, never the deliveries).
    async fn flush_counts(&self, counts: BTreeMap<CounterKey, i64>) {
        for (key, n) in counts {
            let deltas = [
                (StatEvent::Requested.counter(), n),
                (StatEvent::Accepted.counter(), n),
            ];
            if let Err(e) = self.counters.add(&key, &deltas).await {
                tracing::warn!(error = %e, "task requests not counted");
            }
        }
    }

    /// Whether each row is sent, or why not.
    async fn fates(
        &self,
        task: &Task,
        rows: &[ReceiverDetail],
        now: DateTime<Utc>,
    ) -> Result<Vec<Fate>, SesError> {
        let today = quota_day(now, self.settings.timezone);
        let sender = Mailbox::parse(&task.from)
            .map(|m| m.address)
            .map_err(|_| SesError::internal())?;
        let mut fates: Vec<Fate> = rows
            .iter()
            .map(|r| match r.address() {
                Some(_) => Fate::Send,
                None => Fate::Invalid,
            })
            .collect();
        let candidates: Vec<(usize, EmailAddress)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.address().map(|a| (i, a)))
            .collect();
        for group in candidates.chunks(BLOCKS_BATCH) {
            let emails: Vec<EmailAddress> = group.iter().map(|(_, a)| a.clone()).collect();
            let blocks = self.lists.blocks(&task.account, &emails).await?;
            for ((index, _), block) in group.iter().zip(blocks) {
                if block.custom.is_some_and(|c| c.is_active(today)) {
                    fates[*index] = Fate::CustomBlacklisted;
                } else if block.bounce.is_some() {
                    fates[*index] = Fate::BounceBlacklisted;
                }
            }
        }
        let (indexes, emails): (Vec<usize>, Vec<EmailAddress>) = candidates
            .into_iter()
            .filter(|(i, _)| fates[*i] == Fate::Send)
            .unzip();
        let gone = self
            .events
            .unsubscribed_among(&task.account, &sender, &emails)
            .await?;
        for (index, unsubscribed) in indexes.into_iter().zip(gone) {
            if unsubscribed {
                fates[index] = Fate::Unsubscribed;
            }
        }
        Ok(fates)
    }

    fn task_delivery(
        &self,
        task: &Task,
        row: &ReceiverDetail,
        now: DateTime<Utc>,
    ) -> Option<TaskDelivery> {
        let recipient = row.address()?;
        Some(TaskDelivery {
            delivery: Delivery {
                account: task.account.clone(),
                message_id: task.run_message_id(task.run),
                recipient,
                from: task.from.clone(),
                send_status: SendStatus::Ok,
                deliver_status: DeliverStatus::Queued,
                deliver_message: String::new(),
                request_time: now,
                deliver_time: None,
                attempts: 0,
                claimed_until: None,
            },
            data: merged_data(&task.template_data, row.template_data.as_deref()),
        })
    }
}

/// What one tick carries from step to step.
/// Tasks of one account sending from one domain pass through the same quota scopes.
fn exhaustion_key(task: &Task) -> (AccountId, String) {
    let domain = super::gate::sender_domain(task).map_or_else(
        |_| task.from.to_ascii_lowercase(),
        |d| d.as_str().to_owned(),
    );
    (task.account.clone(), domain)
}

#[derive(Default)]
struct TickState {
    /// (account, sender domain) pairs whose daily quota ran out during this tick: younger tasks of
    /// the same scopes do not take what older ones are waiting for (first in, first out).
    exhausted: HashSet<(AccountId, String)>,
    /// `RequestCount`/`AcceptedCount` of recipients this tick made into deliveries.
    counts: BTreeMap<CounterKey, i64>,
}

impl TickState {
    /// Counts recipients that were just written (only fresh rows: a repeated chunk counts
    /// nothing twice).
    fn count(&mut self, task: &Task, recipients: &[EmailAddress], day: chrono::NaiveDate) {
        let Ok(sender) = Mailbox::parse(&task.from) else {
            return;
        };
        for r in recipients {
            let key = CounterKey {
                account: task.account.clone(),
                day,
                dims: dims(sender.address.domain(), r),
            };
            *self.counts.entry(key).or_default() += 1;
        }
    }
}

/// What a step did, for the tick's budget.
enum Step {
    /// A chunk was expanded (or attempted).
    Chunk,
    /// State changed without expansion.
    Changed,
    /// Nothing to do.
    #[allow(dead_code)]
    Idle,
}

/// The subject with the advertising marker where ADLocation puts it.
fn ad_subject(subject: &str, location: u64) -> String {
    match location {
        1 => format!("{AD_MARKER}{subject}"),
        2 => format!("{subject}{AD_MARKER}"),
        _ => subject.to_owned(),
    }
}

/// The task's default TemplateData overlaid with a row's own; `None` when both are empty.
fn merged_data(default: &str, row: Option<&str>) -> Option<String> {
    let parse = |raw: &str| match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let mut data = parse(default);
    if let Some(row) = row {
        data.extend(parse(row));
    }
    (!data.is_empty()).then(|| serde_json::Value::Object(data).to_string())
}
