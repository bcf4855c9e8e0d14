//! `sesame serve`: the API, the delivery worker, the stale sweep, the scheduler loop and the
//! DNS re-check in one process, with graceful shutdown on SIGINT/SIGTERM.

use std::time::Duration;

use anyhow::{Context, Result};
use tokio::sync::watch;

use sesame_web::{ApiOptions, api_router};

use crate::config::Config;
use crate::{schedules, ticker, track, wiring, worker};

/// How long in-flight deliveries get to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(20);

/// Runs the service until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<()> {
    let app = wiring::build(&config)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let router = api_router(
        app.clone(),
        ApiOptions {
            max_body_bytes: config.max_body_bytes,
        },
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    let (router, tracking) = track::mount(app.clone(), router, &config, stop_rx.clone()).await?;

    // Delivery signs every message (RSA-2048 costs about a millisecond of CPU). It runs on its
    // own runtime so that signing never queues API requests behind it: the OS shares the CPU
    // between the two thread pools, and accept latency stays flat while the worker is busy.
    let delivery_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("sesame-deliver")
        .enable_all()
        .build()
        .context("starting the delivery runtime")?;
    let worker = delivery_runtime.spawn(worker::run(
        app.clone(),
        config.workers,
        stop_rx.clone(),
        DRAIN,
    ));
    let sweeper = tokio::spawn(worker::sweep(app.clone(), stop_rx.clone()));
    let ticker = tokio::spawn(ticker::run(app.clone(), config.tick_every, stop_rx.clone()));
    let scheduler = tokio::spawn(schedules::run(app.clone(), stop_rx.clone()));
    let rechecker = tokio::spawn(worker::recheck(
        app.clone(),
        config.recheck_every,
        stop_rx.clone(),
    ));
    let rollover = tokio::spawn(crate::warmup_cmd::rollover_loop(
        app.clone(),
        std::time::Duration::from_secs(60),
        stop_rx.clone(),
    ));
    tracing::info!(
        listen = %config.listen,
        data_dir = %config.data_dir.display(),
        relay = if config.relay.is_some() { "smtp" } else { "outbox" },
        "sesame serving"
    );

    let mut api_stop = stop_rx.clone();
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        let _ = api_stop.wait_for(|stop| *stop).await;
    });
    let signal = async {
        shutdown_signal().await;
        tracing::info!("shutdown requested");
        let _ = stop_tx.send(true);
    };
    let (served, ()) = tokio::join!(server, signal);
    served.context("HTTP server failed")?;
    tracking.finish().await;
    let _ = tokio::join!(worker, sweeper, scheduler, rechecker, ticker, rollover);
    // Dropping a runtime blocks; do it off the async threads.
    tokio::task::spawn_blocking(move || drop(delivery_runtime))
        .await
        .ok();
    drop(app);
    tracing::info!("sesame stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
