//! Mapping between SQLite values and domain values, and SQLite errors to [`StoreError`].

use chrono::{DateTime, Utc};
use rusqlite::Row;
use rusqlite::types::Type;
use sesame_core::StoreError;

/// A time as stored: UTC milliseconds since the epoch.
pub(crate) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Reads a time column.
pub(crate) fn time(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let ms: i64 = row.get(idx)?;
    DateTime::from_timestamp_millis(ms).ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, ms))
}

/// Reads a nullable time column.
pub(crate) fn opt_time(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get::<_, Option<i64>>(idx)? {
        None => Ok(None),
        Some(ms) => DateTime::from_timestamp_millis(ms)
            .map(Some)
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, ms)),
    }
}

/// Reads an integer column holding a documented code (`SendStatus::from_code`…); an unknown
/// code is out of range.
pub(crate) fn coded<T>(
    row: &Row<'_>,
    idx: usize,
    from_code: impl FnOnce(i64) -> Option<T>,
) -> rusqlite::Result<T> {
    let code: i64 = row.get(idx)?;
    from_code(code).ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, code))
}

/// Reads a text column through a domain parser (`AccountId::parse`, `EmailAddress::parse`…).
pub(crate) fn parsed<T, E>(
    row: &Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> rusqlite::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let raw: String = row.get(idx)?;
    parse(&raw).map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

/// Reads a JSON column into a value.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<T> {
    let raw: Vec<u8> = row.get(idx)?;
    serde_json::from_slice(&raw)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Blob, Box::new(e)))
}

/// Writes a value as a JSON column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> rusqlite::Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// A `LIMIT`/`OFFSET` value: SQLite integers are signed, and anything above `i64::MAX` means
/// "no bound" anyway.
pub(crate) fn bound(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Classifies a SQLite failure: contention and IO may pass, anything else will not.
pub(crate) fn store_error(err: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode as C;
    let transient = matches!(
        &err,
        rusqlite::Error::SqliteFailure(e, _) if matches!(
            e.code,
            C::DatabaseBusy | C::DatabaseLocked | C::SystemIoFailure | C::DiskFull | C::CannotOpen | C::OutOfMemory
        )
    );
    tracing::error!(error = %err, transient, "sqlite failure");
    if transient {
        StoreError::Unavailable(err.to_string())
    } else {
        StoreError::Corrupt(err.to_string())
    }
}
