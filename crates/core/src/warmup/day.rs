//! Quota days: a quota day is a calendar day in the installation's time zone
//! (`SESAME_TIMEZONE`); it rolls over at local midnight.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// The quota day `now` falls in.
pub fn quota_day(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// When quota day `day` starts, in UTC. A midnight that does not exist locally (a DST gap)
/// starts at the first instant after it.
pub fn day_start(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    let mut local = tz.from_local_datetime(&midnight);
    let mut probe = midnight;
    // DST gaps are at most a few hours; walk forward until the local time exists.
    for _ in 0..24 * 4 {
        if let Some(first) = local.earliest() {
            return first.with_timezone(&Utc);
        }
        probe += chrono::Duration::minutes(15);
        local = tz.from_local_datetime(&probe);
    }
    Utc.from_utc_datetime(&midnight)
}

/// When the quota day after `day` begins: the next rollover.
pub fn next_rollover(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    day_start(day.checked_add_days(Days::new(1)).unwrap_or(day), tz)
}
