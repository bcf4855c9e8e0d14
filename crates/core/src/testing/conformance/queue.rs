//! Checks of the [`JobQueue`](crate::ports::JobQueue) port. Leases and delays use real time,
//! so they are kept to a few hundred milliseconds.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::fixtures::join_all;
use crate::ports::{JobQueue, Leased};

const LONG: Duration = Duration::from_secs(30);
const SHORT: Duration = Duration::from_millis(300);
const NO_WAIT: Duration = Duration::ZERO;

/// The short lease/delay of the timing cases: 300 ms, or the queue's granularity if coarser
/// (SQS counts visibility and delays in whole seconds).
fn short<Q: JobQueue>(q: &Q) -> Duration {
    SHORT.max(q.delay_granularity())
}

fn bodies(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{{\"v\":1,\"n\":{i}}}")).collect()
}

async fn receive_all<Q: JobQueue>(q: &Q, lease: Duration) -> Vec<Leased> {
    q.receive(100, lease, NO_WAIT).await.expect("receive")
}

/// Every enqueued job is received once (receive count 1) and, once acked, never again.
pub async fn received_job_is_gone_after_ack<Q: JobQueue>(q: &Q) {
    q.enqueue(&bodies(2), NO_WAIT).await.expect("enqueue");
    let mut jobs = receive_all(q, LONG).await;
    jobs.sort_by(|a, b| a.body.cmp(&b.body));
    assert_eq!(
        jobs.iter()
            .map(|j| (j.body.clone(), j.receive_count))
            .collect::<Vec<_>>(),
        bodies(2).into_iter().map(|b| (b, 1)).collect::<Vec<_>>()
    );
    assert_eq!(
        receive_all(q, LONG).await,
        vec![],
        "leased jobs are invisible"
    );
    for job in &jobs {
        q.ack(&job.receipt).await.expect("ack");
    }
    for job in &jobs {
        q.retry_later(&job.receipt, NO_WAIT)
            .await
            .expect("retry of an acked job is harmless");
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(receive_all(q, LONG).await, vec![]);
}

/// Acking a job that is already gone is not an error.
pub async fn acking_twice_is_not_an_error<Q: JobQueue>(q: &Q) {
    q.enqueue(&bodies(1), NO_WAIT).await.expect("enqueue");
    let job = receive_all(q, LONG).await.remove(0);
    q.ack(&job.receipt).await.expect("ack");
    q.ack(&job.receipt).await.expect("ack again");
}

/// `receive` returns at most `max` jobs; the rest stay for the next call.
pub async fn receive_takes_at_most_max_jobs<Q: JobQueue>(q: &Q) {
    q.enqueue(&bodies(5), NO_WAIT).await.expect("enqueue");
    let first = q.receive(3, LONG, NO_WAIT).await.expect("receive");
    let rest = q.receive(3, LONG, NO_WAIT).await.expect("receive");
    assert_eq!((first.len(), rest.len()), (3, 2));
    let mut seen: Vec<String> = first.into_iter().chain(rest).map(|j| j.body).collect();
    seen.sort();
    let mut expected = bodies(5);
    expected.sort();
    assert_eq!(seen, expected);
}

/// Bodies come back byte for byte: quotes, newlines, non-ASCII, large.
pub async fn bodies_round_trip_exactly<Q: JobQueue>(q: &Q) {
    let odd = vec![
        "{\"a\":\"line\\nbreak \\\"quoted\\\"\"}".to_owned(),
        "Grüße, 你好 ✉".to_owned(),
        "x".repeat(64 * 1024),
    ];
    q.enqueue(&odd, NO_WAIT).await.expect("enqueue");
    let mut got: Vec<String> = receive_all(q, LONG)
        .await
        .into_iter()
        .map(|j| j.body)
        .collect();
    got.sort();
    let mut expected = odd;
    expected.sort();
    assert_eq!(got, expected);
}

/// A job neither acked nor retried reappears when its lease expires, counted once more.
pub async fn unacked_job_reappears_after_its_lease_with_a_higher_receive_count<Q: JobQueue>(q: &Q) {
    let short = short(q);
    q.enqueue(&bodies(1), NO_WAIT).await.expect("enqueue");
    let first = receive_all(q, short).await;
    assert_eq!(first.len(), 1);
    assert_eq!(receive_all(q, short).await, vec![], "hidden while leased");
    tokio::time::sleep(short + Duration::from_millis(150)).await;
    let again = receive_all(q, LONG).await;
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].body.as_str(), again[0].receive_count),
        (first[0].body.as_str(), 2)
    );
    q.ack(&again[0].receipt).await.expect("ack");
    assert_eq!(receive_all(q, LONG).await, vec![]);
}

/// `retry_later` gives the lease up and makes the job visible again after the delay.
pub async fn retry_later_hides_the_job_for_the_delay<Q: JobQueue>(q: &Q) {
    let short = short(q);
    q.enqueue(&bodies(1), NO_WAIT).await.expect("enqueue");
    let job = receive_all(q, LONG).await.remove(0);
    q.retry_later(&job.receipt, short)
        .await
        .expect("retry later");
    assert_eq!(
        receive_all(q, LONG).await,
        vec![],
        "hidden during the delay"
    );
    tokio::time::sleep(short + Duration::from_millis(150)).await;
    let again = receive_all(q, LONG).await;
    assert_eq!(
        again.iter().map(|j| j.receive_count).collect::<Vec<_>>(),
        vec![2]
    );
}

/// `retry_later` with no delay makes the job receivable at once, even though its lease was long.
pub async fn retry_later_without_delay_makes_the_job_visible_at_once<Q: JobQueue>(q: &Q) {
    q.enqueue(&bodies(1), NO_WAIT).await.expect("enqueue");
    let job = receive_all(q, LONG).await.remove(0);
    q.retry_later(&job.receipt, NO_WAIT)
        .await
        .expect("retry now");
    let again = q
        .receive(10, LONG, Duration::from_secs(2))
        .await
        .expect("receive");
    assert_eq!(
        again
            .iter()
            .map(|j| (j.body.clone(), j.receive_count))
            .collect::<Vec<_>>(),
        vec![(job.body, 2)]
    );
}

/// A job enqueued with a delay is invisible until the delay has passed.
pub async fn delayed_enqueue_is_invisible_until_the_delay_passes<Q: JobQueue>(q: &Q) {
    let short = short(q);
    q.enqueue(&bodies(1), short).await.expect("enqueue");
    assert_eq!(receive_all(q, LONG).await, vec![]);
    tokio::time::sleep(short + Duration::from_millis(150)).await;
    assert_eq!(receive_all(q, LONG).await.len(), 1);
}

/// On an empty queue `receive` returns nothing, no later than (about) `wait`.
pub async fn receive_on_an_empty_queue_returns_within_the_wait<Q: JobQueue>(q: &Q) {
    let started = Instant::now();
    let got = q
        .receive(10, LONG, Duration::from_millis(200))
        .await
        .expect("receive");
    assert_eq!(got, vec![]);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "waited {:?}",
        started.elapsed()
    );
}

/// A waiting `receive` returns as soon as work arrives, long before `wait` is over.
pub async fn receive_returns_early_when_work_arrives<Q: JobQueue>(q: &Q) {
    let started = Instant::now();
    let producer = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        q.enqueue(&bodies(1), NO_WAIT).await.expect("enqueue");
    };
    let (_, got) = tokio::join!(producer, q.receive(10, LONG, Duration::from_secs(10)));
    assert_eq!(got.expect("receive").len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

/// Eight receivers draining 200 jobs: each job is received exactly once while leased.
pub async fn concurrent_receivers_never_share_a_leased_job<Q: JobQueue>(q: &Q) {
    let all = bodies(200);
    q.enqueue(&all, NO_WAIT).await.expect("enqueue");
    let worker = || async {
        let mut mine = Vec::new();
        loop {
            let jobs = q
                .receive(7, LONG, Duration::from_millis(50))
                .await
                .expect("receive");
            if jobs.is_empty() {
                return mine;
            }
            for job in jobs {
                q.ack(&job.receipt).await.expect("ack");
                mine.push((job.body, job.receive_count));
            }
        }
    };
    let received: Vec<(String, u32)> = join_all((0..8).map(|_| worker()))
        .await
        .into_iter()
        .flatten()
        .collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (body, receive_count) in &received {
        assert_eq!(*receive_count, 1, "{body} was received before");
        *counts.entry(body.clone()).or_default() += 1;
    }
    assert_eq!(received.len(), 200, "every job exactly once");
    assert!(all.iter().all(|b| counts.get(b) == Some(&1)));
}
