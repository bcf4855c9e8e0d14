//! `drain`: enqueue N messages as fast as the API accepts them (closed loop, C in flight),
//! then measure how long the server takes until the SMTP sink has received them all: the
//! delivered throughput, with DKIM signing, rendering and the queue all in the path.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::client::Client;
use crate::load::{SendArgs, Tally, run_label};
use crate::sink::SinkCounter;
use crate::stats::{latency_histogram, summary_ms};
use crate::wait::wait_delivered;

/// Parameters of one `drain` run.
pub struct Drain {
    /// Messages to send.
    pub count: u64,
    /// Requests in flight.
    pub concurrency: u64,
    /// Sending setup.
    pub send: SendArgs,
    /// The sink's counter.
    pub sink: SinkCounter,
    /// Give up waiting for deliveries after this long.
    pub timeout: Duration,
}

impl Drain {
    /// Runs the drain and returns the result object.
    pub async fn run(&self, client: &Client) -> anyhow::Result<Value> {
        let run = Arc::new(run_label("drain"));
        let baseline = self.sink.read()?;
        let next = Arc::new(AtomicU64::new(0));
        let start = Instant::now();

        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..self.concurrency {
            let (client, next, run, send, count) = (
                client.clone(),
                next.clone(),
                run.clone(),
                self.send.clone(),
                self.count,
            );
            workers.spawn(async move {
                let mut hist = latency_histogram();
                let mut tally = Tally::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let sent = Instant::now();
                    let result = client.call("SendEmail", &send.body(&run, i)).await;
                    hist.saturating_record(sent.elapsed().as_micros() as u64);
                    tally.add(&result);
                }
                (hist, tally)
            });
        }
        let mut hist = latency_histogram();
        let mut tally = Tally::default();
        while let Some(joined) = workers.join_next().await {
            let (h, t) = joined?;
            hist.add(&h)?;
            tally.ok += t.ok;
            for (code, n) in t.errors {
                *tally.errors.entry(code).or_default() += n;
            }
        }
        let accepted_in = start.elapsed();
        let delivery = wait_delivered(&self.sink, baseline, tally.ok, start, self.timeout).await?;

        Ok(json!({
            "messages": self.count,
            "concurrency": self.concurrency,
            "outcome": tally.to_json(),
            "accepted_in_s": accepted_in.as_secs_f64(),
            "accepted_per_s": tally.ok as f64 / accepted_in.as_secs_f64(),
            "accept_latency": summary_ms(&hist),
            "delivery": delivery,
        }))
    }
}
