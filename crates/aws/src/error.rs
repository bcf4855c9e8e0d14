//! Mapping of AWS SDK failures to [`StoreError`]: whether the same call may succeed later.
//!
//! Conditional-check failures never come through here: each adapter method recognises them
//! itself and turns them into its domain outcome (`Created::AlreadyExists`, `Claim::Held`, …).

use std::error::Error;
use std::fmt::Debug;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use sesame_core::StoreError;

/// Service error codes that mean the request itself is wrong (too large, malformed): retrying
/// it unchanged cannot help. Everything else the service answers is treated as transient.
const PERMANENT_CODES: &[&str] = &[
    "ValidationException",
    "SerializationException",
    "ItemCollectionSizeLimitExceededException",
    "InvalidParameterValue",
    "InvalidParameterValueException",
    "MissingParameter",
    "InvalidAttributeName",
    "InvalidAttributeValue",
    "InvalidMessageContents",
    "BatchEntryIdsNotDistinct",
    "BatchRequestTooLong",
    "TooManyEntriesInBatchRequest",
    "EmptyBatchRequest",
];

/// Maps a failed SDK call of operation `op`, logging the full detail (which never reaches an
/// API client): throttling, timeouts, connection and 5xx failures are
/// [`StoreError::Unavailable`]; requests the service refuses as invalid are
/// [`StoreError::Corrupt`].
pub(crate) fn sdk_error<E, R>(op: &'static str, err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + Error + 'static,
    R: Debug,
{
    let permanent = match &err {
        SdkError::ServiceError(service) => service
            .err()
            .code()
            .is_some_and(|code| PERMANENT_CODES.contains(&code)),
        SdkError::ConstructionFailure(_) => true,
        _ => false,
    };
    let detail = format!("{op}: {}", DisplayErrorContext(&err));
    tracing::warn!(operation = op, permanent, error = %detail, "aws call failed");
    if permanent {
        StoreError::Corrupt(detail)
    } else {
        StoreError::Unavailable(detail)
    }
}

/// A request the adapter could not even build (a required field missing): a bug, not retryable.
pub(crate) fn build_error(op: &'static str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{op}: cannot build request: {err}"))
}

/// An item or message the adapter cannot interpret.
pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}
