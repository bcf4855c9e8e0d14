//! Recipient groups, blacklists and unsubscribe configs through the API router: wire shapes,
//! documented error codes, and SendEmail refusing blacklisted recipients.

mod common;

use serde_json::{Value, json};

use common::Harness;
use sesame_core::ports::Clock;

fn send_to(to: &str) -> Value {
    json!({
        "FromEmailAddress": "Ops <noreply@example.com>",
        "Destination": [to],
        "Subject": "Hi",
        "Template": {"TemplateID": 1, "TemplateData": "{\"name\":\"Ann\"}"},
    })
}

#[tokio::test]
async fn receivers_upload_list_and_delete_over_the_wire() {
    let h = Harness::new("acme").await;
    let id = h
        .ok(
            "CreateReceiver",
            json!({"ReceiversName": "news", "Desc": "weekly"}),
        )
        .await["ReceiverId"]
        .as_u64()
        .expect("ReceiverId is a number");
    let counters = h
        .ok(
            "CreateReceiverDetailWithData",
            json!({"ReceiverId": id, "Datas": [
                {"Email": "a@example.org", "TemplateData": "{\"name\":\"A\"}"},
                {"Email": "a@example.org", "TemplateData": "{\"name\":\"A\"}"},
                {"Email": "nope", "TemplateData": "{\"name\":\"N\"}"},
                {"Email": "", "TemplateData": "{\"name\":\"E\"}"},
            ]}),
        )
        .await;
    assert_eq!(counters["TotalCount"], 4);
    assert_eq!(counters["ValidCount"], 1);
    assert_eq!(counters["RepeatCount"], 1);
    assert_eq!(counters["EmptyEmailCount"], 1);
    assert_eq!(counters["TooLongCount"], 0);

    let listed = h
        .ok(
            "ListReceivers",
            json!({"Offset": 0, "Limit": 10, "KeyWord": "NEW"}),
        )
        .await;
    assert_eq!(listed["TotalCount"], 1);
    let group = &listed["Data"][0];
    assert_eq!(group["ReceiverId"], id);
    assert_eq!(group["ReceiversName"], "news");
    assert_eq!(group["Desc"], "weekly");
    assert_eq!(group["ReceiversStatus"], 3);
    assert_eq!(group["Count"], 2);
    assert_eq!(group["InvalidCount"], 1);
    assert!(group["CreateTime"].as_str().expect("string").len() == 19);

    let details = h
        .ok(
            "ListReceiverDetails",
            json!({"ReceiverId": id, "Offset": 0, "Limit": 10}),
        )
        .await;
    assert_eq!(
        (
            details["TotalCount"].clone(),
            details["ValidCount"].clone(),
            details["InvalidCount"].clone()
        ),
        (json!(2), json!(1), json!(1))
    );
    assert_eq!(details["Data"][0]["Email"], "a@example.org");
    assert_eq!(details["Data"][0]["TemplateData"], "{\"name\":\"A\"}");
    assert_eq!(details["Data"][0]["Status"], 1);
    assert_eq!(details["Data"][0]["Reason"], "");
    assert_eq!(details["Data"][0]["EmailId"], 1);
    assert_eq!(details["Data"][1]["Status"], 2);
    assert_ne!(details["Data"][1]["Reason"], "");
    let invalid = h
        .ok(
            "ListReceiverDetails",
            json!({"ReceiverId": id, "Offset": 0, "Limit": 10, "Status": 2}),
        )
        .await;
    assert_eq!(invalid["TotalCount"], 1);

    h.ok("DeleteReceiver", json!({"ReceiverId": id})).await;
    let gone = h.call("DeleteReceiver", json!({"ReceiverId": id})).await;
    assert_eq!(gone.code(), "OperationDenied.ReceiverNotExist");
}

#[tokio::test]
async fn bad_receiver_requests_get_their_documented_codes() {
    let h = Harness::new("acme").await;
    let id = h
        .ok("CreateReceiver", json!({"ReceiversName": "news"}))
        .await["ReceiverId"]
        .as_u64()
        .expect("id");
    let too_many: Vec<String> = (0..20_001).map(|n| format!("u{n}@example.org")).collect();
    let cases = [
        (
            "CreateReceiver",
            json!({"ReceiversName": "news"}),
            "InvalidParameterValue.RepeatReceiverName",
        ),
        (
            "CreateReceiver",
            json!({"ReceiversName": ""}),
            "InvalidParameterValue.ReceiverNameIllegal",
        ),
        (
            "CreateReceiver",
            json!({"ReceiversName": "x", "Desc": "<b>"}),
            "InvalidParameterValue.ReceiverDescIllegal",
        ),
        (
            "CreateReceiverDetail",
            json!({"Emails": ["a@example.org"]}),
            "MissingParameter.ReceiverIdNecessary",
        ),
        (
            "CreateReceiverDetail",
            json!({"ReceiverId": id}),
            "MissingParameter.EmailsNecessary",
        ),
        (
            "CreateReceiverDetail",
            json!({"ReceiverId": id, "Emails": []}),
            "MissingParameter.EmailsNecessary",
        ),
        (
            "CreateReceiverDetail",
            json!({"ReceiverId": 999_999, "Emails": ["a@example.org"]}),
            "OperationDenied.ReceiverNotExist",
        ),
        (
            "CreateReceiverDetail",
            json!({"ReceiverId": id, "Emails": too_many}),
            "LimitExceeded.ReceiverDetailRequestLimit",
        ),
        (
            "CreateReceiverDetailWithData",
            json!({"ReceiverId": id, "Datas": [
            {"Email": "a@example.org", "TemplateData": "{\"a\":1}"},
            {"Email": "b@example.org", "TemplateData": "{\"b\":1}"}]}),
            "InvalidParameterValue.TemplateDataInconsistent",
        ),
        (
            "CreateReceiverDetailWithData",
            json!({"ReceiverId": id, "Datas": [
            {"Email": "a@example.org", "TemplateData": "{\"a\":\"<p>x</p>\"}"}]}),
            "InvalidParameterValue.InValidTemplateData",
        ),
        (
            "CreateReceiverDetailWithData",
            json!({"ReceiverId": id, "Datas": [
            {"Email": "a@example.org", "TemplateData": format!("{{\"a\":\"{}\"}}", "x".repeat(801))}]}),
            "InvalidParameterValue.TemplateDataLenLimit",
        ),
        (
            "ListReceivers",
            json!({"Offset": 0, "Limit": 101}),
            "FailedOperation.InvalidLimit",
        ),
        ("ListReceivers", json!({"Offset": 0}), "MissingParameter"),
        (
            "ListReceiverDetails",
            json!({"ReceiverId": id, "Offset": 0, "Limit": 10, "CreateTimeBegin": "yesterday"}),
            "InvalidParameterValue.WrongDate",
        ),
        (
            "DeleteReceiver",
            json!({}),
            "MissingParameter.ReceiverIdNecessary",
        ),
    ];
    for (action, body, expected) in cases {
        let answer = h.call(action, body).await;
        assert_eq!(answer.code(), expected, "{action}: {}", answer.body);
    }
    let listed = h
        .ok("ListReceivers", json!({"Offset": 0, "Limit": 10}))
        .await;
    assert_eq!(listed["TotalCount"], 1);
    assert_eq!(listed["Data"][0]["Count"], 0);
    assert_eq!(listed["Data"][0]["ReceiversStatus"], 1);
}

#[tokio::test]
async fn another_account_cannot_see_or_use_a_group() {
    let h = Harness::new("acme").await;
    let id = h
        .ok("CreateReceiver", json!({"ReceiversName": "news"}))
        .await["ReceiverId"]
        .as_u64()
        .expect("id");
    let (other_id, other_key) = h.other_account("rival").await;
    for (action, body) in [
        (
            "CreateReceiverDetail",
            json!({"ReceiverId": id, "Emails": ["a@example.org"]}),
        ),
        (
            "ListReceiverDetails",
            json!({"ReceiverId": id, "Offset": 0, "Limit": 10}),
        ),
        ("DeleteReceiver", json!({"ReceiverId": id})),
    ] {
        let request = h.signed_with(&other_id, &other_key, action, body.to_string().as_bytes());
        let answer = h.send(request).await;
        assert_eq!(
            answer.code(),
            "OperationDenied.ReceiverNotExist",
            "{action}"
        );
    }
}

#[tokio::test]
async fn send_email_refuses_custom_and_bounce_blacklisted_recipients() {
    let h = Harness::new("acme").await;
    h.ready_to_send().await;
    let added = h
        .ok(
            "CreateCustomBlacklist",
            json!({"Emails": ["Blocked@Example.org", "bad", "blocked@example.org"]}),
        )
        .await;
    assert_eq!(
        (
            added["TotalCount"].clone(),
            added["ValidCount"].clone(),
            added["RepeatCount"].clone(),
            added["InvalidCount"].clone()
        ),
        (json!(3), json!(1), json!(1), json!(1))
    );
    let answer = h.call("SendEmail", send_to("blocked@example.org")).await;
    assert_eq!(answer.code(), "FailedOperation.EmailAddrInBlacklist");
    let account = h.account.clone();
    let bounced = sesame_core::types::EmailAddress::parse("gone@example.org").expect("addr");
    h.app
        .add_to_bounce_blacklist(
            &account,
            &bounced,
            h.app.clock.now(),
            "550 5.1.1 no such user",
        )
        .await
        .expect("bounce");
    let answer = h.call("SendEmail", send_to("gone@example.org")).await;
    assert_eq!(answer.code(), "FailedOperation.EmailAddrInBlacklist");
    h.ok("SendEmail", send_to("fine@example.org")).await;

    let today = h.app.today().format("%Y-%m-%d").to_string();
    let bounces = h
        .ok(
            "ListBlackEmailAddress",
            json!({"StartDate": today, "EndDate": today, "Offset": 0, "Limit": 10}),
        )
        .await;
    assert_eq!(bounces["TotalCount"], 1);
    assert_eq!(bounces["BlackList"][0]["EmailAddress"], "gone@example.org");
    assert_eq!(bounces["BlackList"][0]["IspDesc"], "550 5.1.1 no such user");
    h.ok(
        "DeleteBlackList",
        json!({"EmailAddressList": ["gone@example.org"]}),
    )
    .await;
    h.ok("SendEmail", send_to("gone@example.org")).await;

    let custom = h
        .ok(
            "ListCustomBlacklist",
            json!({"Offset": 0, "Limit": 10, "Status": 2}),
        )
        .await;
    assert_eq!(custom["TotalCount"], 1);
    let entry = &custom["Data"][0];
    assert_eq!(entry["Email"], "blocked@example.org");
    assert_eq!(entry["Status"], 1);
    assert_eq!(entry["ExpireDate"], "");
    // Expiring today still blocks; moving the entry to another address frees this one.
    let id = entry["Id"].as_u64().expect("Id is a number");
    h.ok(
        "UpdateCustomBlackList",
        json!({"Id": id, "Email": "other@example.org", "ExpireDate": today}),
    )
    .await;
    h.ok("SendEmail", send_to("blocked@example.org")).await;
    assert_eq!(
        h.call("SendEmail", send_to("other@example.org"))
            .await
            .code(),
        "FailedOperation.EmailAddrInBlacklist"
    );
    h.ok(
        "DeleteCustomBlackList",
        json!({"Emails": ["other@example.org"]}),
    )
    .await;
    h.ok("SendEmail", send_to("other@example.org")).await;

    for (action, body, expected) in [
        (
            "CreateCustomBlacklist",
            json!({}),
            "MissingParameter.EmailsNecessary",
        ),
        (
            "CreateCustomBlacklist",
            json!({"Emails": ["a@example.org"], "ExpireDate": "2001-01-01"}),
            "InvalidParameterValue.WrongDate",
        ),
        (
            "CreateCustomBlacklist",
            json!({"Emails": ["a@example.org"], "ExpireDate": "tomorrow"}),
            "InvalidParameterValue.WrongDate",
        ),
        (
            "ListCustomBlacklist",
            json!({"Offset": 0, "Limit": 10, "Status": 3}),
            "InvalidParameterValue",
        ),
        (
            "UpdateCustomBlackList",
            json!({"Id": 424242, "Email": "x@example.org"}),
            "ResourceNotFound",
        ),
        (
            "DeleteCustomBlackList",
            json!({"Emails": ["not an address"]}),
            "InvalidParameterValue.IllegalEmailAddress",
        ),
        (
            "DeleteBlackList",
            json!({"EmailAddressList": []}),
            "MissingParameter.EmailsNecessary",
        ),
        (
            "ListBlackEmailAddress",
            json!({"StartDate": "2024-02-02", "EndDate": "2024-02-01", "Offset": 0, "Limit": 10}),
            "InvalidParameterValue.WrongDate",
        ),
    ] {
        assert_eq!(h.call(action, body).await.code(), expected, "{action}");
    }
}

#[tokio::test]
async fn unsubscribe_configs_over_the_wire() {
    let h = Harness::new("acme").await;
    h.ready_to_send().await;
    let config = |lang: &str, status: u64| json!({"Address": "noreply@example.com", "UnsubscribeConfig": lang, "Status": status});
    h.ok("CreateAddressUnsubscribeConfig", config("2", 1)).await;
    assert_eq!(
        h.call("CreateAddressUnsubscribeConfig", config("3", 1))
            .await
            .code(),
        "InvalidParameterValue"
    );
    h.ok("UpdateAddressUnsubscribeConfig", config("6", 0)).await;
    let listed = h
        .ok(
            "ListAddressUnsubscribeConfig",
            json!({"Offset": 0, "Limit": "10"}),
        )
        .await;
    assert_eq!(listed["Total"], 1);
    assert_eq!(
        listed["AddressUnsubscribeConfigList"][0],
        json!({"Address": "noreply@example.com", "UnsubscribeConfig": "6", "Status": 0})
    );
    for (action, body, expected) in [
        (
            "CreateAddressUnsubscribeConfig",
            json!({"Address": "x@example.com", "UnsubscribeConfig": "1", "Status": 1}),
            "InvalidParameterValue.NoSuchSender",
        ),
        (
            "CreateAddressUnsubscribeConfig",
            json!({"Address": "noreply@example.com", "UnsubscribeConfig": 1, "Status": 1}),
            "InvalidParameter",
        ),
        (
            "UpdateAddressUnsubscribeConfig",
            config("11", 1),
            "InvalidParameterValue",
        ),
        (
            "UpdateAddressUnsubscribeConfig",
            json!({"Address": "x@example.com", "UnsubscribeConfig": "1", "Status": 1}),
            "ResourceNotFound",
        ),
        (
            "ListAddressUnsubscribeConfig",
            json!({"Limit": "101"}),
            "FailedOperation.InvalidLimit",
        ),
        (
            "DeleteAddressUnsubscribeConfig",
            json!({}),
            "MissingParameter",
        ),
    ] {
        assert_eq!(h.call(action, body).await.code(), expected, "{action}");
    }
    h.ok(
        "DeleteAddressUnsubscribeConfig",
        json!({"Address": "noreply@example.com"}),
    )
    .await;
    let listed = h.ok("ListAddressUnsubscribeConfig", json!({})).await;
    assert_eq!(listed["Total"], 0);
}
