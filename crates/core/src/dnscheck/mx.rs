//! MX: the domain's mail exchanger is this server (the return path, for bounces).

use super::{fail, no_answer, pass};
use crate::model::{RecordCheck, RecordPurpose};
use crate::ports::DnsError;

const P: RecordPurpose = RecordPurpose::Mx;

/// Checks the MX answer at `host` for an exchange equal to `hostname`. The current value
/// lists the exchanges (`host.`), the form of the expected value.
pub fn mx(
    host: &str,
    hostname: &str,
    answer: &Result<Vec<(u16, String)>, DnsError>,
) -> RecordCheck {
    let records = match answer {
        Ok(records) => records,
        Err(e) => return no_answer(P, host, "MX", e),
    };
    let wanted = hostname.trim_end_matches('.');
    let current = records
        .iter()
        .map(|(_, exchange)| format!("{exchange}."))
        .collect::<Vec<_>>()
        .join(" | ");
    if records
        .iter()
        .any(|(_, e)| e.trim_end_matches('.').eq_ignore_ascii_case(wanted))
    {
        pass(P, host, current)
    } else {
        let detail = format!("MX at {host} points to {current}, not {wanted}.");
        fail(P, host, current, detail)
    }
}
