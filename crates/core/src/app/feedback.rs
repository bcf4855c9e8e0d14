//! Feedback from receivers: the VERP return path of each delivery, ingest of DSNs and ARF
//! complaints posted as raw messages, and GetAbuseReport.
//!
//! A report is matched to its delivery by the VERP token in the address it came back to
//! (verified against the caller's account), or else by the original `Message-ID` our compose
//! wrote (`<sesame-….…@domain>`) together with the recipient the report names. A report
//! that matches nothing of the caller's account changes nothing.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::Sesame;
use super::statistics::{CountedEvent, StatEvent};
use crate::error::{ErrorCode, SesError};
use crate::feedback::report::{self, DsnRecipient, ReportKind};
use crate::feedback::{BounceKind, classify_status, verp};
use crate::model::Message;
use crate::ports::{Complaint, ComplaintQuery, Deliveries, EventKind, Feedback, Ports};
use crate::types::{AccountId, EmailAddress, MessageId};

/// Key-derivation purpose of the VERP token key.
const PURPOSE_VERP: &str = "sesame/verp/v1";

/// What an ingested report did, per matched recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestResult {
    /// `bounce`, `delay` or `complaint`.
    pub kind: &'static str,
    /// The matched message, if any.
    pub message_id: Option<MessageId>,
    /// The matched recipient, if any.
    pub recipient: Option<EmailAddress>,
    /// `hard`, `soft`, `transient` for a bounce; the feedback type for a complaint.
    pub verdict: String,
    /// Whether the recipient was added to the suppression list.
    pub suppressed: bool,
}

/// GetAbuseReport's filter as the API received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AbuseQuery {
    /// `YYYY-MM-DD` (or `YYYY-MM-DD HH:MM:SS`).
    pub start: String,
    /// `YYYY-MM-DD` (inclusive) or `YYYY-MM-DD HH:MM:SS`.
    pub end: String,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return (default 1000).
    pub limit: u64,
    /// Only complaints about mail from this domain.
    pub from_domain: Option<String>,
    /// Only complaints about mail from this address.
    pub from_address: Option<String>,
    /// Only complaints from recipients at this domain.
    pub mta: Option<String>,
    /// Only complaints from this recipient.
    pub to_address: Option<String>,
    /// Only complaints about this template.
    pub template_id: Option<String>,
}

fn sender_address(from: &str) -> String {
    crate::types::Mailbox::parse(from)
        .map(|m| m.address.as_str().to_owned())
        .unwrap_or_else(|_| from.to_owned())
}

impl<P: Ports> Sesame<P> {
    fn verp_key(&self) -> [u8; 32] {
        self.secrets.derive_key(PURPOSE_VERP)
    }

    /// The envelope sender of one delivery: the VERP address on the return-path domain
    /// (`SESAME_RETURN_PATH_DOMAIN`, default the sender's domain), or the sender address for a
    /// message whose id carries no token.
    pub(crate) fn return_path(&self, message: &Message, recipient: &EmailAddress) -> EmailAddress {
        let index = message
            .recipients()
            .iter()
            .position(|r| r.as_str().eq_ignore_ascii_case(recipient.as_str()));
        let domain = self
            .settings
            .return_path_domain
            .clone()
            .unwrap_or_else(|| message.from.address.domain().to_owned());
        index
            .and_then(|i| {
                verp::address(
                    &self.verp_key(),
                    &message.account,
                    &message.id,
                    i,
                    recipient,
                    &domain,
                )
            })
            .unwrap_or_else(|| message.from.address.clone())
    }

    /// Finds the delivery a report is about: by a VERP token that verifies for this account,
    /// else by the original Message-ID and a recipient the report names.
    async fn match_report(
        &self,
        account: &AccountId,
        report: &report::Report,
        named: &[String],
    ) -> Result<Option<(Message, EmailAddress)>, SesError> {
        let key = self.verp_key();
        for token in report.return_paths.iter().filter_map(|t| verp::find(t)) {
            let Some(message) = self
                .deliveries
                .get_message(account, &token.message_id)
                .await?
            else {
                continue;
            };
            let Some(rcpt) = message.recipients().get(usize::from(token.index)).cloned() else {
                continue;
            };
            if token.verify(&key, account, &rcpt) {
                return Ok(Some((message, rcpt)));
            }
        }
        let Some(id) = report
            .original_message_id
            .as_deref()
            .and_then(|h| h.trim().trim_start_matches('<').split(['.', '@']).next())
            .and_then(|id| MessageId::parse(id).ok())
        else {
            return Ok(None);
        };
        let Some(message) = self.deliveries.get_message(account, &id).await? else {
            return Ok(None);
        };
        let rcpt = message.recipients().into_iter().find(|r| {
            named.iter().any(|n| {
                n.to_ascii_lowercase()
                    .contains(&r.as_str().to_ascii_lowercase())
            })
        });
        Ok(rcpt.map(|r| (message, r)))
    }

    /// Ingests one raw feedback message (a DSN or an ARF report) for the account.
    #[tracing::instrument(skip(self, raw), fields(account = %account, len = raw.len()), err)]
    pub async fn ingest_feedback(
        &self,
        account: &AccountId,
        raw: &[u8],
    ) -> Result<Vec<IngestResult>, SesError> {
        let report = report::parse(raw).map_err(|e| {
            SesError::new(
                ErrorCode::InvalidParameterValue,
                format!("RawMessage is {e}."),
            )
        })?;
        match &report.kind {
            ReportKind::Dsn(blocks) => self.ingest_dsn(account, &report, blocks).await,
            ReportKind::Complaint { .. } => self.ingest_complaint(account, &report).await,
        }
    }

    async fn ingest_dsn(
        &self,
        account: &AccountId,
        report: &report::Report,
        blocks: &[DsnRecipient],
    ) -> Result<Vec<IngestResult>, SesError> {
        let named: Vec<String> = blocks
            .iter()
            .flat_map(|b| {
                [
                    Some(b.final_recipient.clone()),
                    b.original_recipient.clone(),
                ]
            })
            .flatten()
            .collect();
        let Some((message, rcpt)) = self.match_report(account, report, &named).await? else {
            tracing::info!("DSN matches no delivery of the account");
            return Ok(Vec::new());
        };
        // The block about the matched recipient; with VERP a forwarded address may differ,
        // so a single block is taken as it is.
        let lower = rcpt.as_str().to_ascii_lowercase();
        let block = blocks
            .iter()
            .find(|b| {
                b.final_recipient.to_ascii_lowercase() == lower
                    || b.original_recipient.as_deref().map(str::to_ascii_lowercase)
                        == Some(lower.clone())
            })
            .or(if blocks.len() == 1 {
                blocks.first()
            } else {
                None
            });
        let Some(block) = block else {
            return Ok(Vec::new());
        };
        let bounce = classify_status(&block.status, &block.diagnostic);
        let now = self.now();
        let mut result = IngestResult {
            kind: "bounce",
            message_id: Some(message.id.clone()),
            recipient: Some(rcpt.clone()),
            verdict: format!("{:?}", bounce.kind).to_ascii_lowercase(),
            suppressed: false,
        };
        if block.action != "failed" || bounce.kind == BounceKind::Transient {
            result.kind = "delay";
            return Ok(vec![result]);
        }
        let text = format!(
            "{} {} ({}, reported by DSN)",
            block.status,
            block.diagnostic,
            bounce.label()
        );
        self.feedback
            .record_late_bounce(account, &message.id, &rcpt, &text, now)
            .await?;
        self.append_event(
            (account, &message.id, &rcpt),
            EventKind::Bounced,
            "dsn",
            now,
            &text,
        )
        .await?;
        if bounce.kind == BounceKind::Hard {
            self.suppress_bounced(account, &rcpt, &text).await?;
            result.suppressed = true;
            self.note_warmup_event(account, &message, true).await;
        }
        self.count_quietly(CountedEvent {
            account: account.clone(),
            kind: StatEvent::Bounced,
            event_id: format!("{}:{}", message.id, rcpt.as_str().to_ascii_lowercase()),
            at: now,
            sender_domain: message.from.address.domain().to_owned(),
            recipient: rcpt.clone(),
        })
        .await;
        tracing::info!(message_id = %message.id, rcpt = %rcpt.redacted(), kind = ?bounce.kind, "asynchronous bounce recorded");
        Ok(vec![result])
    }

    async fn ingest_complaint(
        &self,
        account: &AccountId,
        report: &report::Report,
    ) -> Result<Vec<IngestResult>, SesError> {
        let ReportKind::Complaint {
            feedback_type,
            arrival,
            source_ip,
            reporter,
            original_rcpt_to,
        } = &report.kind
        else {
            return Ok(Vec::new());
        };
        let named: Vec<String> = original_rcpt_to
            .iter()
            .chain(report.original_to.iter())
            .cloned()
            .collect();
        let Some((message, rcpt)) = self.match_report(account, report, &named).await? else {
            tracing::info!("complaint matches no delivery of the account");
            return Ok(Vec::new());
        };
        let now = self.now();
        let delivery = self
            .deliveries
            .list(&crate::ports::DeliveryQuery {
                account: account.clone(),
                from: message.created_at,
                until: message.created_at + chrono::Duration::milliseconds(1),
                message_id: Some(message.id.clone()),
                recipient: Some(rcpt.clone()),
                offset: 0,
                limit: 1,
            })
            .await?;
        let complaint = Complaint {
            account: account.clone(),
            message_id: message.id.clone(),
            recipient: rcpt.clone(),
            from: sender_address(&message.from.address.to_string()),
            feedback_type: if feedback_type.is_empty() {
                "abuse".into()
            } else {
                feedback_type.clone()
            },
            complained_at: report.date.unwrap_or(now).min(now),
            arrived_at: *arrival,
            received_at: now,
            deliver_time: delivery.first().and_then(|d| d.deliver_time),
            reporter: reporter.clone(),
            source_ip: source_ip.clone(),
            template_id: message.template_id.map(|t| t.0),
            smtp_message_id: report.original_message_id.clone().unwrap_or_default(),
            subject: message.subject.clone(),
        };
        self.feedback.put_complaint(&complaint).await?;
        // The feed event also sets the delivery's complained flag (GetSendEmailStatus).
        self.append_event(
            (account, &message.id, &rcpt),
            EventKind::Complained,
            "arf",
            complaint.complained_at,
            &complaint.feedback_type,
        )
        .await?;
        // A complainer never gets this account's mail again unless the owner lifts it
        // (DeleteBlackList): the bounce blacklist is the account's suppression list.
        let reason = format!("complaint: feedback-type {}", complaint.feedback_type);
        self.suppress_bounced(account, &rcpt, &reason).await?;
        self.note_warmup_event(account, &message, false).await;
        tracing::info!(message_id = %message.id, rcpt = %rcpt.redacted(), "complaint recorded");
        Ok(vec![IngestResult {
            kind: "complaint",
            message_id: Some(message.id),
            recipient: Some(rcpt),
            verdict: complaint.feedback_type,
            suppressed: true,
        }])
    }

    /// Puts a hard-bounced or complaining address on the account's bounce blacklist
    /// (canonical form, idempotent).
    pub(crate) async fn suppress_bounced(
        &self,
        account: &AccountId,
        recipient: &EmailAddress,
        reason: &str,
    ) -> Result<(), SesError> {
        self.add_to_bounce_blacklist(account, recipient, self.now(), reason)
            .await
    }

    /// GetAbuseReport: the account's complaints in the window, filtered, paged.
    pub async fn abuse_report(
        &self,
        account: &AccountId,
        q: AbuseQuery,
    ) -> Result<(Vec<Complaint>, u64), SesError> {
        let from = self.boundary(&q.start, false).ok_or_else(|| {
            SesError::new(
                ErrorCode::InvalidParameterInvalidStartTimeFormat,
                "StartTime must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.",
            )
        })?;
        let until = self.boundary(&q.end, true).ok_or_else(|| {
            SesError::new(
                ErrorCode::InvalidParameterInvalidEndTimeFormat,
                "EndTime must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.",
            )
        })?;
        let (all, _) = self
            .feedback
            .list_complaints(&ComplaintQuery {
                account: account.clone(),
                from,
                until,
                offset: 0,
                limit: u64::MAX,
            })
            .await?;
        let eq = |want: &Option<String>, have: &str| {
            want.as_deref()
                .filter(|w| !w.is_empty())
                .is_none_or(|w| w.eq_ignore_ascii_case(have))
        };
        let matching: Vec<Complaint> = all
            .into_iter()
            .filter(|c| {
                let from_domain = c.from.rsplit('@').next().unwrap_or("");
                eq(&q.from_domain, from_domain)
                    && eq(&q.from_address, &c.from)
                    && eq(&q.mta, c.recipient.domain())
                    && eq(&q.to_address, c.recipient.as_str())
                    && eq(
                        &q.template_id,
                        &c.template_id.map(|t| t.to_string()).unwrap_or_default(),
                    )
            })
            .collect();
        let total = matching.len() as u64;
        let limit = if q.limit == 0 { 1000 } else { q.limit };
        let page = matching
            .into_iter()
            .skip(usize::try_from(q.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        Ok((page, total))
    }

    /// `YYYY-MM-DD` (start of day, or start of the next day for an end) or
    /// `YYYY-MM-DD HH:MM:SS`, in the API time zone.
    fn boundary(&self, raw: &str, end: bool) -> Option<DateTime<Utc>> {
        let tz = self.settings.timezone;
        let local = match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
            Ok(d) => {
                let d = if end { d.succ_opt()? } else { d };
                d.and_hms_opt(0, 0, 0)?
            }
            Err(_) => {
                chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M:%S").ok()?
            }
        };
        Some(
            tz.from_local_datetime(&local)
                .earliest()?
                .with_timezone(&Utc),
        )
    }

    /// Whether the recipient complained about the message (GetSendEmailStatus's
    /// `UserComplained`).
    pub async fn complained(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
    ) -> Result<bool, SesError> {
        Ok(self
            .feedback
            .complained(account, message_id, recipient)
            .await?)
    }
}
