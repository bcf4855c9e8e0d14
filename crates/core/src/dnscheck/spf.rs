//! SPF: one `v=spf1` record at the domain that authorizes our sending hosts.

use super::{fail, joined, no_answer, pass};
use crate::model::{RecordCheck, RecordPurpose};
use crate::ports::DnsError;

const P: RecordPurpose = RecordPurpose::Spf;

fn is_spf(record: &str) -> bool {
    let r = record.trim_start();
    r.len() >= 6
        && r[..6].eq_ignore_ascii_case("v=spf1")
        && r[6..].chars().next().is_none_or(|c| c == ' ')
}

/// Checks the TXT answer at `host` for our `mechanism` (one or more space-separated terms,
/// every one required).
pub fn spf(host: &str, mechanism: &str, answer: &Result<Vec<String>, DnsError>) -> RecordCheck {
    let records = match answer {
        Ok(records) => records,
        Err(e) => return no_answer(P, host, "SPF (TXT)", e),
    };
    let spf: Vec<&str> = records
        .iter()
        .map(String::as_str)
        .filter(|r| is_spf(r))
        .collect();
    let current = joined(&spf);
    match spf.as_slice() {
        [] => fail(
            P,
            host,
            current,
            format!("no SPF record (TXT starting with v=spf1) at {host}"),
        ),
        [record] => match missing_term(record, mechanism) {
            None => pass(P, host, current),
            Some(detail) => fail(P, host, current, detail),
        },
        many => fail(
            P,
            host,
            current,
            format!(
                "{} SPF records at {host}: receivers treat that as a permanent error (RFC 7208 §4.5); merge them into one",
                many.len()
            ),
        ),
    }
}

/// The first of our terms the record does not authorize, explained; `None` when all are there.
fn missing_term(record: &str, mechanism: &str) -> Option<String> {
    let terms: Vec<&str> = record.split_whitespace().skip(1).collect();
    for wanted in mechanism.split_whitespace() {
        let position = terms.iter().position(|t| {
            let t = t.strip_prefix('+').unwrap_or(t);
            t.eq_ignore_ascii_case(wanted)
        });
        let all = terms.iter().position(|t| {
            let t = t.trim_start_matches(['+', '-', '~', '?']);
            t.eq_ignore_ascii_case("all")
        });
        match (position, all) {
            (Some(p), Some(a)) if a < p => {
                return Some(format!(
                    "SPF record lists {wanted} after `{}`, so it is never reached",
                    terms[a]
                ));
            }
            (Some(_), _) => {}
            (None, _) => {
                let qualified = terms.iter().find(|t| {
                    t.len() > 1 && t[1..].eq_ignore_ascii_case(wanted) && !t.starts_with('+')
                });
                return Some(match qualified {
                    Some(t) => {
                        format!("SPF record has {t}: {wanted} must pass (no -, ~ or ? qualifier)")
                    }
                    None => format!("SPF record does not include {wanted}"),
                });
            }
        }
    }
    None
}
