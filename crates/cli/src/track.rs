//! The tracking edge inside `sesame serve`: the background recorder, and the tracking routes
//! on the API listener or, with `SESAME_TRACKING_LISTEN`, on their own.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Router;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use sesame_web::{Recorder, Recording, tracking_router};

use crate::config::Config;
use crate::wiring::LocalSesame;

/// What is running for tracking.
pub struct Edge {
    /// Ends (after recording everything queued) once every router holding the recorder is
    /// dropped.
    recorder: JoinHandle<()>,
    /// The separate tracking server, if any.
    server: Option<JoinHandle<Result<()>>>,
}

/// Starts the recorder and mounts the tracking routes: merged into `api` (returned), or
/// served on their own listener until `stop`.
pub async fn mount(
    app: Arc<LocalSesame>,
    api: Router,
    config: &Config,
    stop: watch::Receiver<bool>,
) -> Result<(Router, Edge)> {
    let (recorder, task) = Recorder::spawn(app.clone(), config.tracking.buffer);
    let track = tracking_router(app, Recording::Background(recorder));
    let Some(listen) = config.tracking.listen else {
        return Ok((
            api.merge(track),
            Edge {
                recorder: task,
                server: None,
            },
        ));
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen} (SESAME_TRACKING_LISTEN)"))?;
    tracing::info!(%listen, "tracking routes on their own listener");
    let server = tokio::spawn(async move {
        let mut stop = stop;
        axum::serve(
            listener,
            track.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await
        .context("tracking server failed")
    });
    Ok((
        api,
        Edge {
            recorder: task,
            server: Some(server),
        },
    ))
}

impl Edge {
    /// Waits for the tracking server to stop and the recorder to record what it holds.
    /// Call after the API server (which may hold the merged routes) has stopped.
    pub async fn finish(self) {
        if let Some(server) = self.server {
            match server.await {
                Ok(Err(e)) => tracing::error!(error = %e, "tracking server"),
                Err(e) => tracing::error!(error = %e, "tracking server task"),
                Ok(Ok(())) => {}
            }
        }
        let _ = self.recorder.await;
    }
}
