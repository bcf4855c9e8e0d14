//! Per-sender-address unsubscribe configuration (Create/List/Update/DeleteAddressUnsubscribeConfig):
//! the default language of the unsubscribe link for mail from that address, and whether the
//! default is on. Read at send time through [`Sesame::unsubscribe_language_for`].

use super::Sesame;
use super::validate::page_limit;
use crate::error::{ErrorCode, SesError};
use crate::ports::{Created, Lists, Ports, Senders, UnsubscribeConfig};
use crate::types::{AccountId, EmailAddress};

/// Highest language code of the address-level config (reference §6.4 documents 0–10).
const MAX_LANGUAGE: u8 = 10;

/// Parses `UnsubscribeConfig` (`"0"`–`"10"`) and `Status` (0/1).
fn check(language: &str, status: u64) -> Result<(String, bool), SesError> {
    let valid = language
        .parse::<u8>()
        .ok()
        .filter(|n| *n <= MAX_LANGUAGE && n.to_string() == language);
    let Some(code) = valid else {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            "UnsubscribeConfig must be a string \"0\" to \"10\".",
        ));
    };
    let enabled = match status {
        0 => false,
        1 => true,
        _ => {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValue,
                "Status must be 0 or 1.",
            ));
        }
    };
    Ok((code.to_string(), enabled))
}

fn parse_address(raw: &str) -> Result<EmailAddress, SesError> {
    EmailAddress::parse(raw).map_err(|_| {
        SesError::new(
            ErrorCode::InvalidParameterValueIllegalEmailAddress,
            "Address must be a sender email address.",
        )
    })
}

impl<P: Ports> Sesame<P> {
    /// CreateAddressUnsubscribeConfig: `address` must be a sender address of the account.
    #[tracing::instrument(skip(self, address), fields(account = %account), err)]
    pub async fn create_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &str,
        language: &str,
        status: u64,
    ) -> Result<(), SesError> {
        let address = parse_address(address)?;
        let (language, enabled) = check(language, status)?;
        if self.senders.get(account, &address).await?.is_none() {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueNoSuchSender,
                "Address is not a sender address of this account.",
            ));
        }
        let config = UnsubscribeConfig {
            account: account.clone(),
            address,
            language,
            enabled,
            created_at: self.now(),
        };
        match self.lists.create_unsubscribe_config(&config).await? {
            Created::Yes => Ok(()),
            _ => Err(SesError::new(
                ErrorCode::InvalidParameterValue,
                "This address already has an unsubscribe config; update it instead.",
            )),
        }
    }

    /// UpdateAddressUnsubscribeConfig.
    #[tracing::instrument(skip(self, address), fields(account = %account), err)]
    pub async fn update_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &str,
        language: &str,
        status: u64,
    ) -> Result<(), SesError> {
        let address = parse_address(address)?;
        let (language, enabled) = check(language, status)?;
        let config = UnsubscribeConfig {
            account: account.clone(),
            address,
            language,
            enabled,
            created_at: self.now(),
        };
        if !self.lists.update_unsubscribe_config(&config).await? {
            return Err(not_found());
        }
        Ok(())
    }

    /// ListAddressUnsubscribeConfig: oldest first.
    pub async fn list_unsubscribe_configs(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<UnsubscribeConfig>, u64), SesError> {
        Ok(self
            .lists
            .list_unsubscribe_configs(account, offset, page_limit(limit)?)
            .await?)
    }

    /// DeleteAddressUnsubscribeConfig.
    #[tracing::instrument(skip(self, address), fields(account = %account), err)]
    pub async fn delete_unsubscribe_config(
        &self,
        account: &AccountId,
        address: &str,
    ) -> Result<(), SesError> {
        let address = parse_address(address)?;
        if !self
            .lists
            .delete_unsubscribe_config(account, &address)
            .await?
        {
            return Err(not_found());
        }
        Ok(())
    }

    /// The unsubscribe-link language to use for mail from `sender` when the request did not
    /// choose one: the sender's config when it is on and not `"0"`, else `None`.
    pub async fn unsubscribe_language_for(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
    ) -> Result<Option<String>, SesError> {
        let config = self.lists.get_unsubscribe_config(account, sender).await?;
        Ok(config
            .filter(|c| c.enabled && c.language != "0")
            .map(|c| c.language))
    }
}

fn not_found() -> SesError {
    SesError::new(
        ErrorCode::ResourceNotFound,
        "This address has no unsubscribe config.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_are_zero_to_ten_as_plain_strings() {
        for ok in ["0", "1", "10"] {
            assert!(check(ok, 1).is_ok(), "{ok}");
        }
        for bad in ["11", "-1", "01", "x", "", " 1"] {
            assert_eq!(
                check(bad, 1).expect_err(bad).code,
                ErrorCode::InvalidParameterValue
            );
        }
        assert_eq!(check("2", 0).expect("off"), ("2".to_owned(), false));
        assert!(check("2", 2).is_err());
    }
}
