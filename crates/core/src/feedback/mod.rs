//! Feedback from receivers: bounce classification of SMTP replies, the VERP return path that
//! ties an asynchronous bounce or complaint to its delivery, and the reports (DSN, ARF) parsed
//! from raw messages.

pub mod bounce;
pub mod report;
pub mod verp;

pub use bounce::{Bounce, BounceKind, BounceReason, classify, classify_status};
