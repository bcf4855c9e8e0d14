//! UpdateEmailIdentity over the API: DNS re-check and key rotation as the wire shows them.

mod common;

use serde_json::{Value, json};

use common::Harness;

fn attribute<'a>(response: &'a Value, prefix: &str) -> Vec<&'a Value> {
    response["Attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["SendDomain"].as_str().unwrap().starts_with(prefix))
        .collect()
}

#[tokio::test]
async fn update_email_identity_rechecks_dns_and_answers_like_create() {
    let h = Harness::new("acme").await;
    let created = h
        .ok(
            "CreateEmailIdentity",
            json!({"EmailIdentity": "mail.example.com"}),
        )
        .await;
    let before = h
        .ok(
            "UpdateEmailIdentity",
            json!({"EmailIdentity": "mail.example.com", "NewAPI": true}),
        )
        .await;
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.retain(|k| k != "RequestId");
        k.sort();
        k
    };
    assert_eq!(keys(&before), keys(&created));
    assert_eq!(before["VerifiedForSendingStatus"], false);
    assert!(
        before["Attributes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["Status"] == false)
    );

    for a in created["Attributes"].as_array().unwrap() {
        let (host, value) = (
            a["SendDomain"].as_str().unwrap(),
            a["ExpectedValue"].as_str().unwrap(),
        );
        match a["Type"].as_str().unwrap() {
            "MX" => h.app.resolver.set_mx(host, &[(10, value)]),
            _ => h.app.resolver.set_txt(host, &[value]),
        }
    }
    let after = h
        .ok(
            "UpdateEmailIdentity",
            json!({"EmailIdentity": "mail.example.com"}),
        )
        .await;
    assert_eq!(after["VerifiedForSendingStatus"], true, "{after}");
    for a in after["Attributes"].as_array().unwrap() {
        assert_eq!(a["Status"], true, "{a}");
        assert_eq!(a["CurrentValue"], a["ExpectedValue"], "{a}");
    }
    let listed = h.ok("ListEmailIdentities", json!({})).await;
    assert_eq!(listed["EmailIdentities"][0]["SendingEnabled"], true);
}

#[tokio::test]
async fn a_new_dkim_option_lists_pending_keys_until_they_are_published() {
    let h = Harness::new("acme").await;
    h.ok(
        "CreateEmailIdentity",
        json!({"EmailIdentity": "mail.example.com"}),
    )
    .await;
    let rotating = h
        .ok(
            "UpdateEmailIdentity",
            json!({"EmailIdentity": "mail.example.com", "DKIMOption": 2}),
        )
        .await;
    let dkim = attribute(&rotating, "sesame");
    assert_eq!(
        dkim.len(),
        3,
        "the active key and two pending ones: {rotating}"
    );
    assert_eq!(rotating["DKIMOption"], 1, "still signing with the old key");
    let refused = h
        .call(
            "UpdateEmailIdentity",
            json!({"EmailIdentity": "mail.example.com", "DKIMOption": 0}),
        )
        .await;
    assert_eq!(refused.code(), "InvalidParameterValue");
}
