//! The quota ledger port: per-day counters that only move by atomic reserve and release.
//!
//! A counter is named by a [`QuotaKey`]: what it counts ([`QuotaScope`]: a warm-up scope's
//! sends, hard bounces or complaints, an account's batch allowance, an account's
//! transactional sends in one rate window) and on which quota day (a calendar day in
//! `SESAME_TIMEZONE`, see [`crate::warmup::quota_day`]; the ledger itself gives days no
//! meaning). Usage only moves through [`QuotaLedger::reserve`] and [`QuotaLedger::release`],
//! each atomic, so any number of concurrent workers reserving against the same limit are
//! together never granted more than it. Counters that are only counted, never limited
//! (bounces, complaints, transactional sends), are reserved against a limit no one reaches.
//!
//! Adapters store a key as two texts, [`QuotaScope`]'s `Display` (e.g.
//! `warmup/domain/acme/mail.example.com`) and [`QuotaKey::day_text`] (`2026-12-05`); those
//! strings are the stored format, so changing a rendering loses the counts of the day.
//! DynamoDB removes a day's counters by TTL 40 days after it, where they then read 0; SQLite
//! and the in-memory fake keep them. Only the warm-up rollover reads past days, normally the
//! day after (the scheduler rolls every scope daily): a day first judged more than 40 days
//! late counts as idle on DynamoDB.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::error::StoreError;
use crate::types::AccountId;
use crate::warmup::Scope;

/// Daily usage counters with atomic reserve and release.
///
/// Neither method is idempotent, and a call that returned an error may still have been
/// applied (a store client retries a call it did not hear back from, which can apply it
/// twice). A reservation applied unbeknown to the caller only wastes allowance for the day;
/// a release applied twice gives back too much. So callers treat a failed reservation as
/// granting nothing, release only what they were granted, and never retry a failed release
/// (it is logged, or reported to the caller).
pub trait QuotaLedger: Send + Sync + 'static {
    /// Grants up to `want` units of `key`'s counter, never letting its usage exceed `limit`:
    /// returns how many were granted, `0..=want`. When only part of `want` fits, that part
    /// is granted (and used); 0 means the limit is reached (or `want` was 0). A limit lowered
    /// below the usage grants nothing and leaves the usage as it is. Usage and limits are
    /// kept below `i64::MAX` by callers (SQLite stores a signed 64-bit integer; a larger
    /// limit counts as `i64::MAX` there).
    fn reserve(
        &self,
        key: &QuotaKey,
        want: u64,
        limit: u64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Gives back `n` units previously granted for `key` (a send that was refused after its
    /// reservation). Usage never goes below zero. A key never reserved is left without a
    /// counter (nothing is written).
    fn release(
        &self,
        key: &QuotaKey,
        n: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Units of `key` in use, read strongly consistently; 0 when nothing was ever reserved.
    fn usage(&self, key: &QuotaKey) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// One counter of the ledger: what it counts, on which quota day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuotaKey {
    /// What is counted.
    pub scope: QuotaScope,
    /// The quota day counted.
    pub day: NaiveDate,
}

impl QuotaKey {
    /// The counter of `scope` on `day`.
    pub fn new(scope: QuotaScope, day: NaiveDate) -> Self {
        Self { scope, day }
    }

    /// The day as stored: `YYYY-MM-DD`, which sorts like the days.
    pub fn day_text(&self) -> String {
        self.day.format("%Y-%m-%d").to_string()
    }

    /// Parses the two stored texts back (the scope's `Display` and [`Self::day_text`]).
    pub fn parse(scope: &str, day: &str) -> Result<Self, QuotaKeyError> {
        let parsed_day = NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| QuotaKeyError(format!("{scope} on {day}")))?;
        let key = Self::new(scope.parse()?, parsed_day);
        if key.day_text() != day {
            return Err(QuotaKeyError(format!("{scope} on {day}")));
        }
        Ok(key)
    }
}

impl fmt::Display for QuotaKey {
    /// `<scope> on <day>`, for logs and errors (adapters store the two parts apart).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.scope, self.day_text())
    }
}

/// What a ledger counter counts. Each kind renders to one stored text (its `Display`, parsed
/// back by `FromStr`); the texts are the formats in use since each counter was introduced.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QuotaScope {
    /// Messages sent through a warm-up scope (batch reserved against the plan's quota,
    /// transactional counted): `warmup/<scope key>`.
    WarmupSent(Scope),
    /// Hard bounces of mail sent through a warm-up scope: `warmup-hard-bounce/<scope key>`.
    WarmupHardBounces(Scope),
    /// Complaints about mail sent through a warm-up scope: `warmup-complaint/<scope key>`.
    WarmupComplaints(Scope),
    /// An account's daily batch allowance (`SESAME_TASK_DAILY_QUOTA`): `tasks:<account>`.
    /// The only `:` separator, kept so the day's usage survives an upgrade.
    TaskAllowance(AccountId),
    /// An account's transactional sends in one rate window:
    /// `rate/<account>/s/<epoch second>` or `rate/<account>/m/<epoch minute>`.
    TransactionalRate {
        /// The sending account.
        account: AccountId,
        /// The window counted.
        window: RateWindow,
    },
}

/// A window of the transactional rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateWindow {
    /// One second: seconds since the Unix epoch.
    Second(i64),
    /// One minute: minutes since the Unix epoch.
    Minute(i64),
}

impl fmt::Display for QuotaScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuotaScope::WarmupSent(scope) => write!(f, "warmup/{}", scope.key()),
            QuotaScope::WarmupHardBounces(scope) => {
                write!(f, "warmup-hard-bounce/{}", scope.key())
            }
            QuotaScope::WarmupComplaints(scope) => write!(f, "warmup-complaint/{}", scope.key()),
            QuotaScope::TaskAllowance(account) => write!(f, "tasks:{account}"),
            QuotaScope::TransactionalRate { account, window } => match window {
                RateWindow::Second(n) => write!(f, "rate/{account}/s/{n}"),
                RateWindow::Minute(n) => write!(f, "rate/{account}/m/{n}"),
            },
        }
    }
}

impl FromStr for QuotaScope {
    type Err = QuotaKeyError;

    /// Parses a stored scope text; only the exact rendering of a scope is accepted (no
    /// upper-case domain, no leading zeros), so every scope has one text.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let bad = || QuotaKeyError(raw.to_owned());
        let warmup = |rest: &str| Scope::from_key(rest).ok_or_else(bad);
        let scope = if let Some(account) = raw.strip_prefix("tasks:") {
            QuotaScope::TaskAllowance(AccountId::parse(account).map_err(|_| bad())?)
        } else {
            match raw.split_once('/').ok_or_else(bad)? {
                ("warmup", rest) => QuotaScope::WarmupSent(warmup(rest)?),
                ("warmup-hard-bounce", rest) => QuotaScope::WarmupHardBounces(warmup(rest)?),
                ("warmup-complaint", rest) => QuotaScope::WarmupComplaints(warmup(rest)?),
                ("rate", rest) => {
                    let mut parts = rest.split('/');
                    let (Some(account), Some(unit), Some(n), None) =
                        (parts.next(), parts.next(), parts.next(), parts.next())
                    else {
                        return Err(bad());
                    };
                    let account = AccountId::parse(account).map_err(|_| bad())?;
                    let n: i64 = n.parse().map_err(|_| bad())?;
                    let window = match unit {
                        "s" => RateWindow::Second(n),
                        "m" => RateWindow::Minute(n),
                        _ => return Err(bad()),
                    };
                    QuotaScope::TransactionalRate { account, window }
                }
                _ => return Err(bad()),
            }
        };
        if scope.to_string() != raw {
            return Err(bad());
        }
        Ok(scope)
    }
}

/// A text that is not a quota-ledger key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a quota-ledger key: {0}")]
pub struct QuotaKeyError(String);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Domain;
    use crate::warmup::PoolName;

    fn account(raw: &str) -> AccountId {
        AccountId::parse(raw).unwrap()
    }

    fn domain_scope() -> Scope {
        Scope::Domain {
            account: account("acme"),
            domain: Domain::parse("mail.example.com").unwrap(),
        }
    }

    fn pool_scope() -> Scope {
        Scope::Pool {
            pool: PoolName::parse("dedicated-1").unwrap(),
        }
    }

    /// Every kind of scope with the text it has always been stored under.
    fn stored_texts() -> Vec<(QuotaScope, &'static str)> {
        vec![
            (
                QuotaScope::WarmupSent(domain_scope()),
                "warmup/domain/acme/mail.example.com",
            ),
            (
                QuotaScope::WarmupSent(pool_scope()),
                "warmup/pool/dedicated-1",
            ),
            (
                QuotaScope::WarmupHardBounces(domain_scope()),
                "warmup-hard-bounce/domain/acme/mail.example.com",
            ),
            (
                QuotaScope::WarmupHardBounces(pool_scope()),
                "warmup-hard-bounce/pool/dedicated-1",
            ),
            (
                QuotaScope::WarmupComplaints(domain_scope()),
                "warmup-complaint/domain/acme/mail.example.com",
            ),
            (
                QuotaScope::WarmupComplaints(pool_scope()),
                "warmup-complaint/pool/dedicated-1",
            ),
            (QuotaScope::TaskAllowance(account("acme")), "tasks:acme"),
            (
                QuotaScope::TransactionalRate {
                    account: account("acme"),
                    window: RateWindow::Second(1_764_936_000),
                },
                "rate/acme/s/1764936000",
            ),
            (
                QuotaScope::TransactionalRate {
                    account: account("acme"),
                    window: RateWindow::Minute(29_415_600),
                },
                "rate/acme/m/29415600",
            ),
        ]
    }

    #[test]
    fn every_scope_renders_as_it_is_stored_and_parses_back() {
        for (scope, text) in stored_texts() {
            assert_eq!(scope.to_string(), text);
            assert_eq!(text.parse::<QuotaScope>(), Ok(scope), "{text}");
        }
    }

    #[test]
    fn a_key_renders_its_day_as_stored_and_parses_back() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        for (scope, text) in stored_texts() {
            let key = QuotaKey::new(scope, day);
            assert_eq!(key.day_text(), "2026-03-07");
            assert_eq!(key.to_string(), format!("{text} on 2026-03-07"));
            assert_eq!(QuotaKey::parse(text, "2026-03-07"), Ok(key));
        }
    }

    #[test]
    fn texts_that_are_not_the_rendering_of_a_key_are_refused() {
        let scopes = [
            "",
            "warmup",
            "warmup/",
            "warmup/domain/acme",
            "warmup/domain/acme/MAIL.example.com",
            "warmup/pool/Dedicated",
            "warmup/pool/a/b",
            "warmup-bounce/pool/p",
            "tasks:",
            "tasks:a/b",
            "tasks/acme",
            "rate/acme/h/1",
            "rate/acme/s/01",
            "rate/acme/s/",
            "rate/acme/s/1/2",
            "domain:mail.example.com",
        ];
        for raw in scopes {
            assert!(raw.parse::<QuotaScope>().is_err(), "{raw}");
        }
        for day in ["2026-3-07", "2026-02-30", "07/03/2026", ""] {
            assert!(QuotaKey::parse("tasks:acme", day).is_err(), "{day}");
        }
    }

    #[test]
    fn negative_rate_windows_round_trip() {
        let scope = QuotaScope::TransactionalRate {
            account: account("a"),
            window: RateWindow::Minute(-3),
        };
        assert_eq!(scope.to_string(), "rate/a/m/-3");
        assert_eq!("rate/a/m/-3".parse::<QuotaScope>(), Ok(scope));
    }
}
