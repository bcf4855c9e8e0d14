//! DKIM key rotation through a pending selector.
//!
//! A rotation generates the new key(s) under a selector never used by the domain and stores
//! them `Pending`: they are listed for the owner to publish but never sign. The DNS check that
//! finds every pending record published promotes them to `Active` and retires the previous
//! active keys, in one record write, so mail is always signed, and only with keys whose
//! records were seen published. Retired keys stop signing at once but stay listed until the
//! next rotation starts, so the owner can tell which record may be removed.

use chrono::Datelike;

use super::super::{PURPOSE_DKIM, Sesame};
use super::{algorithms_for, not_exist, parse_domain};
use crate::error::SesError;
use crate::model::{
    CheckStatus, DkimAlgorithm, DkimKey, DkimKeyState, Identity, RecordCheck, RecordPurpose,
};
use crate::ports::{Dkim, Identities, Ports};
use crate::types::AccountId;

use super::IdentityView;

/// `DKIMOption` of a key set: 2 when it signs with Ed25519 too, else 1.
pub(super) fn option_of<'a>(keys: impl Iterator<Item = &'a DkimKey>) -> u64 {
    let mut any = false;
    let mut dual = false;
    for k in keys {
        any = true;
        dual |= k.algorithm == DkimAlgorithm::Ed25519;
    }
    match (any, dual) {
        (_, true) => 2,
        _ => 1,
    }
}

/// A selector base no key of the domain uses, for itself or its Ed25519 twin (`<base>e`):
/// `<prefix><yyyymm>`, then `<prefix><yyyymm>-2`, `-3`, … Receivers cache key records by
/// selector, so a selector is never reused for a different key.
fn fresh_selector(prefix: &str, month: &str, existing: &[DkimKey]) -> String {
    let taken = |s: &str| {
        existing
            .iter()
            .any(|k| k.selector == s || k.selector == format!("{s}e"))
    };
    let base = format!("{prefix}{month}");
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|c| !taken(c))
        .expect("an unused selector exists")
}

/// Promotes the pending keys when every one of them passed in `checks`: they become active,
/// the active keys retired, older retired keys dropped. Returns whether it promoted.
pub(super) fn promote_if_published(identity: &mut Identity, checks: &[RecordCheck]) -> bool {
    let domain = identity.domain.as_str().to_owned();
    let pending: Vec<&DkimKey> = identity
        .dkim_keys
        .iter()
        .filter(|k| k.state == DkimKeyState::Pending)
        .collect();
    if pending.is_empty() {
        return false;
    }
    let published = pending.iter().all(|k| {
        let host = format!("{}._domainkey.{domain}", k.selector);
        checks.iter().any(|c| {
            c.purpose == RecordPurpose::Dkim && c.host == host && c.status == CheckStatus::Pass
        })
    });
    if !published {
        return false;
    }
    identity
        .dkim_keys
        .retain(|k| k.state != DkimKeyState::Retired);
    for key in &mut identity.dkim_keys {
        key.state = match key.state {
            DkimKeyState::Active => DkimKeyState::Retired,
            DkimKeyState::Pending | DkimKeyState::Retired => DkimKeyState::Active,
        };
    }
    identity.dkim_option = option_of(
        identity
            .dkim_keys
            .iter()
            .filter(|k| k.state == DkimKeyState::Active),
    );
    true
}

impl<P: Ports> Sesame<P> {
    /// Generates and seals one key per algorithm under one fresh selector (`<base>` for RSA,
    /// `<base>e` for Ed25519), in `state`.
    pub(super) fn generate_keys(
        &self,
        algorithms: &[DkimAlgorithm],
        existing: &[DkimKey],
        state: DkimKeyState,
    ) -> Result<Vec<DkimKey>, SesError> {
        let now = self.now();
        let month = format!("{}{:02}", now.year(), now.month());
        let base = fresh_selector(&self.settings.dkim_selector_prefix, &month, existing);
        algorithms
            .iter()
            .map(|&algorithm| {
                let generated = self.dkim.generate(algorithm).map_err(|e| {
                    tracing::error!(error = %e, "dkim key generation failed");
                    SesError::internal()
                })?;
                let suffix = match algorithm {
                    DkimAlgorithm::Rsa2048 => "",
                    DkimAlgorithm::Ed25519 => "e",
                };
                Ok(DkimKey {
                    selector: format!("{base}{suffix}"),
                    algorithm,
                    sealed_private_key: self.seal(PURPOSE_DKIM, &generated.private_pkcs8),
                    public_key: generated.public_key,
                    state,
                })
            })
            .collect()
    }

    /// Replaces any pending and retired keys of `identity` with new pending keys for
    /// `dkim_option` (the active keys keep signing until the new ones are published).
    pub(super) fn start_rotation(
        &self,
        identity: &mut Identity,
        dkim_option: Option<u64>,
    ) -> Result<(), SesError> {
        let (_, algorithms) = algorithms_for(dkim_option.or(Some(identity.dkim_option)))?;
        let fresh = self.generate_keys(&algorithms, &identity.dkim_keys, DkimKeyState::Pending)?;
        identity
            .dkim_keys
            .retain(|k| k.state == DkimKeyState::Active);
        identity.dkim_keys.extend(fresh);
        tracing::info!(domain = %identity.domain, "dkim rotation started: new keys pending publication");
        Ok(())
    }

    /// Operator command: starts a DKIM key rotation (new pending keys with `dkim_option`, or
    /// the current option), replacing an unfinished one. Returns the records to publish.
    #[tracing::instrument(skip(self), fields(account = %account), err)]
    pub async fn rotate_dkim(
        &self,
        account: &AccountId,
        domain: &str,
        dkim_option: Option<u64>,
    ) -> Result<IdentityView, SesError> {
        let domain = parse_domain(domain)?;
        let mut identity = self
            .identities
            .get(account, &domain)
            .await?
            .ok_or_else(not_exist)?;
        self.start_rotation(&mut identity, dkim_option)?;
        if !self.identities.update(&identity).await? {
            return Err(not_exist());
        }
        Ok(self.view(identity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(selector: &str) -> DkimKey {
        DkimKey {
            selector: selector.into(),
            algorithm: DkimAlgorithm::Rsa2048,
            sealed_private_key: vec![],
            public_key: String::new(),
            state: DkimKeyState::Active,
        }
    }

    #[test]
    fn a_new_selector_never_reuses_one_the_domain_has() {
        assert_eq!(fresh_selector("s", "202406", &[]), "s202406");
        assert_eq!(fresh_selector("s", "202406", &[key("s202405")]), "s202406");
        assert_eq!(
            fresh_selector("s", "202406", &[key("s202406")]),
            "s202406-2"
        );
        assert_eq!(
            fresh_selector("s", "202406", &[key("s202406e"), key("s202406-2")]),
            "s202406-3"
        );
    }
}
