//! Newtypes parsed at the edge: once a value has one of these types it is known to be valid.

mod email;
mod ids;

pub use email::{AddressError, DisplayName, Domain, EmailAddress, Mailbox};
pub use ids::{AccountId, IdError, MessageId, SecretId, TemplateId};
