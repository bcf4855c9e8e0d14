//! `sesame serve`: the API, the delivery worker and the stale sweep in one process, with
//! graceful shutdown on SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::sync::watch;

use sesame_web::{ApiOptions, api_router};

use crate::config::Config;
use crate::{wiring, worker};

/// How long in-flight deliveries get to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(20);

/// Runs the service until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<()> {
    let app = wiring::build(&config)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let router = api_router(app.clone(), ApiOptions { max_body_bytes: config.max_body_bytes });
    let (stop_tx, stop_rx) = watch::channel(false);

    let worker = tokio::spawn(worker::run(app.clone(), config.workers, stop_rx.clone(), DRAIN));
    let sweeper = tokio::spawn(worker::sweep(app.clone(), stop_rx.clone()));
    tracing::info!(
        listen = %config.listen,
        data_dir = %config.data_dir.display(),
        relay = if config.relay.is_some() { "smtp" } else { "outbox" },
        "sesame serving"
    );

    let mut api_stop = stop_rx.clone();
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        let _ = api_stop.wait_for(|stop| *stop).await;
    });
    let signal = async {
        shutdown_signal().await;
        tracing::info!("shutdown requested");
        let _ = stop_tx.send(true);
    };
    let (served, ()) = tokio::join!(server, signal);
    served.context("HTTP server failed")?;
    let _ = tokio::join!(worker, sweeper);
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

