//! JSON logs for CloudWatch: one object per event, with the fields of the current span, so
//! that `LoggingConfig: LogFormat: JSON` keeps them queryable in Logs Insights.

use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber. The level comes from `RUST_LOG`, else from the function's
/// `ApplicationLogLevel` (Lambda exports it as `AWS_LAMBDA_LOG_LEVEL`), else `info`. Calling
/// it twice keeps the first subscriber.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
            .map(|l| l.to_ascii_lowercase())
            .unwrap_or_else(|_| "info".into());
        EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"))
    });
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_ansi(false)
        .try_init();
}
