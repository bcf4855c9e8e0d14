//! Waiting for the SMTP sink to have received a number of messages, sampling its counter.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::sink::SinkCounter;

/// Polls `sink` every 50 ms until it counts `expected` more messages than `baseline` (or
/// `timeout` passes). Times are measured from `start`, when the first request was sent.
///
/// Reports the end-to-end rate (`expected` / time until the last arrived) and the steady rate
/// between the 10% and 90% marks, which leaves out ramp-up and the tail.
pub async fn wait_delivered(
    sink: &SinkCounter,
    baseline: u64,
    expected: u64,
    start: Instant,
    timeout: Duration,
) -> anyhow::Result<Value> {
    let mark = |fraction: f64| ((expected as f64 * fraction).ceil() as u64).max(1);
    let (m10, m90) = (mark(0.1), mark(0.9));
    let (mut t10, mut t90, mut t_all) = (None, None, None);
    let mut delivered = 0;
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        delivered = sink.read()?.saturating_sub(baseline);
        let now = start.elapsed().as_secs_f64();
        if delivered >= m10 {
            t10.get_or_insert(now);
        }
        if delivered >= m90 {
            t90.get_or_insert(now);
        }
        if delivered >= expected {
            t_all = Some(now);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let steady = match (t10, t90) {
        (Some(a), Some(b)) if b > a => Some((m90 - m10) as f64 / (b - a)),
        _ => None,
    };
    Ok(json!({
        "expected": expected,
        "delivered": delivered,
        "complete": t_all.is_some(),
        "all_delivered_after_s": t_all,
        "delivered_per_s_end_to_end": t_all.map(|t| expected as f64 / t),
        "delivered_per_s_steady_10_90": steady,
    }))
}
