//! A task delivery's own copy: the run's message holds the unrendered template; each
//! recipient's subject and bodies are rendered at delivery with their TemplateData, so a list
//! of millions never stores millions of rendered bodies.

use super::super::Sesame;
use super::super::templates::render;
use crate::error::SesError;
use crate::model::Message;
use crate::ports::{Ports, Tasks};
use crate::types::EmailAddress;

/// Prefix of the message ids of task runs (`task-<id>-r<run>`); SendEmail ids never start so.
pub const TASK_MESSAGE_PREFIX: &str = "task-";

impl<P: Ports> Sesame<P> {
    /// The copy of a task run's message for `recipient`: addressed to them alone, subject and
    /// bodies rendered with their TemplateData. Other messages are returned unchanged.
    pub(crate) async fn render_task_copy(
        &self,
        mut message: Message,
        recipient: &EmailAddress,
    ) -> Result<Message, SesError> {
        if !message.id.as_str().starts_with(TASK_MESSAGE_PREFIX) {
            return Ok(message);
        }
        let data = self
            .tasks
            .delivery_data(&message.account, &message.id, recipient)
            .await?;
        let data = match data
            .as_deref()
            .map(serde_json::from_str::<serde_json::Value>)
        {
            Some(Ok(serde_json::Value::Object(map))) => map,
            _ => serde_json::Map::new(),
        };
        message.to = vec![recipient.clone()];
        message.subject = render(&message.subject, &data, false);
        message.html = message.html.as_deref().map(|h| render(h, &data, true));
        message.text = message.text.as_deref().map(|t| render(t, &data, false));
        Ok(message)
    }
}
