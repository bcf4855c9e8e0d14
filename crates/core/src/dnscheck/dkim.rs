//! DKIM: the record at `<selector>._domainkey.<domain>` carries the key we sign with.

use super::{fail, joined, no_answer, pass};
use crate::model::{DkimKey, RecordCheck, RecordPurpose};
use crate::ports::DnsError;

const P: RecordPurpose = RecordPurpose::Dkim;

/// The tags of a DKIM key record (RFC 6376 §3.6.1), whitespace removed from values: a long
/// key is often split and re-joined with spaces by DNS providers.
fn tags(record: &str) -> Vec<(String, String)> {
    record
        .split(';')
        .filter_map(|part| {
            let (tag, value) = part.split_once('=')?;
            let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            Some((tag.trim().to_owned(), value))
        })
        .collect()
}

fn tag<'a>(tags: &'a [(String, String)], name: &str) -> Option<&'a str> {
    tags.iter()
        .find(|(t, _)| t == name)
        .map(|(_, v)| v.as_str())
}

fn short(key: &str) -> String {
    let head: String = key.chars().take(12).collect();
    if key.len() > 12 {
        format!("{head}…")
    } else {
        head
    }
}

/// Checks the TXT answer at `host` against `key`.
pub fn dkim(host: &str, key: &DkimKey, answer: &Result<Vec<String>, DnsError>) -> RecordCheck {
    let records = match answer {
        Ok(records) => records,
        Err(e) => return no_answer(P, host, "DKIM (TXT)", e),
    };
    let found: Vec<&str> = records
        .iter()
        .map(String::as_str)
        .filter(|r| tag(&tags(r), "p").is_some())
        .collect();
    let current = joined(&found);
    let record = match found.as_slice() {
        [record] => *record,
        [] => {
            let current = joined(&records.iter().map(String::as_str).collect::<Vec<_>>());
            let detail = format!("TXT at {host} is not a DKIM key record (no p= tag)");
            return fail(P, host, current, detail);
        }
        many => {
            let detail = format!(
                "{} DKIM records at {host}: receivers may use any of them; publish exactly one",
                many.len()
            );
            return fail(P, host, current, detail);
        }
    };
    let tags = tags(record);
    let expected_k = key.algorithm.key_type();
    let detail = match (
        tag(&tags, "v"),
        tag(&tags, "k").unwrap_or("rsa"),
        tag(&tags, "p"),
    ) {
        (Some(v), _, _) if v != "DKIM1" => format!("DKIM record at {host} has v={v}, not v=DKIM1"),
        (_, _, Some("")) => format!("DKIM record at {host} has an empty p=: the key is revoked"),
        (_, _, Some(p)) if p != key.public_key => format!(
            "DKIM record at {host} has a different key: p={} instead of p={}",
            short(p),
            short(&key.public_key)
        ),
        (_, k, _) if !k.eq_ignore_ascii_case(expected_k) => {
            format!("DKIM record at {host} has k={k}, but the key is {expected_k}")
        }
        _ => return pass(P, host, current),
    };
    fail(P, host, current, detail)
}
