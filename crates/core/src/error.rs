//! The one error type of Sesame's use-cases: a documented Tencent SES error code and a message
//! a client may read. Internal details are logged where they happen and never put in `message`.

use std::fmt;

/// Every error code Sesame answers with. Each is listed in the Tencent SES API reference (§7);
/// `as_str` gives the exact wire spelling, including the reference's odd casings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ErrorCode {
    AuthFailureInvalidAuthorization,
    AuthFailureInvalidSecretId,
    AuthFailureSecretIdNotFound,
    AuthFailureSignatureExpire,
    AuthFailureSignatureFailure,
    AuthFailureTokenFailure,
    InvalidAction,
    NoSuchVersion,
    UnsupportedProtocol,
    UnsupportedOperation,
    UnauthorizedOperation,
    InvalidParameter,
    InvalidParameterInvalidStartTimeFormat,
    InvalidParameterInvalidEndTimeFormat,
    InvalidParameterValue,
    MissingParameter,
    UnknownParameter,
    RequestSizeLimitExceeded,
    RequestLimitExceeded,
    InternalError,
    ResourceNotFound,
    FailedOperationAttachContentToolarge,
    FailedOperationEmailAddrInBlacklist,
    FailedOperationEmailContentToolarge,
    FailedOperationExceedTemplateLimit,
    FailedOperationFrequencyLimit,
    FailedOperationIncorrectSender,
    FailedOperationInvalidAttachName,
    FailedOperationInvalidLimit,
    FailedOperationInvalidTemplateID,
    FailedOperationMissingEmailContent,
    FailedOperationNotAuthenticatedSender,
    FailedOperationNotSupportDate,
    FailedOperationTemplateContentToolarge,
    FailedOperationTooManyAttachments,
    FailedOperationTooManyRecipients,
    FailedOperationWrongContentJson,
    FailedOperationReceiverHasUnsubscribed,
    InvalidParameterValueAttachContentIsWrong,
    InvalidParameterValueCreatedByOther,
    InvalidParameterValueEmailAddressIsNULL,
    InvalidParameterValueEmailContentIsWrong,
    InvalidParameterValueIllegalEmailAddress,
    InvalidParameterValueIllegalSenderName,
    InvalidParameterValueInvalidEmailIdentity,
    InvalidParameterValueNoSuchSender,
    InvalidParameterValueNotExistDomain,
    InvalidParameterValueRepeatCreation,
    InvalidParameterValueRepeatEmailAddress,
    InvalidParameterValueSubjectLengthError,
    InvalidParameterValueTemplateContentIsNULL,
    InvalidParameterValueTemplateContentIsWrong,
    InvalidParameterValueTemplateDataError,
    InvalidParameterValueTemplateNameIllegal,
    InvalidParameterValueTemplateNameIsNULL,
    InvalidParameterValueTemplateNotExist,
    InvalidParameterValueWrongDate,
    InvalidParameterValueBeginTimeBeforeNow,
    MissingParameterSendParamNecessary,
    MissingParameterCycleParamNecessary,
    MissingParameterTimedParamNecessary,
    OperationDeniedReceiverNotExist,
    OperationDeniedReceiverStatusError,
    OperationDeniedDomainNotVerified,
    OperationDeniedExceedDomainLimit,
    OperationDeniedExceedSenderLimit,
    OperationDeniedSendAddressStatusError,
    OperationDeniedSenderWithDomainIsNotEmpty,
    OperationDeniedTemplateStatusError,
    InvalidParameterValueRepeatReceiverName,
    InvalidParameterValueReceiverNameIllegal,
    InvalidParameterValueReceiverDescIllegal,
    InvalidParameterValueReceiverEmailInvalid,
    InvalidParameterValueTemplateDataLenLimit,
    InvalidParameterValueInValidTemplateData,
    InvalidParameterValueTemplateDataInconsistent,
    LimitExceededExceedReceiverLimit,
    LimitExceededReceiverDetailCountLimit,
    LimitExceededReceiverDetailRequestLimit,
    MissingParameterReceiverIdNecessary,
    MissingParameterEmailsNecessary,
    OperationDeniedReceiverIsOperating,
}

impl ErrorCode {
    /// The code exactly as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            AuthFailureInvalidAuthorization => "AuthFailure.InvalidAuthorization",
            AuthFailureInvalidSecretId => "AuthFailure.InvalidSecretId",
            AuthFailureSecretIdNotFound => "AuthFailure.SecretIdNotFound",
            AuthFailureSignatureExpire => "AuthFailure.SignatureExpire",
            AuthFailureSignatureFailure => "AuthFailure.SignatureFailure",
            AuthFailureTokenFailure => "AuthFailure.TokenFailure",
            InvalidAction => "InvalidAction",
            NoSuchVersion => "NoSuchVersion",
            UnsupportedProtocol => "UnsupportedProtocol",
            UnsupportedOperation => "UnsupportedOperation",
            UnauthorizedOperation => "UnauthorizedOperation",
            InvalidParameter => "InvalidParameter",
            InvalidParameterInvalidStartTimeFormat => "InvalidParameter.InvalidStartTimeFormat",
            InvalidParameterInvalidEndTimeFormat => "InvalidParameter.InvalidEndTimeFormat",
            InvalidParameterValue => "InvalidParameterValue",
            MissingParameter => "MissingParameter",
            UnknownParameter => "UnknownParameter",
            RequestSizeLimitExceeded => "RequestSizeLimitExceeded",
            RequestLimitExceeded => "RequestLimitExceeded",
            InternalError => "InternalError",
            ResourceNotFound => "ResourceNotFound",
            FailedOperationAttachContentToolarge => "FailedOperation.AttachContentToolarge",
            FailedOperationEmailAddrInBlacklist => "FailedOperation.EmailAddrInBlacklist",
            FailedOperationEmailContentToolarge => "FailedOperation.EmailContentToolarge",
            FailedOperationExceedTemplateLimit => "FailedOperation.ExceedTemplateLimit",
            FailedOperationFrequencyLimit => "FailedOperation.FrequencyLimit",
            FailedOperationIncorrectSender => "FailedOperation.IncorrectSender",
            FailedOperationInvalidAttachName => "FailedOperation.InvalidAttachName",
            FailedOperationInvalidLimit => "FailedOperation.InvalidLimit",
            FailedOperationInvalidTemplateID => "FailedOperation.InvalidTemplateID",
            FailedOperationMissingEmailContent => "FailedOperation.MissingEmailContent",
            FailedOperationNotAuthenticatedSender => "FailedOperation.NotAuthenticatedSender",
            FailedOperationNotSupportDate => "FailedOperation.NotSupportDate",
            FailedOperationTemplateContentToolarge => "FailedOperation.TemplateContentToolarge",
            FailedOperationTooManyAttachments => "FailedOperation.TooManyAttachments",
            FailedOperationTooManyRecipients => "FailedOperation.TooManyRecipients",
            FailedOperationWrongContentJson => "FailedOperation.WrongContentJson",
            FailedOperationReceiverHasUnsubscribed => "FailedOperation.ReceiverHasUnsubscribed",
            InvalidParameterValueAttachContentIsWrong => {
                "InvalidParameterValue.AttachContentIsWrong"
            }
            InvalidParameterValueCreatedByOther => "InvalidParameterValue.CreatedByOther",
            InvalidParameterValueEmailAddressIsNULL => "InvalidParameterValue.EmailAddressIsNULL",
            InvalidParameterValueEmailContentIsWrong => "InvalidParameterValue.EmailContentIsWrong",
            InvalidParameterValueIllegalEmailAddress => "InvalidParameterValue.IllegalEmailAddress",
            InvalidParameterValueIllegalSenderName => "InvalidParameterValue.IllegalSenderName",
            InvalidParameterValueInvalidEmailIdentity => {
                "InvalidParameterValue.InvalidEmailIdentity"
            }
            InvalidParameterValueNoSuchSender => "InvalidParameterValue.NoSuchSender",
            InvalidParameterValueNotExistDomain => "InvalidParameterValue.NotExistDomain",
            InvalidParameterValueRepeatCreation => "InvalidParameterValue.RepeatCreation",
            InvalidParameterValueRepeatEmailAddress => "InvalidParameterValue.RepeatEmailAddress",
            InvalidParameterValueSubjectLengthError => "InvalidParameterValue.SubjectLengthError",
            InvalidParameterValueTemplateContentIsNULL => {
                "InvalidParameterValue.TemplateContentIsNULL"
            }
            InvalidParameterValueTemplateContentIsWrong => {
                "InvalidParameterValue.TemplateContentIsWrong"
            }
            InvalidParameterValueTemplateDataError => "InvalidParameterValue.TemplateDataError",
            InvalidParameterValueTemplateNameIllegal => "InvalidParameterValue.TemplateNameIllegal",
            InvalidParameterValueTemplateNameIsNULL => "InvalidParameterValue.TemplateNameIsNULL",
            InvalidParameterValueTemplateNotExist => "InvalidParameterValue.TemplateNotExist",
            InvalidParameterValueWrongDate => "InvalidParameterValue.WrongDate",
            InvalidParameterValueBeginTimeBeforeNow => "InvalidParameterValue.BeginTimeBeforeNow",
            MissingParameterSendParamNecessary => "MissingParameter.SendParamNecessary",
            MissingParameterCycleParamNecessary => "MissingParameter.CycleParamNecessary",
            MissingParameterTimedParamNecessary => "MissingParameter.TimedParamNecessary",
            OperationDeniedReceiverNotExist => "OperationDenied.ReceiverNotExist",
            OperationDeniedReceiverStatusError => "OperationDenied.ReceiverStatusError",
            OperationDeniedDomainNotVerified => "OperationDenied.DomainNotVerified",
            OperationDeniedExceedDomainLimit => "OperationDenied.ExceedDomainLimit",
            OperationDeniedExceedSenderLimit => "OperationDenied.ExceedSenderLimit",
            OperationDeniedSendAddressStatusError => "OperationDenied.SendAddressStatusError",
            OperationDeniedSenderWithDomainIsNotEmpty => {
                "OperationDenied.SenderWithDomainIsNotEmpty"
            }
            OperationDeniedTemplateStatusError => "OperationDenied.TemplateStatusError",
            InvalidParameterValueRepeatReceiverName => "InvalidParameterValue.RepeatReceiverName",
            InvalidParameterValueReceiverNameIllegal => "InvalidParameterValue.ReceiverNameIllegal",
            InvalidParameterValueReceiverDescIllegal => "InvalidParameterValue.ReceiverDescIllegal",
            InvalidParameterValueReceiverEmailInvalid => {
                "InvalidParameterValue.ReceiverEmailInvalid"
            }
            InvalidParameterValueTemplateDataLenLimit => {
                "InvalidParameterValue.TemplateDataLenLimit"
            }
            InvalidParameterValueInValidTemplateData => "InvalidParameterValue.InValidTemplateData",
            InvalidParameterValueTemplateDataInconsistent => {
                "InvalidParameterValue.TemplateDataInconsistent"
            }
            LimitExceededExceedReceiverLimit => "LimitExceeded.ExceedReceiverLimit",
            LimitExceededReceiverDetailCountLimit => "LimitExceeded.ReceiverDetailCountLimit",
            LimitExceededReceiverDetailRequestLimit => "LimitExceeded.ReceiverDetailRequestLimit",
            MissingParameterReceiverIdNecessary => "MissingParameter.ReceiverIdNecessary",
            MissingParameterEmailsNecessary => "MissingParameter.EmailsNecessary",
            OperationDeniedReceiverIsOperating => "OperationDenied.ReceiverIsOperating",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A use-case failure as the API reports it: a documented code and a client-safe message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SesError {
    /// The documented error code.
    pub code: ErrorCode,
    /// Human-readable explanation, safe to show the caller.
    pub message: String,
}

impl SesError {
    /// An error with the given code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// An internal failure. The cause must already have been logged by the caller.
    pub fn internal() -> Self {
        Self::new(ErrorCode::InternalError, "internal error; retry later")
    }
}

/// Failure of a storage or queue adapter. Adapters log the detail; use-cases only need to
/// know whether trying again may help.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend is unreachable, throttled or timed out; the same call may succeed later.
    #[error("store temporarily unavailable: {0}")]
    Unavailable(String),
    /// The backend returned something the adapter cannot interpret; retrying will not help.
    #[error("store failure: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the same call may succeed if made again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

impl From<StoreError> for SesError {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "store failure");
        SesError::internal()
    }
}
