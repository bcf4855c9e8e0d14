//! Sesame extensions (not in Tencent's API): the event feed (`ListEvents`) and the account's
//! tracking switch (`UpdateAccountTracking`, `GetAccountTracking`).

use serde::Deserialize;
use serde_json::{Value, json};

use sesame_core::ports::Ports;
use sesame_core::types::AccountId;
use sesame_core::{SesError, Sesame};

use crate::wire::parse;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListEventsReq {
    cursor: Option<String>,
    limit: Option<u64>,
}

pub(super) async fn list_events<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: ListEventsReq = parse(body)?;
    let page = app
        .list_events(account, req.cursor.as_deref(), req.limit.unwrap_or(100))
        .await?;
    let events: Vec<Value> = page
        .events
        .iter()
        .map(|e| {
            json!({
                "EventId": e.id,
                "Type": e.kind.as_str(),
                "MessageId": e.message_id.as_str(),
                "ToEmailAddress": e.recipient.as_str(),
                "EventTime": e.at.timestamp(),
                "Detail": e.detail,
                "Cursor": e.cursor(),
            })
        })
        .collect();
    Ok(json!({
        "Events": events,
        "NextCursor": page.next_cursor.unwrap_or_default(),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct TrackingReq {
    enabled: bool,
}

pub(super) async fn update_tracking<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: TrackingReq = parse(body)?;
    app.set_account_tracking(account, req.enabled).await?;
    Ok(json!({}))
}

pub(super) async fn get_tracking<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    _body: &[u8],
) -> Result<Value, SesError> {
    Ok(json!({ "Enabled": app.account_tracking(account).await? }))
}
