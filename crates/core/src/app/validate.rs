//! Checks shared by several use-cases.

use crate::error::{ErrorCode, SesError};

/// Largest page any list action returns.
pub const MAX_PAGE: u64 = 100;

/// Validates a `Limit`: at most 100 (`FailedOperation.InvalidLimit`).
pub fn page_limit(limit: u64) -> Result<u64, SesError> {
    if limit > MAX_PAGE {
        return Err(SesError::new(
            ErrorCode::FailedOperationInvalidLimit,
            "Limit must not exceed 100.",
        ));
    }
    Ok(limit)
}
