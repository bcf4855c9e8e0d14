//! sesame-core: the domain of Sesame. Types, policies and use-cases, generic over ports;
//! no IO of its own. Adapters (SQLite, DynamoDB, SQS, SMTP) implement [`ports`].

pub mod app;
pub mod dnscheck;
pub mod error;
pub mod feedback;
pub mod model;
pub mod ports;
pub mod secrets;
pub mod settings;
pub mod tracking;
pub mod types;
pub mod warmup;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use app::{Adapters, Sesame, Stores};
pub use error::{ErrorCode, SesError, StoreError};
