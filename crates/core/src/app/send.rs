//! SendEmail: validate everything, then persist the message and one delivery per recipient,
//! then enqueue a delivery job per recipient. Nothing is stored unless every check passed.
//!
//! Accepted means durable: once the records are written the message will reach a final
//! status. If enqueueing fails the call still succeeds, because the stale-delivery sweep
//! ([`Sesame::requeue_stale`]) enqueues any delivery whose job never appeared.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::Sesame;
use super::content::{
    check_attachments, check_headers, check_message_id, check_subject, decode_body,
};
use super::statistics::StatEvent;
use super::templates::render;
use crate::error::{ErrorCode, SesError};
use crate::model::{Attachment, DeliverStatus, Delivery, DeliveryJob, Message, SendStatus};
use crate::ports::{Deliveries, Identities, Ids, JobQueue, Ports, Senders, Templates};
use crate::types::{AccountId, Domain, EmailAddress, Mailbox, MessageId, TemplateId};

/// Largest To list.
pub const MAX_TO: usize = 50;
/// Largest Cc and Bcc lists.
pub const MAX_CC: usize = 20;

/// Template reference of a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRef {
    /// Template id.
    pub id: u64,
    /// JSON-encoded object of variables.
    pub data: String,
}

/// Where the body comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A stored template filled with data.
    Template(TemplateRef),
    /// Raw base64 HTML and/or text given in the request.
    Simple {
        /// Base64 HTML.
        html: Option<String>,
        /// Base64 text.
        text: Option<String>,
    },
}

/// A send request as the API received it: raw strings, checked here so that every rule and
/// every error code lives in one place (the API and, later, SMTP submission share it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendCommand {
    /// `addr` or `Alias <addr>`.
    pub from: String,
    /// To.
    pub destination: Vec<String>,
    /// Cc.
    pub cc: Vec<String>,
    /// Bcc.
    pub bcc: Vec<String>,
    /// Reply-To.
    pub reply_to: Option<String>,
    /// Subject (may hold `{{var}}`).
    pub subject: String,
    /// Body source; `None` is refused with `FailedOperation.MissingEmailContent`.
    pub content: Option<Content>,
    /// (file name, base64 content).
    pub attachments: Vec<(String, Option<String>)>,
    /// Unsubscribe language code.
    pub unsubscribe: Option<String>,
    /// 0 or 1.
    pub trigger_type: Option<u64>,
    /// `<id@domain>`.
    pub smtp_message_id: Option<String>,
    /// JSON object of extra headers.
    pub smtp_headers: Option<String>,
    /// `From:` header override.
    pub header_from: Option<String>,
}

fn illegal_address(field: &str) -> SesError {
    SesError::new(
        ErrorCode::InvalidParameterValueIllegalEmailAddress,
        format!("{field} contains an invalid email address."),
    )
}

fn parse_list(raw: &[String], field: &str, max: usize) -> Result<Vec<EmailAddress>, SesError> {
    if raw.len() > max {
        return Err(SesError::new(
            ErrorCode::FailedOperationTooManyRecipients,
            format!("{field} may list at most {max} addresses."),
        ));
    }
    raw.iter()
        .map(|a| EmailAddress::parse(a).map_err(|_| illegal_address(field)))
        .collect()
}

/// The recipients and headers of a send, parsed.
struct Addressing {
    from: Mailbox,
    header_from: Option<Mailbox>,
    reply_to: Option<EmailAddress>,
    to: Vec<EmailAddress>,
    cc: Vec<EmailAddress>,
    bcc: Vec<EmailAddress>,
}

impl Addressing {
    /// Every recipient once, as the accepted message will list them (statistics).
    fn recipients(&self) -> Vec<EmailAddress> {
        let mut seen = std::collections::HashSet::new();
        self.to
            .iter()
            .chain(&self.cc)
            .chain(&self.bcc)
            .filter(|a| seen.insert(a.as_str().to_ascii_lowercase()))
            .cloned()
            .collect()
    }
}

fn parse_addressing(cmd: &SendCommand) -> Result<Addressing, SesError> {
    if cmd.from.is_empty() {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValueEmailAddressIsNULL,
            "FromEmailAddress is empty.",
        ));
    }
    let from = Mailbox::parse(&cmd.from).map_err(|e| match e {
        crate::types::AddressError::IllegalName => SesError::new(
            ErrorCode::InvalidParameterValueIllegalSenderName,
            "The sender's display name is invalid.",
        ),
        _ => SesError::new(
            ErrorCode::FailedOperationIncorrectSender,
            "FromEmailAddress must be `addr` or `Alias <addr>`.",
        ),
    })?;
    let to = parse_list(&cmd.destination, "Destination", MAX_TO)?;
    let cc = parse_list(&cmd.cc, "Cc", MAX_CC)?;
    let bcc = parse_list(&cmd.bcc, "Bcc", MAX_CC)?;
    if to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValueEmailAddressIsNULL,
            "At least one of Destination, Cc or Bcc is required.",
        ));
    }
    if bcc.iter().any(|b| to.contains(b)) {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            "Bcc must not repeat an address of Destination.",
        ));
    }
    let reply_to = match cmd.reply_to.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => Some(EmailAddress::parse(r).map_err(|_| illegal_address("ReplyToAddresses"))?),
        None => None,
    };
    let header_from = match cmd.header_from.as_deref().filter(|h| !h.is_empty()) {
        Some(h) => {
            let mailbox = Mailbox::parse(h).map_err(|_| {
                SesError::new(
                    ErrorCode::FailedOperationIncorrectSender,
                    "HeaderFrom must be `addr` or `Alias <addr>`.",
                )
            })?;
            if mailbox.address.domain() != from.address.domain() {
                return Err(SesError::new(
                    ErrorCode::FailedOperationIncorrectSender,
                    "HeaderFrom must use the domain of FromEmailAddress.",
                ));
            }
            Some(mailbox)
        }
        None => None,
    };
    Ok(Addressing {
        from,
        header_from,
        reply_to,
        to,
        cc,
        bcc,
    })
}

fn check_small_options(cmd: &SendCommand) -> Result<(String, u64), SesError> {
    let unsubscribe = cmd.unsubscribe.clone().unwrap_or_else(|| "0".into());
    if !unsubscribe
        .parse::<u8>()
        .is_ok_and(|n| n <= 12 && n.to_string() == unsubscribe)
    {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            "Unsubscribe must be a string \"0\" to \"12\".",
        ));
    }
    let trigger_type = cmd.trigger_type.unwrap_or(0);
    if trigger_type > 1 {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            "TriggerType must be 0 or 1.",
        ));
    }
    Ok((unsubscribe, trigger_type))
}

/// Subject, HTML and text after rendering.
struct Body {
    subject: String,
    html: Option<String>,
    text: Option<String>,
    template_id: Option<TemplateId>,
}

impl<P: Ports> Sesame<P> {
    /// Accepts a message for delivery and returns its id.
    #[tracing::instrument(skip(self, cmd), fields(account = %account), err)]
    pub async fn send_email(
        &self,
        account: &AccountId,
        cmd: SendCommand,
    ) -> Result<MessageId, SesError> {
        let addressing = parse_addressing(&cmd)?;
        self.count_requests(
            account,
            &addressing.from.address,
            &addressing.recipients(),
            StatEvent::Requested,
        )
        .await;
        check_subject(&cmd.subject)?;
        let (unsubscribe, trigger_type) = check_small_options(&cmd)?;
        let headers = check_headers(cmd.smtp_headers.as_deref())?;
        let smtp_message_id = check_message_id(cmd.smtp_message_id.as_deref())?;
        let attachments: Vec<Attachment> = check_attachments(&cmd.attachments)?;
        self.check_sender(account, &addressing.from).await?;
        let recipients = addressing
            .to
            .iter()
            .chain(&addressing.cc)
            .chain(&addressing.bcc);
        self.refuse_unsubscribed(account, &addressing.from.address, recipients)
            .await?;
        let recipients = addressing
            .to
            .iter()
            .chain(&addressing.cc)
            .chain(&addressing.bcc);
        self.refuse_blacklisted(account, &addressing.from.address, recipients)
            .await?;
        let body = self.body(account, &cmd).await?;

        let now = self.now();
        let id = self.new_message_id(now);
        let message = Message {
            account: account.clone(),
            id: id.clone(),
            from: addressing.from,
            header_from: addressing.header_from,
            reply_to: addressing.reply_to,
            to: addressing.to,
            cc: addressing.cc,
            bcc: addressing.bcc,
            subject: body.subject,
            html: body.html,
            text: body.text,
            attachments,
            headers,
            smtp_message_id,
            trigger_type,
            unsubscribe,
            template_id: body.template_id,
            created_at: now,
        };
        let recipients = message.recipients();
        let deliveries: Vec<Delivery> = recipients
            .iter()
            .map(|r| Delivery {
                account: account.clone(),
                message_id: id.clone(),
                recipient: r.clone(),
                from: cmd.from.clone(),
                send_status: SendStatus::Ok,
                deliver_status: DeliverStatus::Queued,
                deliver_message: String::new(),
                request_time: now,
                deliver_time: None,
                attempts: 0,
                claimed_until: None,
            })
            .collect();
        // Transactional mail is never held by warm-up, but counts toward the day's quota and
        // is limited per account; a failed insert gives the count back.
        let sender_domain =
            Domain::parse(message.from.address.domain()).map_err(|_| SesError::internal())?;
        let counted = self
            .count_transactional(account, &sender_domain, deliveries.len() as u64)
            .await?;
        if let Err(e) = self.deliveries.insert_message(&message, &deliveries).await {
            self.release_reservation(&counted, counted.granted).await;
            return Err(e.into());
        }
        self.count_requests(
            account,
            &message.from.address,
            &recipients,
            StatEvent::Accepted,
        )
        .await;
        self.enqueue_deliveries(account, &id, &recipients).await;
        tracing::info!(message_id = %id, recipients = recipients.len(), "message accepted");
        Ok(id)
    }

    /// Enqueues one job per recipient. Failure is logged, not returned: the records are the
    /// source of truth and the stale sweep enqueues again what did not make it.
    pub(crate) async fn enqueue_deliveries(
        &self,
        account: &AccountId,
        id: &MessageId,
        recipients: &[EmailAddress],
    ) {
        let bodies: Vec<String> = recipients
            .iter()
            .map(|r| {
                let job = DeliveryJob {
                    v: 1,
                    account: account.clone(),
                    message_id: id.clone(),
                    recipient: r.clone(),
                };
                serde_json::to_string(&job).expect("a DeliveryJob always serializes")
            })
            .collect();
        if let Err(e) = self.queue.enqueue(&bodies, Duration::ZERO).await {
            tracing::warn!(error = %e, message_id = %id, "enqueue failed; the stale sweep will retry");
        }
    }

    fn new_message_id(&self, now: chrono::DateTime<chrono::Utc>) -> MessageId {
        let random = hex::encode(self.ids.random_bytes(16));
        MessageId::parse(&format!("sesame-{}-{random}", now.format("%Y%m%d%H%M%S")))
            .expect("generated ids are valid")
    }

    async fn body(&self, account: &AccountId, cmd: &SendCommand) -> Result<Body, SesError> {
        match &cmd.content {
            None => Err(SesError::new(
                ErrorCode::FailedOperationMissingEmailContent,
                "Template or Simple content is required.",
            )),
            Some(Content::Simple { html, text }) => {
                let html = decode_body(html.as_deref())?;
                let text = decode_body(text.as_deref())?;
                if html.is_none() && text.is_none() {
                    return Err(SesError::new(
                        ErrorCode::FailedOperationMissingEmailContent,
                        "Simple needs Html or Text.",
                    ));
                }
                Ok(Body {
                    subject: cmd.subject.clone(),
                    html,
                    text,
                    template_id: None,
                })
            }
            Some(Content::Template(t)) => {
                let data: serde_json::Value = serde_json::from_str(&t.data).map_err(|_| {
                    SesError::new(
                        ErrorCode::FailedOperationWrongContentJson,
                        "TemplateData is not valid JSON.",
                    )
                })?;
                let serde_json::Value::Object(data) = data else {
                    return Err(SesError::new(
                        ErrorCode::InvalidParameterValueTemplateDataError,
                        "TemplateData must be a JSON object of variables.",
                    ));
                };
                let template = self
                    .templates
                    .get(account, TemplateId(t.id))
                    .await?
                    .ok_or_else(|| {
                        SesError::new(
                            ErrorCode::FailedOperationInvalidTemplateID,
                            "The template does not exist.",
                        )
                    })?;
                if template.status != 0 {
                    return Err(SesError::new(
                        ErrorCode::OperationDeniedTemplateStatusError,
                        "The template is not approved.",
                    ));
                }
                let subject = render(&cmd.subject, &data, false);
                check_subject(&subject)?;
                Ok(Body {
                    subject,
                    html: template.html.as_deref().map(|h| render(h, &data, true)),
                    text: template.text.as_deref().map(|t| render(t, &data, false)),
                    template_id: Some(template.id),
                })
            }
        }
    }

    pub(super) async fn check_sender(
        &self,
        account: &AccountId,
        from: &Mailbox,
    ) -> Result<(), SesError> {
        if self.senders.get(account, &from.address).await?.is_none() {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueNoSuchSender,
                "FromEmailAddress is not a sender address of this account.",
            ));
        }
        let domain = Domain::parse(from.address.domain()).map_err(|_| SesError::internal())?;
        let verified = self
            .identities
            .get(account, &domain)
            .await?
            .is_some_and(|i| i.verified);
        if !verified {
            return Err(SesError::new(
                ErrorCode::OperationDeniedDomainNotVerified,
                "The sender's domain is not verified.",
            ));
        }
        Ok(())
    }
}

/// Standard base64 decoding shared by the content checks.
pub(crate) fn b64(raw: &str) -> Option<Vec<u8>> {
    STANDARD.decode(raw.trim()).ok()
}
