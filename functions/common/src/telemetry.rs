//! JSON logs for CloudWatch: one object per event, with the fields of the current span, so
//! that `LoggingConfig: LogFormat: JSON` keeps them queryable in Logs Insights.
//!
//! The level filter is tracing-subscriber's `Targets` (`info`, `sesame_core=debug,warn`), not
//! `EnvFilter`: `EnvFilter` links a regex engine (some 200 KB of every function binary, see
//! bench/lambda-results.md) only to support span and field directives nobody sets on a Lambda.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the JSON subscriber. The filter comes from `RUST_LOG` (comma-separated
/// `target=level` pairs and a bare default level), else from the function's
/// `ApplicationLogLevel` (Lambda exports it as `AWS_LAMBDA_LOG_LEVEL`), else `info`. Calling it
/// twice keeps the first subscriber.
pub fn init_tracing() {
    let filter = log_filter(
        std::env::var("RUST_LOG").ok().as_deref(),
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
    );
    let json = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_ansi(false);
    let _ = tracing_subscriber::registry()
        .with(json)
        .with(filter)
        .try_init();
}

/// The filter for the given `RUST_LOG` and `AWS_LAMBDA_LOG_LEVEL`; a value that does not parse
/// is passed over, so a typo never silences the logs.
fn log_filter(rust_log: Option<&str>, lambda_level: Option<&str>) -> Targets {
    if let Some(targets) = rust_log.and_then(|s| s.trim().parse::<Targets>().ok()) {
        return targets;
    }
    let level = lambda_level
        .and_then(|l| match l.trim().to_ascii_lowercase().as_str() {
            // Lambda's levels are TRACE..ERROR plus FATAL, which tracing spells ERROR.
            "fatal" => Some(LevelFilter::ERROR),
            other => other.parse::<LevelFilter>().ok(),
        })
        .unwrap_or(LevelFilter::INFO);
    Targets::new().with_default(level)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    fn allows(filter: &Targets, target: &str, level: Level) -> bool {
        filter.would_enable(target, &level)
    }

    #[test]
    fn rust_log_targets_win_over_the_lambda_level() {
        let f = log_filter(Some("sesame_core=debug,warn"), Some("ERROR"));
        assert!(allows(&f, "sesame_core::app", Level::DEBUG));
        assert!(!allows(&f, "aws_smithy_runtime", Level::INFO));
        assert!(allows(&f, "aws_smithy_runtime", Level::WARN));
    }

    #[test]
    fn lambda_log_level_applies_when_rust_log_is_unset() {
        let f = log_filter(None, Some("DEBUG"));
        assert!(allows(&f, "sesame_lambda", Level::DEBUG));
        assert!(!allows(&f, "sesame_lambda", Level::TRACE));
    }

    #[test]
    fn fatal_means_errors_only() {
        let f = log_filter(None, Some("FATAL"));
        assert!(allows(&f, "api", Level::ERROR));
        assert!(!allows(&f, "api", Level::WARN));
    }

    #[test]
    fn unparsable_values_fall_back_to_info() {
        let f = log_filter(Some("sesame=loud"), Some("chatty"));
        assert!(allows(&f, "api", Level::INFO));
        assert!(!allows(&f, "api", Level::DEBUG));
    }
}
