//! Sender domains and sender addresses of [`InMemoryRecords`].

use super::{InMemoryRecords, oldest_first};
use crate::error::StoreError;
use crate::model::{Identity, Sender};
use crate::ports::{Created, Identities, Senders};
use crate::testing::lock;
use crate::types::{AccountId, Domain, EmailAddress};

impl Identities for InMemoryRecords {
    async fn create(&self, identity: &Identity) -> Result<Created, StoreError> {
        let mut state = lock(&self.state);
        match state
            .identities
            .iter()
            .find(|i| i.domain == identity.domain)
        {
            Some(existing) if existing.account == identity.account => Ok(Created::AlreadyExists),
            Some(_) => Ok(Created::OwnedByOther),
            None => {
                state.identities.push(identity.clone());
                Ok(Created::Yes)
            }
        }
    }

    async fn get(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<Option<Identity>, StoreError> {
        let state = lock(&self.state);
        Ok(state
            .identities
            .iter()
            .find(|i| &i.account == account && &i.domain == domain)
            .cloned())
    }

    async fn list(&self, account: &AccountId) -> Result<Vec<Identity>, StoreError> {
        let state = lock(&self.state);
        Ok(oldest_first(
            state
                .identities
                .iter()
                .filter(|i| &i.account == account)
                .cloned(),
            |i| i.created_at,
        ))
    }

    async fn list_all(&self) -> Result<Vec<Identity>, StoreError> {
        let mut all = lock(&self.state).identities.clone();
        all.sort_by(|a, b| a.domain.as_str().cmp(b.domain.as_str()));
        Ok(all)
    }

    async fn update(&self, identity: &Identity) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let stored = state
            .identities
            .iter_mut()
            .find(|i| i.account == identity.account && i.domain == identity.domain);
        Ok(stored.map(|i| *i = identity.clone()).is_some())
    }

    async fn delete(&self, account: &AccountId, domain: &Domain) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let before = state.identities.len();
        state
            .identities
            .retain(|i| !(&i.account == account && &i.domain == domain));
        Ok(state.identities.len() < before)
    }
}

impl Senders for InMemoryRecords {
    async fn create(&self, sender: &Sender) -> Result<Created, StoreError> {
        let mut state = lock(&self.state);
        if state
            .senders
            .iter()
            .any(|s| s.account == sender.account && s.address == sender.address)
        {
            return Ok(Created::AlreadyExists);
        }
        state.senders.push(sender.clone());
        Ok(Created::Yes)
    }

    async fn get(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<Option<Sender>, StoreError> {
        let state = lock(&self.state);
        Ok(state
            .senders
            .iter()
            .find(|s| &s.account == account && &s.address == address)
            .cloned())
    }

    async fn list(&self, account: &AccountId) -> Result<Vec<Sender>, StoreError> {
        let state = lock(&self.state);
        Ok(oldest_first(
            state
                .senders
                .iter()
                .filter(|s| &s.account == account)
                .cloned(),
            |s| s.created_at,
        ))
    }

    async fn delete(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let before = state.senders.len();
        state
            .senders
            .retain(|s| !(&s.account == account && &s.address == address));
        Ok(state.senders.len() < before)
    }
}
