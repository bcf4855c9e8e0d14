//! One SQS batch: each record's body is a delivery job, handed to `Sesame::deliver` on its own
//! (a body that does not parse fails alone), all records of the batch concurrently.
//!
//! What SQS is told, per record:
//! - `Done` or `Malformed`: success, so Lambda deletes the message. A malformed body can never
//!   succeed; core logs it, and sending it round the queue ten times into the DLQ helps no one.
//! - `RetryAfter(delay)`: the message's visibility is set to `delay` (`JobQueue::retry_later`,
//!   i.e. ChangeMessageVisibility) and its id reported in `batchItemFailures`, so Lambda leaves
//!   it in the queue and SQS hands it out again after the backoff instead of after the
//!   queue's visibility timeout. Its receive count grows, and the redrive policy moves a job
//!   that keeps failing to the DLQ.
//!
//! The handler never fails the invocation: that would make SQS redeliver the whole batch,
//! sending again the mail that did go out (the claim bounds but does not remove duplicates).

use std::collections::HashMap;
use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use tokio::task::JoinSet;
use tracing::Instrument;

use sesame_core::Sesame;
use sesame_core::app::DeliveryReport;
use sesame_core::ports::{JobQueue, Ports};

/// Whether SQS should keep the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Finished: let Lambda delete it.
    Delete,
    /// Report it as failed so it is received again (after the delay already set).
    Redeliver,
}

/// Handles a batch; returns the records to redeliver.
pub async fn handle<P: Ports>(app: Arc<Sesame<P>>, event: SqsEvent) -> SqsBatchResponse {
    let mut tasks = JoinSet::new();
    let mut message_ids = HashMap::new();
    for record in event.records {
        let message_id = record.message_id.clone().unwrap_or_default();
        let receive_count = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|c| c.parse::<u32>().ok());
        let span = tracing::info_span!("sqs_message", message_id = %message_id, receive_count);
        let app = app.clone();
        let task = tasks.spawn(async move { process(&app, &record).await }.instrument(span));
        message_ids.insert(task.id(), message_id);
    }
    let mut response = SqsBatchResponse::default();
    while let Some(joined) = tasks.join_next_with_id().await {
        let (task, verdict) = match joined {
            Ok(done) => done,
            // A panic while delivering one job must not lose or resend the others: that job
            // alone returns to the queue, after the visibility timeout.
            Err(err) => {
                tracing::error!(error = %err, "delivery task failed; the job will be received again");
                (err.id(), Verdict::Redeliver)
            }
        };
        if verdict == Verdict::Redeliver
            && let Some(id) = message_ids.remove(&task)
        {
            response.add_failure(id);
        }
    }
    response
}

async fn process<P: Ports>(app: &Sesame<P>, record: &SqsMessage) -> Verdict {
    let Some(body) = record.body.as_deref() else {
        tracing::error!("SQS message without a body dropped");
        return Verdict::Delete;
    };
    match app.deliver(body).await {
        DeliveryReport::Done | DeliveryReport::Malformed => Verdict::Delete,
        DeliveryReport::RetryAfter(delay) => {
            let delay_secs = delay.as_secs();
            match record.receipt_handle.as_deref() {
                Some(receipt) => match app.queue.retry_later(receipt, delay).await {
                    Ok(()) => tracing::info!(delay_secs, "delivery will be retried"),
                    Err(err) => tracing::warn!(
                        error = %err, delay_secs,
                        "could not delay the retry; it returns after the visibility timeout"
                    ),
                },
                None => tracing::warn!("SQS message without a receipt handle; retry not delayed"),
            }
            Verdict::Redeliver
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{Value, json};

    use sesame_core::app::{Content, SendCommand, TemplateInput, TemplateRef};
    use sesame_core::settings::Settings;
    use sesame_core::testing::{RecordingMailer, TestPorts};
    use sesame_core::types::{AccountId, EmailAddress};

    use super::*;

    /// Three records as SQS delivers them: a well-formed job whose message no longer exists,
    /// a body that is not JSON, and a job of an unknown payload version.
    const BATCH: &str = include_str!("../events/sqs-batch.json");

    fn batch() -> SqsEvent {
        serde_json::from_str(BATCH).unwrap()
    }

    fn app() -> Arc<Sesame<TestPorts>> {
        Arc::new(sesame_core::testing::sesame(Settings::default()))
    }

    /// Accepts one message to `rcpt` and returns its queued job (leased for zero seconds, so
    /// it stays visible unless the handler delays it).
    async fn accepted_job(app: &Sesame<TestPorts>, rcpt: &str) -> (String, String) {
        let account = AccountId::parse("1000001").unwrap();
        app.create_identity(&account, "example.com", None, vec![])
            .await
            .unwrap();
        app.trust_identity(&account, "example.com").await.unwrap();
        app.create_sender(&account, "noreply@example.com", Some("Ops"))
            .await
            .unwrap();
        let input = TemplateInput {
            name: "welcome".into(),
            html: Some("<p>Hello {{name}}</p>".into()),
            text: Some("Hello {{name}}".into()),
        };
        let template = app.create_template(&account, input).await.unwrap().0;
        let command = SendCommand {
            from: "Ops <noreply@example.com>".into(),
            destination: vec![rcpt.into()],
            subject: "Hi {{name}}".into(),
            content: Some(Content::Template(TemplateRef {
                id: template,
                data: r#"{"name":"Ann"}"#.into(),
            })),
            ..SendCommand::default()
        };
        app.send_email(&account, command).await.unwrap();
        let mut jobs = app
            .queue
            .receive(10, Duration::ZERO, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(jobs.len(), 1);
        let job = jobs.remove(0);
        (job.body, job.receipt)
    }

    /// The fixture batch with its first record carrying `body` and `receipt`.
    fn batch_with_first(body: &str, receipt: &str) -> SqsEvent {
        let mut event: Value = serde_json::from_str(BATCH).unwrap();
        event["Records"][0]["body"] = json!(body);
        event["Records"][0]["receiptHandle"] = json!(receipt);
        serde_json::from_value(event).unwrap()
    }

    fn failed_ids(response: &SqsBatchResponse) -> Vec<&str> {
        response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect()
    }

    #[tokio::test]
    async fn malformed_bodies_do_not_fail_the_batch() {
        let response = handle(app(), batch()).await;
        assert!(failed_ids(&response).is_empty(), "{response:?}");
    }

    #[tokio::test]
    async fn delivered_mail_is_deleted_from_the_queue() {
        let app = app();
        let (body, receipt) = accepted_job(&app, "ann@example.org").await;
        let response = handle(app.clone(), batch_with_first(&body, &receipt)).await;
        assert!(failed_ids(&response).is_empty(), "{response:?}");
        let rcpt = EmailAddress::parse("ann@example.org").unwrap();
        assert_eq!(app.mailer.sent_to(&rcpt).len(), 1);
    }

    #[tokio::test]
    async fn a_transient_relay_failure_is_delayed_and_reported_alone() {
        let app = app();
        let (body, receipt) = accepted_job(&app, "ann@example.org").await;
        let rcpt = EmailAddress::parse("ann@example.org").unwrap();
        app.mailer
            .script(&rcpt, vec![Err(RecordingMailer::transient())]);

        let event = batch_with_first(&body, &receipt);
        let retried = event.records[0].message_id.clone().unwrap();
        let response = handle(app.clone(), event).await;

        assert_eq!(failed_ids(&response), vec![retried.as_str()]);
        let visible = app
            .queue
            .receive(10, Duration::ZERO, Duration::ZERO)
            .await
            .unwrap();
        assert!(
            visible.is_empty(),
            "the retried job must stay invisible for the backoff delay"
        );
    }
}
