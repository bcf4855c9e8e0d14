//! The API actions: wire request/response shapes per action group, mapped onto core use-cases.

mod blacklists;
mod feedback;
mod identities;
mod receivers;
mod senders;
mod sending;
mod tasks;
mod templates;
mod tracking;
mod warmup;

use serde_json::Value;

use sesame_core::ports::Ports;
use sesame_core::types::AccountId;
use sesame_core::{ErrorCode, SesError, Sesame};

pub use warmup::scope_status_json;

/// Actions of the Tencent SES API that this version does not implement yet. They answer
/// `UnsupportedOperation` (documented in the README), never a fake success.
pub const UNSUPPORTED: &[&str] = &["UpdateEmailSmtpPassWord"];

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
        "CreateReceiver" => receivers::create(app, account, body).await,
        "CreateReceiverDetail" => receivers::create_detail(app, account, body).await,
        "CreateReceiverDetailWithData" => {
            receivers::create_detail_with_data(app, account, body).await
        }
        "ListReceivers" => receivers::list(app, account, body).await,
        "ListReceiverDetails" => receivers::list_details(app, account, body).await,
        "DeleteReceiver" => receivers::delete(app, account, body).await,
        "ListBlackEmailAddress" => blacklists::list_bounces(app, account, body).await,
        "DeleteBlackList" => blacklists::delete_bounces(app, account, body).await,
        "CreateCustomBlacklist" => blacklists::create_custom(app, account, body).await,
        "ListCustomBlacklist" => blacklists::list_custom(app, account, body).await,
        "UpdateCustomBlackList" => blacklists::update_custom(app, account, body).await,
        "DeleteCustomBlackList" => blacklists::delete_custom(app, account, body).await,
        "CreateAddressUnsubscribeConfig" => {
            blacklists::create_unsubscribe(app, account, body).await
        }
        "ListAddressUnsubscribeConfig" => blacklists::list_unsubscribe(app, account, body).await,
        "UpdateAddressUnsubscribeConfig" => {
            blacklists::update_unsubscribe(app, account, body).await
        }
        "DeleteAddressUnsubscribeConfig" => {
            blacklists::delete_unsubscribe(app, account, body).await
        }
        "BatchSendEmail" => tasks::batch_send_email(app, account, body).await,
        "ListSendTasks" => tasks::list_send_tasks(app, account, body).await,
        // Sesame extensions: stop and hide a task; one task with its run's skip counts.
        "DeleteSendTask" => tasks::delete_send_task(app, account, body).await,
        "GetSendTask" => tasks::get_send_task(app, account, body).await,
        "GetStatisticsReport" => feedback::statistics(app, account, body).await,
        "GetAbuseReport" => feedback::abuse_report(app, account, body).await,
        // Sesame extension: a raw DSN or ARF report, matched to the caller's deliveries.
        "IngestFeedback" => feedback::ingest(app, account, body).await,
        // Sesame extensions: warm-up status and forecast, plans (creating and assigning them
        // is for operator accounts).
        "GetWarmupStatus" => warmup::get_status(app, account, body).await,
        "ListWarmupPlans" => warmup::list_plans(app, account, body).await,
        "CreateWarmupPlan" => warmup::create_plan(app, account, body).await,
        "AssignWarmupPlan" => warmup::assign_plan(app, account, body).await,
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
