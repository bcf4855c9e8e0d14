//! Verification, re-check and rotation over the static resolver and the in-memory fakes.

use std::time::Duration;

use crate::Sesame;
use crate::app::{Content, IdentityView, SendCommand};
use crate::model::{DkimKeyState, RecordPurpose};
use crate::ports::JobQueue;
use crate::settings::Settings;
use crate::testing::{StaticResolver, TestPorts};
use crate::types::AccountId;

const D: &str = "mail.example.com";

struct World {
    app: Sesame<TestPorts>,
    account: AccountId,
}

async fn world() -> World {
    let settings = Settings {
        hostname: "sesame.example.net".into(),
        spf_include: "include:spf.sesame.example.net".into(),
        ..Settings::default()
    };
    let app = crate::testing::sesame(settings);
    let account = AccountId::parse("acme").unwrap();
    World { app, account }
}

impl World {
    fn dns(&self) -> &StaticResolver {
        &self.app.resolver
    }

    /// Publishes every record of the view, as an owner following the instructions would.
    fn publish(&self, view: &IdentityView) {
        let mut txt: std::collections::HashMap<String, Vec<String>> = Default::default();
        for r in &view.records {
            match r.record_type {
                "MX" => self.dns().set_mx(&r.host, &[(10, &r.expected)]),
                _ => txt
                    .entry(r.host.clone())
                    .or_default()
                    .push(r.expected.clone()),
            }
        }
        for (host, values) in txt {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            self.dns().set_txt(&host, &values);
        }
    }

    fn dkim_records(view: &IdentityView, state: DkimKeyState) -> Vec<(String, String)> {
        view.records
            .iter()
            .filter(|r| r.key_state == Some(state))
            .map(|r| (r.host.clone(), r.expected.clone()))
            .collect()
    }

    async fn update(&self, option: Option<u64>) -> IdentityView {
        self.app
            .update_identity(&self.account, D, option)
            .await
            .unwrap()
    }

    /// Sends one message and returns the selectors it was signed with.
    async fn signed_with(&self) -> Vec<String> {
        let _ = self
            .app
            .create_sender(&self.account, &format!("noreply@{D}"), None)
            .await;
        let cmd = SendCommand {
            from: format!("noreply@{D}"),
            destination: vec!["ann@example.org".into()],
            subject: "Hi".into(),
            content: Some(Content::Simple {
                html: None,
                text: Some("aGVsbG8=".into()),
            }),
            ..SendCommand::default()
        };
        self.app.send_email(&self.account, cmd).await.unwrap();
        let jobs = self
            .app
            .queue
            .receive(10, Duration::from_secs(60), Duration::ZERO)
            .await
            .unwrap();
        for job in jobs {
            self.app.deliver(&job.body).await;
            self.app.queue.ack(&job.receipt).await.unwrap();
        }
        let sent = self.app.mailer.sent();
        let raw = String::from_utf8(sent.last().unwrap().1.clone()).unwrap();
        raw.lines()
            .filter_map(|l| l.strip_prefix("X-Fake-Signed: "))
            .map(str::to_owned)
            .collect()
    }
}

#[tokio::test]
async fn published_spf_and_dkim_verify_the_domain_and_dmarc_and_mx_are_only_reported() {
    let w = world().await;
    let created = w
        .app
        .create_identity(&w.account, D, None, vec![])
        .await
        .unwrap();
    let before = w.update(None).await;
    assert!(!before.identity.verified);
    let reason = before.reason().unwrap();
    assert!(
        reason.contains("no SPF (TXT) record at mail.example.com"),
        "{reason}"
    );
    assert!(reason.contains("._domainkey.mail.example.com"), "{reason}");

    w.publish(&created);
    w.dns().remove(&format!("_dmarc.{D}"));
    w.dns().set_mx(D, &[(10, "mx.elsewhere.net")]);
    let after = w.update(None).await;
    assert!(after.identity.verified, "{:?}", after.identity.check);
    assert_eq!(after.reason(), None);
    let by = |p: RecordPurpose| after.records.iter().find(|r| r.purpose == p).unwrap();
    assert!(by(RecordPurpose::Spf).ok && by(RecordPurpose::Dkim).ok);
    assert!(!by(RecordPurpose::Dmarc).ok && !by(RecordPurpose::Dmarc).required);
    assert_eq!(by(RecordPurpose::Mx).current, "mx.elsewhere.net.");
    assert!(!by(RecordPurpose::Mx).ok);
}

#[tokio::test]
async fn when_a_required_record_disappears_the_recheck_disables_sending_with_the_reason() {
    let w = world().await;
    let created = w
        .app
        .create_identity(&w.account, D, None, vec![])
        .await
        .unwrap();
    w.publish(&created);
    assert!(w.update(None).await.identity.verified);

    w.dns().set_txt(D, &["v=spf1 mx -all"]);
    let report = w.app.recheck_identities().await.unwrap();
    assert_eq!((report.checked, report.disabled), (1, 1));
    let view = w.app.get_identity(&w.account, D).await.unwrap();
    assert!(!view.identity.verified);
    assert_eq!(
        view.reason(),
        Some("SPF record does not include include:spf.sesame.example.net")
    );
    let spf = &view.records[0];
    assert_eq!((spf.current.as_str(), spf.ok), ("v=spf1 mx -all", false));

    w.publish(&created);
    let report = w.app.recheck_identities().await.unwrap();
    assert_eq!(report.enabled, 1);
}

#[tokio::test]
async fn a_temporary_dns_failure_never_changes_whether_a_domain_may_send() {
    let w = world().await;
    let created = w
        .app
        .create_identity(&w.account, D, None, vec![])
        .await
        .unwrap();
    w.publish(&created);
    assert!(w.update(None).await.identity.verified);
    w.dns().fail(D, Some("SERVFAIL"));
    w.app.recheck_identities().await.unwrap();
    let view = w.app.get_identity(&w.account, D).await.unwrap();
    assert!(view.identity.verified);
    assert!(view.reason().unwrap().contains("SERVFAIL"));
}

#[tokio::test]
async fn trusted_domains_are_left_alone_by_the_recheck() {
    let w = world().await;
    w.app
        .create_identity(&w.account, D, None, vec![])
        .await
        .unwrap();
    w.app.trust_identity(&w.account, D).await.unwrap();
    let report = w.app.recheck_identities().await.unwrap();
    assert_eq!(report.checked, 0);
    assert!(
        w.app
            .get_identity(&w.account, D)
            .await
            .unwrap()
            .identity
            .verified
    );
}

#[tokio::test]
async fn rotation_signs_with_the_old_key_until_the_new_one_is_published() {
    let w = world().await;
    let created = w
        .app
        .create_identity(&w.account, D, None, vec![])
        .await
        .unwrap();
    w.publish(&created);
    assert!(w.update(None).await.identity.verified);
    let old = World::dkim_records(&created, DkimKeyState::Active);
    let old_selector = created.identity.dkim_keys[0].selector.clone();
    assert_eq!(w.signed_with().await, vec![old_selector.clone()]);

    // Switching to dual signing rotates: two new pending keys under a new selector.
    let rotating = w.update(Some(2)).await;
    let pending = World::dkim_records(&rotating, DkimKeyState::Pending);
    assert_eq!(pending.len(), 2);
    assert!(
        pending
            .iter()
            .all(|(h, _)| !h.starts_with(&format!("{old_selector}.")))
    );
    assert!(rotating.identity.verified, "the active key still passes");
    assert_eq!(rotating.identity.dkim_option, 1);
    assert_eq!(
        w.signed_with().await,
        vec![old_selector.clone()],
        "pending keys never sign"
    );
    // Asking again for the same option does not start another rotation.
    assert_eq!(
        World::dkim_records(&w.update(Some(2)).await, DkimKeyState::Pending),
        pending
    );

    // Only one of the two published: still pending.
    w.dns().set_txt(&pending[0].0, &[&pending[0].1]);
    let half = w.update(None).await;
    assert_eq!(World::dkim_records(&half, DkimKeyState::Pending).len(), 2);

    w.dns().set_txt(&pending[1].0, &[&pending[1].1]);
    let report = w.app.recheck_identities().await.unwrap();
    assert_eq!(report.promoted, 1);
    let done = w.app.get_identity(&w.account, D).await.unwrap();
    assert_eq!(done.identity.dkim_option, 2);
    assert_eq!(World::dkim_records(&done, DkimKeyState::Active), pending);
    assert_eq!(World::dkim_records(&done, DkimKeyState::Retired), old);
    assert!(done.identity.verified);
    let mut signed = w.signed_with().await;
    signed.sort();
    let mut want: Vec<String> = pending
        .iter()
        .map(|(h, _)| h.split('.').next().unwrap().to_owned())
        .collect();
    want.sort();
    assert_eq!(signed, want);

    // The next rotation drops the retired key.
    let next = w.app.rotate_dkim(&w.account, D, Some(1)).await.unwrap();
    assert!(World::dkim_records(&next, DkimKeyState::Retired).is_empty());
    assert_eq!(World::dkim_records(&next, DkimKeyState::Pending).len(), 1);
}

#[tokio::test]
async fn an_unknown_dkim_option_is_refused_before_anything_changes() {
    let w = world().await;
    w.app
        .create_identity(&w.account, D, None, vec![])
        .await
        .unwrap();
    let err = w
        .app
        .update_identity(&w.account, D, Some(7))
        .await
        .unwrap_err();
    assert_eq!(err.code, crate::ErrorCode::InvalidParameterValue);
    let err = w
        .app
        .update_identity(&w.account, "other.example.com", None)
        .await
        .unwrap_err();
    assert_eq!(
        err.code,
        crate::ErrorCode::InvalidParameterValueNotExistDomain
    );
}
