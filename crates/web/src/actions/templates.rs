//! CreateEmailTemplate, UpdateEmailTemplate, GetEmailTemplate, ListEmailTemplates,
//! DeleteEmailTemplate. Bodies travel base64-encoded and are stored decoded.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};

use sesame_core::app::TemplateInput;
use sesame_core::ports::Ports;
use sesame_core::types::{AccountId, TemplateId};
use sesame_core::{ErrorCode, SesError, Sesame};

use crate::wire::parse;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ContentIn {
    html: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CreateReq {
    template_name: String,
    template_content: ContentIn,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct UpdateReq {
    template_name: String,
    template_content: ContentIn,
    #[serde(rename = "TemplateID")]
    template_id: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdReq {
    #[serde(rename = "TemplateID")]
    template_id: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListReq {
    limit: u64,
    offset: u64,
}

fn decode(field: Option<String>) -> Result<Option<String>, SesError> {
    let Some(raw) = field.filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    let wrong = || {
        SesError::new(
            ErrorCode::InvalidParameterValueTemplateContentIsWrong,
            "Html and Text must be base64 UTF-8.",
        )
    };
    let bytes = STANDARD.decode(raw.trim()).map_err(|_| wrong())?;
    String::from_utf8(bytes).map(Some).map_err(|_| wrong())
}

fn input(name: String, content: ContentIn) -> Result<TemplateInput, SesError> {
    Ok(TemplateInput {
        name,
        html: decode(content.html)?,
        text: decode(content.text)?,
    })
}

pub(super) async fn create<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: CreateReq = parse(body)?;
    let id = app
        .create_template(account, input(req.template_name, req.template_content)?)
        .await?;
    Ok(json!({ "TemplateID": id.0 }))
}

pub(super) async fn update<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: UpdateReq = parse(body)?;
    app.update_template(
        account,
        TemplateId(req.template_id),
        input(req.template_name, req.template_content)?,
    )
    .await?;
    Ok(json!({}))
}

pub(super) async fn get<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: IdReq = parse(body)?;
    let t = app
        .get_template(account, TemplateId(req.template_id))
        .await?;
    let mut content = serde_json::Map::new();
    if let Some(html) = &t.html {
        content.insert("Html".into(), STANDARD.encode(html).into());
    }
    if let Some(text) = &t.text {
        content.insert("Text".into(), STANDARD.encode(text).into());
    }
    Ok(json!({ "TemplateContent": content, "TemplateStatus": t.status, "TemplateName": t.name }))
}

pub(super) async fn list<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: ListReq = parse(body)?;
    let (templates, total) = app.list_templates(account, req.offset, req.limit).await?;
    let rows: Vec<Value> = templates
        .iter()
        .map(|t| {
            json!({
                "CreatedTimestamp": t.created_at.timestamp(),
                "TemplateName": t.name,
                "TemplateStatus": t.status,
                "TemplateID": t.id.0,
                "ReviewReason": "",
            })
        })
        .collect();
    Ok(json!({ "TemplatesMetadata": rows, "TotalCount": total }))
}

pub(super) async fn delete<P: Ports>(
    app: &Sesame<P>,
    account: &AccountId,
    body: &[u8],
) -> Result<Value, SesError> {
    let req: IdReq = parse(body)?;
    app.delete_template(account, TemplateId(req.template_id))
        .await?;
    Ok(json!({}))
}
