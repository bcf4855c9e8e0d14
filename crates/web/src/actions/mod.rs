//! The API actions: wire request/response shapes per action group, mapped onto core use-cases.

mod feedback;
mod identities;
mod senders;
mod sending;
mod templates;
mod tracking;

use serde_json::Value;

use sesame_core::ports::Ports;
use sesame_core::types::AccountId;
use sesame_core::{ErrorCode, SesError, Sesame};

/// Actions of the Tencent SES API that this version does not implement yet. They answer
/// `UnsupportedOperation` (documented in the README), never a fake success.
pub const UNSUPPORTED: &[&str] = &[
    "BatchSendEmail",
    "ListSendTasks",
    "UpdateEmailSmtpPassWord",
    "CreateReceiver",
    "CreateReceiverDetail",
    "CreateReceiverDetailWithData",
    "ListReceivers",
    "ListReceiverDetails",
    "DeleteReceiver",
    "ListBlackEmailAddress",
    "DeleteBlackList",
    "CreateCustomBlacklist",
    "ListCustomBlacklist",
    "UpdateCustomBlackList",
    "DeleteCustomBlackList",
    "CreateAddressUnsubscribeConfig",
    "ListAddressUnsubscribeConfig",
    "UpdateAddressUnsubscribeConfig",
    "DeleteAddressUnsubscribeConfig",
];

/// Runs one action for an authenticated account.
pub async fn dispatch<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    action: &str,
    body: &[u8],
) -> Result<Value, SesError> {
    match action {
        "SendEmail" => sending::send_email(app, account, body).await,
        "GetSendEmailStatus" => sending::get_send_email_status(app, account, body).await,
        "CreateEmailTemplate" => templates::create(app, account, body).await,
        "UpdateEmailTemplate" => templates::update(app, account, body).await,
        "GetEmailTemplate" => templates::get(app, account, body).await,
        "ListEmailTemplates" => templates::list(app, account, body).await,
        "DeleteEmailTemplate" => templates::delete(app, account, body).await,
        "CreateEmailIdentity" => identities::create(app, account, body).await,
        "GetEmailIdentity" => identities::get(app, account, body).await,
        "UpdateEmailIdentity" => identities::update(app, account, body).await,
        "ListEmailIdentities" => identities::list(app, account, body).await,
        "DeleteEmailIdentity" => identities::delete(app, account, body).await,
        "CreateEmailAddress" => senders::create(app, account, body).await,
        "ListEmailAddress" => senders::list(app, account, body).await,
        "DeleteEmailAddress" => senders::delete(app, account, body).await,
        // Sesame extensions: the event feed and the account's tracking switch.
        "ListEvents" => tracking::list_events(app, account, body).await,
        "UpdateAccountTracking" => tracking::update_tracking(app, account, body).await,
        "GetAccountTracking" => tracking::get_tracking(app, account, body).await,
        "GetStatisticsReport" => feedback::statistics(app, account, body).await,
        "GetAbuseReport" => feedback::abuse_report(app, account, body).await,
        // Sesame extension: a raw DSN or ARF report, matched to the caller's deliveries.
        "IngestFeedback" => feedback::ingest(app, account, body).await,
        a if UNSUPPORTED.contains(&a) => Err(SesError::new(
            ErrorCode::UnsupportedOperation,
            format!("{a} is not supported by this version of Sesame."),
        )),
        "" => Err(SesError::new(
            ErrorCode::InvalidAction,
            "The X-TC-Action header is missing.",
        )),
        _ => Err(SesError::new(
            ErrorCode::InvalidAction,
            "The action does not exist.",
        )),
    }
}
