//! Table tests of the matching rules.

use super::*;
use crate::model::{DkimAlgorithm, DkimKey, DkimKeyState};

/// A TXT lookup's answer.
type Answer = Result<Vec<String>, DnsError>;

fn txt(records: &[&str]) -> Answer {
    Ok(records.iter().map(|r| (*r).to_owned()).collect())
}

const D: &str = "mail.example.com";
const OURS: &str = "include:spf.sesame.test";

#[test]
fn spf_rules_say_exactly_what_is_wrong() {
    let cases: &[(&str, Answer, CheckStatus, &str)] = &[
        (
            "ours",
            txt(&["v=spf1 include:spf.sesame.test ~all"]),
            CheckStatus::Pass,
            "",
        ),
        (
            "among others",
            txt(&[
                "google-site-verification=x",
                "v=spf1 mx +include:SPF.sesame.test -all",
            ]),
            CheckStatus::Pass,
            "",
        ),
        (
            "missing",
            Err(DnsError::NoRecords),
            CheckStatus::Fail,
            "no SPF (TXT) record at mail.example.com",
        ),
        (
            "no such name",
            Err(DnsError::NxDomain),
            CheckStatus::Fail,
            "(the name does not exist)",
        ),
        (
            "only other TXT",
            txt(&["hello"]),
            CheckStatus::Fail,
            "no SPF record (TXT starting with v=spf1)",
        ),
        (
            "without ours",
            txt(&["v=spf1 include:_spf.google.com ~all"]),
            CheckStatus::Fail,
            "does not include include:spf.sesame.test",
        ),
        (
            "softfailed",
            txt(&["v=spf1 ~include:spf.sesame.test -all"]),
            CheckStatus::Fail,
            "has ~include:spf.sesame.test",
        ),
        (
            "after all",
            txt(&["v=spf1 -all include:spf.sesame.test"]),
            CheckStatus::Fail,
            "after `-all`",
        ),
        (
            "two records",
            txt(&["v=spf1 include:spf.sesame.test ~all", "v=spf1 mx -all"]),
            CheckStatus::Fail,
            "2 SPF records",
        ),
        (
            "v=spf10 is not spf",
            txt(&["v=spf10 include:spf.sesame.test"]),
            CheckStatus::Fail,
            "no SPF record",
        ),
        (
            "dns down",
            Err(DnsError::Temporary("timeout".into())),
            CheckStatus::TempError,
            "timeout",
        ),
    ];
    for (name, answer, status, detail) in cases {
        let check = spf(D, OURS, answer);
        assert_eq!(check.status, *status, "{name}: {check:?}");
        assert!(check.detail.contains(detail), "{name}: {}", check.detail);
    }
}

#[test]
fn spf_current_value_shows_the_spf_records_only() {
    let check = spf(D, OURS, &txt(&["other", "v=spf1 a -all", "v=spf1 mx"]));
    assert_eq!(check.current, "v=spf1 a -all | v=spf1 mx");
}

fn key(algorithm: DkimAlgorithm, p: &str) -> DkimKey {
    DkimKey {
        selector: "s1".into(),
        algorithm,
        sealed_private_key: vec![],
        public_key: p.into(),
        state: DkimKeyState::Active,
    }
}

#[test]
fn dkim_rules_compare_the_key_not_the_bytes() {
    let rsa = key(
        DkimAlgorithm::Rsa2048,
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAabc",
    );
    let ed = key(
        DkimAlgorithm::Ed25519,
        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    );
    let h = "s1._domainkey.mail.example.com";
    let cases: &[(&DkimKey, Answer, CheckStatus, &str)] = &[
        (
            &rsa,
            txt(&["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAabc"]),
            CheckStatus::Pass,
            "",
        ),
        (
            &rsa,
            txt(&["p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A MIIBCgKCAQEAabc ;v=DKIM1"]),
            CheckStatus::Pass,
            "",
        ),
        (
            &rsa,
            txt(&["k=rsa;p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAabc;t=s"]),
            CheckStatus::Pass,
            "",
        ),
        (
            &ed,
            txt(&["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="]),
            CheckStatus::Pass,
            "",
        ),
        (
            &ed,
            txt(&["v=DKIM1; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="]),
            CheckStatus::Fail,
            "k=rsa, but the key is ed25519",
        ),
        (
            &rsa,
            txt(&["v=DKIM1; k=rsa; p=MIIBIjANBgkqOTHER"]),
            CheckStatus::Fail,
            "different key: p=MIIBIjANBgkq… instead",
        ),
        (
            &rsa,
            txt(&["v=DKIM1; k=rsa; p="]),
            CheckStatus::Fail,
            "revoked",
        ),
        (
            &rsa,
            txt(&["v=DKIM2; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAabc"]),
            CheckStatus::Fail,
            "v=DKIM2",
        ),
        (
            &rsa,
            txt(&["p=a", "p=b"]),
            CheckStatus::Fail,
            "2 DKIM records",
        ),
        (
            &rsa,
            txt(&["some verification token"]),
            CheckStatus::Fail,
            "not a DKIM key record",
        ),
        (
            &rsa,
            Err(DnsError::NxDomain),
            CheckStatus::Fail,
            "no DKIM (TXT) record at s1._domainkey.mail.example.com",
        ),
        (
            &rsa,
            Err(DnsError::Temporary("SERVFAIL".into())),
            CheckStatus::TempError,
            "SERVFAIL",
        ),
    ];
    for (i, (k, answer, status, detail)) in cases.iter().enumerate() {
        let check = dkim(h, k, answer);
        assert_eq!(check.status, *status, "case {i}: {check:?}");
        assert!(check.detail.contains(detail), "case {i}: {}", check.detail);
    }
}

#[test]
fn dmarc_passes_with_any_policy_and_fails_when_missing_or_doubled() {
    let h = "_dmarc.mail.example.com";
    let cases: &[(Answer, CheckStatus, &str)] = &[
        (txt(&["v=DMARC1; p=none"]), CheckStatus::Pass, ""),
        (
            txt(&["v=DMARC1; p=reject; rua=mailto:d@example.com"]),
            CheckStatus::Pass,
            "",
        ),
        (
            txt(&["v=DMARC1;p=quarantine", "unrelated"]),
            CheckStatus::Pass,
            "",
        ),
        (
            Err(DnsError::NxDomain),
            CheckStatus::Fail,
            "no DMARC (TXT) record",
        ),
        (
            txt(&["p=none; v=DMARC1"]),
            CheckStatus::Fail,
            "no DMARC record",
        ),
        (
            txt(&["v=DMARC1; p=none", "v=DMARC1; p=reject"]),
            CheckStatus::Fail,
            "2 DMARC records",
        ),
    ];
    for (i, (answer, status, detail)) in cases.iter().enumerate() {
        let check = dmarc(h, answer);
        assert_eq!(check.status, *status, "case {i}: {check:?}");
        assert!(check.detail.contains(detail), "case {i}: {}", check.detail);
    }
}

#[test]
fn mx_passes_when_any_exchange_is_our_host() {
    let ours = Ok(vec![
        (10, "mx.other.net".to_owned()),
        (20, "sesame.example.net".to_owned()),
    ]);
    assert_eq!(mx(D, "sesame.example.net", &ours).status, CheckStatus::Pass);
    assert_eq!(
        mx(D, "SESAME.example.net.", &ours).status,
        CheckStatus::Pass
    );
    let theirs = Ok(vec![(10, "mx.other.net".to_owned())]);
    let check = mx(D, "sesame.example.net", &theirs);
    assert_eq!(check.status, CheckStatus::Fail);
    assert_eq!(check.current, "mx.other.net.");
    assert!(
        check.detail.contains("not sesame.example.net"),
        "{}",
        check.detail
    );
    let missing = mx(D, "sesame.example.net", &Err(DnsError::NoRecords));
    assert_eq!(missing.detail, "no MX record at mail.example.com");
}
