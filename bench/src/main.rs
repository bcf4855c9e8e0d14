//! `sesame-bench`: load generator and micro-benchmarks for Sesame. Driven by `bench/run.sh`,
//! which starts the server and the SMTP sink; never part of CI.
//!
//! - `api`      one signed call (used by run.sh for setup)
//! - `sendload` SendEmail at a fixed open-loop rate; accept latency percentiles
//! - `drain`    N messages as fast as accepted; delivered throughput measured at the sink
//! - `dkim`     compose + DKIM-sign cost per message (RSA-2048, Ed25519, dual)
//! - `report`   results.json + results.md from the parts

mod client;
mod dkim;
mod drain;
mod load;
mod report;
mod sendload;
mod sink;
mod stats;
mod tc3;
mod wait;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use serde_json::Value;

use crate::client::Client;
use crate::load::SendArgs;
use crate::sink::SinkCounter;

#[derive(Parser)]
#[command(about = "Load generator and micro-benchmarks for Sesame")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the API is and who calls it.
#[derive(clap::Args)]
struct ApiArgs {
    /// `host:port` of `sesame serve` (sent as the Host header and signed).
    #[arg(long, env = "SESAME_BENCH_ENDPOINT", default_value = "127.0.0.1:8080")]
    endpoint: String,
    #[arg(long, env = "SESAME_BENCH_SECRET_ID")]
    secret_id: String,
    #[arg(long, env = "SESAME_BENCH_SECRET_KEY", hide_env_values = true)]
    secret_key: String,
}

impl ApiArgs {
    fn client(&self, max_idle: usize) -> anyhow::Result<Client> {
        Client::new(&self.endpoint, &self.secret_id, &self.secret_key, max_idle)
    }
}

#[derive(Subcommand)]
enum Command {
    /// One signed API call; prints the Response (or one field of it) as JSON.
    Api {
        #[command(flatten)]
        api: ApiArgs,
        /// Action name, e.g. CreateEmailIdentity.
        action: String,
        /// Request body (JSON object).
        #[arg(default_value = "{}")]
        body: String,
        /// Print only this top-level field (strings unquoted).
        #[arg(long)]
        get: Option<String>,
    },
    /// SendEmail at a fixed open-loop rate; records accept latency.
    Sendload {
        #[command(flatten)]
        api: ApiArgs,
        #[command(flatten)]
        send: SendArgs,
        /// Requests per second.
        #[arg(long, default_value_t = 500)]
        rate: u64,
        /// How long, e.g. `20s`, `2m`.
        #[arg(long, default_value = "20s", value_parser = parse_duration)]
        duration: Duration,
        /// smtp-sink `-c` output file; if given, also waits for every accepted message.
        #[arg(long)]
        sink_counter: Option<PathBuf>,
        /// Write the result here (else stdout).
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Enqueue N messages as fast as accepted, then time delivery until the sink has them all.
    Drain {
        #[command(flatten)]
        api: ApiArgs,
        #[command(flatten)]
        send: SendArgs,
        #[arg(long, default_value_t = 20_000)]
        count: u64,
        /// Requests in flight.
        #[arg(long, default_value_t = 32)]
        concurrency: u64,
        /// smtp-sink `-c` output file.
        #[arg(long)]
        sink_counter: PathBuf,
        #[arg(long, default_value = "10m", value_parser = parse_duration)]
        timeout: Duration,
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Compose + DKIM-sign cost per message with sesame-mail's signer.
    Dkim {
        #[arg(long, default_value_t = 2000)]
        iterations: u32,
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Merge `<dir>/{sendload,drain,dkim}.json` into results.json and results.md.
    Report {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        json: PathBuf,
        #[arg(long)]
        md: PathBuf,
        /// Extra `key=value` facts for the header (date, commit, cpu).
        #[arg(long = "meta", value_parser = parse_key_value)]
        meta: Vec<(String, String)>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Api {
            api,
            action,
            body,
            get,
        } => runtime()?.block_on(async {
            let body: Value = serde_json::from_str(&body).context("body is not JSON")?;
            let response = api.client(1)?.call_ok(&action, &body).await?;
            let out = match get {
                None => response,
                Some(field) => match response.get(&field) {
                    Some(v) => v.clone(),
                    None => bail!("no field {field} in {response}"),
                },
            };
            match out {
                Value::String(s) => println!("{s}"),
                other => println!("{other}"),
            }
            Ok(())
        }),
        Command::Sendload {
            api,
            send,
            rate,
            duration,
            sink_counter,
            json,
        } => {
            let load = sendload::SendLoad {
                rate,
                duration,
                send,
                sink: sink_counter.as_deref().map(SinkCounter::new),
            };
            let result = runtime()?.block_on(async { load.run(&api.client(256)?).await })?;
            emit(&result, json)
        }
        Command::Drain {
            api,
            send,
            count,
            concurrency,
            sink_counter,
            timeout,
            json,
        } => {
            let drain = drain::Drain {
                count,
                concurrency,
                send,
                sink: SinkCounter::new(&sink_counter),
                timeout,
            };
            let result = runtime()?
                .block_on(async { drain.run(&api.client(concurrency as usize)?).await })?;
            emit(&result, json)
        }
        Command::Dkim { iterations, json } => emit(&dkim::run(iterations)?, json),
        Command::Report {
            dir,
            json,
            md,
            meta,
        } => {
            let mut facts = serde_json::Map::new();
            facts.insert(
                "cores".into(),
                std::thread::available_parallelism()
                    .map_or(0, |n| n.get())
                    .into(),
            );
            for (k, v) in meta {
                facts.insert(k, v.into());
            }
            report::write(&dir, &json, &md, Value::Object(facts))
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")
}

fn emit(result: &Value, to: Option<PathBuf>) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(result)? + "\n";
    match to {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// `20s`, `2m`, `500ms`, or plain seconds.
fn parse_duration(raw: &str) -> Result<Duration, String> {
    let (num, unit) = raw
        .find(|c: char| !c.is_ascii_digit())
        .map_or((raw, ""), |i| raw.split_at(i));
    let n: u64 = num.parse().map_err(|_| format!("bad duration {raw:?}"))?;
    match unit {
        "" | "s" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("bad duration unit in {raw:?} (use ms, s or m)")),
    }
}

fn parse_key_value(raw: &str) -> Result<(String, String), String> {
    raw.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected key=value, got {raw:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("20"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("s").is_err());
    }
}
