//! The wire contract: envelopes, Content-Type, authentication failures, size limits,
//! account isolation.

mod common;

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use common::{HOST, Harness, b64};
use sesame_web::tc3::sign_post;

#[tokio::test]
async fn success_has_request_id_and_exact_content_type() {
    let h = Harness::new("acme").await;
    let answer = h
        .call("ListEmailTemplates", json!({"Limit": 10, "Offset": 0}))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/json");
    let response = &answer.body["Response"];
    assert_eq!(response["TotalCount"], 0);
    assert_eq!(response["TemplatesMetadata"], json!([]));
    assert!(response["RequestId"].as_str().unwrap().len() >= 32);
}

fn request(
    h: &Harness,
    auth: Option<String>,
    ts: i64,
    host: &str,
    version: &str,
    body: &str,
) -> Request<Body> {
    let mut builder = Request::post("/")
        .header("host", host)
        .header("content-type", "application/json")
        .header("x-tc-action", "ListEmailAddress")
        .header("x-tc-version", version)
        .header("x-tc-timestamp", ts.to_string());
    if let Some(auth) = auth {
        builder = builder.header("authorization", auth);
    }
    let _ = h;
    builder.body(Body::from(body.to_owned())).unwrap()
}

#[tokio::test]
async fn authentication_failures_have_their_codes() {
    let h = Harness::new("acme").await;
    let now = h.now();
    let id = h.secret_id.clone();
    let key = h.secret_key.clone();
    let cases = vec![
        (
            "no authorization",
            None,
            now,
            HOST,
            "2020-10-02",
            "AuthFailure.InvalidAuthorization",
        ),
        (
            "garbage authorization",
            Some("Bearer x".to_string()),
            now,
            HOST,
            "2020-10-02",
            "AuthFailure.InvalidAuthorization",
        ),
        (
            "malformed secret id",
            Some(sign_post("nope", &key, HOST, b"{}", now)),
            now,
            HOST,
            "2020-10-02",
            "AuthFailure.InvalidSecretId",
        ),
        (
            "unknown secret id",
            Some(sign_post(
                "AKIDaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                &key,
                HOST,
                b"{}",
                now,
            )),
            now,
            HOST,
            "2020-10-02",
            "AuthFailure.SecretIdNotFound",
        ),
        (
            "wrong secret",
            Some(sign_post(&id, "wrong", HOST, b"{}", now)),
            now,
            HOST,
            "2020-10-02",
            "AuthFailure.SignatureFailure",
        ),
        (
            "other host",
            Some(sign_post(&id, &key, "evil:80", b"{}", now)),
            now,
            HOST,
            "2020-10-02",
            "AuthFailure.SignatureFailure",
        ),
        (
            "old timestamp",
            Some(sign_post(&id, &key, HOST, b"{}", now - 301)),
            now - 301,
            HOST,
            "2020-10-02",
            "AuthFailure.SignatureExpire",
        ),
        (
            "future timestamp",
            Some(sign_post(&id, &key, HOST, b"{}", now + 301)),
            now + 301,
            HOST,
            "2020-10-02",
            "AuthFailure.SignatureExpire",
        ),
        (
            "wrong version",
            Some(sign_post(&id, &key, HOST, b"{}", now)),
            now,
            HOST,
            "2019-01-01",
            "NoSuchVersion",
        ),
    ];
    for (name, auth, ts, host, version, code) in cases {
        let answer = h.send(request(&h, auth, ts, host, version, "{}")).await;
        assert_eq!(answer.status, 200, "{name}");
        assert_eq!(answer.content_type, "application/json", "{name}");
        assert_eq!(answer.code(), code, "{name}: {}", answer.body);
    }
    let tampered = request(
        &h,
        Some(sign_post(&id, &key, HOST, b"{}", now)),
        now,
        HOST,
        "2020-10-02",
        "{ }",
    );
    assert_eq!(
        h.send(tampered).await.code(),
        "AuthFailure.SignatureFailure"
    );
}

#[tokio::test]
async fn tccli_style_host_with_scheme_verifies() {
    let h = Harness::new("acme").await;
    let host = "http://127.0.0.1:8080";
    let now = h.now();
    let auth = sign_post(&h.secret_id, &h.secret_key, host, b"{}", now);
    let answer = h
        .send(request(&h, Some(auth), now, host, "2020-10-02", "{}"))
        .await;
    assert_eq!(answer.code(), "", "{}", answer.body);
}

#[tokio::test]
async fn revoked_keys_stop_working() {
    let h = Harness::new("acme").await;
    assert_eq!(h.call("ListEmailAddress", json!({})).await.code(), "");
    let id = sesame_core::types::SecretId::parse(&h.secret_id).unwrap();
    assert!(h.app.revoke_key(&id).await.unwrap());
    assert_eq!(
        h.call("ListEmailAddress", json!({})).await.code(),
        "AuthFailure.SecretIdNotFound"
    );
}

#[tokio::test]
async fn a_send_with_4mb_of_attachments_is_accepted_and_10mb_bodies_are_refused() {
    let h = Harness::new("acme").await;
    let template = h.ready_to_send().await;
    let chunk = b64(&"a".repeat(400 * 1024));
    let attachments: Vec<_> = (0..10)
        .map(|i| json!({"FileName": format!("part{i}.txt"), "Content": chunk}))
        .collect();
    let body = json!({
        "FromEmailAddress": "noreply@example.com",
        "Destination": ["user@example.org"],
        "Subject": "big",
        "Template": {"TemplateID": template, "TemplateData": "{}"},
        "Attachments": attachments,
    });
    let raw = body.to_string();
    assert!(raw.len() > 5_400_000, "{}", raw.len());
    let answer = h.send(h.signed("SendEmail", raw.as_bytes())).await;
    assert_eq!(answer.code(), "", "{}", answer.body);

    let huge = format!("{{\"Pad\": \"{}\"}}", "x".repeat(10 * 1024 * 1024 + 1));
    let answer = h.send(h.signed("SendEmail", huge.as_bytes())).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.code(), "RequestSizeLimitExceeded");
}

#[tokio::test]
async fn one_account_cannot_see_or_touch_anothers_records() {
    let h = Harness::new("acme").await;
    let template = h.ready_to_send().await;
    let sent = h
        .ok(
            "SendEmail",
            json!({"FromEmailAddress": "noreply@example.com", "Destination": ["a@example.org"], "Subject": "s",
                   "Template": {"TemplateID": template, "TemplateData": "{}"}}),
        )
        .await;
    let (other_id, other_key) = h.other_account("rival").await;
    let as_other = |action: &str, body: serde_json::Value| {
        h.signed_with(&other_id, &other_key, action, body.to_string().as_bytes())
    };

    let cases = vec![
        (
            "GetEmailTemplate",
            json!({"TemplateID": template}),
            "InvalidParameterValue.TemplateNotExist",
        ),
        (
            "DeleteEmailTemplate",
            json!({"TemplateID": template}),
            "InvalidParameterValue.TemplateNotExist",
        ),
        (
            "UpdateEmailTemplate",
            json!({"TemplateID": template, "TemplateName": "x", "TemplateContent": {"Text": b64("x")}}),
            "InvalidParameterValue.TemplateNotExist",
        ),
        (
            "GetEmailIdentity",
            json!({"EmailIdentity": "example.com"}),
            "InvalidParameterValue.NotExistDomain",
        ),
        (
            "DeleteEmailIdentity",
            json!({"EmailIdentity": "example.com"}),
            "InvalidParameterValue.NotExistDomain",
        ),
        (
            "UpdateEmailIdentity",
            json!({"EmailIdentity": "example.com"}),
            "InvalidParameterValue.NotExistDomain",
        ),
        (
            "CreateEmailIdentity",
            json!({"EmailIdentity": "example.com"}),
            "InvalidParameterValue.CreatedByOther",
        ),
        (
            "CreateEmailAddress",
            json!({"EmailAddress": "x@example.com"}),
            "InvalidParameterValue.NotExistDomain",
        ),
        (
            "DeleteEmailAddress",
            json!({"EmailAddress": "noreply@example.com"}),
            "InvalidParameterValue.NoSuchSender",
        ),
        (
            "SendEmail",
            json!({"FromEmailAddress": "noreply@example.com", "Destination": ["a@example.org"], "Subject": "s",
                   "Template": {"TemplateID": template, "TemplateData": "{}"}}),
            "InvalidParameterValue.NoSuchSender",
        ),
    ];
    for (action, body, code) in cases {
        let answer = h.send(as_other(action, body)).await;
        assert_eq!(answer.code(), code, "{action}: {}", answer.body);
    }
    let listed = h
        .send(as_other(
            "ListEmailTemplates",
            json!({"Limit": 10, "Offset": 0}),
        ))
        .await;
    assert_eq!(listed.body["Response"]["TotalCount"], 0);
    let listed = h.send(as_other("ListEmailIdentities", json!({}))).await;
    assert_eq!(listed.body["Response"]["Total"], 0);
    let listed = h.send(as_other("ListEmailAddress", json!({}))).await;
    assert_eq!(listed.body["Response"]["EmailSenders"], json!([]));
    let today = chrono::DateTime::from_timestamp(h.now(), 0)
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string();
    let status = h
        .send(as_other("GetSendEmailStatus", json!({"RequestDate": today, "Offset": 0, "Limit": 100, "MessageId": sent["MessageId"]})))
        .await;
    assert_eq!(status.body["Response"]["EmailStatusList"], json!([]));
    let own = h
        .ok(
            "GetSendEmailStatus",
            json!({"RequestDate": today, "Offset": 0, "Limit": 100}),
        )
        .await;
    assert_eq!(own["EmailStatusList"].as_array().unwrap().len(), 1);
    assert_eq!(own["EmailStatusList"][0]["DeliverStatus"], 0);
}
