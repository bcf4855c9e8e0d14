//! Sender addresses: the only `From` addresses an account may send as.

use super::Sesame;
use crate::error::{ErrorCode, SesError};
use crate::model::Sender;
use crate::ports::{Created, Identities, Ports, Senders};
use crate::types::{AccountId, DisplayName, Domain, EmailAddress};

fn parse_address(raw: &str) -> Result<EmailAddress, SesError> {
    EmailAddress::parse(raw).map_err(|_| {
        SesError::new(
            ErrorCode::InvalidParameterValueIllegalEmailAddress,
            "EmailAddress is not a valid email address.",
        )
    })
}

impl<P: Ports> Sesame<P> {
    /// Creates a sender address under one of the account's domains.
    #[tracing::instrument(skip(self, address, name), fields(account = %account), err)]
    pub async fn create_sender(
        &self,
        account: &AccountId,
        address: &str,
        name: Option<&str>,
    ) -> Result<(), SesError> {
        let address = parse_address(address)?;
        let name = match name.filter(|n| !n.is_empty()) {
            Some(n) => Some(DisplayName::parse(n).map_err(|_| {
                SesError::new(
                    ErrorCode::InvalidParameterValueIllegalSenderName,
                    "EmailSenderName is not a valid display name.",
                )
            })?),
            None => None,
        };
        let domain = Domain::parse(address.domain()).map_err(|_| SesError::internal())?;
        if self.identities.get(account, &domain).await?.is_none() {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueNotExistDomain,
                "The address's domain is not one of this account's sender domains.",
            ));
        }
        if self.senders.list(account).await?.len() >= self.settings.max_senders {
            return Err(SesError::new(
                ErrorCode::OperationDeniedExceedSenderLimit,
                "The sender address limit is reached.",
            ));
        }
        let sender = Sender {
            account: account.clone(),
            address,
            name,
            created_at: self.now(),
        };
        match self.senders.create(&sender).await? {
            Created::Yes => Ok(()),
            Created::AlreadyExists | Created::OwnedByOther => Err(SesError::new(
                ErrorCode::InvalidParameterValueRepeatEmailAddress,
                "The sender address already exists.",
            )),
        }
    }

    /// All sender addresses of the account.
    pub async fn list_senders(&self, account: &AccountId) -> Result<Vec<Sender>, SesError> {
        Ok(self.senders.list(account).await?)
    }

    /// Deletes a sender address.
    #[tracing::instrument(skip(self, address), fields(account = %account), err)]
    pub async fn delete_sender(&self, account: &AccountId, address: &str) -> Result<(), SesError> {
        let address = parse_address(address)?;
        if self.senders.delete(account, &address).await? {
            Ok(())
        } else {
            Err(SesError::new(
                ErrorCode::InvalidParameterValueNoSuchSender,
                "The sender address does not exist.",
            ))
        }
    }
}
