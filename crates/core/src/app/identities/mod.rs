//! Sender domains ("email identities"): DKIM keys and the DNS records that prove ownership.
//!
//! A domain is created unverified; it becomes able to send when its required DNS records
//! check out (UpdateEmailIdentity, or the periodic re-check: see [`verify`]) or when an
//! operator trusts it (`sesame identity trust`), which the API can never do. Domains are unique
//! across the installation. DKIM keys rotate through a pending selector (see [`rotation`]).

mod rotation;
mod verify;
mod view;

#[cfg(test)]
mod tests;

pub use verify::RecheckReport;
pub use view::{DnsRecord, IdentityView};

use super::{PURPOSE_DKIM, Sesame};
use crate::error::{ErrorCode, SesError};
use crate::model::{DkimAlgorithm, DkimKeyState, Identity};
use crate::ports::{Created, Identities, Ports, Senders, SigningKey};
use crate::types::{AccountId, Domain};

pub(super) fn not_exist() -> SesError {
    SesError::new(
        ErrorCode::InvalidParameterValueNotExistDomain,
        "The domain does not exist in this account.",
    )
}

pub(super) fn parse_domain(raw: &str) -> Result<Domain, SesError> {
    Domain::parse(raw).map_err(|_| {
        SesError::new(
            ErrorCode::InvalidParameterValueInvalidEmailIdentity,
            "EmailIdentity is not a valid domain name.",
        )
    })
}

/// Key algorithms for an API `DKIMOption`. Omitted means RSA-2048. RSA-1024 (0) is refused:
/// receivers increasingly reject it and it can be factored.
pub(super) fn algorithms_for(option: Option<u64>) -> Result<(u64, Vec<DkimAlgorithm>), SesError> {
    match option {
        None | Some(1) => Ok((1, vec![DkimAlgorithm::Rsa2048])),
        Some(2) => Ok((2, vec![DkimAlgorithm::Rsa2048, DkimAlgorithm::Ed25519])),
        // A Sesame extension (Tencent defines 0-2): Ed25519 alone. Many receivers do not
        // verify Ed25519 yet, so dual signing (2) is the better choice for most senders.
        Some(3) => Ok((3, vec![DkimAlgorithm::Ed25519])),
        Some(0) => Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            "DKIMOption 0 (RSA-1024) is not supported; use 1 (RSA-2048, the default), 2 (RSA-2048 + Ed25519) or 3 (Ed25519).",
        )),
        Some(_) => Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            "DKIMOption must be 1 (RSA-2048), 2 (RSA-2048 + Ed25519) or 3 (Ed25519).",
        )),
    }
}

impl<P: Ports> Sesame<P> {
    /// Registers a sender domain, generating its DKIM key(s).
    #[tracing::instrument(skip(self, tags), fields(account = %account), err)]
    pub async fn create_identity(
        &self,
        account: &AccountId,
        domain: &str,
        dkim_option: Option<u64>,
        tags: Vec<(String, String)>,
    ) -> Result<IdentityView, SesError> {
        let domain = parse_domain(domain)?;
        let (dkim_option, algorithms) = algorithms_for(dkim_option)?;
        if self.identities.list(account).await?.len() >= self.settings.max_domains {
            return Err(SesError::new(
                ErrorCode::OperationDeniedExceedDomainLimit,
                "The domain limit is reached.",
            ));
        }
        let now = self.now();
        // Nothing is signed before the domain verifies, so the first keys start active.
        let dkim_keys = self.generate_keys(&algorithms, &[], DkimKeyState::Active)?;
        let identity = Identity {
            account: account.clone(),
            domain,
            dkim_option,
            dkim_keys,
            verified: false,
            trusted: false,
            check: None,
            tags,
            created_at: now,
        };
        match self.identities.create(&identity).await? {
            Created::Yes => Ok(self.view(identity)),
            Created::AlreadyExists => Err(SesError::new(
                ErrorCode::InvalidParameterValueRepeatCreation,
                "The domain already exists in this account.",
            )),
            Created::OwnedByOther => Err(SesError::new(
                ErrorCode::InvalidParameterValueCreatedByOther,
                "The domain is registered by another account.",
            )),
        }
    }

    /// One domain with its DNS records.
    pub async fn get_identity(
        &self,
        account: &AccountId,
        domain: &str,
    ) -> Result<IdentityView, SesError> {
        let domain = parse_domain(domain)?;
        let identity = self
            .identities
            .get(account, &domain)
            .await?
            .ok_or_else(not_exist)?;
        Ok(self.view(identity))
    }

    /// All domains of the account.
    pub async fn list_identities(&self, account: &AccountId) -> Result<Vec<Identity>, SesError> {
        Ok(self.identities.list(account).await?)
    }

    /// Deletes a domain; refused while sender addresses under it exist.
    #[tracing::instrument(skip(self), fields(account = %account), err)]
    pub async fn delete_identity(&self, account: &AccountId, domain: &str) -> Result<(), SesError> {
        let domain = parse_domain(domain)?;
        self.identities
            .get(account, &domain)
            .await?
            .ok_or_else(not_exist)?;
        let senders = self.senders.list(account).await?;
        if senders
            .iter()
            .any(|s| s.address.domain() == domain.as_str())
        {
            return Err(SesError::new(
                ErrorCode::OperationDeniedSenderWithDomainIsNotEmpty,
                "Delete the sender addresses of this domain first.",
            ));
        }
        if self.identities.delete(account, &domain).await? {
            Ok(())
        } else {
            Err(not_exist())
        }
    }

    /// Marks a domain verified without DNS checks. Operator only: no API action calls this.
    #[tracing::instrument(skip(self), fields(account = %account), err)]
    pub async fn trust_identity(&self, account: &AccountId, domain: &str) -> Result<(), SesError> {
        let domain = parse_domain(domain)?;
        let mut identity = self
            .identities
            .get(account, &domain)
            .await?
            .ok_or_else(not_exist)?;
        identity.verified = true;
        identity.trusted = true;
        if self.identities.update(&identity).await? {
            Ok(())
        } else {
            Err(not_exist())
        }
    }

    /// The opened signing keys of a domain: its active keys only. A pending key's record may
    /// not be published yet, and a retired key's record may already be gone.
    pub(crate) fn signing_keys(&self, identity: &Identity) -> Result<Vec<SigningKey>, SesError> {
        identity
            .dkim_keys
            .iter()
            .filter(|k| k.state == DkimKeyState::Active)
            .map(|k| {
                let private_pkcs8 = self.secrets.open(PURPOSE_DKIM, &k.sealed_private_key).map_err(|_| {
                    tracing::error!(domain = %identity.domain, "dkim key cannot be unsealed: wrong master key?");
                    SesError::internal()
                })?;
                Ok(SigningKey {
                    domain: identity.domain.as_str().to_owned(),
                    selector: k.selector.clone(),
                    algorithm: k.algorithm,
                    private_pkcs8,
                })
            })
            .collect()
    }
}
