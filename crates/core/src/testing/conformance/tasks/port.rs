//! Checks of the [`Tasks`] port itself: compare-and-set updates, the due index, listing,
//! insert-if-absent deliveries.

use chrono::{Duration as ChronoDuration, TimeZone, Utc};

use super::addr;
use crate::model::{DeliverStatus, SendStatus};
use crate::ports::{Deliveries, ReceiverId, Task, TaskId, TaskQuery, TaskStatus, Tasks};
use crate::testing::conformance::join_all;
use crate::types::AccountId;

fn sample_task(account: &str, id: u64, wake: Option<i64>) -> Task {
    let at = |s: i64| Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap();
    Task {
        account: AccountId::parse(account).unwrap(),
        id: TaskId(id),
        from: "News <news@example.com>".into(),
        receiver: ReceiverId(7),
        receiver_name: "list".into(),
        subject: "Hi {{name}}".into(),
        template_id: crate::types::TemplateId(3),
        template_data: "{}".into(),
        task_type: crate::ports::TaskType::Immediate,
        begin_at: None,
        cycle: None,
        unsubscribe: "0".into(),
        ad_location: 0,
        reply_to: None,
        status: TaskStatus::Pending,
        err_msg: String::new(),
        created_at: at(0),
        updated_at: at(0),
        run: 0,
        cursor: 0,
        end_seq: 0,
        counts: crate::ports::RunCounts::default(),
        next_run_at: None,
        wake_at: wake.map(at),
        deleted: false,
        revision: 0,
    }
}

/// A stored task reads back equal; an update applies only on top of the revision it was
/// read at, so of two writers starting from the same revision exactly one wins.
pub async fn tasks_round_trip_and_updates_are_compare_and_set<T: Tasks>(port: &T) {
    let task = sample_task("acme", 1, Some(0));
    port.create_task(&task).await.unwrap();
    assert!(
        port.create_task(&task).await.is_err(),
        "an id is created once"
    );
    let account = task.account.clone();
    assert_eq!(
        port.get_task(&account, TaskId(1)).await.unwrap(),
        Some(task.clone())
    );
    let other = AccountId::parse("other").unwrap();
    assert_eq!(port.get_task(&other, TaskId(1)).await.unwrap(), None);

    let mut a = task.clone();
    a.revision = 1;
    a.cursor = 10;
    a.counts.sent = 10;
    a.status = TaskStatus::Sending;
    let mut b = task.clone();
    b.revision = 1;
    b.cursor = 20;
    let results = join_all([port.update_task(&a), port.update_task(&b)]).await;
    let wins: Vec<bool> = results.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
    let stored = port.get_task(&account, TaskId(1)).await.unwrap().unwrap();
    assert!(stored == a || stored == b);
    assert!(
        !port.update_task(&a).await.unwrap(),
        "a stale revision writes nothing"
    );
    let mut foreign = stored.clone();
    foreign.account = other;
    foreign.revision += 1;
    assert!(
        !port.update_task(&foreign).await.unwrap(),
        "scoped to the account"
    );
}

/// Due tasks: those whose wake time has come, any account, in id order; a task without a
/// wake time is never due.
pub async fn due_tasks_are_the_awake_ones_in_id_order<T: Tasks>(port: &T) {
    for (account, id, wake) in [
        ("acme", 5, Some(10)),
        ("beta", 2, Some(30)),
        ("acme", 3, None),
        ("acme", 9, Some(1000)),
        ("beta", 4, Some(0)),
    ] {
        port.create_task(&sample_task(account, id, wake))
            .await
            .unwrap();
    }
    let now = Utc.timestamp_opt(1_700_000_000 + 30, 0).unwrap();
    let due: Vec<u64> = port
        .due_tasks(now, 10)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id.0)
        .collect();
    assert_eq!(due, vec![2, 4, 5]);
    assert_eq!(port.due_tasks(now, 2).await.unwrap().len(), 2);
    // Clearing the wake time takes a task off the index.
    let mut t = port
        .get_task(&AccountId::parse("beta").unwrap(), TaskId(2))
        .await
        .unwrap()
        .unwrap();
    t.wake_at = None;
    t.revision += 1;
    assert!(port.update_task(&t).await.unwrap());
    let due: Vec<u64> = port
        .due_tasks(now, 10)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id.0)
        .collect();
    assert_eq!(due, vec![4, 5]);
}

/// ListSendTasks: newest first, filters by status, group and type, pages with the total;
/// deleted tasks and other accounts' tasks are never listed.
pub async fn list_tasks_filters_and_pages_newest_first<T: Tasks>(port: &T) {
    for id in 1..=5 {
        let mut t = sample_task("acme", id, None);
        if id % 2 == 0 {
            t.status = TaskStatus::Done;
            t.receiver = ReceiverId(8);
            t.task_type = crate::ports::TaskType::Recurring;
        }
        t.deleted = id == 5;
        port.create_task(&t).await.unwrap();
    }
    port.create_task(&sample_task("beta", 6, None))
        .await
        .unwrap();
    let query = |status, receiver, task_type, offset, limit| TaskQuery {
        account: AccountId::parse("acme").unwrap(),
        status,
        receiver,
        task_type,
        offset,
        limit,
    };
    let ids = |r: (Vec<Task>, u64)| (r.0.iter().map(|t| t.id.0).collect::<Vec<_>>(), r.1);
    assert_eq!(
        ids(port
            .list_tasks(&query(None, None, None, 0, 10))
            .await
            .unwrap()),
        (vec![4, 3, 2, 1], 4)
    );
    assert_eq!(
        ids(port
            .list_tasks(&query(None, None, None, 1, 2))
            .await
            .unwrap()),
        (vec![3, 2], 4)
    );
    assert_eq!(
        ids(port
            .list_tasks(&query(Some(TaskStatus::Done), None, None, 0, 10))
            .await
            .unwrap()),
        (vec![4, 2], 2)
    );
    assert_eq!(
        ids(port
            .list_tasks(&query(None, Some(ReceiverId(7)), None, 0, 10))
            .await
            .unwrap()),
        (vec![3, 1], 2)
    );
    assert_eq!(
        ids(port
            .list_tasks(&query(
                None,
                None,
                Some(crate::ports::TaskType::Recurring),
                0,
                10
            ))
            .await
            .unwrap()),
        (vec![4, 2], 2)
    );
}

/// Deliveries are written only where absent: existing ones keep their state and data, and
/// the result says which rows were new. A run's message is written once.
pub async fn task_deliveries_are_inserted_only_if_absent<T: Tasks + Deliveries>(port: &T) {
    let account = AccountId::parse("acme").unwrap();
    let task = sample_task("acme", 1, None);
    let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    let message = crate::model::Message {
        account: account.clone(),
        id: task.run_message_id(1),
        from: crate::types::Mailbox::parse("news@example.com").unwrap(),
        header_from: None,
        reply_to: None,
        to: vec![],
        cc: vec![],
        bcc: vec![],
        subject: "Hi {{name}}".into(),
        html: Some("<p>{{name}}</p>".into()),
        text: None,
        attachments: vec![],
        headers: vec![],
        smtp_message_id: None,
        trigger_type: 0,
        unsubscribe: "0".into(),
        template_id: None,
        created_at: now,
    };
    assert!(port.put_run_message(&message).await.unwrap());
    let mut changed = message.clone();
    changed.subject = "other".into();
    assert!(!port.put_run_message(&changed).await.unwrap());
    assert_eq!(
        port.get_message(&account, &message.id).await.unwrap(),
        Some(message.clone())
    );

    let row = |who: &str, data: Option<&str>| crate::ports::TaskDelivery {
        delivery: crate::model::Delivery {
            account: account.clone(),
            message_id: message.id.clone(),
            recipient: addr(who),
            from: "news@example.com".into(),
            send_status: SendStatus::Ok,
            deliver_status: DeliverStatus::Queued,
            deliver_message: String::new(),
            request_time: now,
            deliver_time: None,
            attempts: 0,
            claimed_until: None,
        },
        data: data.map(str::to_owned),
    };
    let first = vec![
        row("a@example.org", Some(r#"{"name":"A"}"#)),
        row("b@example.org", None),
    ];
    assert_eq!(
        port.insert_deliveries_if_absent(&first).await.unwrap(),
        vec![true, true]
    );
    let until = now + ChronoDuration::minutes(2);
    let claim = port
        .claim(&account, &message.id, &addr("a@example.org"), now, until)
        .await
        .unwrap();
    assert!(matches!(claim, crate::ports::Claim::Claimed(_)));
    let again = vec![
        row("a@example.org", Some(r#"{"name":"changed"}"#)),
        row("c@example.org", Some(r#"{"name":"C"}"#)),
    ];
    assert_eq!(
        port.insert_deliveries_if_absent(&again).await.unwrap(),
        vec![false, true]
    );
    for (who, expected) in [
        ("a@example.org", Some(r#"{"name":"A"}"#)),
        ("b@example.org", None),
        ("c@example.org", Some(r#"{"name":"C"}"#)),
    ] {
        let data = port
            .delivery_data(&account, &message.id, &addr(who))
            .await
            .unwrap();
        assert_eq!(data.as_deref(), expected, "{who}");
    }
    // The existing delivery kept its claim: a second claim is refused.
    let claim = port
        .claim(&account, &message.id, &addr("a@example.org"), now, until)
        .await
        .unwrap();
    assert_eq!(claim, crate::ports::Claim::Held);
    let other = AccountId::parse("other").unwrap();
    assert_eq!(
        port.delivery_data(&other, &message.id, &addr("a@example.org"))
            .await
            .unwrap(),
        None
    );
}
