//! The [`Records`] port implemented by delegating to the per-record-family modules.

use chrono::{DateTime, Utc};
use sesame_core::StoreError;
use sesame_core::model::{ApiKey, Delivery, Identity, Message, Sender, Template};
use sesame_core::ports::{Claim, Created, DeliveryQuery, Outcome, Records};
use sesame_core::types::{AccountId, Domain, EmailAddress, MessageId, SecretId, TemplateId};

use super::DynamoDbRecords;

impl Records for DynamoDbRecords {
    async fn ensure_account(
        &self,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.ensure_account_impl(account, now).await
    }

    async fn put_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.put_key_impl(key).await
    }

    async fn get_key(&self, id: &SecretId) -> Result<Option<ApiKey>, StoreError> {
        self.get_key_impl(id).await
    }

    async fn list_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.list_keys_impl().await
    }

    async fn revoke_key(&self, id: &SecretId) -> Result<bool, StoreError> {
        self.revoke_key_impl(id).await
    }

    async fn next_sequence(&self, name: &str) -> Result<u64, StoreError> {
        self.next_sequence_impl(name).await
    }

    async fn create_template(&self, template: &Template) -> Result<(), StoreError> {
        self.create_template_impl(template).await
    }

    async fn update_template(&self, template: &Template) -> Result<bool, StoreError> {
        self.update_template_impl(template).await
    }

    async fn get_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<Option<Template>, StoreError> {
        self.get_template_impl(account, id).await
    }

    async fn list_templates(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Template>, u64), StoreError> {
        self.list_templates_impl(account, offset, limit).await
    }

    async fn delete_template(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<bool, StoreError> {
        self.delete_template_impl(account, id).await
    }

    async fn create_identity(&self, identity: &Identity) -> Result<Created, StoreError> {
        self.create_identity_impl(identity).await
    }

    async fn get_identity(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<Option<Identity>, StoreError> {
        self.get_identity_impl(account, domain).await
    }

    async fn list_identities(&self, account: &AccountId) -> Result<Vec<Identity>, StoreError> {
        self.list_identities_impl(account).await
    }

    async fn list_all_identities(&self) -> Result<Vec<Identity>, StoreError> {
        self.list_all_identities_impl().await
    }

    async fn update_identity(&self, identity: &Identity) -> Result<bool, StoreError> {
        self.update_identity_impl(identity).await
    }

    async fn delete_identity(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<bool, StoreError> {
        self.delete_identity_impl(account, domain).await
    }

    async fn create_sender(&self, sender: &Sender) -> Result<Created, StoreError> {
        self.create_sender_impl(sender).await
    }

    async fn get_sender(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<Option<Sender>, StoreError> {
        self.get_sender_impl(account, address).await
    }

    async fn list_senders(&self, account: &AccountId) -> Result<Vec<Sender>, StoreError> {
        self.list_senders_impl(account).await
    }

    async fn delete_sender(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<bool, StoreError> {
        self.delete_sender_impl(account, address).await
    }

    async fn insert_message(
        &self,
        message: &Message,
        deliveries: &[Delivery],
    ) -> Result<(), StoreError> {
        self.insert_message_impl(message, deliveries).await
    }

    async fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError> {
        self.get_message_impl(account, id).await
    }

    async fn claim_delivery(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        self.claim_delivery_impl(account, message_id, recipient, now, until)
            .await
    }

    async fn record_outcome(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        outcome: &Outcome,
    ) -> Result<(), StoreError> {
        self.record_outcome_impl(account, message_id, recipient, outcome)
            .await
    }

    async fn list_deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        self.list_deliveries_impl(query).await
    }

    async fn stale_deliveries(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.stale_deliveries_impl(before, limit).await
    }
}
