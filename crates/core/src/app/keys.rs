//! API keys: created by the operator, used to authenticate every API call.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{PURPOSE_API_SECRET, Sesame};
use crate::error::{ErrorCode, SesError};
use crate::model::ApiKey;
use crate::ports::{Ids, Keys, Ports};
use crate::types::{AccountId, SecretId};

/// A freshly created key. The secret is shown once and only ever stored sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct NewKey {
    /// Public id.
    pub secret_id: SecretId,
    /// Secret key, plaintext.
    pub secret_key: String,
    /// Owning account.
    pub account: AccountId,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("secret_id", &self.secret_id)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// A key that exists and is enabled, with its secret opened for signature verification.
#[derive(Clone)]
pub struct Authenticated {
    /// The account the key acts for.
    pub account: AccountId,
    /// The secret key, plaintext (never logged).
    pub secret_key: String,
}

impl std::fmt::Debug for Authenticated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticated")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl<P: Ports> Sesame<P> {
    /// Creates a key for `account`, creating the account if it is new.
    #[tracing::instrument(skip(self), fields(account = %account), err)]
    pub async fn create_key(&self, account: &AccountId) -> Result<NewKey, SesError> {
        let now = self.now();
        self.keys.ensure_account(account, now).await?;
        // Rejection sampling keeps the id uniform over the 62-letter alphabet.
        let id: String = self
            .ids
            .random_bytes(64)
            .into_iter()
            .filter(|b| (*b as usize) < ALNUM.len() * 4)
            .map(|b| ALNUM[b as usize % ALNUM.len()] as char)
            .take(32)
            .collect();
        let secret_id =
            SecretId::parse(&format!("AKID{id:A<32}")).map_err(|_| SesError::internal())?;
        let secret_key = URL_SAFE_NO_PAD.encode(self.ids.random_bytes(24));
        let key = ApiKey {
            secret_id: secret_id.clone(),
            account: account.clone(),
            sealed_secret: self.seal(PURPOSE_API_SECRET, secret_key.as_bytes()),
            created_at: now,
            revoked: false,
        };
        self.keys.put(&key).await?;
        tracing::info!(secret_id = %secret_id, "api key created");
        Ok(NewKey {
            secret_id,
            secret_key,
            account: account.clone(),
        })
    }

    /// All keys (operator view; secrets are not included).
    pub async fn list_keys(&self) -> Result<Vec<ApiKey>, SesError> {
        Ok(self.keys.list().await?)
    }

    /// Revokes a key. Returns false when no such key exists.
    #[tracing::instrument(skip(self), err)]
    pub async fn revoke_key(&self, id: &SecretId) -> Result<bool, SesError> {
        Ok(self.keys.revoke(id).await?)
    }

    /// Looks up an API key for signature verification.
    /// Errors: `AuthFailure.InvalidSecretId` (malformed), `AuthFailure.SecretIdNotFound`
    /// (unknown or revoked).
    pub async fn authenticate(&self, secret_id: &str) -> Result<Authenticated, SesError> {
        let id = SecretId::parse(secret_id).map_err(|_| {
            SesError::new(
                ErrorCode::AuthFailureInvalidSecretId,
                "The SecretId is malformed.",
            )
        })?;
        let not_found = || {
            SesError::new(
                ErrorCode::AuthFailureSecretIdNotFound,
                "The SecretId is not found or disabled.",
            )
        };
        let key = self.keys.get(&id).await?.ok_or_else(not_found)?;
        if key.revoked {
            return Err(not_found());
        }
        let secret = self
            .secrets
            .open(PURPOSE_API_SECRET, &key.sealed_secret)
            .map_err(|_| {
                tracing::error!(secret_id = %id, "api key cannot be unsealed: wrong master key?");
                SesError::internal()
            })?;
        let secret_key = String::from_utf8(secret).map_err(|_| SesError::internal())?;
        Ok(Authenticated {
            account: key.account,
            secret_key,
        })
    }
}
