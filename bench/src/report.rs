//! `report`: merges the JSON of each part into `results.json` and writes `results.md`, the
//! human summary, judged against the targets.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde_json::{Value, json};

/// Delivered messages per second with RSA-2048 signing, at least.
const TARGET_DELIVERED_PER_S: f64 = 1000.0;
/// p99 accept latency at 500 requests/s, below (ms).
const TARGET_P99_MS: f64 = 20.0;

/// Reads `<dir>/{sendload,drain,dkim}.json` (any may be missing) and writes both reports.
pub fn write(dir: &Path, json_out: &Path, md_out: &Path, meta: Value) -> anyhow::Result<()> {
    let read = |name: &str| -> anyhow::Result<Value> {
        let path = dir.join(format!("{name}.json"));
        if !path.exists() {
            return Ok(Value::Null);
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    };
    let (sendload, drain, dkim) = (read("sendload")?, read("drain")?, read("dkim")?);

    let delivered = drain["delivery"]["delivered_per_s_end_to_end"].as_f64();
    let p99 = sendload["accept_latency"]["p99_ms"].as_f64();
    let results = json!({
        "meta": meta,
        "targets": {
            "delivered_per_s_rsa2048": { "target_min": TARGET_DELIVERED_PER_S, "measured": delivered,
                                          "met": delivered.map(|d| d >= TARGET_DELIVERED_PER_S) },
            "p99_accept_ms_at_500_rps": { "target_max": TARGET_P99_MS, "measured": p99,
                                           "met": p99.map(|p| p < TARGET_P99_MS) },
        },
        "sendload": sendload,
        "drain": drain,
        "dkim": dkim,
    });
    std::fs::write(json_out, serde_json::to_string_pretty(&results)? + "\n")?;
    std::fs::write(md_out, markdown(&results))?;
    Ok(())
}

fn markdown(r: &Value) -> String {
    let mut md = String::new();
    let f = |v: &Value, digits: usize| {
        v.as_f64()
            .map_or("–".to_string(), |x| format!("{x:.digits$}"))
    };
    let met = |v: &Value| match v.as_bool() {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "not measured",
    };
    let m = &r["meta"];
    let _ = writeln!(md, "# Sesame benchmark results\n");
    let _ = writeln!(
        md,
        "{} · commit `{}` · {} · {} cores · load average {} at start · server log level {} · \
         written by `bench/run.sh`\n",
        m["date"].as_str().unwrap_or("?"),
        m["commit"].as_str().unwrap_or("?"),
        m["cpu"].as_str().unwrap_or("?"),
        m["cores"],
        m["load_at_start"].as_str().unwrap_or("?"),
        m["log"].as_str().unwrap_or("?"),
    );
    let _ = writeln!(
        md,
        "Everything on one machine: `sesame serve` (release build, embedded SQLite store, \
         RSA-2048 DKIM), the load generator, and Postfix `smtp-sink` as the relay, on loopback.\n"
    );

    let t = &r["targets"];
    let _ = writeln!(
        md,
        "## Targets\n\n| Target | Measured | Met |\n|---|---|---|"
    );
    let _ = writeln!(
        md,
        "| ≥ 1,000 messages/s delivered, RSA-2048 signed | {} msg/s | {} |",
        f(&t["delivered_per_s_rsa2048"]["measured"], 0),
        met(&t["delivered_per_s_rsa2048"]["met"])
    );
    let _ = writeln!(
        md,
        "| p99 accept latency < 20 ms at 500 requests/s | {} ms | {} |\n",
        f(&t["p99_accept_ms_at_500_rps"]["measured"], 2),
        met(&t["p99_accept_ms_at_500_rps"]["met"])
    );

    let s = &r["sendload"];
    if !s.is_null() {
        let l = &s["accept_latency"];
        let _ = writeln!(
            md,
            "## sendload — open loop, {} requests/s for {} s\n\n\
             Accepted {} of {} (failed {}: {}). Accept latency (from when each request was due): \
             p50 {} ms, p90 {} ms, p99 {} ms, p99.9 {} ms, max {} ms. \
             All {} delivered {} s after the first request.\n",
            s["rate_offered_per_s"],
            s["duration_s"],
            s["outcome"]["accepted"],
            s["requests"],
            s["outcome"]["failed"],
            s["outcome"]["errors"],
            f(&l["p50_ms"], 2),
            f(&l["p90_ms"], 2),
            f(&l["p99_ms"], 2),
            f(&l["p999_ms"], 2),
            f(&l["max_ms"], 2),
            s["delivery"]["expected"],
            f(&s["delivery"]["all_delivered_after_s"], 1),
        );
    }
    let d = &r["drain"];
    if !d.is_null() {
        let _ = writeln!(
            md,
            "## drain — {} messages as fast as accepted ({} in flight), until all delivered\n\n\
             Accepted {} (failed {}: {}) in {} s = {} requests/s (accept p99 {} ms). \
             Delivered {} of them; all in {} s = **{} messages/s end to end**, \
             {} messages/s between the 10% and 90% marks.\n",
            d["messages"],
            d["concurrency"],
            d["outcome"]["accepted"],
            d["outcome"]["failed"],
            d["outcome"]["errors"],
            f(&d["accepted_in_s"], 1),
            f(&d["accepted_per_s"], 0),
            f(&d["accept_latency"]["p99_ms"], 2),
            d["delivery"]["delivered"],
            f(&d["delivery"]["all_delivered_after_s"], 1),
            f(&d["delivery"]["delivered_per_s_end_to_end"], 0),
            f(&d["delivery"]["delivered_per_s_steady_10_90"], 0),
        );
    }
    let k = &r["dkim"];
    if !k.is_null() {
        let _ = writeln!(
            md,
            "## dkim — compose + sign one {}-byte message, one core ({} iterations)\n\n\
             | Signing | µs per message | messages/s per core |\n|---|---|---|",
            k["message_bytes"], k["iterations"]
        );
        if let Some(cases) = k["compose_and_sign"].as_object() {
            for (name, c) in cases {
                let _ = writeln!(
                    md,
                    "| {name} | {} | {} |",
                    f(&c["us_per_message"], 1),
                    f(&c["messages_per_s_one_core"], 0)
                );
            }
        }
        let _ = writeln!(
            md,
            "\nRSA-2048 key generation: {} ms per key.",
            f(&k["rsa2048_keygen_ms"], 0)
        );
    }
    md
}
