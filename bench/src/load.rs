//! What every SendEmail of a run looks like, and the tally of their outcomes.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::client::CallError;

/// The sending setup made by `bench/run.sh` (identity, sender, template).
#[derive(Debug, Clone, clap::Args)]
pub struct SendArgs {
    /// FromEmailAddress of a created sender on a trusted domain.
    #[arg(long, env = "SESAME_BENCH_FROM")]
    pub from: String,
    /// TemplateID to send with (`{{name}}` is filled in).
    #[arg(long, env = "SESAME_BENCH_TEMPLATE_ID")]
    pub template_id: u64,
    /// Recipient domain; every request gets its own recipient so no per-address limit applies.
    #[arg(long, default_value = "example.org")]
    pub to_domain: String,
}

impl SendArgs {
    /// The SendEmail body of request `i` of run `run`.
    pub fn body(&self, run: &str, i: u64) -> Value {
        json!({
            "FromEmailAddress": self.from,
            "Destination": [format!("{run}-{i}@{}", self.to_domain)],
            "Subject": "Bench {{name}}",
            "Template": { "TemplateID": self.template_id, "TemplateData": format!(r#"{{"name":"n{i}"}}"#) },
            "TriggerType": 1,
        })
    }
}

/// Counts of accepted and failed requests, failures by code.
#[derive(Debug, Default)]
pub struct Tally {
    /// Requests answered with a MessageId.
    pub ok: u64,
    /// Failures by error code (or transport error text).
    pub errors: BTreeMap<String, u64>,
}

impl Tally {
    /// Records one outcome.
    pub fn add<T>(&mut self, result: &Result<T, CallError>) {
        match result {
            Ok(_) => self.ok += 1,
            Err(e) => *self.errors.entry(e.label()).or_default() += 1,
        }
    }

    /// Number of failed requests.
    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }

    /// As JSON for results.json.
    pub fn to_json(&self) -> Value {
        json!({ "accepted": self.ok, "failed": self.failed(), "errors": self.errors })
    }
}

/// A run label unique enough to keep recipients of different runs apart.
pub fn run_label(kind: &str) -> String {
    format!("{kind}{}", chrono::Utc::now().format("%H%M%S"))
}
