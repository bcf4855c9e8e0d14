//! sesame-lambda: what only the Lambda functions share, so that each `main` only wires.
//!
//! - [`init_tracing`]: JSON logs for CloudWatch (`LoggingConfig: LogFormat: JSON`), the level
//!   from `RUST_LOG` or the function's `ApplicationLogLevel`.
//!
//! The configuration (`sesame-config`) and the AWS wiring (`sesame-aws-wiring`) are not here:
//! the admin commands of `sesame --backend aws` use them too.

mod telemetry;

pub use telemetry::init_tracing;
