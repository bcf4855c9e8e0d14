//! DMARC: one `v=DMARC1` record at `_dmarc.<domain>`, any policy.

use super::{fail, joined, no_answer, pass};
use crate::model::{RecordCheck, RecordPurpose};
use crate::ports::DnsError;

const P: RecordPurpose = RecordPurpose::Dmarc;

fn is_dmarc(record: &str) -> bool {
    let mut first = record.split(';').next().unwrap_or("").splitn(2, '=');
    let tag = first.next().unwrap_or("").trim();
    let value = first.next().unwrap_or("").trim();
    tag == "v" && value == "DMARC1"
}

/// Checks the TXT answer at `host` (`_dmarc.<domain>`).
pub fn dmarc(host: &str, answer: &Result<Vec<String>, DnsError>) -> RecordCheck {
    let records = match answer {
        Ok(records) => records,
        Err(e) => return no_answer(P, host, "DMARC (TXT)", e),
    };
    let found: Vec<&str> = records
        .iter()
        .map(String::as_str)
        .filter(|r| is_dmarc(r))
        .collect();
    let current = joined(&found);
    match found.len() {
        1 => pass(P, host, current),
        0 => fail(
            P,
            host,
            current,
            format!("no DMARC record (TXT starting with v=DMARC1) at {host}"),
        ),
        n => fail(
            P,
            host,
            current,
            format!(
                "{n} DMARC records at {host}: receivers ignore them all (RFC 7489 §6.6.3); keep one"
            ),
        ),
    }
}
