//! The records a domain must publish, with what the last DNS check found for each.

use super::super::Sesame;
use crate::model::{CheckStatus, DkimKeyState, Identity, RecordCheck, RecordPurpose};
use crate::ports::Ports;

/// DMARC value suggested to owners: monitoring only, relaxed alignment (which Sesame's mail
/// passes: the envelope sender and DKIM `d=` are the From domain).
pub(super) const DMARC_SUGGESTED: &str = "v=DMARC1; p=none; adkim=r; aspf=r";

/// One DNS record the user must (or may) publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    /// What the record is for.
    pub purpose: RecordPurpose,
    /// `TXT` or `MX`.
    pub record_type: &'static str,
    /// Host name of the record.
    pub host: String,
    /// Value to publish.
    pub expected: String,
    /// Value last found in DNS (empty until checked, or when nothing was found).
    pub current: String,
    /// Whether the record last checked OK.
    pub ok: bool,
    /// Why it did not (empty when it did or was never checked).
    pub detail: String,
    /// Whether the domain needs it to send: SPF and every active DKIM key.
    pub required: bool,
    /// For DKIM records, the key's state.
    pub key_state: Option<DkimKeyState>,
}

/// A domain as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityView {
    /// The record.
    pub identity: Identity,
    /// Records to publish: SPF, DKIM (active, then pending, then retired keys), DMARC, MX.
    pub records: Vec<DnsRecord>,
}

impl IdentityView {
    /// Why the domain cannot send, from the last DNS check (`None` when it can or was never
    /// checked).
    pub fn reason(&self) -> Option<&str> {
        self.identity.check.as_ref()?.reason.as_deref()
    }
}

fn state_order(state: DkimKeyState) -> u8 {
    match state {
        DkimKeyState::Active => 0,
        DkimKeyState::Pending => 1,
        DkimKeyState::Retired => 2,
    }
}

impl<P: Ports> Sesame<P> {
    /// The SPF mechanism value published for sender domains.
    pub(super) fn spf_expected(&self) -> String {
        format!("v=spf1 {} ~all", self.settings.spf_include)
    }

    /// The records a domain must publish: SPF and MX for the return path (the domain itself,
    /// which is the envelope sender's domain), each DKIM key, and DMARC.
    pub(super) fn view(&self, identity: Identity) -> IdentityView {
        let d = identity.domain.as_str();
        let last: &[RecordCheck] = identity
            .check
            .as_ref()
            .map_or(&[], |c| c.records.as_slice());
        let record = |purpose, record_type, host: String, expected: String, required| {
            let found = last.iter().find(|c| c.purpose == purpose && c.host == host);
            DnsRecord {
                purpose,
                record_type,
                current: found.map(|c| c.current.clone()).unwrap_or_default(),
                ok: found.is_some_and(|c| c.status == CheckStatus::Pass),
                detail: found.map(|c| c.detail.clone()).unwrap_or_default(),
                host,
                expected,
                required,
                key_state: None,
            }
        };
        let mut records = vec![record(
            RecordPurpose::Spf,
            "TXT",
            d.to_owned(),
            self.spf_expected(),
            true,
        )];
        let mut keys: Vec<_> = identity.dkim_keys.iter().collect();
        keys.sort_by_key(|k| state_order(k.state));
        for key in keys {
            let mut r = record(
                RecordPurpose::Dkim,
                "TXT",
                format!("{}._domainkey.{d}", key.selector),
                key.dns_value(),
                key.state == DkimKeyState::Active,
            );
            r.key_state = Some(key.state);
            records.push(r);
        }
        records.push(record(
            RecordPurpose::Dmarc,
            "TXT",
            format!("_dmarc.{d}"),
            DMARC_SUGGESTED.to_owned(),
            false,
        ));
        records.push(record(
            RecordPurpose::Mx,
            "MX",
            d.to_owned(),
            format!("{}.", self.settings.hostname),
            false,
        ));
        IdentityView { identity, records }
    }
}
