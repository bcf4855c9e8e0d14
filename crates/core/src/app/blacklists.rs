//! The custom blacklist (per account, optional expiry) and the bounce blacklist (addresses
//! that hard-bounced for the account), reference §4.10. Addresses are stored lower-cased, so
//! `Ann@Example.org` and `ann@example.org` are one entry and block each other.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::Sesame;
use super::validate::page_limit;
use crate::error::{ErrorCode, SesError};
use crate::ports::{
    BlockUpdate, BounceBlock, BounceBlockQuery, CustomBlock, CustomBlockQuery, Lists, Ports,
    Sequences,
};
use crate::types::{AccountId, EmailAddress};

/// Most addresses one CreateCustomBlacklist call may carry.
pub const MAX_BLACKLIST_EMAILS: usize = 20_000;
/// Ids of one CreateCustomBlacklist call are `batch * ID_STRIDE + n`: one sequence value per
/// call instead of one per address.
const ID_STRIDE: u64 = 100_000;

/// The counters of CreateCustomBlacklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlacklistReport {
    /// Addresses given (`TotalCount`).
    pub total: u64,
    /// Addresses added or refreshed (`ValidCount`).
    pub valid: u64,
    /// Addresses longer than 254 characters (`TooLongCount`), ignored.
    pub too_long: u64,
    /// Repeats within the request (`RepeatCount`), ignored.
    pub repeat: u64,
    /// Malformed or empty addresses (`InvalidCount`), ignored.
    pub invalid: u64,
}

/// The form an address is blacklisted and looked up in: lower-cased.
pub fn canonical(raw: &str) -> Option<EmailAddress> {
    EmailAddress::parse(&raw.trim().to_ascii_lowercase()).ok()
}

fn emails_necessary() -> SesError {
    SesError::new(
        ErrorCode::MissingParameterEmailsNecessary,
        "At least one address is required.",
    )
}

/// Parses every address of a delete request; one bad address refuses the request. Each
/// address is asked for lower-cased and as given, so an entry written in another case (bounce
/// handling stores the recipient as delivered) is removed too.
fn parse_all(raw: &[String]) -> Result<Vec<EmailAddress>, SesError> {
    if raw.is_empty() {
        return Err(emails_necessary());
    }
    let mut all = Vec::with_capacity(raw.len() * 2);
    for e in raw {
        let lower = canonical(e).ok_or_else(|| {
            SesError::new(
                ErrorCode::InvalidParameterValueIllegalEmailAddress,
                "Every address must be a valid email address.",
            )
        })?;
        if let Ok(exact) = EmailAddress::parse(e.trim())
            && exact != lower
        {
            all.push(exact);
        }
        all.push(lower);
    }
    all.sort();
    all.dedup();
    Ok(all)
}

/// Parses an `ExpireDate` (`YYYY-MM-DD`; empty means permanent).
pub fn parse_date(raw: &str) -> Result<Option<NaiveDate>, SesError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            SesError::new(
                ErrorCode::InvalidParameterValueWrongDate,
                "Dates must be YYYY-MM-DD.",
            )
        })
}

impl<P: Ports> Sesame<P> {
    /// Today in the API time zone: the day expiry dates are judged on.
    pub fn today(&self) -> NaiveDate {
        self.now()
            .with_timezone(&self.settings.timezone)
            .date_naive()
    }

    /// Midnight starting `day` in the API time zone, as UTC.
    fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        self.settings
            .timezone
            .from_local_datetime(&midnight)
            .earliest()
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
    }

    fn check_expiry(&self, expire: Option<NaiveDate>) -> Result<Option<NaiveDate>, SesError> {
        if expire.is_some_and(|day| day < self.today()) {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueWrongDate,
                "ExpireDate must not be in the past.",
            ));
        }
        Ok(expire)
    }

    /// CreateCustomBlacklist: adds the valid addresses (refreshing the expiry of listed ones)
    /// and counts the rest.
    #[tracing::instrument(skip(self, emails), fields(account = %account, emails = emails.len()), err)]
    pub async fn create_custom_blacklist(
        &self,
        account: &AccountId,
        emails: &[String],
        expire_date: Option<&str>,
    ) -> Result<BlacklistReport, SesError> {
        if emails.is_empty() {
            return Err(emails_necessary());
        }
        if emails.len() > MAX_BLACKLIST_EMAILS {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValue,
                "At most 20000 addresses per request.",
            ));
        }
        let expire = self.check_expiry(parse_date(expire_date.unwrap_or_default())?)?;
        let mut report = BlacklistReport::default();
        let mut seen = std::collections::HashSet::new();
        let mut valid = Vec::new();
        for raw in emails {
            report.total += 1;
            if raw.trim().chars().count() > 254 {
                report.too_long += 1;
            } else if let Some(address) = canonical(raw) {
                if seen.insert(address.clone()) {
                    valid.push(address);
                } else {
                    report.repeat += 1;
                }
            } else {
                report.invalid += 1;
            }
        }
        report.valid = valid.len() as u64;
        if valid.is_empty() {
            return Ok(report);
        }
        let batch = self.sequences.next("custom_blacklist").await?;
        let now = self.now();
        let blocks: Vec<CustomBlock> = valid
            .into_iter()
            .enumerate()
            .map(|(n, email)| CustomBlock {
                account: account.clone(),
                id: batch * ID_STRIDE + n as u64 + 1,
                email,
                expire_date: expire,
                created_at: now,
            })
            .collect();
        for chunk in blocks.chunks(1_000) {
            self.lists.upsert_custom_blocks(chunk).await?;
        }
        Ok(report)
    }

    /// ListCustomBlacklist: `status` 0 expired, 1 active, 2 all; oldest first.
    pub async fn list_custom_blacklist(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
        status: u64,
        email: Option<String>,
    ) -> Result<(Vec<CustomBlock>, u64), SesError> {
        let active = match status {
            0 => Some(false),
            1 => Some(true),
            2 => None,
            _ => {
                return Err(SesError::new(
                    ErrorCode::InvalidParameterValue,
                    "Status must be 0, 1 or 2.",
                ));
            }
        };
        let query = CustomBlockQuery {
            account: account.clone(),
            active,
            today: self.today(),
            email: email.filter(|e| !e.is_empty()),
            offset,
            limit: page_limit(limit)?,
        };
        Ok(self.lists.list_custom_blocks(&query).await?)
    }

    /// UpdateCustomBlackList: new address and expiry (empty = permanent) of entry `id`.
    #[tracing::instrument(skip(self, email), fields(account = %account), err)]
    pub async fn update_custom_blacklist(
        &self,
        account: &AccountId,
        id: u64,
        email: &str,
        expire_date: Option<&str>,
    ) -> Result<(), SesError> {
        let address = canonical(email).ok_or_else(|| {
            SesError::new(
                ErrorCode::InvalidParameterValueIllegalEmailAddress,
                "Email must be a valid email address.",
            )
        })?;
        let expire = self.check_expiry(parse_date(expire_date.unwrap_or_default())?)?;
        match self
            .lists
            .update_custom_block(account, id, &address, expire)
            .await?
        {
            BlockUpdate::Updated => Ok(()),
            BlockUpdate::Missing => Err(SesError::new(
                ErrorCode::ResourceNotFound,
                "No custom blacklist entry has this Id.",
            )),
            BlockUpdate::AddressTaken => Err(SesError::new(
                ErrorCode::InvalidParameterValue,
                "Another entry already blacklists this address.",
            )),
        }
    }

    /// DeleteCustomBlackList: removes the addresses (unlisted ones are ignored).
    #[tracing::instrument(skip(self, emails), fields(account = %account), err)]
    pub async fn delete_custom_blacklist(
        &self,
        account: &AccountId,
        emails: &[String],
    ) -> Result<u64, SesError> {
        let emails = parse_all(emails)?;
        Ok(self.lists.delete_custom_blocks(account, &emails).await?)
    }

    /// ListBlackEmailAddress: bounces between the two days (inclusive, API time zone), most
    /// recent first.
    pub async fn list_bounce_blacklist(
        &self,
        account: &AccountId,
        start_date: &str,
        end_date: &str,
        offset: u64,
        limit: u64,
        email: Option<String>,
    ) -> Result<(Vec<BounceBlock>, u64), SesError> {
        let wrong = || {
            SesError::new(
                ErrorCode::InvalidParameterValueWrongDate,
                "StartDate and EndDate must be YYYY-MM-DD, StartDate not after EndDate.",
            )
        };
        let start = parse_date(start_date)?.ok_or_else(wrong)?;
        let end = parse_date(end_date)?.ok_or_else(wrong)?;
        if start > end {
            return Err(wrong());
        }
        let query = BounceBlockQuery {
            account: account.clone(),
            from: self.day_start(start),
            until: self.day_start(end.succ_opt().unwrap_or(end)),
            email: email.filter(|e| !e.is_empty()),
            offset,
            limit: page_limit(limit)?,
        };
        Ok(self.lists.list_bounce_blocks(&query).await?)
    }

    /// DeleteBlackList: removes addresses from the bounce blacklist.
    #[tracing::instrument(skip(self, emails), fields(account = %account), err)]
    pub async fn delete_bounce_blacklist(
        &self,
        account: &AccountId,
        emails: &[String],
    ) -> Result<u64, SesError> {
        let emails = parse_all(emails)?;
        Ok(self.lists.delete_bounce_blocks(account, &emails).await?)
    }

    /// Puts a hard-bounced recipient on the account's bounce blacklist (or refreshes its
    /// entry). For bounce handling; idempotent.
    pub async fn add_to_bounce_blacklist(
        &self,
        account: &AccountId,
        recipient: &EmailAddress,
        bounced_at: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), SesError> {
        let email = canonical(recipient.as_str()).unwrap_or_else(|| recipient.clone());
        let block = BounceBlock {
            account: account.clone(),
            email,
            bounced_at,
            reason: reason.chars().take(500).collect(),
        };
        Ok(self.lists.put_bounce_block(&block).await?)
    }
}
