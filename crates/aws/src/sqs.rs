//! [`SqsJobQueue`]: the job queue port over SQS (standard queue with a dead-letter queue).
//!
//! SQS counts delays and visibility in whole seconds. Durations are rounded *up*, so a job
//! is never visible before the delay or lease asked for, only up to a second later; `wait` is
//! rounded *down*, so `receive` never waits longer than asked. SQS delays a new message by at
//! most 15 minutes: a longer `enqueue` delay makes the job visible after 15 minutes, and the
//! delivery's claim (`claimed_until`, set by the worker that scheduled the retry) keeps it
//! from being sent early: the consumer finds it `Held` and retries it later. That is the
//! design: the queue carries work, the records decide when it may run.

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::{
    MessageSystemAttributeName, QueueAttributeName, SendMessageBatchRequestEntry,
};
use sesame_core::StoreError;
use sesame_core::ports::{JobQueue, Leased};

use crate::error::{build_error, corrupt, sdk_error};

/// SQS's largest `DelaySeconds`.
const MAX_DELAY_SECS: u64 = 900;
/// SQS's largest visibility timeout.
const MAX_VISIBILITY_SECS: u64 = 12 * 60 * 60;
/// SQS's longest long poll.
const MAX_WAIT_SECS: u64 = 20;
/// Entries per SendMessageBatch / ReceiveMessage.
const BATCH: usize = 10;
/// Total payload of one SendMessageBatch (the classic SQS limit, which every emulator knows).
const BATCH_BYTES: usize = 256 * 1024;
/// Rounds of resending batch entries that failed on the service's side.
const SEND_ATTEMPTS: u32 = 4;
/// How many times a job goes to the queue before SQS moves it to the dead-letter queue.
const MAX_RECEIVE_COUNT: u32 = 10;

/// Whole seconds, rounded up, at most `max`.
fn ceil_secs(d: Duration, max: u64) -> i32 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    i32::try_from(secs.min(max)).unwrap_or(i32::MAX)
}

/// The job queue port over one SQS queue. Cheap to clone (the SDK client is shared).
#[derive(Debug, Clone)]
pub struct SqsJobQueue {
    client: Client,
    queue_url: String,
}

impl SqsJobQueue {
    /// The queue at `queue_url`, through a client built from `aws_config` (endpoints follow
    /// the standard environment, e.g. `AWS_ENDPOINT_URL_SQS`).
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    /// The queue URL.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Sends one batch, resending entries that failed on the service's side; an entry the
    /// service refuses as the sender's fault (a body it cannot carry) fails at once.
    async fn send_batch(&self, bodies: &[(usize, &String)], delay: i32) -> Result<(), StoreError> {
        let mut pending: Vec<(usize, &String)> = bodies.to_vec();
        for attempt in 0..SEND_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            }
            let mut request = self.client.send_message_batch().queue_url(&self.queue_url);
            for (id, body) in &pending {
                let entry = SendMessageBatchRequestEntry::builder()
                    .id(id.to_string())
                    .message_body(body.as_str())
                    .delay_seconds(delay)
                    .build()
                    .map_err(|e| build_error("SendMessageBatch", e))?;
                request = request.entries(entry);
            }
            let out = request
                .send()
                .await
                .map_err(|e| sdk_error("SendMessageBatch", e))?;
            if let Some(refused) = out.failed().iter().find(|f| f.sender_fault()) {
                return Err(corrupt(format!(
                    "SendMessageBatch refused a job: {} {}",
                    refused.code(),
                    refused.message().unwrap_or("")
                )));
            }
            let failed: Vec<&str> = out.failed().iter().map(|f| f.id()).collect();
            pending.retain(|(id, _)| failed.contains(&id.to_string().as_str()));
            if pending.is_empty() {
                return Ok(());
            }
            tracing::warn!(
                failed = pending.len(),
                attempt,
                "SendMessageBatch entries failed; resending"
            );
        }
        Err(StoreError::Unavailable(format!(
            "{} jobs could not be enqueued",
            pending.len()
        )))
    }
}

impl JobQueue for SqsJobQueue {
    fn delay_granularity(&self) -> Duration {
        Duration::from_secs(1)
    }

    async fn enqueue(&self, bodies: &[String], delay: Duration) -> Result<(), StoreError> {
        let delay = ceil_secs(delay, MAX_DELAY_SECS);
        let mut batch: Vec<(usize, &String)> = Vec::with_capacity(BATCH);
        let mut bytes = 0;
        for (i, body) in bodies.iter().enumerate() {
            if batch.len() == BATCH || (!batch.is_empty() && bytes + body.len() > BATCH_BYTES) {
                self.send_batch(&batch, delay).await?;
                batch.clear();
                bytes = 0;
            }
            batch.push((i, body));
            bytes += body.len();
        }
        if !batch.is_empty() {
            self.send_batch(&batch, delay).await?;
        }
        Ok(())
    }

    async fn receive(
        &self,
        max: usize,
        lease: Duration,
        wait: Duration,
    ) -> Result<Vec<Leased>, StoreError> {
        let visibility = ceil_secs(lease, MAX_VISIBILITY_SECS);
        let mut wait_secs = i32::try_from(wait.as_secs().min(MAX_WAIT_SECS)).unwrap_or(0);
        let mut leased = Vec::new();
        // SQS hands out at most 10 per call: keep asking, without waiting again, until `max`
        // are collected or a call comes back empty.
        while leased.len() < max {
            let want = (max - leased.len()).min(BATCH);
            let out = self
                .client
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(i32::try_from(want).unwrap_or(1))
                .visibility_timeout(visibility)
                .wait_time_seconds(wait_secs)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send()
                .await
                .map_err(|e| sdk_error("ReceiveMessage", e))?;
            wait_secs = 0;
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for m in messages {
                let receive_count = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .ok_or_else(|| corrupt("SQS message without ApproximateReceiveCount"))?;
                leased.push(Leased {
                    receipt: m
                        .receipt_handle
                        .ok_or_else(|| corrupt("SQS message without receipt handle"))?,
                    body: m.body.unwrap_or_default(),
                    receive_count,
                });
            }
        }
        Ok(leased)
    }

    async fn ack(&self, receipt: &str) -> Result<(), StoreError> {
        match self
            .client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // A handle from an earlier receive, or of a job already deleted: the job is gone or
            // will be deleted through its newer handle; either way there is nothing to do.
            Err(e) if matches!(e.code(), Some("ReceiptHandleIsInvalid" | "InvalidIdFormat")) => {
                tracing::debug!(code = e.code(), "ack of a stale receipt ignored");
                Ok(())
            }
            Err(e) => Err(sdk_error("DeleteMessage", e)),
        }
    }

    async fn retry_later(&self, receipt: &str, delay: Duration) -> Result<(), StoreError> {
        let result = self
            .client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(ceil_secs(delay, MAX_VISIBILITY_SECS))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // The job was acked, or its lease ran out and another consumer holds it: the job is
            // not lost, and it is not this consumer's to delay any more.
            Err(e)
                if matches!(
                    e.code(),
                    Some("ReceiptHandleIsInvalid" | "MessageNotInflight" | "InvalidParameterValue")
                ) || e.code().is_some_and(|c| c.ends_with("MessageNotInflight")) =>
            {
                tracing::debug!(code = e.code(), "retry of a job no longer leased ignored");
                Ok(())
            }
            Err(e) => Err(sdk_error("ChangeMessageVisibility", e)),
        }
    }
}

/// Creates queue `name` and its dead-letter queue `<name>-dlq` (a job received
/// 10 times goes there), and returns the queue URL. Existing queues with the same attributes
/// are reused, so this can run at every setup.
pub async fn create_queue(client: &Client, name: &str) -> Result<String, StoreError> {
    let dlq = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .attributes(
            QueueAttributeName::MessageRetentionPeriod,
            (14 * 24 * 3600).to_string(),
        )
        .send()
        .await
        .map_err(|e| sdk_error("CreateQueue", e))?;
    let dlq_url = dlq
        .queue_url
        .ok_or_else(|| corrupt("CreateQueue returned no URL"))?;
    let attributes = client
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| sdk_error("GetQueueAttributes", e))?;
    let dlq_arn = attributes
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .ok_or_else(|| corrupt("dead-letter queue has no ARN"))?;
    let redrive =
        serde_json::json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT })
            .to_string();
    let queue = client
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .send()
        .await
        .map_err(|e| sdk_error("CreateQueue", e))?;
    queue
        .queue_url
        .ok_or_else(|| corrupt("CreateQueue returned no URL"))
}
