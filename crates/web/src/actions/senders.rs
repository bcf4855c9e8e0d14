//! CreateEmailAddress, ListEmailAddress, DeleteEmailAddress.

use serde::Deserialize;
use serde_json::{Value, json};

use sesame_core::ports::Ports;
use sesame_core::types::AccountId;
use sesame_core::{SesError, Sesame};

use crate::wire::parse;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CreateReq {
    email_address: String,
    email_sender_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AddressReq {
    email_address: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

pub(super) async fn create<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: CreateReq = parse(body)?;
    app.create_sender(
        account,
        &req.email_address,
        req.email_sender_name.as_deref(),
    )
    .await?;
    Ok(json!({}))
}

pub(super) async fn list<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let _: Empty = parse(body)?;
    let senders: Vec<Value> = app
        .list_senders(account)
        .await?
        .iter()
        .map(|s| {
            json!({
                "EmailAddress": s.address.as_str(),
                "EmailSenderName": s.name.as_ref().map(|n| n.as_str()).unwrap_or_default(),
                "CreatedTimestamp": s.created_at.timestamp(),
                "SmtpPwdType": 0,
            })
        })
        .collect();
    Ok(json!({ "EmailSenders": senders }))
}

pub(super) async fn delete<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: AddressReq = parse(body)?;
    app.delete_sender(account, &req.email_address).await?;
    Ok(json!({}))
}
