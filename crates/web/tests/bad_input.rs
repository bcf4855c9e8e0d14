//! Bad input through the API: each request gets its documented error code, HTTP 200 with the
//! error envelope, and changes nothing (no message accepted, no job queued, no record written).

mod common;

use serde_json::{Value, json};

use common::{Harness, b64};

fn send(overrides: Value) -> Value {
    let mut base = json!({
        "FromEmailAddress": "Ops <noreply@example.com>",
        "Destination": ["user@example.org"],
        "Subject": "Hi {{name}}",
        "Template": {"TemplateID": 1, "TemplateData": "{\"name\":\"Ann\"}"},
    });
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

fn many(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("u{i}@example.org")).collect()
}

/// (name, action, raw body, expected code)
fn cases(template_id: u64) -> Vec<(&'static str, &'static str, String, &'static str)> {
    let s = |v: Value| send(v).to_string();
    let tid = template_id;
    vec![
        (
            "malformed json",
            "SendEmail",
            "{\"FromEmailAddress\": ".into(),
            "InvalidParameter",
        ),
        (
            "body is an array",
            "SendEmail",
            "[1,2]".into(),
            "InvalidParameter",
        ),
        (
            "missing From",
            "SendEmail",
            s(json!({"FromEmailAddress": null})),
            "MissingParameter",
        ),
        (
            "missing Subject",
            "SendEmail",
            s(json!({"Subject": null})),
            "MissingParameter",
        ),
        (
            "unknown field",
            "SendEmail",
            s(json!({"Colour": "blue"})),
            "UnknownParameter",
        ),
        (
            "Destination not array",
            "SendEmail",
            s(json!({"Destination": "user@example.org"})),
            "InvalidParameter",
        ),
        (
            "TemplateID as string",
            "SendEmail",
            s(json!({"Template": {"TemplateID": "1", "TemplateData": "{}"}})),
            "InvalidParameter",
        ),
        (
            "TriggerType negative",
            "SendEmail",
            s(json!({"TriggerType": -1})),
            "InvalidParameter",
        ),
        (
            "empty From",
            "SendEmail",
            s(json!({"FromEmailAddress": ""})),
            "InvalidParameterValue.EmailAddressIsNULL",
        ),
        (
            "From without @",
            "SendEmail",
            s(json!({"FromEmailAddress": "noreply"})),
            "FailedOperation.IncorrectSender",
        ),
        (
            "From alias two spaces",
            "SendEmail",
            s(json!({"FromEmailAddress": "Ops  <noreply@example.com>"})),
            "FailedOperation.IncorrectSender",
        ),
        (
            "From alias with colon",
            "SendEmail",
            s(json!({"FromEmailAddress": "a:b <noreply@example.com>"})),
            "InvalidParameterValue.IllegalSenderName",
        ),
        (
            "CRLF in alias",
            "SendEmail",
            s(json!({"FromEmailAddress": "Ops\r\nBcc: x@y.com <noreply@example.com>"})),
            "InvalidParameterValue.IllegalSenderName",
        ),
        (
            "no recipients",
            "SendEmail",
            s(json!({"Destination": []})),
            "InvalidParameterValue.EmailAddressIsNULL",
        ),
        (
            "invalid recipient",
            "SendEmail",
            s(json!({"Destination": ["not-an-address"]})),
            "InvalidParameterValue.IllegalEmailAddress",
        ),
        (
            "IDN recipient",
            "SendEmail",
            s(json!({"Destination": ["用户@例子.广告"]})),
            "InvalidParameterValue.IllegalEmailAddress",
        ),
        (
            "IDN domain",
            "SendEmail",
            s(json!({"Destination": ["a@bücher.de"]})),
            "InvalidParameterValue.IllegalEmailAddress",
        ),
        (
            "CRLF in recipient",
            "SendEmail",
            s(json!({"Destination": ["a@b.com\r\nBcc: c@d.com"]})),
            "InvalidParameterValue.IllegalEmailAddress",
        ),
        (
            "51 recipients",
            "SendEmail",
            s(json!({"Destination": many(51)})),
            "FailedOperation.TooManyRecipients",
        ),
        (
            "21 Cc",
            "SendEmail",
            s(json!({"Cc": many(21)})),
            "FailedOperation.TooManyRecipients",
        ),
        (
            "21 Bcc",
            "SendEmail",
            s(json!({"Bcc": many(21)})),
            "FailedOperation.TooManyRecipients",
        ),
        (
            "bad Cc",
            "SendEmail",
            s(json!({"Cc": ["x@"]})),
            "InvalidParameterValue.IllegalEmailAddress",
        ),
        (
            "Bcc repeats To",
            "SendEmail",
            s(json!({"Bcc": ["user@example.org"]})),
            "InvalidParameterValue",
        ),
        (
            "bad reply-to",
            "SendEmail",
            s(json!({"ReplyToAddresses": "nobody"})),
            "InvalidParameterValue.IllegalEmailAddress",
        ),
        (
            "empty subject",
            "SendEmail",
            s(json!({"Subject": ""})),
            "InvalidParameterValue.SubjectLengthError",
        ),
        (
            "subject too long",
            "SendEmail",
            s(json!({"Subject": "x".repeat(999)})),
            "InvalidParameterValue.SubjectLengthError",
        ),
        (
            "CRLF in subject",
            "SendEmail",
            s(json!({"Subject": "Hi\r\nBcc: x@y.com"})),
            "InvalidParameterValue",
        ),
        (
            "no content",
            "SendEmail",
            s(json!({"Template": null})),
            "FailedOperation.MissingEmailContent",
        ),
        (
            "template and simple",
            "SendEmail",
            s(json!({"Simple": {"Text": b64("x")}})),
            "InvalidParameterValue",
        ),
        (
            "unknown template",
            "SendEmail",
            s(json!({"Template": {"TemplateID": 999, "TemplateData": "{}"}})),
            "FailedOperation.InvalidTemplateID",
        ),
        (
            "template data not json",
            "SendEmail",
            s(json!({"Template": {"TemplateID": tid, "TemplateData": "{name"}})),
            "FailedOperation.WrongContentJson",
        ),
        (
            "template data not object",
            "SendEmail",
            s(json!({"Template": {"TemplateID": tid, "TemplateData": "[1]"}})),
            "InvalidParameterValue.TemplateDataError",
        ),
        (
            "simple not base64",
            "SendEmail",
            s(json!({"Template": null, "Simple": {"Html": "<p>raw</p>"}})),
            "InvalidParameterValue.EmailContentIsWrong",
        ),
        (
            "simple empty",
            "SendEmail",
            s(json!({"Template": null, "Simple": {}})),
            "FailedOperation.MissingEmailContent",
        ),
        (
            "11 attachments",
            "SendEmail",
            s(json!({"Attachments": vec![json!({"FileName": "a.txt", "Content": b64("a")}); 11]})),
            "FailedOperation.TooManyAttachments",
        ),
        (
            "attachment not base64",
            "SendEmail",
            s(json!({"Attachments": [{"FileName": "a.txt", "Content": "***"}]})),
            "InvalidParameterValue.AttachContentIsWrong",
        ),
        (
            "attachment exe",
            "SendEmail",
            s(json!({"Attachments": [{"FileName": "run.exe", "Content": b64("MZ")}]})),
            "FailedOperation.InvalidAttachName",
        ),
        (
            "attachment CRLF name",
            "SendEmail",
            s(json!({"Attachments": [{"FileName": "a\r\n.txt", "Content": b64("a")}]})),
            "FailedOperation.InvalidAttachName",
        ),
        (
            "attachment FileURL",
            "SendEmail",
            s(json!({"Attachments": [{"FileName": "a.txt", "FileURL": "http://x/a"}]})),
            "InvalidParameterValue.AttachContentIsWrong",
        ),
        (
            "attachments over 4 MB",
            "SendEmail",
            s(
                json!({"Attachments": [{"FileName": "big.bin", "Content": b64(&"x".repeat(4 * 1024 * 1024 + 1))}]}),
            ),
            "FailedOperation.AttachContentToolarge",
        ),
        (
            "header not allowed",
            "SendEmail",
            s(json!({"SmtpHeaders": "{\"Bcc\":\"x@y.com\"}"})),
            "InvalidParameterValue",
        ),
        (
            "header CRLF",
            "SendEmail",
            s(json!({"SmtpHeaders": "{\"X-A\":\"1\\r\\nBcc: x@y.com\"}"})),
            "InvalidParameterValue",
        ),
        (
            "headers not json",
            "SendEmail",
            s(json!({"SmtpHeaders": "X-A: 1"})),
            "InvalidParameterValue",
        ),
        (
            "message id malformed",
            "SendEmail",
            s(json!({"SmtpMessageId": "no-brackets"})),
            "InvalidParameterValue",
        ),
        (
            "header from other domain",
            "SendEmail",
            s(json!({"HeaderFrom": "x@evil.example"})),
            "FailedOperation.IncorrectSender",
        ),
        (
            "unsubscribe 13",
            "SendEmail",
            s(json!({"Unsubscribe": "13"})),
            "InvalidParameterValue",
        ),
        (
            "unsubscribe as number",
            "SendEmail",
            s(json!({"Unsubscribe": 1})),
            "InvalidParameter",
        ),
        (
            "trigger type 2",
            "SendEmail",
            s(json!({"TriggerType": 2})),
            "InvalidParameterValue",
        ),
        (
            "unknown sender",
            "SendEmail",
            s(json!({"FromEmailAddress": "other@example.com"})),
            "InvalidParameterValue.NoSuchSender",
        ),
        (
            "template name empty",
            "CreateEmailTemplate",
            json!({"TemplateName": "", "TemplateContent": {"Text": b64("x")}}).to_string(),
            "InvalidParameterValue.TemplateNameIsNULL",
        ),
        (
            "template content empty",
            "CreateEmailTemplate",
            json!({"TemplateName": "t", "TemplateContent": {}}).to_string(),
            "InvalidParameterValue.TemplateContentIsNULL",
        ),
        (
            "template not base64",
            "CreateEmailTemplate",
            json!({"TemplateName": "t", "TemplateContent": {"Html": "<p>"}}).to_string(),
            "InvalidParameterValue.TemplateContentIsWrong",
        ),
        (
            "template missing content",
            "CreateEmailTemplate",
            json!({"TemplateName": "t"}).to_string(),
            "MissingParameter",
        ),
        (
            "get unknown template",
            "GetEmailTemplate",
            json!({"TemplateID": 4242}).to_string(),
            "InvalidParameterValue.TemplateNotExist",
        ),
        (
            "list limit 101",
            "ListEmailTemplates",
            json!({"Limit": 101, "Offset": 0}).to_string(),
            "FailedOperation.InvalidLimit",
        ),
        (
            "identity not a domain",
            "CreateEmailIdentity",
            json!({"EmailIdentity": "not a domain"}).to_string(),
            "InvalidParameterValue.InvalidEmailIdentity",
        ),
        (
            "identity repeated",
            "CreateEmailIdentity",
            json!({"EmailIdentity": "example.com"}).to_string(),
            "InvalidParameterValue.RepeatCreation",
        ),
        (
            "identity RSA-1024",
            "CreateEmailIdentity",
            json!({"EmailIdentity": "new.example.com", "DKIMOption": 0}).to_string(),
            "InvalidParameterValue",
        ),
        (
            "sender on unknown domain",
            "CreateEmailAddress",
            json!({"EmailAddress": "a@unknown.example"}).to_string(),
            "InvalidParameterValue.NotExistDomain",
        ),
        (
            "sender repeated",
            "CreateEmailAddress",
            json!({"EmailAddress": "noreply@example.com"}).to_string(),
            "InvalidParameterValue.RepeatEmailAddress",
        ),
        (
            "sender bad name",
            "CreateEmailAddress",
            json!({"EmailAddress": "b@example.com", "EmailSenderName": "a\r\nb"}).to_string(),
            "InvalidParameterValue.IllegalSenderName",
        ),
        (
            "delete domain with senders",
            "DeleteEmailIdentity",
            json!({"EmailIdentity": "example.com"}).to_string(),
            "OperationDenied.SenderWithDomainIsNotEmpty",
        ),
        (
            "status bad date",
            "GetSendEmailStatus",
            json!({"RequestDate": "2024/01/01", "Offset": 0, "Limit": 10}).to_string(),
            "InvalidParameterValue.WrongDate",
        ),
        (
            "status old date",
            "GetSendEmailStatus",
            json!({"RequestDate": "2001-01-01", "Offset": 0, "Limit": 10}).to_string(),
            "FailedOperation.NotSupportDate",
        ),
        (
            "status limit 101",
            "GetSendEmailStatus",
            json!({"RequestDate": "2024-01-01", "Offset": 0, "Limit": 101}).to_string(),
            "FailedOperation.InvalidLimit",
        ),
        (
            "unsupported action",
            "UpdateEmailSmtpPassWord",
            "{}".into(),
            "UnsupportedOperation",
        ),
        (
            "batch without sender, list and template",
            "BatchSendEmail",
            json!({"Subject": "Hi", "TaskType": 1}).to_string(),
            "MissingParameter.SendParamNecessary",
        ),
        (
            "batch timed without TimedParam",
            "BatchSendEmail",
            json!({"FromEmailAddress": "noreply@example.com", "ReceiverId": 1, "Subject": "Hi",
                   "TaskType": 2, "Template": {"TemplateID": template_id, "TemplateData": "{}"}})
            .to_string(),
            "MissingParameter.TimedParamNecessary",
        ),
        (
            "batch recurring without IntervalTime",
            "BatchSendEmail",
            json!({"FromEmailAddress": "noreply@example.com", "ReceiverId": 1, "Subject": "Hi",
                   "TaskType": 3, "CycleParam": {"BeginTime": "2999-01-01 00:00:00"},
                   "Template": {"TemplateID": template_id, "TemplateData": "{}"}})
            .to_string(),
            "MissingParameter.CycleParamNecessary",
        ),
        (
            "batch begin time in the past",
            "BatchSendEmail",
            json!({"FromEmailAddress": "noreply@example.com", "ReceiverId": 1, "Subject": "Hi",
                   "TaskType": 2, "TimedParam": {"BeginTime": "2001-01-01 00:00:00"},
                   "Template": {"TemplateID": template_id, "TemplateData": "{}"}})
            .to_string(),
            "InvalidParameterValue.BeginTimeBeforeNow",
        ),
        (
            "batch to a group that does not exist",
            "BatchSendEmail",
            json!({"FromEmailAddress": "noreply@example.com", "ReceiverId": 424242, "Subject": "Hi",
                   "TaskType": 1, "Template": {"TemplateID": template_id, "TemplateData": "{}"}})
            .to_string(),
            "OperationDenied.ReceiverNotExist",
        ),
        (
            "list tasks limit 101",
            "ListSendTasks",
            json!({"Offset": 0, "Limit": 101}).to_string(),
            "FailedOperation.InvalidLimit",
        ),
        (
            "list tasks unknown status",
            "ListSendTasks",
            json!({"Offset": 0, "Limit": 10, "Status": 3}).to_string(),
            "InvalidParameterValue",
        ),
        ("unknown action", "SendMail", "{}".into(), "InvalidAction"),
    ]
}

#[tokio::test]
async fn each_bad_request_gets_its_documented_code_and_changes_nothing() {
    let h = Harness::new("acme").await;
    let template_id = h.ready_to_send().await;
    let templates_before = h
        .ok("ListEmailTemplates", json!({"Limit": 100, "Offset": 0}))
        .await["TotalCount"]
        .clone();
    let senders_before = h.ok("ListEmailAddress", json!({})).await["EmailSenders"].clone();
    let domains_before = h.ok("ListEmailIdentities", json!({})).await["Total"].clone();

    let cases = cases(template_id);
    assert!(cases.len() >= 40);
    for (name, action, body, expected) in cases {
        let answer = h.send(h.signed(action, body.as_bytes())).await;
        assert_eq!(answer.status, 200, "{name}");
        assert_eq!(answer.content_type, "application/json", "{name}");
        assert_eq!(answer.code(), expected, "{name}: {}", answer.body);
        assert!(answer.body["Response"]["RequestId"].is_string(), "{name}");
        assert!(
            !answer.body["Response"]["Error"]["Message"]
                .as_str()
                .unwrap()
                .is_empty(),
            "{name}"
        );
    }

    assert!(h.app.queue.is_empty(), "a refused send queued a job");
    let after = h
        .ok("ListEmailTemplates", json!({"Limit": 100, "Offset": 0}))
        .await["TotalCount"]
        .clone();
    assert_eq!(after, templates_before);
    assert_eq!(
        h.ok("ListEmailAddress", json!({})).await["EmailSenders"],
        senders_before
    );
    assert_eq!(
        h.ok("ListEmailIdentities", json!({})).await["Total"],
        domains_before
    );
}

#[tokio::test]
async fn unverified_domain_cannot_send() {
    let h = Harness::new("acme").await;
    h.ok(
        "CreateEmailIdentity",
        json!({"EmailIdentity": "example.com"}),
    )
    .await;
    h.ok(
        "CreateEmailAddress",
        json!({"EmailAddress": "noreply@example.com"}),
    )
    .await;
    let answer = h
        .call(
            "SendEmail",
            send(json!({"Template": null, "Simple": {"Text": b64("hi")}})),
        )
        .await;
    assert_eq!(answer.code(), "OperationDenied.DomainNotVerified");
    assert!(h.app.queue.is_empty());
}
