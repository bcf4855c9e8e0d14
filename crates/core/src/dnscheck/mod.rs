//! The matching rules of sender domain verification: given what DNS answered for one record,
//! does it pass, and if not, exactly why. Pure functions; the lookups are the resolver port's.
//!
//! - SPF passes when exactly one `v=spf1` TXT record is at the domain and it lists our
//!   mechanism (`SESAME_SPF_INCLUDE`, e.g. `include:spf.example.net` or `ip4:192.0.2.1`)
//!   before any `all`, with the `+` qualifier or none. Two SPF records are a permanent error
//!   for receivers (RFC 7208 §4.5), so they fail here too.
//! - DKIM passes when the TXT record at `<selector>._domainkey.<domain>` carries the same
//!   `p=` key (tags in any order, whitespace ignored, multi-string records concatenated)
//!   and no contradicting `v=`/`k=`.
//! - DMARC passes when exactly one `v=DMARC1` record is at `_dmarc.<domain>`, whatever its
//!   policy: the policy is the owner's choice.
//! - MX passes when an MX at the domain points to this server's host name.

mod dkim;
mod dmarc;
mod mx;
mod spf;

pub use dkim::dkim;
pub use dmarc::dmarc;
pub use mx::mx;
pub use spf::spf;

use crate::model::{CheckStatus, RecordCheck, RecordPurpose};
use crate::ports::DnsError;

fn pass(purpose: RecordPurpose, host: &str, current: String) -> RecordCheck {
    RecordCheck {
        purpose,
        host: host.to_owned(),
        current,
        status: CheckStatus::Pass,
        detail: String::new(),
    }
}

fn fail(purpose: RecordPurpose, host: &str, current: String, detail: String) -> RecordCheck {
    RecordCheck {
        purpose,
        host: host.to_owned(),
        current,
        status: CheckStatus::Fail,
        detail,
    }
}

/// The result of a lookup that returned no records: missing (fail) or unknown (temp error).
fn no_answer(purpose: RecordPurpose, host: &str, kind: &str, error: &DnsError) -> RecordCheck {
    match error {
        DnsError::NxDomain => fail(
            purpose,
            host,
            String::new(),
            format!("no {kind} record at {host} (the name does not exist)"),
        ),
        DnsError::NoRecords => fail(
            purpose,
            host,
            String::new(),
            format!("no {kind} record at {host}"),
        ),
        DnsError::Temporary(e) => RecordCheck {
            purpose,
            host: host.to_owned(),
            current: String::new(),
            status: CheckStatus::TempError,
            detail: format!("DNS lookup of {host} failed: {e}"),
        },
    }
}

/// Several records shown as one `CurrentValue`.
fn joined(records: &[&str]) -> String {
    records.join(" | ")
}

#[cfg(test)]
mod tests;
