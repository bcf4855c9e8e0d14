//! SQS-specific behaviour of `SqsJobQueue` (moto server): the sub-second conformance checks
//! at SQS's 1-second granularity, batching, the 15-minute delay cap and the dead-letter queue.

mod support;

use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use sesame_core::ports::JobQueue;

const LONG: Duration = Duration::from_secs(30);
const NO_WAIT: Duration = Duration::ZERO;

fn bodies(n: usize, size: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{i:04}{}", "x".repeat(size)))
        .collect()
}

async fn attribute(f: &support::SqsFixture, url: &str, name: QueueAttributeName) -> u64 {
    let out = f
        .client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(name.clone())
        .send()
        .await
        .expect("attributes");
    out.attributes()
        .and_then(|a| a.get(&name))
        .and_then(|v| v.parse().ok())
        .expect("numeric attribute")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unacked_job_reappears_after_a_one_second_lease_with_a_higher_receive_count() {
    let f = support::sqs().await;
    f.queue
        .enqueue(&bodies(1, 1), NO_WAIT)
        .await
        .expect("enqueue");
    let first = f
        .queue
        .receive(10, Duration::from_secs(1), NO_WAIT)
        .await
        .expect("receive");
    assert_eq!(first.len(), 1);
    assert_eq!(
        f.queue.receive(10, LONG, NO_WAIT).await.expect("receive"),
        vec![],
        "hidden while leased"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let again = f.queue.receive(10, LONG, NO_WAIT).await.expect("receive");
    assert_eq!(
        again
            .iter()
            .map(|j| (j.body.as_str(), j.receive_count))
            .collect::<Vec<_>>(),
        vec![(first[0].body.as_str(), 2)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_second_retry_delay_rounds_up_to_a_whole_second() {
    let f = support::sqs().await;
    f.queue
        .enqueue(&bodies(1, 1), NO_WAIT)
        .await
        .expect("enqueue");
    let job = f
        .queue
        .receive(10, LONG, NO_WAIT)
        .await
        .expect("receive")
        .remove(0);
    f.queue
        .retry_later(&job.receipt, Duration::from_millis(300))
        .await
        .expect("retry later");
    assert_eq!(
        f.queue.receive(10, LONG, NO_WAIT).await.expect("receive"),
        vec![],
        "never visible before the delay"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let again = f.queue.receive(10, LONG, NO_WAIT).await.expect("receive");
    assert_eq!(
        again.iter().map(|j| j.receive_count).collect::<Vec<_>>(),
        vec![2]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_second_enqueue_delay_rounds_up_to_a_whole_second() {
    let f = support::sqs().await;
    f.queue
        .enqueue(&bodies(1, 1), Duration::from_millis(300))
        .await
        .expect("enqueue");
    assert_eq!(
        f.queue.receive(10, LONG, NO_WAIT).await.expect("receive"),
        vec![]
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        f.queue
            .receive(10, LONG, NO_WAIT)
            .await
            .expect("receive")
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_splits_by_count_and_payload_and_receive_collects_past_ten() {
    let f = support::sqs().await;
    // 25 small bodies need three batches; 12 of 60 KB exceed the 256 KB batch payload.
    let mut all = bodies(25, 10);
    all.extend(bodies(12, 60 * 1024));
    f.queue.enqueue(&all, NO_WAIT).await.expect("enqueue");
    let mut got: Vec<String> = f
        .queue
        .receive(100, LONG, NO_WAIT)
        .await
        .expect("receive")
        .into_iter()
        .map(|j| j.body)
        .collect();
    got.sort();
    all.sort();
    assert_eq!(got, all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delays_beyond_fifteen_minutes_are_capped_not_refused() {
    let f = support::sqs().await;
    f.queue
        .enqueue(&bodies(1, 1), Duration::from_secs(3600))
        .await
        .expect("enqueue with a long delay");
    assert_eq!(
        f.queue.receive(10, LONG, NO_WAIT).await.expect("receive"),
        vec![]
    );
    assert_eq!(
        attribute(
            &f,
            f.queue.queue_url(),
            QueueAttributeName::ApproximateNumberOfMessagesDelayed
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_received_ten_times_moves_to_the_dead_letter_queue() {
    let f = support::sqs().await;
    f.queue
        .enqueue(&bodies(1, 1), NO_WAIT)
        .await
        .expect("enqueue");
    for round in 1..=10 {
        let jobs = f.queue.receive(10, LONG, NO_WAIT).await.expect("receive");
        assert_eq!(
            jobs.iter().map(|j| j.receive_count).collect::<Vec<_>>(),
            vec![round]
        );
        f.queue
            .retry_later(&jobs[0].receipt, NO_WAIT)
            .await
            .expect("retry");
    }
    assert_eq!(
        f.queue.receive(10, LONG, NO_WAIT).await.expect("receive"),
        vec![],
        "moved away"
    );
    let dlq = format!("{}-dlq", f.queue.queue_url());
    assert_eq!(
        attribute(&f, &dlq, QueueAttributeName::ApproximateNumberOfMessages).await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receive_of_nothing_asked_returns_nothing() {
    let f = support::sqs().await;
    f.queue
        .enqueue(&bodies(1, 1), NO_WAIT)
        .await
        .expect("enqueue");
    assert_eq!(
        f.queue.receive(0, LONG, NO_WAIT).await.expect("receive"),
        vec![]
    );
    assert_eq!(
        f.queue
            .receive(1, LONG, NO_WAIT)
            .await
            .expect("receive")
            .len(),
        1
    );
}
