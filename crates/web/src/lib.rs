//! sesame-web: the HTTP face of Sesame — the Tencent SES API router, shared by the `api`
//! Lambda function and `sesame serve`.

pub mod actions;
pub mod api;
pub mod envelope;
pub mod tc3;
pub mod tracking;
pub mod wire;

pub use api::{ApiOptions, api_router};
pub use tracking::{Recorder, Recording, tracking_router};
