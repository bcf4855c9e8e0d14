//! Checks of the [`Feedback`](crate::ports::Feedback) port, and the feedback scenarios run
//! through the real use-cases over each backend: a scripted day whose statistics are
//! compared with hand-computed numbers, replays counted once, and a DSN and an ARF fixture
//! each suppressing exactly the right recipient.

mod day;
mod port;
mod scenarios;

pub use port::{
    an_event_counts_once_even_under_concurrent_callers,
    complaints_are_kept_once_per_delivery_and_listed_per_account,
};
pub use scenarios::{
    a_dsn_suppresses_exactly_its_recipient, a_scripted_day_gives_the_hand_computed_statistics,
    an_arf_report_suppresses_exactly_its_recipient,
    synchronous_replies_are_classified_and_only_hard_bounces_suppress,
};

use chrono::{DateTime, TimeZone, Utc};

use crate::types::EmailAddress;

pub(super) fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, h, m, 0).unwrap()
}

pub(super) fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).expect("valid address")
}
