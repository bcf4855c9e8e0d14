//! In-memory feedback: complaints and event marks.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::InMemoryRecords;
use crate::error::StoreError;
use crate::ports::{Complaint, ComplaintQuery, CounterKey, Counters, Feedback};
use crate::testing::lock;
use crate::types::{AccountId, EmailAddress, MessageId};

type ComplaintKey = (AccountId, MessageId, String);

/// Complaints by (account, message, lower-cased recipient) and the event marks.
#[derive(Debug, Default)]
pub(super) struct FeedbackState {
    complaints: BTreeMap<ComplaintKey, Complaint>,
    marks: HashMap<(AccountId, String), DateTime<Utc>>,
}

fn key(account: &AccountId, message_id: &MessageId, recipient: &EmailAddress) -> ComplaintKey {
    (
        account.clone(),
        message_id.clone(),
        recipient.as_str().to_ascii_lowercase(),
    )
}

impl Feedback for InMemoryRecords {
    async fn count_once(
        &self,
        account: &AccountId,
        event_id: &str,
        keep_until: DateTime<Utc>,
        key: &CounterKey,
        deltas: &[(&str, i64)],
    ) -> Result<bool, StoreError> {
        {
            let mut state = lock(&self.state);
            let marks = &mut state.feedback.marks;
            let k = (account.clone(), event_id.to_owned());
            if marks.contains_key(&k) {
                return Ok(false);
            }
            marks.insert(k, keep_until);
        }
        // A fake cannot crash between the mark and the addition.
        Counters::add(self, key, deltas).await?;
        Ok(true)
    }

    async fn put_complaint(&self, complaint: &Complaint) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let k = key(
            &complaint.account,
            &complaint.message_id,
            &complaint.recipient,
        );
        if state.feedback.complaints.contains_key(&k) {
            return Ok(false);
        }
        state.feedback.complaints.insert(k, complaint.clone());
        Ok(true)
    }

    async fn list_complaints(
        &self,
        query: &ComplaintQuery,
    ) -> Result<(Vec<Complaint>, u64), StoreError> {
        let state = lock(&self.state);
        let mut matching: Vec<Complaint> = state
            .feedback
            .complaints
            .values()
            .filter(|c| {
                c.account == query.account
                    && c.complained_at >= query.from
                    && c.complained_at < query.until
            })
            .cloned()
            .collect();
        matching.sort_by(|a, b| {
            (a.complained_at, a.message_id.as_str(), a.recipient.as_str()).cmp(&(
                b.complained_at,
                b.message_id.as_str(),
                b.recipient.as_str(),
            ))
        });
        let total = matching.len() as u64;
        let page = matching
            .into_iter()
            .skip(query.offset as usize)
            .take(query.limit as usize)
            .collect();
        Ok((page, total))
    }

    async fn record_late_bounce(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        deliver_message: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use crate::model::DeliverStatus::{Dropped, Rejected};
        let mut state = lock(&self.state);
        let found = state.deliveries.iter_mut().find(|d| {
            &d.account == account && &d.message_id == message_id && &d.recipient == recipient
        });
        match found {
            Some(d) if !matches!(d.deliver_status, Dropped | Rejected) => {
                d.deliver_status = Rejected;
                d.deliver_message = deliver_message.to_owned();
                d.deliver_time = Some(at);
                d.claimed_until = None;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn complained(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
    ) -> Result<bool, StoreError> {
        Ok(lock(&self.state)
            .feedback
            .complaints
            .contains_key(&key(account, message_id, recipient)))
    }
}
