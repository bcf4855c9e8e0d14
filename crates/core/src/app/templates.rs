//! Templates: HTML and/or text bodies with `{{var}}` placeholders. Self-hosted templates need
//! no review, so they are approved (status 0) on creation and on update.

use super::Sesame;
use super::validate::page_limit;
use crate::error::{ErrorCode, SesError};
use crate::model::Template;
use crate::ports::{Ports, Sequences, Templates};
use crate::types::{AccountId, TemplateId};

/// Largest template body (HTML plus text), in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;

/// Name and decoded content of a template to create or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInput {
    /// Template name: 1–100 characters, no control characters.
    pub name: String,
    /// HTML body.
    pub html: Option<String>,
    /// Text body.
    pub text: Option<String>,
}

impl TemplateInput {
    fn check(&self) -> Result<(), SesError> {
        if self.name.trim().is_empty() {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueTemplateNameIsNULL,
                "TemplateName is empty.",
            ));
        }
        if self.name.chars().count() > 100 || self.name.chars().any(char::is_control) {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueTemplateNameIllegal,
                "TemplateName must be 1-100 characters without control characters.",
            ));
        }
        let html = self.html.as_deref().unwrap_or_default();
        let text = self.text.as_deref().unwrap_or_default();
        if html.trim().is_empty() && text.trim().is_empty() {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueTemplateContentIsNULL,
                "TemplateContent needs a non-empty Html or Text.",
            ));
        }
        if html.len() + text.len() > MAX_TEMPLATE_BYTES {
            return Err(SesError::new(
                ErrorCode::FailedOperationTemplateContentToolarge,
                "Template content exceeds 1 MB.",
            ));
        }
        Ok(())
    }
}

fn not_exist() -> SesError {
    SesError::new(
        ErrorCode::InvalidParameterValueTemplateNotExist,
        "The template does not exist.",
    )
}

impl<P: Ports> Sesame<P> {
    /// Creates an approved template and returns its id.
    #[tracing::instrument(skip(self, input), fields(account = %account), err)]
    pub async fn create_template(
        &self,
        account: &AccountId,
        input: TemplateInput,
    ) -> Result<TemplateId, SesError> {
        input.check()?;
        let (_, total) = self.templates.list(account, 0, 0).await?;
        if total >= self.settings.max_templates {
            return Err(SesError::new(
                ErrorCode::FailedOperationExceedTemplateLimit,
                "The template limit is reached.",
            ));
        }
        let id = TemplateId(self.sequences.next("template").await?);
        let template = Template {
            account: account.clone(),
            id,
            name: input.name,
            html: input.html.filter(|h| !h.is_empty()),
            text: input.text.filter(|t| !t.is_empty()),
            status: 0,
            created_at: self.now(),
        };
        self.templates.create(&template).await?;
        Ok(id)
    }

    /// Replaces a template's name and content.
    #[tracing::instrument(skip(self, input), fields(account = %account), err)]
    pub async fn update_template(
        &self,
        account: &AccountId,
        id: TemplateId,
        input: TemplateInput,
    ) -> Result<(), SesError> {
        input.check()?;
        let existing = self
            .templates
            .get(account, id)
            .await?
            .ok_or_else(not_exist)?;
        let updated = Template {
            name: input.name,
            html: input.html.filter(|h| !h.is_empty()),
            text: input.text.filter(|t| !t.is_empty()),
            status: 0,
            ..existing
        };
        if self.templates.update(&updated).await? {
            Ok(())
        } else {
            Err(not_exist())
        }
    }

    /// One template.
    pub async fn get_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<Template, SesError> {
        self.templates.get(account, id).await?.ok_or_else(not_exist)
    }

    /// A page of templates and the total count.
    pub async fn list_templates(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Template>, u64), SesError> {
        let limit = page_limit(limit)?;
        Ok(self.templates.list(account, offset, limit).await?)
    }

    /// Deletes a template.
    #[tracing::instrument(skip(self), fields(account = %account), err)]
    pub async fn delete_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<(), SesError> {
        if self.templates.delete(account, id).await? {
            Ok(())
        } else {
            Err(not_exist())
        }
    }
}

/// Fills `{{name}}` placeholders (whitespace inside the braces allowed) from `data`.
/// Unknown placeholders become empty. With `escape_html`, values are HTML-escaped so that
/// template data can never inject markup.
pub fn render(
    template: &str,
    data: &serde_json::Map<String, serde_json::Value>,
    escape_html: bool,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        let value = match data.get(name) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        if escape_html {
            push_escaped(&mut out, &value)
        } else {
            out.push_str(&value)
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn push_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn placeholders_are_filled_and_html_escaped() {
        let data = serde_json::json!({"name": "<b>Ann</b>", "code": 42});
        let data = data.as_object().unwrap();
        assert_eq!(
            render("Hi {{name}}, {{ code }}!{{missing}}", data, false),
            "Hi <b>Ann</b>, 42!"
        );
        assert_eq!(
            render("<p>{{name}}</p>", data, true),
            "<p>&lt;b&gt;Ann&lt;/b&gt;</p>"
        );
        assert_eq!(render("open {{name", data, false), "open {{name");
    }
}
