//! GetSendEmailStatus: per-recipient status of one day's requests, in the API's time zone.

use chrono::{Duration as ChronoDuration, NaiveDate, TimeZone, Utc};

use super::Sesame;
use super::tracking::StatusRow;
use super::validate::page_limit;
use crate::error::{ErrorCode, SesError};
use crate::ports::{Deliveries, DeliveryQuery, Ports};
use crate::types::{AccountId, EmailAddress, MessageId};

/// How many days back statuses can be queried.
pub const LOOKBACK_DAYS: i64 = 30;

/// A status query as the API received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusQuery {
    /// `YYYY-MM-DD` in the API time zone.
    pub request_date: String,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return (≤100).
    pub limit: u64,
    /// Only this message.
    pub message_id: Option<String>,
    /// Only this recipient.
    pub to: Option<String>,
}

impl<P: Ports> Sesame<P> {
    /// Status rows for one day, each with its engagement flags.
    pub async fn send_status(
        &self,
        account: &AccountId,
        q: StatusQuery,
    ) -> Result<Vec<StatusRow>, SesError> {
        let limit = page_limit(q.limit)?;
        let date = NaiveDate::parse_from_str(&q.request_date, "%Y-%m-%d").map_err(|_| {
            SesError::new(
                ErrorCode::InvalidParameterValueWrongDate,
                "RequestDate must be YYYY-MM-DD.",
            )
        })?;
        let tz = self.settings.timezone;
        let today = self.now().with_timezone(&tz).date_naive();
        if date > today || (today - date).num_days() > LOOKBACK_DAYS {
            return Err(SesError::new(
                ErrorCode::FailedOperationNotSupportDate,
                format!("RequestDate must be within the last {LOOKBACK_DAYS} days."),
            ));
        }
        let start = tz
            .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
            .earliest()
            .ok_or_else(|| {
                SesError::new(
                    ErrorCode::InvalidParameterValueWrongDate,
                    "RequestDate does not exist here.",
                )
            })?
            .with_timezone(&Utc);
        let message_id = match q.message_id.as_deref().filter(|m| !m.is_empty()) {
            Some(m) => Some(MessageId::parse(m).map_err(|_| {
                SesError::new(ErrorCode::InvalidParameterValue, "MessageId is malformed.")
            })?),
            None => None,
        };
        let recipient = match q.to.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => Some(EmailAddress::parse(t).map_err(|_| {
                SesError::new(
                    ErrorCode::InvalidParameterValueIllegalEmailAddress,
                    "ToEmailAddress is invalid.",
                )
            })?),
            None => None,
        };
        let query = DeliveryQuery {
            account: account.clone(),
            from: start,
            until: start + ChronoDuration::days(1),
            message_id,
            recipient,
            offset: q.offset,
            limit,
        };
        let deliveries = self.deliveries.list(&query).await?;
        self.with_engagement(account, deliveries).await
    }
}
