//! The per-recipient copy of a message at delivery: tracked links, the open pixel, the
//! honeypot link, the unsubscribe footer and the RFC 8058 `List-Unsubscribe` headers; and the
//! unsubscribe suppression of a queued delivery.

use chrono::{DateTime, Utc};

use super::Sesame;
use crate::error::{ErrorCode, SesError};
use crate::model::{DeliveryJob, Message};
use crate::ports::{Events, Lists, Ports};
use crate::tracking::{
    HtmlAdditions, OPT_OUT_HEADER, Target, TokenClaims, TrackKind, UnsubscribeTexts, rewrite_html,
    unsubscribe_texts,
};
use crate::types::{AccountId, EmailAddress};

impl<P: Ports> Sesame<P> {
    /// Refuses a send to a recipient who unsubscribed from `sender`
    /// (`FailedOperation.ReceiverHasUnsubscribed`).
    pub(crate) async fn refuse_unsubscribed(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipients: impl Iterator<Item = &EmailAddress>,
    ) -> Result<(), SesError> {
        for recipient in recipients {
            if self
                .events
                .is_unsubscribed(account, sender, recipient)
                .await?
            {
                return Err(SesError::new(
                    ErrorCode::FailedOperationReceiverHasUnsubscribed,
                    format!("{} has unsubscribed from this sender.", recipient.as_str()),
                ));
            }
        }
        Ok(())
    }

    /// Whether the recipient of a queued delivery unsubscribed from the sender since the
    /// message was accepted (the delivery is then dropped with `SendStatus` 1013).
    pub(crate) async fn unsubscribed_since(
        &self,
        job: &DeliveryJob,
        message: &Message,
    ) -> Result<bool, SesError> {
        Ok(self
            .events
            .is_unsubscribed(&job.account, &message.from.address, &job.recipient)
            .await?)
    }

    /// The copy of `message` for `recipient`. Tracking applies when a public base URL is
    /// configured, the account has not switched it off and the message carries no
    /// `X-Sesame-Tracking: off`; the unsubscribe link when the request asked for one or the
    /// sender address's unsubscribe config is on. The opt-out header is never sent.
    pub(crate) async fn personalize(
        &self,
        mut message: Message,
        recipient: &EmailAddress,
        now: DateTime<Utc>,
    ) -> Result<Message, SesError> {
        let opted_out = message.headers.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case(OPT_OUT_HEADER)
                && matches!(
                    value.trim().to_ascii_lowercase().as_str(),
                    "off" | "0" | "false" | "no"
                )
        });
        message
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(OPT_OUT_HEADER));
        let tracking = &self.settings.tracking;
        let Some(base) = tracking.base_url.as_deref() else {
            return Ok(message);
        };
        let track = !opted_out && self.events.tracking_enabled(&message.account).await?;
        let language = self.unsubscribe_language(&message).await?;
        let texts = language.as_deref().and_then(unsubscribe_texts);
        let url = |kind: TrackKind, target: Target, path: &str| {
            let claims = TokenClaims {
                kind,
                account: message.account.clone(),
                message_id: message.id.clone(),
                recipient: recipient.clone(),
                issued_at: now,
                target,
            };
            tracking
                .keys
                .sign(&claims)
                .map(|token| format!("{base}/{path}/{token}"))
        };
        let unsubscribe_url = texts.and_then(|_| url(TrackKind::Unsubscribe, Target::None, "u"));
        let pixel = track
            .then(|| url(TrackKind::Open, Target::None, "o"))
            .flatten();
        let honeypot = track
            .then(|| url(TrackKind::Click, Target::Honeypot, "c"))
            .flatten();
        if let Some(html) = &message.html {
            let additions = HtmlAdditions {
                pixel: pixel.as_deref(),
                honeypot: honeypot.as_deref(),
                unsubscribe: unsubscribe_url.as_deref().zip(texts),
            };
            let link = |target: &Target| {
                if track {
                    url(TrackKind::Click, target.clone(), "c")
                } else {
                    None
                }
            };
            message.html = Some(rewrite_html(html, link, &additions));
        }
        if let (Some(link), Some(texts)) = (&unsubscribe_url, texts) {
            if let Some(text) = &mut message.text {
                text.push_str(&text_footer(texts, link));
            }
            message
                .headers
                .push(("List-Unsubscribe".into(), format!("<{link}>")));
            message.headers.push((
                "List-Unsubscribe-Post".into(),
                "List-Unsubscribe=One-Click".into(),
            ));
        }
        Ok(message)
    }

    /// The unsubscribe language of a message: the request's `Unsubscribe`, else the sender
    /// address's unsubscribe config when it is on; `None` for no link.
    pub(crate) async fn unsubscribe_language(
        &self,
        message: &Message,
    ) -> Result<Option<String>, SesError> {
        if message.unsubscribe != "0" && !message.unsubscribe.is_empty() {
            return Ok(Some(message.unsubscribe.clone()));
        }
        let config = self
            .lists
            .get_unsubscribe_config(&message.account, &message.from.address)
            .await?;
        Ok(config
            .filter(|c| c.enabled && c.language != "0")
            .map(|c| c.language))
    }
}

fn text_footer(texts: &UnsubscribeTexts, link: &str) -> String {
    format!("\n\n--\n{} {}: {link}\n", texts.footer, texts.link)
}
