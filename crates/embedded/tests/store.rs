//! SQLite-specific behaviour beyond the port contract: restarts, several stores on one file,
//! lease receipts, dead letters, schema versions.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use sesame_core::model::{ApiKey, DeliverStatus, SendStatus};
use sesame_core::ports::{
    Claim, Deliveries, JobQueue, Keys, Outcome, QuotaKey, QuotaLedger, Sequences,
};
use sesame_core::types::{AccountId, EmailAddress, MessageId, SecretId};
use sesame_embedded::{Durability, OpenError, SqliteStore, StoreOptions};

fn at(secs: i64) -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(1_714_521_600 + secs, 0)
        .single()
        .expect("valid time")
}

fn key(account: &AccountId) -> ApiKey {
    let secret_id = SecretId::parse("AKID00000000000000000000000000000001").expect("secret id");
    ApiKey {
        secret_id,
        account: account.clone(),
        sealed_secret: vec![1, 2, 3],
        created_at: at(0),
        revoked: false,
    }
}

const LONG: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_closing_and_reopening_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sesame.db");
    let account = AccountId::parse("acct-a").expect("account");
    {
        let store = SqliteStore::open(&path).expect("open");
        store.records().put(&key(&account)).await.expect("put key");
        assert_eq!(store.records().next("template").await.expect("seq"), 1);
        store
            .job_queue()
            .enqueue(&["job".to_owned()], Duration::ZERO)
            .await
            .expect("enqueue");
    }
    let store = SqliteStore::open(&path).expect("reopen");
    assert_eq!(
        store
            .records()
            .get(&key(&account).secret_id)
            .await
            .expect("get"),
        Some(key(&account))
    );
    assert_eq!(
        store.records().next("template").await.expect("seq"),
        2,
        "sequences continue"
    );
    let jobs = store
        .job_queue()
        .receive(10, LONG, Duration::ZERO)
        .await
        .expect("receive");
    assert_eq!(
        jobs.iter().map(|j| j.body.as_str()).collect::<Vec<_>>(),
        ["job"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_see_each_others_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sesame.db");
    let server = SqliteStore::open(&path).expect("server opens");
    let admin = SqliteStore::open(&path).expect("admin opens");
    let account = AccountId::parse("acct-a").expect("account");

    admin
        .records()
        .put(&key(&account))
        .await
        .expect("admin writes");
    assert!(
        server
            .records()
            .get(&key(&account).secret_id)
            .await
            .expect("server reads")
            .is_some()
    );

    let sequences = [server.records(), admin.records()];
    let mut seen = Vec::new();
    for round in 0..10 {
        seen.push(sequences[round % 2].next("shared").await.expect("seq"));
    }
    assert_eq!(
        seen,
        (1..=10).collect::<Vec<u64>>(),
        "one sequence across both stores"
    );

    // The admin's enqueue cannot wake the server's waiting receive; polling must find it.
    let waiting = server.job_queue();
    let receiver =
        tokio::spawn(async move { waiting.receive(1, LONG, Duration::from_secs(5)).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    admin
        .job_queue()
        .enqueue(&["from admin".to_owned()], Duration::ZERO)
        .await
        .expect("enqueue");
    let got = receiver.await.expect("task").expect("receive");
    assert_eq!(
        got.iter().map(|j| j.body.as_str()).collect::<Vec<_>>(),
        ["from admin"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_from_two_stores_on_one_file_have_one_winner() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sesame.db");
    let stores = [
        SqliteStore::open(&path).expect("open"),
        SqliteStore::open(&path).expect("open"),
    ];
    let account = AccountId::parse("acct-a").expect("account");
    let rcpt = EmailAddress::parse("x@example.com").expect("address");
    let message = message(&account, &rcpt);
    let delivery = sesame_core::model::Delivery {
        account: account.clone(),
        message_id: message.id.clone(),
        recipient: rcpt.clone(),
        from: "noreply@example.com".to_owned(),
        send_status: SendStatus::Ok,
        deliver_status: DeliverStatus::Queued,
        deliver_message: String::new(),
        request_time: at(0),
        deliver_time: None,
        attempts: 0,
        claimed_until: None,
    };
    stores[0]
        .records()
        .insert_message(&message, &[delivery])
        .await
        .expect("insert");
    let claims = (0..16).map(|i| {
        let records = stores[i % 2].records();
        let (account, id, rcpt) = (account.clone(), message.id.clone(), rcpt.clone());
        tokio::spawn(async move { records.claim(&account, &id, &rcpt, at(10), at(70)).await })
    });
    let mut won = 0;
    for claim in claims.collect::<Vec<_>>() {
        if matches!(
            claim.await.expect("task").expect("claim"),
            Claim::Claimed(_)
        ) {
            won += 1;
        }
    }
    assert_eq!(won, 1);
    let done = Outcome {
        send_status: SendStatus::Ok,
        deliver_status: DeliverStatus::Delivered,
        deliver_message: "250 ok".to_owned(),
        at: at(11),
        retry_at: None,
    };
    stores[1]
        .records()
        .record_outcome(&account, &message.id, &rcpt, &done)
        .await
        .expect("record");
    let again = stores[0]
        .records()
        .claim(&account, &message.id, &rcpt, at(100), at(160))
        .await
        .expect("claim");
    assert_eq!(again, Claim::AlreadyFinal);
}

/// The status columns hold the documented numbers, and a number that is no documented
/// status is reported, not guessed at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_are_stored_as_their_codes_and_an_unknown_code_is_corrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sesame.db");
    let store = SqliteStore::open(&path).expect("open");
    let account = AccountId::parse("acct-a").expect("account");
    let rcpt = EmailAddress::parse("x@example.com").expect("address");
    let message = message(&account, &rcpt);
    let delivery = sesame_core::model::Delivery {
        account: account.clone(),
        message_id: message.id.clone(),
        recipient: rcpt.clone(),
        from: "noreply@example.com".to_owned(),
        send_status: SendStatus::SenderRejected,
        deliver_status: DeliverStatus::Delayed,
        deliver_message: String::new(),
        request_time: at(0),
        deliver_time: None,
        attempts: 0,
        claimed_until: None,
    };
    let records = store.records();
    records
        .insert_message(&message, &[delivery])
        .await
        .expect("insert");
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    let codes: (i64, i64) = raw
        .query_row(
            "SELECT send_status, deliver_status FROM deliveries",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!(codes, (1008, 8));
    raw.execute("UPDATE deliveries SET send_status = 1012", [])
        .expect("corrupt");
    let claim = records
        .claim(&account, &message.id, &rcpt, at(10), at(70))
        .await;
    assert!(claim.is_err(), "{claim:?}");
}

/// A quota-ledger row is keyed by the key's scope text and day text, the formats existing
/// files hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_rows_are_keyed_by_the_scope_and_day_texts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sesame.db");
    let store = SqliteStore::open(&path).expect("open");
    let day = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).expect("day");
    let key = QuotaKey::new("tasks:acct-a".parse().expect("scope"), day);
    store.records().reserve(&key, 3, 10).await.expect("reserve");
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    let row: (String, String, i64) = raw
        .query_row("SELECT scope, day, used FROM quota_usage", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("row");
    assert_eq!(row, ("tasks:acct-a".to_owned(), "2024-05-01".to_owned(), 3));
}

fn message(account: &AccountId, rcpt: &EmailAddress) -> sesame_core::model::Message {
    sesame_core::model::Message {
        account: account.clone(),
        id: MessageId::parse("sesame-20240501000000-0123456789abcdef0123456789abcdef").expect("id"),
        from: sesame_core::types::Mailbox::parse("noreply@example.com").expect("mailbox"),
        header_from: None,
        reply_to: None,
        to: vec![rcpt.clone()],
        cc: vec![],
        bcc: vec![],
        subject: "s".to_owned(),
        html: None,
        text: Some("t".to_owned()),
        attachments: vec![],
        headers: vec![],
        smtp_message_id: None,
        trigger_type: 1,
        unsubscribe: "0".to_owned(),
        template_id: None,
        created_at: at(0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_from_an_expired_lease_cannot_ack_the_job() {
    let dir = tempfile::tempdir().expect("temp dir");
    let queue = SqliteStore::open(dir.path().join("q.db"))
        .expect("open")
        .job_queue();
    queue
        .enqueue(&["job".to_owned()], Duration::ZERO)
        .await
        .expect("enqueue");
    let stale = queue
        .receive(1, Duration::from_millis(200), Duration::ZERO)
        .await
        .expect("receive")
        .remove(0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let current = queue
        .receive(1, LONG, Duration::ZERO)
        .await
        .expect("receive")
        .remove(0);
    queue
        .ack(&stale.receipt)
        .await
        .expect("stale ack is a no-op");
    queue
        .retry_later(&stale.receipt, LONG)
        .await
        .expect("stale retry is a no-op");
    queue
        .retry_later(&current.receipt, Duration::ZERO)
        .await
        .expect("retry");
    let again = queue
        .receive(1, LONG, Duration::ZERO)
        .await
        .expect("receive");
    assert_eq!(
        again.iter().map(|j| j.receive_count).collect::<Vec<_>>(),
        [3],
        "the job survived the stale ack"
    );
    queue
        .ack("garbage")
        .await
        .expect("malformed receipts are ignored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_received_too_often_moves_to_the_dead_letter_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    let queue = SqliteStore::open(dir.path().join("q.db"))
        .expect("open")
        .job_queue()
        .with_max_receives(2);
    queue
        .enqueue(&["poison".to_owned(), "fine".to_owned()], Duration::ZERO)
        .await
        .expect("enqueue");
    for expected in 1..=2 {
        let jobs = queue
            .receive(10, LONG, Duration::ZERO)
            .await
            .expect("receive");
        for job in jobs {
            assert_eq!(job.receive_count, expected);
            if job.body == "fine" {
                queue.ack(&job.receipt).await.expect("ack");
            } else {
                queue
                    .retry_later(&job.receipt, Duration::ZERO)
                    .await
                    .expect("retry");
            }
        }
    }
    assert_eq!(
        queue
            .receive(10, LONG, Duration::ZERO)
            .await
            .expect("receive"),
        vec![]
    );
    assert_eq!(queue.dead_letter_count().await.expect("count"), 1);
}

#[tokio::test]
async fn full_durability_opens_and_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sesame.db");
    let options = StoreOptions {
        durability: Durability::Full,
        ..StoreOptions::default()
    };
    let store = SqliteStore::open_with(&path, options).expect("open with FULL");
    store.records().next("x").await.expect("write");
    drop(store);
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    raw.pragma_update(None, "user_version", 99)
        .expect("bump version");
    drop(raw);
    assert!(matches!(
        SqliteStore::open(&path),
        Err(OpenError::Migration { .. })
    ));
}
