//! A minimal Tencent-SES-compatible API client: signs with TC3, posts, unwraps the envelope.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::tc3;

/// Outcome of one call as the load generator counts it.
#[derive(Debug)]
pub enum CallError {
    /// The server answered with an error envelope (`Response.Error.Code`).
    Api(String),
    /// No usable answer: connection error, timeout, non-200, unparsable body.
    Transport(String),
}

impl CallError {
    /// A short label to count failures by.
    pub fn label(&self) -> String {
        match self {
            CallError::Api(code) => code.clone(),
            CallError::Transport(e) => format!("transport: {e}"),
        }
    }
}

/// Credentials and endpoint; cheap to clone (reqwest's client is shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    url: String,
    host: String,
    secret_id: String,
    secret_key: String,
}

impl Client {
    /// `endpoint` is `host:port` (as in the SDK's `HttpProfile.endpoint`).
    pub fn new(
        endpoint: &str,
        secret_id: &str,
        secret_key: &str,
        max_idle: usize,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(max_idle)
            .timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .no_proxy()
            .build()
            .context("building HTTP client")?;
        Ok(Client {
            http,
            url: format!("http://{endpoint}/"),
            host: endpoint.to_string(),
            secret_id: secret_id.to_string(),
            secret_key: secret_key.to_string(),
        })
    }

    /// Calls `action` with a JSON body; returns the `Response` object without `RequestId`.
    pub async fn call(&self, action: &str, body: &Value) -> Result<Value, CallError> {
        let body = serde_json::to_vec(body).map_err(|e| CallError::Transport(e.to_string()))?;
        let ts = chrono::Utc::now().timestamp();
        let auth = tc3::authorization(&self.secret_id, &self.secret_key, &self.host, &body, ts);
        let resp = self
            .http
            .post(&self.url)
            .header("Host", &self.host)
            .header("Content-Type", tc3::CONTENT_TYPE)
            .header("Authorization", auth)
            .header("X-TC-Action", action)
            .header("X-TC-Version", "2020-10-02")
            .header("X-TC-Timestamp", ts.to_string())
            .header("X-TC-Region", "ap-guangzhou")
            .body(body)
            .send()
            .await
            .map_err(|e| CallError::Transport(e.without_url().to_string()))?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(CallError::Transport(format!("HTTP {}", resp.status())));
        }
        let envelope: Value = resp
            .json()
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        let Some(Value::Object(mut response)) = envelope.get("Response").cloned() else {
            return Err(CallError::Transport("no Response object".into()));
        };
        if let Some(error) = response.get("Error") {
            let code = error.get("Code").and_then(Value::as_str).unwrap_or("?");
            return Err(CallError::Api(code.to_string()));
        }
        response.remove("RequestId");
        Ok(Value::Object(response))
    }

    /// [`Client::call`] for setup steps, where any error ends the run.
    pub async fn call_ok(&self, action: &str, body: &Value) -> anyhow::Result<Value> {
        match self.call(action, body).await {
            Ok(v) => Ok(v),
            Err(e) => bail!("{action} failed: {}", e.label()),
        }
    }
}
