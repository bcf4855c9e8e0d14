//! Upload flows over the in-memory fakes.

use super::*;
use crate::settings::Settings;
use crate::testing::{TestPorts, sesame};

fn acct(name: &str) -> AccountId {
    AccountId::parse(name).expect("account")
}

fn plain(emails: &[&str]) -> Vec<UploadRow> {
    emails
        .iter()
        .map(|e| UploadRow {
            email: (*e).to_owned(),
            template_data: None,
        })
        .collect()
}

fn with_data(rows: &[(&str, &str)]) -> Vec<UploadRow> {
    rows.iter()
        .map(|(e, d)| UploadRow {
            email: (*e).to_owned(),
            template_data: Some((*d).to_owned()),
        })
        .collect()
}

async fn group(app: &Sesame<TestPorts>, account: &AccountId, name: &str) -> ReceiverId {
    app.create_receiver(account, name, "")
        .await
        .expect("create")
}

#[tokio::test]
async fn an_upload_stores_valid_and_invalid_rows_and_readies_the_group() {
    let app = sesame(Settings::default());
    let a = acct("acme");
    let id = group(&app, &a, "news").await;
    assert_eq!(
        app.receiver(&a, id).await.expect("get").status,
        ReceiverStatus::Empty
    );
    let report = app
        .upload_receiver_details(
            &a,
            id,
            plain(&["a@example.org", "bad", "", "a@example.org", "b@example.org"]),
            false,
        )
        .await
        .expect("upload");
    assert_eq!(
        report,
        UploadReport {
            total: 5,
            valid: 2,
            too_long: 0,
            empty: 1,
            repeat: 1,
            invalid: 1
        }
    );
    let g = app.receiver(&a, id).await.expect("get");
    assert_eq!(
        (g.status, g.count, g.invalid_count),
        (ReceiverStatus::Ready, 3, 1)
    );
    let rows = app.receiver_rows_after(&a, id, 0, 10).await.expect("rows");
    assert_eq!(
        rows.iter().map(|r| r.email.as_str()).collect::<Vec<_>>(),
        vec!["a@example.org", "bad", "b@example.org"]
    );
}

#[tokio::test]
async fn a_refused_upload_changes_nothing() {
    let app = sesame(Settings::default());
    let a = acct("acme");
    let id = group(&app, &a, "news").await;
    app.upload_receiver_details(
        &a,
        id,
        with_data(&[("a@example.org", r#"{"name":"A"}"#)]),
        true,
    )
    .await
    .expect("first upload");
    let before = app.receiver(&a, id).await.expect("get");
    let refused = [
        (
            with_data(&[
                ("b@example.org", r#"{"name":"B"}"#),
                ("c@example.org", r#"{"nick":"C"}"#),
            ]),
            true,
            ErrorCode::InvalidParameterValueTemplateDataInconsistent,
        ),
        (
            plain(&["d@example.org"]),
            false,
            ErrorCode::InvalidParameterValueTemplateDataInconsistent,
        ),
        (vec![], true, ErrorCode::MissingParameterEmailsNecessary),
        (
            with_data(&[("e@example.org", "{")]),
            true,
            ErrorCode::InvalidParameterValueTemplateDataError,
        ),
    ];
    for (rows, data, code) in refused {
        let err = app
            .upload_receiver_details(&a, id, rows, data)
            .await
            .expect_err("refused");
        assert_eq!(err.code, code);
    }
    let too_many = plain(&vec!["x@example.org"; MAX_ROWS_PER_REQUEST + 1]);
    let err = app
        .upload_receiver_details(&a, id, too_many, false)
        .await
        .expect_err("too many");
    assert_eq!(err.code, ErrorCode::LimitExceededReceiverDetailRequestLimit);
    assert_eq!(app.receiver(&a, id).await.expect("get"), before);
    assert_eq!(
        app.receiver_rows_after(&a, id, 0, 10)
            .await
            .expect("rows")
            .len(),
        1
    );
}

#[tokio::test]
async fn a_group_is_limited_to_fifty_thousand_rows_through_the_api() {
    let app = sesame(Settings::default());
    let a = acct("acme");
    let id = group(&app, &a, "big").await;
    let first: Vec<String> = (0..20_000).map(|n| format!("u{n}@example.org")).collect();
    let second: Vec<String> = (20_000..40_000)
        .map(|n| format!("u{n}@example.org"))
        .collect();
    let third: Vec<String> = (40_000..60_000)
        .map(|n| format!("u{n}@example.org"))
        .collect();
    for batch in [&first, &second] {
        let rows = plain(&batch.iter().map(String::as_str).collect::<Vec<_>>());
        app.upload_receiver_details(&a, id, rows, false)
            .await
            .expect("upload");
    }
    let rows = plain(&third.iter().map(String::as_str).collect::<Vec<_>>());
    let err = app
        .upload_receiver_details(&a, id, rows, false)
        .await
        .expect_err("over the group limit");
    assert_eq!(err.code, ErrorCode::LimitExceededReceiverDetailCountLimit);
    assert_eq!(app.receiver(&a, id).await.expect("get").count, 40_000);
    let rows = app
        .receiver_rows_after(&a, id, 39_998, 10)
        .await
        .expect("rows");
    assert_eq!(
        rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![39_999, 40_000]
    );
}

#[tokio::test]
async fn a_running_upload_refuses_other_uploads_and_delete_until_it_ends_or_goes_stale() {
    let app = sesame(Settings::default());
    let a = acct("acme");
    let id = group(&app, &a, "news").await;
    let checker = RowChecker::new(false, None, 0);
    let upload = app.begin_upload(&a, id, &checker).await.expect("begin");
    assert_eq!(
        app.receiver(&a, id).await.expect("get").status,
        ReceiverStatus::Uploading
    );
    let err = app
        .upload_receiver_details(&a, id, plain(&["a@example.org"]), false)
        .await
        .expect_err("busy");
    assert_eq!(err.code, ErrorCode::OperationDeniedReceiverIsOperating);
    let err = app.delete_receiver(&a, id).await.expect_err("busy");
    assert_eq!(err.code, ErrorCode::OperationDeniedReceiverIsOperating);
    app.end_upload(upload, None).await.expect("end");
    assert_eq!(
        app.receiver(&a, id).await.expect("get").status,
        ReceiverStatus::Empty
    );

    // A crashed upload (never ended) is taken over once stale.
    let _crashed = app.begin_upload(&a, id, &checker).await.expect("begin");
    app.clock
        .advance(UPLOAD_STALE_AFTER + chrono::Duration::seconds(1));
    app.upload_receiver_details(&a, id, plain(&["a@example.org"]), false)
        .await
        .expect("takes over");
    assert_eq!(
        app.receiver(&a, id).await.expect("get").status,
        ReceiverStatus::Ready
    );
}

#[tokio::test]
async fn names_are_checked_and_unique_and_groups_are_per_account() {
    let app = sesame(Settings::default());
    let (a, b) = (acct("acme"), acct("other"));
    let id = group(&app, &a, "news").await;
    let err = app
        .create_receiver(&a, "news", "")
        .await
        .expect_err("repeat");
    assert_eq!(err.code, ErrorCode::InvalidParameterValueRepeatReceiverName);
    let err = app.create_receiver(&a, " ", "").await.expect_err("empty");
    assert_eq!(
        err.code,
        ErrorCode::InvalidParameterValueReceiverNameIllegal
    );
    let err = app
        .create_receiver(&a, "ok", "<script>")
        .await
        .expect_err("desc");
    assert_eq!(
        err.code,
        ErrorCode::InvalidParameterValueReceiverDescIllegal
    );
    group(&app, &b, "news").await;
    let err = app.receiver(&b, id).await.expect_err("not theirs");
    assert_eq!(err.code, ErrorCode::OperationDeniedReceiverNotExist);
    let err = app
        .upload_receiver_details(&b, id, plain(&["a@example.org"]), false)
        .await
        .expect_err("not theirs");
    assert_eq!(err.code, ErrorCode::OperationDeniedReceiverNotExist);
    let err = app.delete_receiver(&b, id).await.expect_err("not theirs");
    assert_eq!(err.code, ErrorCode::OperationDeniedReceiverNotExist);
    app.delete_receiver(&a, id).await.expect("delete");
    let err = app.receiver(&a, id).await.expect_err("gone");
    assert_eq!(err.code, ErrorCode::OperationDeniedReceiverNotExist);
}
