//! Templates of [`InMemoryRecords`].

use super::{InMemoryRecords, to_usize};
use crate::error::StoreError;
use crate::model::Template;
use crate::ports::Templates;
use crate::testing::lock;
use crate::types::{AccountId, TemplateId};

impl Templates for InMemoryRecords {
    async fn create(&self, template: &Template) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        if state.templates.contains_key(&template.id) {
            return Err(StoreError::Corrupt(format!(
                "template {} already exists",
                template.id.0
            )));
        }
        state.templates.insert(template.id, template.clone());
        Ok(())
    }

    async fn update(&self, template: &Template) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let Some(stored) = state
            .templates
            .get_mut(&template.id)
            .filter(|t| t.account == template.account)
        else {
            return Ok(false);
        };
        stored.name = template.name.clone();
        stored.html = template.html.clone();
        stored.text = template.text.clone();
        Ok(true)
    }

    async fn get(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> Result<Option<Template>, StoreError> {
        Ok(lock(&self.state)
            .templates
            .get(&id)
            .filter(|t| &t.account == account)
            .cloned())
    }

    async fn list(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Template>, u64), StoreError> {
        let state = lock(&self.state);
        let mut mine: Vec<&Template> = state
            .templates
            .values()
            .filter(|t| &t.account == account)
            .collect();
        mine.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
        let total = mine.len() as u64;
        let page = mine
            .into_iter()
            .skip(to_usize(offset))
            .take(to_usize(limit))
            .cloned()
            .collect();
        Ok((page, total))
    }

    async fn delete(&self, account: &AccountId, id: TemplateId) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        if state
            .templates
            .get(&id)
            .is_some_and(|t| &t.account == account)
        {
            state.templates.remove(&id);
            return Ok(true);
        }
        Ok(false)
    }
}
