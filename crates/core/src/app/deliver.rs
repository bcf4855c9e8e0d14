//! Delivery of one job: claim the (message, recipient) delivery, compose and sign, send
//! through the relay, record the SMTP outcome. The claim is a conditional write made before
//! the send, so a job received twice (queue redelivery, a crash after the send) sends again
//! only after the claim window has passed — at-least-once, with duplicates bounded by it.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Sesame;
use super::statistics::StatEvent;
use crate::error::SesError;
use crate::feedback::{Bounce, BounceKind, BounceReason, classify};
use crate::model::{DeliverStatus, Delivery, DeliveryJob, SendStatus};
use crate::ports::{
    Claim, ComposeInput, Deliveries, Dkim, Envelope, Identities, Ids, Mailer, Outcome, Ports,
    SmtpReply,
};
use crate::types::Domain;

/// What the queue consumer should do with the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryReport {
    /// Finished (delivered, bounced, dropped, or nothing to do): remove the job.
    Done,
    /// Try the job again after the delay.
    RetryAfter(Duration),
    /// The body is not a job this version understands: remove it (it is logged).
    Malformed,
}

/// Exponential backoff: `base · 2^(attempt-1)`, capped, then scaled by a jitter factor in
/// `[0.5, 1.0]` so that retries of a failed relay do not arrive in lockstep.
pub fn backoff_delay(base: Duration, cap: Duration, attempt: u32, jitter: u8) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let capped = exp.min(cap);
    capped.mul_f64(0.5 + f64::from(jitter) / 510.0)
}

impl<P: Ports> Sesame<P> {
    /// Processes one queued job body. Never panics on any input.
    #[tracing::instrument(skip(self, body), fields(message_id, rcpt, attempt))]
    pub async fn deliver(&self, body: &str) -> DeliveryReport {
        let job: DeliveryJob = match serde_json::from_str(body) {
            Ok(job) if job_version_ok(&job) => job,
            _ => {
                tracing::error!(len = body.len(), "malformed delivery job dropped");
                return DeliveryReport::Malformed;
            }
        };
        match self.deliver_job(&job).await {
            Ok(report) => report,
            Err(e) => {
                tracing::warn!(error = %e, "delivery interrupted by a store failure; will retry");
                DeliveryReport::RetryAfter(self.settings.retry_base)
            }
        }
    }

    async fn deliver_job(&self, job: &DeliveryJob) -> Result<DeliveryReport, SesError> {
        let now = self.now();
        let until = now + self.settings.claim_window;
        let claim = self
            .deliveries
            .claim(&job.account, &job.message_id, &job.recipient, now, until)
            .await?;
        let delivery = match claim {
            Claim::Claimed(d) => d,
            Claim::AlreadyFinal | Claim::Missing => return Ok(DeliveryReport::Done),
            Claim::Held => return Ok(DeliveryReport::RetryAfter(self.settings.claim_window)),
        };
        // Fields of the span `deliver` opened (an entered guard must never be held across an
        // `.await`: the span would leak into whatever the thread polls next).
        let span = tracing::Span::current();
        span.record("message_id", tracing::field::display(&job.message_id));
        span.record("rcpt", tracing::field::display(job.recipient.redacted()));
        span.record("attempt", delivery.attempts);

        let Some(message) = self
            .deliveries
            .get_message(&job.account, &job.message_id)
            .await?
        else {
            return self
                .finish(
                    job,
                    SendStatus::Internal,
                    DeliverStatus::Dropped,
                    "message record missing",
                )
                .await;
        };
        let domain =
            Domain::parse(message.from.address.domain()).map_err(|_| SesError::internal())?;
        let identity = match self.identities.get(&job.account, &domain).await? {
            Some(identity) if identity.verified => identity,
            _ => {
                return self
                    .finish(
                        job,
                        SendStatus::SenderDomainUnverified,
                        DeliverStatus::Dropped,
                        "sender domain is not verified",
                    )
                    .await;
            }
        };
        if self.unsubscribed_since(job, &message).await? {
            tracing::info!("recipient unsubscribed from this sender; dropped");
            let text = "recipient unsubscribed from this sender";
            return self
                .finish(job, SendStatus::Unsubscribed, DeliverStatus::Dropped, text)
                .await;
        }
        let message = self.render_task_copy(message, &job.recipient).await?;
        let message = self.personalize(message, &job.recipient, now).await?;
        let keys = self.signing_keys(&identity)?;
        let input = ComposeInput {
            message: &message,
            recipient: &job.recipient,
            now,
            message_id_domain: domain.as_str(),
            keys: &keys,
        };
        let raw = match self.dkim.compose(&input) {
            Ok(raw) => raw,
            Err(e) => {
                tracing::error!(error = %e, "compose failed");
                return self
                    .finish(
                        job,
                        SendStatus::Internal,
                        DeliverStatus::Dropped,
                        "message could not be composed",
                    )
                    .await;
            }
        };
        let envelope = Envelope {
            mail_from: self.return_path(&message, &job.recipient),
            rcpt_to: job.recipient.clone(),
        };
        let sender_domain = message.from.address.domain();
        let pool = self.pool_of(&job.account, &domain).await?;
        match self.mailer.send_via(&pool, &envelope, &raw).await {
            Ok(reply) => {
                tracing::info!(code = reply.code, "delivered");
                let report = self
                    .finish(
                        job,
                        SendStatus::Ok,
                        DeliverStatus::Delivered,
                        &reply.to_string(),
                    )
                    .await?;
                self.count_delivery(job, sender_domain, StatEvent::Delivered)
                    .await;
                Ok(report)
            }
            Err(e) => {
                let reply = e.reply();
                let bounce = classify(reply.code, &reply.text);
                // A 5xx that only asks to come back later (greylisting, throttling) is retried.
                let permanent = !e.is_retryable() && bounce.kind != BounceKind::Transient;
                if permanent {
                    return self.bounced(job, sender_domain, reply, bounce).await;
                }
                self.deferred(job, sender_domain, &delivery, reply, bounce)
                    .await
            }
        }
    }

    /// A permanent refusal: `DeliverStatus` 3 with the reply and its classification. A policy
    /// block is the receiver refusing the sender (`SendStatus` 1008), not the address.
    async fn bounced(
        &self,
        job: &DeliveryJob,
        sender_domain: &str,
        reply: &SmtpReply,
        bounce: Bounce,
    ) -> Result<DeliveryReport, SesError> {
        tracing::info!(code = reply.code, reason = bounce.reason.as_str(), kind = ?bounce.kind, "bounce");
        let send = if bounce.reason == BounceReason::Blocked {
            SendStatus::SenderRejected
        } else {
            SendStatus::Ok
        };
        let text = format!("{reply} ({})", bounce.label());
        // Before the outcome, like the delivered event: a retry appends the same event id.
        let copy = (&job.account, &job.message_id, &job.recipient);
        let kind = crate::ports::EventKind::Bounced;
        self.append_event(copy, kind, "smtp", self.now(), &text)
            .await?;
        let report = self
            .finish(job, send, DeliverStatus::Rejected, &text)
            .await?;
        if bounce.kind == BounceKind::Hard {
            self.suppress_bounced(&job.account, &job.recipient, &text)
                .await?;
            // The warm-up policy judges each day's hard-bounce rate.
            if let Ok(domain) = Domain::parse(sender_domain)
                && let Err(e) = self.note_hard_bounce(&job.account, &domain).await
            {
                tracing::warn!(error = %e, "counting a hard bounce for warm-up failed");
            }
        }
        self.count_delivery(job, sender_domain, StatEvent::Bounced)
            .await;
        Ok(report)
    }

    /// A transient failure: retry with backoff, or a soft bounce once the budget is spent.
    async fn deferred(
        &self,
        job: &DeliveryJob,
        sender_domain: &str,
        delivery: &Delivery,
        reply: &SmtpReply,
        bounce: Bounce,
    ) -> Result<DeliveryReport, SesError> {
        if delivery.attempts >= self.settings.max_attempts {
            tracing::info!(
                code = reply.code,
                reason = bounce.reason.as_str(),
                "soft bounce: retry budget spent"
            );
            let text = format!(
                "gave up after {} attempts: {reply} ({})",
                delivery.attempts,
                bounce.reason.as_str()
            );
            let copy = (&job.account, &job.message_id, &job.recipient);
            let kind = crate::ports::EventKind::Bounced;
            self.append_event(copy, kind, "smtp", self.now(), &text)
                .await?;
            let report = self
                .finish(job, SendStatus::TimedOut, DeliverStatus::Dropped, &text)
                .await?;
            self.count_delivery(job, sender_domain, StatEvent::Bounced)
                .await;
            return Ok(report);
        }
        let jitter = self.ids.random_bytes(1)[0];
        let delay = backoff_delay(
            self.settings.retry_base,
            self.settings.retry_cap,
            delivery.attempts,
            jitter,
        );
        tracing::info!(
            code = reply.code,
            reason = bounce.reason.as_str(),
            delay_s = delay.as_secs(),
            "deferred"
        );
        let at = self.now();
        let outcome = Outcome {
            send_status: SendStatus::Ok,
            deliver_status: DeliverStatus::Delayed,
            deliver_message: format!("{reply} ({})", bounce.label()),
            at,
            retry_at: Some(at + delay),
        };
        self.deliveries
            .record_outcome(&job.account, &job.message_id, &job.recipient, &outcome)
            .await?;
        Ok(DeliveryReport::RetryAfter(delay))
    }

    async fn finish(
        &self,
        job: &DeliveryJob,
        send: SendStatus,
        deliver: DeliverStatus,
        text: &str,
    ) -> Result<DeliveryReport, SesError> {
        let outcome = Outcome {
            send_status: send,
            deliver_status: deliver,
            deliver_message: text.chars().take(1000).collect(),
            at: self.now(),
            retry_at: None,
        };
        if deliver == DeliverStatus::Delivered {
            // Before the outcome: a retry after a failure here finds the delivery not final
            // and appends the same (deterministic) event id, which the feed keeps once.
            let copy = (&job.account, &job.message_id, &job.recipient);
            let kind = crate::ports::EventKind::Delivered;
            self.append_event(copy, kind, "delivery", outcome.at, text)
                .await?;
        }
        self.deliveries
            .record_outcome(&job.account, &job.message_id, &job.recipient, &outcome)
            .await?;
        Ok(DeliveryReport::Done)
    }

    /// Enqueues again every delivery whose job was lost: not final, and neither claimed nor
    /// scheduled for a retry since `grace` ago. Safe to run any time on any node: the claim
    /// keeps duplicates from sending twice. Returns how many were enqueued.
    #[tracing::instrument(skip(self), err)]
    pub async fn requeue_stale(&self, grace: Duration) -> Result<usize, SesError> {
        let before: DateTime<Utc> = self.now() - grace;
        let stale = self.deliveries.stale(before, 500).await?;
        for d in &stale {
            self.enqueue_deliveries(
                &d.account,
                &d.message_id,
                std::slice::from_ref(&d.recipient),
            )
            .await;
        }
        if !stale.is_empty() {
            tracing::info!(count = stale.len(), "stale deliveries enqueued again");
        }
        Ok(stale.len())
    }
}

fn job_version_ok(job: &DeliveryJob) -> bool {
    job.v == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let base = Duration::from_secs(30);
        let cap = Duration::from_secs(3600);
        assert_eq!(backoff_delay(base, cap, 1, 255), Duration::from_secs(30));
        assert_eq!(backoff_delay(base, cap, 3, 255), Duration::from_secs(120));
        assert_eq!(backoff_delay(base, cap, 12, 255), cap);
        assert_eq!(backoff_delay(base, cap, 1, 0), Duration::from_secs(15));
        assert!(backoff_delay(base, cap, 40, 128) <= cap);
    }
}
