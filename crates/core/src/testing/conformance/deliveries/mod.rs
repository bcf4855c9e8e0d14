//! Checks of the [`Deliveries`](crate::ports::Deliveries) port, one `pub async fn` per behaviour.

mod claims;
mod messages;

pub use claims::*;
pub use messages::*;

use crate::model::Delivery;
use crate::ports::{Deliveries, DeliveryQuery};
use crate::types::AccountId;

use super::fixtures::{addr, message_id, t};

/// Every delivery of the account requested in the checks' time range, unfiltered.
fn everything(account: &AccountId) -> DeliveryQuery {
    DeliveryQuery {
        account: account.clone(),
        from: t(-86_400),
        until: t(86_400),
        message_id: None,
        recipient: None,
        offset: 0,
        limit: 1_000,
    }
}

/// The one delivery of `(account, message, recipient)`, read through `list`.
async fn fetch<R: Deliveries>(
    r: &R,
    account: &AccountId,
    message: &str,
    recipient: &str,
) -> Option<Delivery> {
    let query = DeliveryQuery {
        message_id: Some(message_id(message)),
        recipient: Some(addr(recipient)),
        ..everything(account)
    };
    let mut found = r.list(&query).await.expect("list deliveries");
    assert!(found.len() <= 1, "one delivery per message and recipient");
    found.pop()
}

/// Deliveries in a backend-independent order, for comparing sets.
fn sorted(mut deliveries: Vec<Delivery>) -> Vec<Delivery> {
    deliveries.sort_by(|x, y| {
        (x.request_time, &x.message_id, &x.recipient).cmp(&(
            y.request_time,
            &y.message_id,
            &y.recipient,
        ))
    });
    deliveries
}
