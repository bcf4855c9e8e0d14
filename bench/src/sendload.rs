//! `sendload`: SendEmail at a fixed open-loop rate, recording accept latency.
//!
//! Open loop: request `i` is due at `start + i/rate` whether or not earlier ones have been
//! answered, and its latency is measured from when it was due, so a stalled server shows up as
//! latency instead of silently lowering the offered rate (no coordinated omission).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::client::{CallError, Client};
use crate::load::{SendArgs, Tally, run_label};
use crate::sink::SinkCounter;
use crate::stats::{latency_histogram, summary_ms};
use crate::wait::wait_delivered;

/// Parameters of one `sendload` run.
pub struct SendLoad {
    /// Requests per second offered.
    pub rate: u64,
    /// How long to offer them.
    pub duration: Duration,
    /// Sending setup.
    pub send: SendArgs,
    /// If given, wait until the sink has received every accepted message.
    pub sink: Option<SinkCounter>,
}

impl SendLoad {
    /// Runs the load and returns the result object.
    pub async fn run(&self, client: &Client) -> anyhow::Result<Value> {
        let total = self.rate * self.duration.as_secs();
        let run = run_label("load");
        let baseline = self.sink.as_ref().map(SinkCounter::read).transpose()?;
        let (tx, mut rx) = mpsc::unbounded_channel::<(Duration, Result<Value, CallError>)>();

        let start = Instant::now() + Duration::from_millis(50);
        let mut max_lag = Duration::ZERO;
        for i in 0..total {
            let due = start + Duration::from_secs_f64(i as f64 / self.rate as f64);
            tokio::time::sleep_until(due.into()).await;
            max_lag = max_lag.max(due.elapsed());
            let (client, tx, body) = (client.clone(), tx.clone(), self.send.body(&run, i));
            tokio::spawn(async move {
                let result = client.call("SendEmail", &body).await;
                let _ = tx.send((due.elapsed(), result));
            });
        }
        drop(tx);
        let offered_for = start.elapsed();

        let mut hist = latency_histogram();
        let mut tally = Tally::default();
        while let Some((latency, result)) = rx.recv().await {
            hist.saturating_record(latency.as_micros() as u64);
            tally.add(&result);
        }
        let answered_after = start.elapsed();

        let delivery = match (&self.sink, baseline) {
            (Some(sink), Some(base)) => {
                Some(wait_delivered(sink, base, tally.ok, start, Duration::from_secs(300)).await?)
            }
            _ => None,
        };
        Ok(json!({
            "rate_offered_per_s": self.rate,
            "duration_s": self.duration.as_secs(),
            "requests": total,
            "achieved_rate_per_s": total as f64 / offered_for.as_secs_f64(),
            "last_answer_after_s": answered_after.as_secs_f64(),
            "max_generator_lag_ms": max_lag.as_secs_f64() * 1000.0,
            "outcome": tally.to_json(),
            "accept_latency": summary_ms(&hist),
            "delivery": delivery,
        }))
    }
}
