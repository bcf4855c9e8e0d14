//! [`SqliteRecords`]: the records port over SQLite. Each method is one transaction; the SQL
//! of each area lives in its own module as plain functions over a transaction.

pub(crate) mod counters;
mod deliveries;
pub(crate) mod events;
pub(crate) mod feedback;
mod identities;
mod keys;
pub(crate) mod lists;
pub(crate) mod quota;
pub(crate) mod tasks;
mod templates;
pub(crate) mod warmup;

use chrono::{DateTime, Utc};
use sesame_core::StoreError;
use sesame_core::model::{ApiKey, Delivery, Identity, Message, Sender, Template};
use sesame_core::ports::{Claim, Created, DeliveryQuery, Outcome, Records};
use sesame_core::types::{AccountId, Domain, EmailAddress, MessageId, SecretId, TemplateId};

use crate::SqliteStore;

/// Records in a SQLite database. Cheap to clone; build it with [`SqliteStore::records`].
#[derive(Debug, Clone)]
pub struct SqliteRecords {
    store: SqliteStore,
}

impl SqliteRecords {
    pub(crate) fn new(store: SqliteStore) -> Self {
        Self { store }
    }
}

impl Records for SqliteRecords {
    async fn ensure_account(
        &self,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let account = account.clone();
        self.store
            .write(move |tx| keys::ensure_account(tx, &account, now))
            .await
    }

    async fn put_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let key = key.clone();
        self.store.write(move |tx| keys::put(tx, &key)).await
    }

    async fn get_key(&self, id: &SecretId) -> Result<Option<ApiKey>, StoreError> {
        let id = id.clone();
        self.store.read(move |tx| keys::get(tx, &id)).await
    }

    async fn list_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.store.read(keys::list).await
    }

    async fn revoke_key(&self, id: &SecretId) -> Result<bool, StoreError> {
        let id = id.clone();
        self.store.write(move |tx| keys::revoke(tx, &id)).await
    }

    async fn next_sequence(&self, name: &str) -> Result<u64, StoreError> {
        let name = name.to_owned();
        self.store
            .write(move |tx| keys::next_sequence(tx, &name))
            .await
    }

    async fn create_template(&self, template: &Template) -> Result<(), StoreError> {
        let template = template.clone();
        self.store
            .write(move |tx| templates::create(tx, &template))
            .await
    }

    async fn update_template(&self, template: &Template) -> Result<bool, StoreError> {
        let template = template.clone();
        self.store
            .write(move |tx| templates::update(tx, &template))
            .await
    }

    async fn get_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<Option<Template>, StoreError> {
        let account = account.clone();
        self.store
            .read(move |tx| templates::get(tx, &account, id))
            .await
    }

    async fn list_templates(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Template>, u64), StoreError> {
        let account = account.clone();
        self.store
            .read(move |tx| templates::list(tx, &account, offset, limit))
            .await
    }

    async fn delete_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<bool, StoreError> {
        let account = account.clone();
        self.store
            .write(move |tx| templates::delete(tx, &account, id))
            .await
    }

    async fn create_identity(&self, identity: &Identity) -> Result<Created, StoreError> {
        let identity = identity.clone();
        self.store
            .write(move |tx| identities::create(tx, &identity))
            .await
    }

    async fn get_identity(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<Option<Identity>, StoreError> {
        let (account, domain) = (account.clone(), domain.clone());
        self.store
            .read(move |tx| identities::get(tx, &account, &domain))
            .await
    }

    async fn list_identities(&self, account: &AccountId) -> Result<Vec<Identity>, StoreError> {
        let account = account.clone();
        self.store
            .read(move |tx| identities::list(tx, &account))
            .await
    }

    async fn list_all_identities(&self) -> Result<Vec<Identity>, StoreError> {
        self.store.read(identities::list_all).await
    }

    async fn update_identity(&self, identity: &Identity) -> Result<bool, StoreError> {
        let identity = identity.clone();
        self.store
            .write(move |tx| identities::update(tx, &identity))
            .await
    }

    async fn delete_identity(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<bool, StoreError> {
        let (account, domain) = (account.clone(), domain.clone());
        self.store
            .write(move |tx| identities::delete(tx, &account, &domain))
            .await
    }

    async fn create_sender(&self, sender: &Sender) -> Result<Created, StoreError> {
        let sender = sender.clone();
        self.store
            .write(move |tx| identities::create_sender(tx, &sender))
            .await
    }

    async fn get_sender(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<Option<Sender>, StoreError> {
        let (account, address) = (account.clone(), address.clone());
        self.store
            .read(move |tx| identities::get_sender(tx, &account, &address))
            .await
    }

    async fn list_senders(&self, account: &AccountId) -> Result<Vec<Sender>, StoreError> {
        let account = account.clone();
        self.store
            .read(move |tx| identities::list_senders(tx, &account))
            .await
    }

    async fn delete_sender(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<bool, StoreError> {
        let (account, address) = (account.clone(), address.clone());
        self.store
            .write(move |tx| identities::delete_sender(tx, &account, &address))
            .await
    }

    async fn insert_message(
        &self,
        message: &Message,
        deliveries: &[Delivery],
    ) -> Result<(), StoreError> {
        if deliveries
            .iter()
            .any(|d| d.account != message.account || d.message_id != message.id)
        {
            return Err(StoreError::Corrupt(
                "a delivery does not belong to its message".to_owned(),
            ));
        }
        let body = serde_json::to_vec(message)
            .map_err(|e| StoreError::Corrupt(format!("message not serialisable: {e}")))?;
        let (message, deliveries) = (message.clone(), deliveries.to_vec());
        self.store
            .write(move |tx| deliveries::insert_message(tx, &message, &body, &deliveries))
            .await
    }

    async fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError> {
        let (account, id) = (account.clone(), id.clone());
        self.store
            .read(move |tx| deliveries::get_message(tx, &account, &id))
            .await
    }

    async fn claim_delivery(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let key = deliveries::Key::new(account, message_id, recipient);
        self.store
            .write(move |tx| deliveries::claim(tx, &key, now, until))
            .await
    }

    async fn record_outcome(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        outcome: &Outcome,
    ) -> Result<(), StoreError> {
        let key = deliveries::Key::new(account, message_id, recipient);
        let outcome = outcome.clone();
        self.store
            .write(move |tx| deliveries::record_outcome(tx, &key, &outcome))
            .await
    }

    async fn list_deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        let query = query.clone();
        self.store
            .read(move |tx| deliveries::list(tx, &query))
            .await
    }

    async fn stale_deliveries(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.store
            .read(move |tx| deliveries::stale(tx, before, limit))
            .await
    }
}
