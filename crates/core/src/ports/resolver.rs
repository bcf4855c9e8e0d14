//! The resolver port: the DNS lookups that verify a sender domain's records.

use std::future::Future;

/// Why a lookup returned no records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// The name does not exist (`NXDOMAIN`).
    #[error("no such name")]
    NxDomain,
    /// The name exists but has no records of the type asked (`NODATA`).
    #[error("no records of this type")]
    NoRecords,
    /// No usable answer (timeout, `SERVFAIL`, `REFUSED`, network): nothing is known about the
    /// records, and the same lookup may succeed later.
    #[error("temporary DNS failure: {0}")]
    Temporary(String),
}

impl DnsError {
    /// Whether asking again later may give an answer.
    pub fn is_retryable(&self) -> bool {
        matches!(self, DnsError::Temporary(_))
    }
}

/// DNS lookups. Read-only and idempotent; answers must not be served from a cache older than
/// the records' TTL (a re-check has to see a record disappear).
pub trait Resolver: Send + Sync + 'static {
    /// The TXT records at `name`, one string per record: the character-strings of a record
    /// (a long DKIM key is split into several) are concatenated without separator, as
    /// RFC 6376 §3.6.2.2 and RFC 7208 §3.3 prescribe.
    fn txt(&self, name: &str) -> impl Future<Output = Result<Vec<String>, DnsError>> + Send;
    /// The MX records at `name` as (preference, exchange) with the exchange lower-case and
    /// without the trailing dot.
    fn mx(&self, name: &str) -> impl Future<Output = Result<Vec<(u16, String)>, DnsError>> + Send;
}
