//! Checks of batch tasks over a records backend: the [`Tasks`] port itself (in `port`), and the task
//! use-cases (creation checks, the three task types, crash-and-resume of the cursor, racing
//! tickers, the daily quota, suppression, per-recipient content) run on fakes except records,
//! which are the backend's (so the compare-and-set and insert-if-absent of every adapter are
//! exercised by the flows that depend on them).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{Duration as ChronoDuration, NaiveDate, TimeZone, Utc};

use crate::Sesame;
use crate::app::{BatchSendCommand, DeliveryReport, TaskSettings, TemplateInput, TemplateRef};
use crate::error::ErrorCode;
use crate::model::DeliveryJob;
use crate::ports::{
    BounceBlock, Clock, CustomBlock, JobQueue, NewDetail, QuotaKey, QuotaScope, Receiver,
    ReceiverId, ReceiverStatus, Schedules, Task, TaskId, TaskQuery, TaskStatus, UploadStart,
};
use crate::settings::Settings;
use crate::testing::{AllRecords, WithRecords};
use crate::types::{AccountId, EmailAddress};

mod port;
pub use port::*;

struct World<R: AllRecords> {
    app: Sesame<WithRecords<R>>,
    account: AccountId,
    template: u64,
}

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

/// 2024-01-01 10:00 in Asia/Shanghai (the default API time zone).
fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 2, 0, 0).unwrap()
}

async fn world<R: AllRecords + Clone>(records: &R, tasks: TaskSettings) -> World<R> {
    let app = crate::testing::sesame_with(
        records.clone(),
        Settings {
            tasks,
            ..Settings::default()
        },
    );
    app.clock.set(start());
    let account = AccountId::parse("acme").unwrap();
    app.create_identity(&account, "example.com", None, vec![])
        .await
        .unwrap();
    app.trust_identity(&account, "example.com").await.unwrap();
    app.create_sender(&account, "news@example.com", Some("News"))
        .await
        .unwrap();
    let input = TemplateInput {
        name: "promo".into(),
        html: Some("<p>Hi {{name}}</p>".into()),
        text: Some("Hi {{name}}, code {{code}}".into()),
    };
    let template = app.create_template(&account, input).await.unwrap().0;
    World {
        app,
        account,
        template,
    }
}

impl<R: AllRecords> World<R> {
    /// A ready group with the given rows (address, TemplateData).
    async fn group(&self, rows: Vec<(String, Option<String>)>) -> u64 {
        let id = ReceiverId(self.app.sequences.next("receiver").await.unwrap());
        let now = self.app.clock.now();
        let receiver = Receiver {
            account: self.account.clone(),
            id,
            name: format!("group-{}", id.0),
            desc: String::new(),
            status: ReceiverStatus::Empty,
            count: 0,
            invalid_count: 0,
            data_keys: None,
            upload_started_at: None,
            created_at: now,
        };
        self.app.lists.create_receiver(&receiver).await.unwrap();
        let started = self
            .app
            .lists
            .begin_upload(&self.account, id, now, now)
            .await
            .unwrap();
        assert!(matches!(started, UploadStart::Started(_)));
        let rows: Vec<NewDetail> = rows
            .into_iter()
            .map(|(email, data)| {
                let invalid = EmailAddress::parse(&email).is_err();
                NewDetail {
                    email,
                    template_data: data,
                    invalid_reason: invalid.then(|| "not an email address".into()),
                }
            })
            .collect();
        for chunk in rows.chunks(5000) {
            self.app
                .lists
                .append_details(&self.account, id, chunk, now)
                .await
                .unwrap();
        }
        self.app
            .lists
            .end_upload(&self.account, id, None)
            .await
            .unwrap();
        id.0
    }

    async fn numbered_group(&self, n: usize) -> u64 {
        self.group(
            (1..=n)
                .map(|i| (format!("user{i}@example.org"), None))
                .collect(),
        )
        .await
    }

    fn command(&self, receiver: u64) -> BatchSendCommand {
        BatchSendCommand {
            from: "News <news@example.com>".into(),
            receiver_id: Some(receiver),
            subject: "Hello {{name}}".into(),
            task_type: 1,
            template: Some(TemplateRef {
                id: self.template,
                data: r#"{"name":"friend","code":"X"}"#.into(),
            }),
            ..BatchSendCommand::default()
        }
    }

    async fn task(&self, id: TaskId) -> Task {
        self.app.get_send_task(&self.account, id).await.unwrap()
    }

    /// Recipients of the queued jobs, with how many jobs each has.
    fn jobs(&self) -> HashMap<String, usize> {
        let mut seen = HashMap::new();
        for body in self.app.queue.bodies() {
            let job: DeliveryJob = serde_json::from_str(&body).unwrap();
            *seen
                .entry(format!("{}/{}", job.message_id, job.recipient))
                .or_insert(0) += 1;
        }
        seen
    }

    fn usage_key(&self, day: NaiveDate) -> QuotaKey {
        QuotaKey::new(QuotaScope::TaskAllowance(self.account.clone()), day)
    }
}

fn small_chunks() -> TaskSettings {
    TaskSettings {
        daily_quota: 0,
        chunk: 10,
        chunks_per_tick: 1000,
    }
}

/// See the name.
pub async fn an_immediate_task_expands_every_recipient_once_in_chunks<R: AllRecords + Clone>(
    records: &R,
) {
    let w = world(records, small_chunks()).await;
    let group = w.numbered_group(35).await;
    let id = w
        .app
        .batch_send_email(&w.account, w.command(group))
        .await
        .unwrap();
    assert_eq!(w.task(id).await.status, TaskStatus::Pending);

    let report = w.app.tick().await.unwrap();
    assert_eq!(report.started, 1);
    assert_eq!(report.expanded, 35);
    assert_eq!(report.completed, 1);
    let task = w.task(id).await;
    assert_eq!(task.status, TaskStatus::Done);
    assert_eq!((task.counts.request, task.counts.sent), (35, 35));
    assert_eq!(task.remaining(), 0);
    assert_eq!(task.wake_at, None);
    let jobs = w.jobs();
    assert_eq!(jobs.len(), 35);
    assert!(jobs.values().all(|n| *n == 1));
    // Statistics count each recipient once as requested and accepted.
    let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let rows = w.app.counters.read(&w.account, day, day).await.unwrap();
    let sum = |name: &str| -> i64 { rows.iter().filter_map(|(_, c)| c.get(name)).sum() };
    assert_eq!((sum("requested"), sum("accepted")), (35, 35));
    // Nothing left to do: a later tick touches nothing.
    assert_eq!(
        w.app.tick().await.unwrap(),
        crate::app::TickReport::default()
    );
}

/// See the name.
pub async fn a_crash_between_writing_jobs_and_advancing_the_cursor_neither_skips_nor_repeats<
    R: AllRecords + Clone,
>(
    records: &R,
) {
    let w = world(
        records,
        TaskSettings {
            daily_quota: 100,
            chunk: 10,
            chunks_per_tick: 1,
        },
    )
    .await;
    let group = w.numbered_group(25).await;
    let id = w
        .app
        .batch_send_email(&w.account, w.command(group))
        .await
        .unwrap();
    w.app.tick().await.unwrap(); // starts the run and expands rows 1..=10
    let before = w.task(id).await;
    assert_eq!(before.cursor, 10);

    w.app.tick().await.unwrap(); // chunk 2 is written and enqueued …
    let after = w.task(id).await;
    assert_eq!(after.cursor, 20);
    // … but the process died before its cursor write: the stored task is as before.
    let mut rolled_back = before.clone();
    rolled_back.revision = after.revision + 1;
    assert!(w.app.tasks.update_task(&rolled_back).await.unwrap());

    while w.task(id).await.status != TaskStatus::Done {
        w.app.tick().await.unwrap();
    }
    let task = w.task(id).await;
    assert_eq!(task.counts.sent, 25, "every recipient counted once");
    let jobs = w.jobs();
    assert_eq!(jobs.len(), 25, "no recipient skipped");
    assert!(jobs.values().all(|n| *n == 1), "no job enqueued twice");
    let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    assert_eq!(
        w.app.quota.usage(&w.usage_key(day)).await.unwrap(),
        25,
        "quota reserved again for the repeated chunk was given back"
    );
}

/// See the name.
pub async fn two_tickers_racing_on_one_task_expand_each_recipient_once<R: AllRecords + Clone>(
    records: &R,
) {
    let w = world(
        records,
        TaskSettings {
            chunk: 7,
            chunks_per_tick: 1,
            ..TaskSettings::default()
        },
    )
    .await;
    let group = w.numbered_group(50).await;
    let id = w
        .app
        .batch_send_email(&w.account, w.command(group))
        .await
        .unwrap();
    while w.task(id).await.status != TaskStatus::Done {
        let (a, b) = tokio::join!(w.app.tick(), w.app.tick());
        a.unwrap();
        b.unwrap();
    }
    assert_eq!(w.task(id).await.counts.sent, 50);
    let jobs = w.jobs();
    assert_eq!(jobs.len(), 50);
    assert!(jobs.values().all(|n| *n == 1));
}

/// See the name.
pub async fn a_recurring_task_runs_once_per_interval_with_its_own_counts<R: AllRecords + Clone>(
    records: &R,
) {
    let w = world(records, small_chunks()).await;
    let group = w.numbered_group(3).await;
    let mut cmd = w.command(group);
    cmd.task_type = 3;
    cmd.cycle = Some((Some("2024-01-01 11:00:00".into()), Some(24), None));
    let id = w.app.batch_send_email(&w.account, cmd).await.unwrap();
    let schedule = w
        .app
        .schedules
        .get(&crate::app::task_schedule_name(id))
        .await
        .unwrap()
        .expect("a recurring schedule is created");
    assert_eq!(
        schedule.first,
        Utc.with_ymd_and_hms(2024, 1, 1, 3, 0, 0).unwrap()
    );
    assert_eq!(schedule.every_hours.map(|h| h.get()), Some(24));

    // Before the begin time nothing happens.
    w.app.clock.advance(ChronoDuration::minutes(59));
    assert_eq!(w.app.tick().await.unwrap().started, 0);
    assert_eq!(w.task(id).await.status, TaskStatus::Pending);

    for run in 1..=3u32 {
        w.app.clock.set(
            Utc.with_ymd_and_hms(2024, 1, 1, 3, 0, 0).unwrap()
                + ChronoDuration::hours(24 * i64::from(run - 1)),
        );
        let report = w.app.tick().await.unwrap();
        assert_eq!(report.started, 1, "run {run} starts at its interval");
        let task = w.task(id).await;
        assert_eq!(task.run, run);
        assert_eq!(task.status, TaskStatus::Done);
        assert_eq!((task.counts.request, task.counts.sent), (3, 3));
        assert_eq!(
            task.wake_at,
            Some(
                Utc.with_ymd_and_hms(2024, 1, 1, 3, 0, 0).unwrap()
                    + ChronoDuration::hours(24 * i64::from(run))
            )
        );
        // Halfway to the next interval, nothing starts.
        w.app.clock.advance(ChronoDuration::hours(12));
        assert_eq!(w.app.tick().await.unwrap().started, 0);
    }
    // Three runs, three messages, each recipient once per run.
    let jobs = w.jobs();
    assert_eq!(jobs.len(), 9);
    assert!(
        jobs.keys()
            .any(|k| k.starts_with(&format!("task-{}-r3/", id.0)))
    );

    // Deleting stops it: the fourth interval starts nothing and the schedule is gone.
    w.app.delete_send_task(&w.account, id).await.unwrap();
    w.app
        .clock
        .set(Utc.with_ymd_and_hms(2024, 1, 4, 3, 0, 0).unwrap());
    assert_eq!(w.app.tick().await.unwrap().started, 0);
    assert!(
        w.app
            .schedules
            .get(&crate::app::task_schedule_name(id))
            .await
            .unwrap()
            .is_none()
    );
    let listed = w
        .app
        .list_send_tasks(&TaskQuery {
            account: w.account.clone(),
            status: None,
            receiver: None,
            task_type: None,
            offset: 0,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(listed.1, 0, "a deleted task is not listed");
}

/// See the name.
pub async fn a_recurring_task_with_term_cycle_runs_once<R: AllRecords + Clone>(records: &R) {
    let w = world(records, small_chunks()).await;
    let group = w.numbered_group(2).await;
    let mut cmd = w.command(group);
    cmd.task_type = 3;
    cmd.cycle = Some((Some("2024-01-01 11:00:00".into()), Some(1), Some(1)));
    let id = w.app.batch_send_email(&w.account, cmd).await.unwrap();
    w.app
        .clock
        .set(Utc.with_ymd_and_hms(2024, 1, 1, 3, 0, 0).unwrap());
    assert_eq!(w.app.tick().await.unwrap().started, 1);
    w.app.clock.advance(ChronoDuration::hours(5));
    assert_eq!(w.app.tick().await.unwrap().started, 0);
    assert_eq!(w.task(id).await.wake_at, None);
}

/// See the name.
pub async fn when_the_daily_quota_is_used_up_the_task_pauses_and_resumes_the_next_day<
    R: AllRecords + Clone,
>(
    records: &R,
) {
    let w = world(
        records,
        TaskSettings {
            daily_quota: 500,
            chunk: 1000,
            chunks_per_tick: 100,
        },
    )
    .await;
    let group = w.numbered_group(1200).await;
    let first = w
        .app
        .batch_send_email(&w.account, w.command(group))
        .await
        .unwrap();
    let second = w
        .app
        .batch_send_email(&w.account, w.command(group))
        .await
        .unwrap();

    let day1 = w.app.tick().await.unwrap();
    assert_eq!(day1.expanded, 500);
    assert!(
        day1.rows_read <= 500,
        "day 1 reads what the quota allows, not the list"
    );
    let task = w.task(first).await;
    assert_eq!(task.status, TaskStatus::PausedToday);
    assert_eq!(task.counts.sent, 500);
    assert_eq!(task.remaining(), 700, "CacheCount");
    let younger = w.task(second).await;
    assert_eq!(younger.counts.sent, 0, "the older task is served first");
    assert_eq!(younger.status, TaskStatus::PausedToday);

    // Later the same day nothing moves.
    w.app.clock.advance(ChronoDuration::hours(6));
    assert_eq!(w.app.tick().await.unwrap().expanded, 0);

    // 2024-01-02 00:00 in Shanghai is 2024-01-01 16:00 UTC.
    w.app
        .clock
        .set(Utc.with_ymd_and_hms(2024, 1, 1, 16, 0, 1).unwrap());
    let day2 = w.app.tick().await.unwrap();
    assert_eq!(day2.expanded, 500);
    assert_eq!(w.task(first).await.counts.sent, 1000);
    w.app
        .clock
        .set(Utc.with_ymd_and_hms(2024, 1, 2, 16, 0, 1).unwrap());
    w.app.tick().await.unwrap();
    let done = w.task(first).await;
    assert_eq!(done.status, TaskStatus::Done);
    assert_eq!((done.counts.sent, done.remaining()), (1200, 0));
    assert_eq!(
        w.task(second).await.counts.sent,
        300,
        "the rest of day 3 goes to the next task"
    );
}

/// See the name. No account allowance: the sender domain's warm-up plan alone (a custom plan
/// of 5, 10, 20 a day, small enough for every backend) holds the task back, and the gate
/// rolls the day over itself when the scheduler has not.
pub async fn the_sender_domains_warm_up_quota_paces_a_task_day_by_day<R: AllRecords + Clone>(
    records: &R,
) {
    let w = world(
        records,
        TaskSettings {
            daily_quota: 0,
            chunk: 4,
            chunks_per_tick: 100,
        },
    )
    .await;
    w.app.create_plan("pace", vec![5, 10, 20]).await.unwrap();
    let domain = crate::types::Domain::parse("example.com").unwrap();
    w.app
        .assign_plan(
            "pace",
            crate::app::PlanTarget::Domain(w.account.clone(), domain),
        )
        .await
        .unwrap();
    let group = w.numbered_group(30).await;
    let id = w
        .app
        .batch_send_email(&w.account, w.command(group))
        .await
        .unwrap();

    assert_eq!(w.app.tick().await.unwrap().expanded, 5);
    let task = w.task(id).await;
    assert_eq!(task.status, TaskStatus::PausedToday);
    assert_eq!((task.counts.sent, task.remaining()), (5, 25));
    w.app.clock.advance(ChronoDuration::hours(6));
    assert_eq!(w.app.tick().await.unwrap().expanded, 0, "same day: held");

    // 2024-01-02 00:00 in Shanghai: yesterday used its whole quota, so step 2.
    w.app
        .clock
        .set(Utc.with_ymd_and_hms(2024, 1, 1, 16, 0, 1).unwrap());
    assert_eq!(w.app.tick().await.unwrap().expanded, 10);
    assert_eq!(w.task(id).await.status, TaskStatus::PausedToday);
    w.app
        .clock
        .set(Utc.with_ymd_and_hms(2024, 1, 2, 16, 0, 1).unwrap());
    assert_eq!(w.app.tick().await.unwrap().expanded, 15);
    let done = w.task(id).await;
    assert_eq!(done.status, TaskStatus::Done);
    assert_eq!((done.counts.sent, done.remaining()), (30, 0));
    assert_eq!(w.jobs().len(), 30, "every recipient once");
    assert!(w.jobs().values().all(|n| *n == 1));
}

/// See the name.
pub async fn suppressed_and_invalid_recipients_are_skipped_and_counted_by_reason<
    R: AllRecords + Clone,
>(
    records: &R,
) {
    let w = world(records, small_chunks()).await;
    let group = w
        .group(vec![
            ("ok1@example.org".into(), None),
            ("blocked@example.org".into(), None),
            ("expired@example.org".into(), None),
            ("bounced@example.org".into(), None),
            ("gone@example.org".into(), None),
            ("not-an-address".into(), None),
            ("ok2@example.org".into(), None),
        ])
        .await;
    let now = w.app.clock.now();
    let block = |email: &str, id: u64, expire: Option<NaiveDate>| CustomBlock {
        account: w.account.clone(),
        id,
        email: addr(email),
        expire_date: expire,
        created_at: now,
    };
    w.app
        .lists
        .upsert_custom_blocks(&[
            block("blocked@example.org", 1, None),
            block(
                "expired@example.org",
                2,
                NaiveDate::from_ymd_opt(2023, 12, 31),
            ),
        ])
        .await
        .unwrap();
    w.app
        .lists
        .put_bounce_block(&BounceBlock {
            account: w.account.clone(),
            email: addr("bounced@example.org"),
            bounced_at: now,
            reason: "550 no such user".into(),
        })
        .await
        .unwrap();
    w.app
        .events
        .unsubscribe(
            &w.account,
            &addr("news@example.com"),
            &addr("gone@example.org"),
            now,
        )
        .await
        .unwrap();

    let id = w
        .app
        .batch_send_email(&w.account, w.command(group))
        .await
        .unwrap();
    w.app.tick().await.unwrap();
    let task = w.task(id).await;
    assert_eq!(task.status, TaskStatus::Done);
    let c = task.counts;
    assert_eq!(c.request, 7);
    assert_eq!(c.sent, 3, "ok1, ok2 and the expired block");
    assert_eq!(c.custom_blacklisted, 1);
    assert_eq!(c.bounce_blacklisted, 1);
    assert_eq!(c.unsubscribed, 1);
    assert_eq!(c.invalid, 1);
    assert_eq!(c.request, c.processed());
    let jobs = w.jobs();
    assert!(
        jobs.keys()
            .all(|k| !k.contains("blocked@") && !k.contains("bounced@") && !k.contains("gone@"))
    );
}

/// See the name.
pub async fn each_recipient_gets_the_template_rendered_with_their_own_data_and_the_ad_marker<
    R: AllRecords + Clone,
>(
    records: &R,
) {
    let w = world(records, small_chunks()).await;
    let group = w
        .group(vec![
            ("ann@example.org".into(), Some(r#"{"name":"Ann"}"#.into())),
            (
                "bob@example.org".into(),
                Some(r#"{"name":"Bob","code":"B2"}"#.into()),
            ),
        ])
        .await;
    let mut cmd = w.command(group);
    cmd.ad_location = Some(1);
    w.app.batch_send_email(&w.account, cmd).await.unwrap();
    w.app.tick().await.unwrap();
    let jobs = w
        .app
        .queue
        .receive(10, Duration::from_secs(60), Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 2);
    for job in jobs {
        assert_eq!(w.app.deliver(&job.body).await, DeliveryReport::Done);
    }
    let ann = String::from_utf8(w.app.mailer.sent_to(&addr("ann@example.org"))[0].clone()).unwrap();
    assert!(ann.contains("Subject: (AD)Hello Ann"), "{ann}");
    assert!(
        ann.contains("Hi Ann, code X"),
        "default data fills what the row lacks"
    );
    assert!(ann.contains("To: ann@example.org"));
    assert!(!ann.contains("bob@example.org"));
    let bob = String::from_utf8(w.app.mailer.sent_to(&addr("bob@example.org"))[0].clone()).unwrap();
    assert!(bob.contains("Hi Bob, code B2"));
}

/// See the name.
pub async fn bad_requests_get_the_documented_errors_and_store_nothing<R: AllRecords + Clone>(
    records: &R,
) {
    let w = world(records, small_chunks()).await;
    let group = w.numbered_group(2).await;
    let code = |r: Result<TaskId, crate::SesError>| r.unwrap_err().code;
    let run = |cmd: BatchSendCommand| w.app.batch_send_email(&w.account, cmd);

    let mut c = w.command(group);
    c.template = None;
    assert_eq!(
        code(run(c).await),
        ErrorCode::MissingParameterSendParamNecessary
    );
    let mut c = w.command(group);
    c.receiver_id = None;
    assert_eq!(
        code(run(c).await),
        ErrorCode::MissingParameterSendParamNecessary
    );
    let mut c = w.command(group);
    c.task_type = 2;
    assert_eq!(
        code(run(c).await),
        ErrorCode::MissingParameterTimedParamNecessary
    );
    let mut c = w.command(group);
    c.task_type = 2;
    c.timed_begin = Some(Some("2024-01-01 09:59:59".into()));
    assert_eq!(
        code(run(c).await),
        ErrorCode::InvalidParameterValueBeginTimeBeforeNow
    );
    let mut c = w.command(group);
    c.task_type = 2;
    c.timed_begin = Some(Some("tomorrow".into()));
    assert_eq!(
        code(run(c).await),
        ErrorCode::InvalidParameterValueWrongDate
    );
    let mut c = w.command(group);
    c.task_type = 3;
    c.cycle = Some((Some("2024-01-02 00:00:00".into()), None, None));
    assert_eq!(
        code(run(c).await),
        ErrorCode::MissingParameterCycleParamNecessary
    );
    let mut c = w.command(group);
    c.task_type = 4;
    assert_eq!(code(run(c).await), ErrorCode::InvalidParameterValue);
    let mut c = w.command(group);
    c.receiver_id = Some(9999);
    assert_eq!(
        code(run(c).await),
        ErrorCode::OperationDeniedReceiverNotExist
    );
    let empty = w.group(vec![]).await;
    assert_eq!(
        code(run(w.command(empty)).await),
        ErrorCode::OperationDeniedReceiverStatusError
    );
    let mut c = w.command(group);
    c.from = "nobody@example.com".into();
    assert_eq!(
        code(run(c).await),
        ErrorCode::InvalidParameterValueNoSuchSender
    );
    let mut c = w.command(group);
    c.template = Some(TemplateRef {
        id: 777,
        data: "{}".into(),
    });
    assert_eq!(
        code(run(c).await),
        ErrorCode::FailedOperationInvalidTemplateID
    );
    let mut c = w.command(group);
    c.template = Some(TemplateRef {
        id: w.template,
        data: "{not json".into(),
    });
    assert_eq!(
        code(run(c).await),
        ErrorCode::FailedOperationWrongContentJson
    );

    // Another account's group does not exist for this one.
    let other = AccountId::parse("other").unwrap();
    let mut c = w.command(group);
    c.from = "news@example.com".into();
    assert!(w.app.batch_send_email(&other, c).await.is_err());

    let (tasks, total) = w
        .app
        .tasks
        .list_tasks(&TaskQuery {
            account: w.account.clone(),
            status: None,
            receiver: None,
            task_type: None,
            offset: 0,
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!((tasks.len(), total), (0, 0));
    assert!(w.app.queue.is_empty());
}
