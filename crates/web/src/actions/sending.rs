//! SendEmail and GetSendEmailStatus.

use serde::Deserialize;
use serde_json::{Value, json};

use sesame_core::app::{Content, SendCommand, StatusQuery, TemplateRef};
use sesame_core::ports::Ports;
use sesame_core::types::AccountId;
use sesame_core::{ErrorCode, SesError, Sesame};

use crate::wire::parse;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateIn {
    #[serde(rename = "TemplateID")]
    template_id: u64,
    #[serde(rename = "TemplateData")]
    template_data: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SimpleIn {
    html: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AttachmentIn {
    file_name: String,
    content: Option<String>,
    #[serde(rename = "FileURL")]
    file_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SendReq {
    from_email_address: String,
    destination: Option<Vec<String>>,
    subject: String,
    reply_to_addresses: Option<String>,
    cc: Option<Vec<String>>,
    bcc: Option<Vec<String>>,
    template: Option<TemplateIn>,
    simple: Option<SimpleIn>,
    attachments: Option<Vec<AttachmentIn>>,
    unsubscribe: Option<String>,
    trigger_type: Option<u64>,
    smtp_message_id: Option<String>,
    smtp_headers: Option<String>,
    header_from: Option<String>,
}

pub(super) async fn send_email<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: SendReq = parse(body)?;
    let content = match (req.template, req.simple) {
        (Some(_), Some(_)) => {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValue,
                "Give either Template or Simple, not both.",
            ));
        }
        (Some(t), None) => Some(Content::Template(TemplateRef {
            id: t.template_id,
            data: t.template_data,
        })),
        (None, Some(s)) => Some(Content::Simple {
            html: s.html,
            text: s.text,
        }),
        (None, None) => None,
    };
    let mut attachments = Vec::new();
    for a in req.attachments.unwrap_or_default() {
        if a.content.is_none() && a.file_url.is_some() {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueAttachContentIsWrong,
                "FileURL is not supported; send the attachment as base64 Content.",
            ));
        }
        attachments.push((a.file_name, a.content));
    }
    let cmd = SendCommand {
        from: req.from_email_address,
        destination: req.destination.unwrap_or_default(),
        cc: req.cc.unwrap_or_default(),
        bcc: req.bcc.unwrap_or_default(),
        reply_to: req.reply_to_addresses,
        subject: req.subject,
        content,
        attachments,
        unsubscribe: req.unsubscribe,
        trigger_type: req.trigger_type,
        smtp_message_id: req.smtp_message_id,
        smtp_headers: req.smtp_headers,
        header_from: req.header_from,
    };
    let id = app.send_email(account, cmd).await?;
    Ok(json!({ "MessageId": id.as_str() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct StatusReq {
    request_date: String,
    offset: u64,
    limit: u64,
    message_id: Option<String>,
    to_email_address: Option<String>,
}

pub(super) async fn get_send_email_status<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: StatusReq = parse(body)?;
    let query = StatusQuery {
        request_date: req.request_date,
        offset: req.offset,
        limit: req.limit,
        message_id: req.message_id,
        to: req.to_email_address,
    };
    let rows: Vec<Value> = app
        .send_status(account, query)
        .await?
        .iter()
        .map(|row| {
            let d = &row.delivery;
            let e = &row.engagement;
            json!({
                "MessageId": d.message_id.as_str(),
                "ToEmailAddress": d.recipient.as_str(),
                "FromEmailAddress": d.from,
                "SendStatus": d.send_status.code(),
                "DeliverStatus": d.deliver_status.code(),
                "DeliverMessage": d.deliver_message,
                "RequestTime": d.request_time.timestamp(),
                "DeliverTime": d.deliver_time.map(|t| t.timestamp()).unwrap_or(0),
                "UserOpened": e.opened_at.is_some(),
                "UserClicked": e.clicked_at.is_some(),
                "UserUnsubscribed": e.unsubscribed_at.is_some(),
                "UserComplainted": e.complained_at.is_some(),
                "UserComplained": e.complained_at.is_some(),
            })
        })
        .collect();
    Ok(json!({ "EmailStatusList": rows }))
}
