//! `warmup`: what the warm-up quota gate costs, over the embedded SQLite store with the
//! server's own code (`bench/warmup.sh` runs it and writes `bench/warmup-results.md`).
//!
//! 1. Reservation throughput: `concurrency` tasks reserving one message at a time, through
//!    the raw quota ledger (`QuotaLedger::reserve`) and through the whole gate
//!    (`Sesame::reserve_batch`: pool binding lookups, warm-up state, reservation).
//! 2. The gate's cost per message in the delivery path: per message, delivery
//!    (`Sesame::deliver`: claim, load, compose, RSA-2048 DKIM signature, pool lookup, send to a
//!    relay that accepts at once, record the outcome) against what the gate adds for one
//!    batch message (`reserve_batch(1)`, the worst case of one reservation per message rather
//!    than one per chunk) and the pool lookup delivery does. The relay answers instantly, so
//!    the denominator is the smallest a real delivery can be and the share an upper bound.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::json;
use sesame_core::app::PlanTarget;
use sesame_core::app::{Content, SendCommand};
use sesame_core::ports::{
    Envelope, JobQueue, MailError, Mailer, OsIds, Ports, QuotaKey, QuotaLedger, QuotaScope,
    SmtpReply, SystemClock,
};
use sesame_core::secrets::SecretBox;
use sesame_core::settings::Settings;
use sesame_core::types::{AccountId, Domain};
use sesame_core::warmup::{PoolInfo, PoolName, WarmupSettings};
use sesame_core::{Adapters, Sesame, Stores};
use sesame_embedded::{SqliteJobQueue, SqliteRecords, SqliteSchedules, SqliteStore};
use sesame_mail::{HickoryResolver, MailAuthDkim};

/// A relay that accepts every message at once.
#[derive(Debug, Default)]
struct AcceptingMailer;

impl Mailer for AcceptingMailer {
    async fn send(&self, _: &Envelope, _: &[u8]) -> Result<SmtpReply, MailError> {
        Ok(SmtpReply {
            code: 250,
            text: "2.0.0 OK".into(),
        })
    }
}

struct BenchPorts;

impl Ports for BenchPorts {
    type Keys = SqliteRecords;
    type Sequences = SqliteRecords;
    type Templates = SqliteRecords;
    type Identities = SqliteRecords;
    type Senders = SqliteRecords;
    type Deliveries = SqliteRecords;
    type Quota = SqliteRecords;
    type Counters = SqliteRecords;
    type Lists = SqliteRecords;
    type Warmup = SqliteRecords;
    type Feedback = SqliteRecords;
    type Events = SqliteRecords;
    type Tasks = SqliteRecords;
    type Queue = SqliteJobQueue;
    type Schedules = SqliteSchedules;
    type Mailer = AcceptingMailer;
    type Dkim = MailAuthDkim;
    type Resolver = HickoryResolver;
    type Clock = SystemClock;
    type Ids = OsIds;
}

/// Chunk size of the amortised case: what a batch expansion reserves at once.
const CHUNK: u64 = 100;

fn app(dir: &std::path::Path, dedicated: bool) -> Result<Arc<Sesame<BenchPorts>>> {
    let store = SqliteStore::open(dir.join("sesame.db"))?;
    let mut warmup = WarmupSettings::default();
    if dedicated {
        warmup.pools.push(PoolInfo {
            name: PoolName::parse("dedicated").unwrap(),
            send_ips: vec!["192.0.2.10".into()],
        });
    }
    let settings = Settings {
        warmup,
        ..Settings::default()
    };
    Ok(Arc::new(Sesame::new(
        Adapters {
            stores: Stores::shared(store.records()),
            queue: store.job_queue(),
            schedules: store.schedules(),
            mailer: AcceptingMailer,
            dkim: MailAuthDkim::new(),
            resolver: HickoryResolver::new(None)?,
            clock: SystemClock,
            ids: OsIds,
        },
        settings,
        SecretBox::new(&[9u8; 32]).context("key")?,
    )))
}

async fn reservations(
    app: &Arc<Sesame<BenchPorts>>,
    concurrency: usize,
    per_task: usize,
    through_gate: bool,
) -> Result<(f64, u64)> {
    let account = AccountId::parse("bench").unwrap();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let app = app.clone();
        let account = account.clone();
        tasks.push(tokio::spawn(async move {
            let mut granted = 0u64;
            // Each task has its own domain, so no quota runs out during the measurement.
            let domain = Domain::parse(&format!("d{t}.bench.example.com")).unwrap();
            // A counter of its own per task for the raw ledger, too.
            let raw = AccountId::parse(&format!("raw-{t}")).unwrap();
            let raw = QuotaKey::new(QuotaScope::TaskAllowance(raw), app.quota_today());
            for _ in 0..per_task {
                granted += if through_gate {
                    app.reserve_batch(&account, &domain, 1).await?.granted
                } else {
                    app.quota.reserve(&raw, 1, u64::MAX >> 2).await?
                };
            }
            anyhow::Ok(granted)
        }));
    }
    let mut granted = 0;
    for task in tasks {
        granted += task.await??;
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(((concurrency * per_task) as f64 / secs, granted))
}

async fn delivery_path(
    app: &Arc<Sesame<BenchPorts>>,
    messages: usize,
) -> Result<serde_json::Value> {
    let account = AccountId::parse("bench").unwrap();
    app.create_identity(&account, "mail.bench.example.com", Some(1), vec![])
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    app.trust_identity(&account, "mail.bench.example.com")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    app.create_sender(&account, "noreply@mail.bench.example.com", Some("Bench"))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let domain = Domain::parse("mail.bench.example.com").unwrap();
    // A plan large enough that no reservation below is refused.
    app.create_plan("bench", vec![100_000_000])
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    app.assign_plan("bench", PlanTarget::Domain(account.clone(), domain.clone()))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let dedicated = app.settings.warmup.pools.len() > 1;
    if dedicated {
        // The worst case: bindings to read, and a second scope (the pool) to reserve in.
        app.bind_pool(&account, Some(&domain), Some("dedicated"))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        app.assign_plan(
            "bench",
            PlanTarget::Pool(PoolName::parse("dedicated").unwrap()),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    for n in 0..messages {
        let cmd = SendCommand {
            from: "Bench <noreply@mail.bench.example.com>".into(),
            destination: vec![format!("user{n}@example.org")],
            subject: "Your order has shipped".into(),
            content: Some(Content::Simple {
                html: Some(base64_of("<p>Hello, your order has shipped.</p>")),
                text: Some(base64_of("Hello, your order has shipped.")),
            }),
            ..SendCommand::default()
        };
        app.send_email(&account, cmd)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let jobs = app
        .queue
        .receive(messages, Duration::from_secs(600), Duration::from_secs(1))
        .await?;
    anyhow::ensure!(
        jobs.len() == messages,
        "queued {} of {messages}",
        jobs.len()
    );
    // Delivery, one message after another (per-message latency, not throughput).
    let start = Instant::now();
    for job in &jobs {
        app.deliver(&job.body).await;
    }
    let deliver_us = start.elapsed().as_secs_f64() * 1e6 / messages as f64;
    // What the gate adds per batch message: one reservation in every scope.
    let start = Instant::now();
    for _ in 0..messages {
        let r = app
            .reserve_batch(&account, &domain, 1)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(r.granted == 1, "the gate refused during the measurement");
    }
    let reserve_us = start.elapsed().as_secs_f64() * 1e6 / messages as f64;
    // The same, reserved a chunk at a time as batch expansion does.
    let chunks = (messages as u64).div_ceil(CHUNK);
    let start = Instant::now();
    for _ in 0..chunks {
        let r = app
            .reserve_batch(&account, &domain, CHUNK)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            r.granted == CHUNK,
            "the gate refused during the measurement"
        );
    }
    let chunked_us = start.elapsed().as_secs_f64() * 1e6 / (chunks * CHUNK) as f64;
    // The pool lookup delivery does (already inside `deliver_us`).
    let start = Instant::now();
    for _ in 0..messages {
        app.pool_of(&account, &domain).await?;
    }
    let pool_us = start.elapsed().as_secs_f64() * 1e6 / messages as f64;
    let without_gate = deliver_us - pool_us;
    let gate = reserve_us + pool_us;
    let gate_chunked = chunked_us + pool_us;
    Ok(json!({
        "dedicated_pool": dedicated,
        "messages": messages,
        "deliver_us_per_message": round(deliver_us),
        "pool_lookup_us_per_message": round(pool_us),
        "reserve_one_us_per_message": round(reserve_us),
        "reserve_chunk_of_100_us_per_message": round(chunked_us),
        "gate_share_percent_one_reservation_per_message": round(100.0 * gate / without_gate),
        "gate_share_percent_chunked": round(100.0 * gate_chunked / without_gate),
    }))
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: usize| -> usize {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let (concurrency, per_task, messages) = (arg(1, 32), arg(2, 500), arg(3, 1000));
    let dir = std::env::temp_dir().join(format!("sesame-warmup-bench-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("shared"))?;
    std::fs::create_dir_all(dir.join("dedicated"))?;
    let result = async {
        let shared = app(&dir.join("shared"), false)?;
        let (raw_rate, raw_granted) = reservations(&shared, concurrency, per_task, false).await?;
        let (gate_rate, gate_granted) =
            reservations(&shared, concurrency, per_task.min(500), true).await?;
        let shared_path = delivery_path(&shared, messages).await?;
        let dedicated = app(&dir.join("dedicated"), true)?;
        let dedicated_path = delivery_path(&dedicated, messages).await?;
        anyhow::Ok(json!({
            "concurrency": concurrency,
            "ledger_reservations_per_second": raw_rate.round(),
            "ledger_granted": raw_granted,
            "gate_reservations_per_second": gate_rate.round(),
            "gate_granted": gate_granted,
            "delivery_path_shared_pool": shared_path,
            "delivery_path_dedicated_pool": dedicated_path,
        }))
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    println!("{}", serde_json::to_string_pretty(&result?)?);
    Ok(())
}
