//! DNS verification of sender domains: UpdateEmailIdentity and the periodic re-check.
//!
//! Every record CreateEmailIdentity asked for is looked up and matched (rules in
//! [`crate::dnscheck`]). The domain may send when the *required* records pass: SPF and the
//! DKIM record of every active key. DMARC and MX are checked and reported but not required:
//! the DMARC policy is the owner's choice (and a `p=none` record changes nothing for
//! delivery), and the MX only matters for receiving bounces, which Sesame does not do yet.
//! A temporary DNS failure never changes whether a domain may send; it is only reported.

use super::super::Sesame;
use super::rotation::{option_of, promote_if_published};
use super::{IdentityView, algorithms_for, not_exist, parse_domain};
use crate::dnscheck;
use crate::error::SesError;
use crate::model::{CheckStatus, DkimKeyState, DnsCheck, Identity, RecordCheck, RecordPurpose};
use crate::ports::{Identities, Ports, Resolver};
use crate::types::AccountId;

/// What one run of the periodic re-check did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecheckReport {
    /// Domains checked (trusted domains are skipped).
    pub checked: usize,
    /// Domains that could send before and cannot now.
    pub disabled: usize,
    /// Domains that could not send before and can now.
    pub enabled: usize,
    /// Domains whose pending DKIM keys were found published and became active.
    pub promoted: usize,
}

/// How a check changed a domain.
struct Change {
    was_verified: bool,
    promoted: bool,
}

impl<P: Ports> Sesame<P> {
    /// UpdateEmailIdentity: starts a DKIM rotation when `dkim_option` differs from the key set
    /// the domain signs with (or is rotating to), then checks every record in DNS and stores
    /// the result. Returns the records with what DNS holds now.
    #[tracing::instrument(skip(self), fields(account = %account), err)]
    pub async fn update_identity(
        &self,
        account: &AccountId,
        domain: &str,
        dkim_option: Option<u64>,
    ) -> Result<IdentityView, SesError> {
        let domain = parse_domain(domain)?;
        if dkim_option.is_some() {
            algorithms_for(dkim_option)?;
        }
        let mut identity = self
            .identities
            .get(account, &domain)
            .await?
            .ok_or_else(not_exist)?;
        if let Some(option) = dkim_option {
            let pending: Vec<_> = identity
                .dkim_keys
                .iter()
                .filter(|k| k.state == DkimKeyState::Pending)
                .collect();
            let target = if pending.is_empty() {
                identity.dkim_option
            } else {
                option_of(pending.into_iter())
            };
            if option != target {
                self.start_rotation(&mut identity, Some(option))?;
            }
        }
        let checks = self.lookup_records(&identity).await;
        self.apply_check(&mut identity, checks);
        if !self.identities.update(&identity).await? {
            return Err(not_exist());
        }
        Ok(self.view(identity))
    }

    /// The periodic re-check (the scheduler calls it): checks every domain not trusted by an
    /// operator, disables sending for those whose required records are gone or wrong (the
    /// reason is stored and shown by GetEmailIdentity), enables those that now pass, and
    /// promotes published pending DKIM keys. Safe to run on any node at any time.
    #[tracing::instrument(skip(self), err)]
    pub async fn recheck_identities(&self) -> Result<RecheckReport, SesError> {
        let mut report = RecheckReport::default();
        for identity in self.identities.list_all().await? {
            if identity.trusted {
                continue;
            }
            let checks = self.lookup_records(&identity).await;
            // The lookups take a while: apply them to the record as it is now, and leave it
            // alone if its keys changed meanwhile (a rotation started by the owner wins).
            let Some(mut current) = self
                .identities
                .get(&identity.account, &identity.domain)
                .await?
            else {
                continue;
            };
            if current.dkim_keys != identity.dkim_keys {
                continue;
            }
            let change = self.apply_check(&mut current, checks);
            self.identities.update(&current).await?;
            report.checked += 1;
            report.promoted += usize::from(change.promoted);
            match (change.was_verified, current.verified) {
                (true, false) => report.disabled += 1,
                (false, true) => report.enabled += 1,
                _ => {}
            }
        }
        Ok(report)
    }

    /// Looks up and matches every record of the domain: SPF, each DKIM key, DMARC, MX.
    async fn lookup_records(&self, identity: &Identity) -> Vec<RecordCheck> {
        let d = identity.domain.as_str();
        let dmarc_host = format!("_dmarc.{d}");
        let mut checks = vec![dnscheck::spf(
            d,
            &self.settings.spf_include,
            &self.resolver.txt(d).await,
        )];
        for key in &identity.dkim_keys {
            let host = format!("{}._domainkey.{d}", key.selector);
            checks.push(dnscheck::dkim(&host, key, &self.resolver.txt(&host).await));
        }
        checks.push(dnscheck::dmarc(
            &dmarc_host,
            &self.resolver.txt(&dmarc_host).await,
        ));
        checks.push(dnscheck::mx(
            d,
            &self.settings.hostname,
            &self.resolver.mx(d).await,
        ));
        checks
    }

    /// Stores `checks` as the domain's last check: promotes published pending keys, then
    /// decides whether the domain may send.
    fn apply_check(&self, identity: &mut Identity, checks: Vec<RecordCheck>) -> Change {
        let was_verified = identity.verified;
        let promoted = promote_if_published(identity, &checks);
        let d = identity.domain.as_str().to_owned();
        let mut required: Vec<Option<&RecordCheck>> =
            vec![checks.iter().find(|c| c.purpose == RecordPurpose::Spf)];
        for key in identity
            .dkim_keys
            .iter()
            .filter(|k| k.state == DkimKeyState::Active)
        {
            let host = format!("{}._domainkey.{d}", key.selector);
            required.push(
                checks
                    .iter()
                    .find(|c| c.purpose == RecordPurpose::Dkim && c.host == host),
            );
        }
        let failing: Vec<String> = required
            .iter()
            .filter_map(|c| match c {
                Some(c) if c.status == CheckStatus::Pass => None,
                Some(c) => Some(c.detail.clone()),
                None => Some("a required record was not checked".to_owned()),
            })
            .collect();
        let unknown_only = required
            .iter()
            .flatten()
            .all(|c| c.status != CheckStatus::Fail)
            && required.iter().all(Option::is_some);
        let passes = failing.is_empty();
        identity.verified = identity.trusted || passes || (unknown_only && was_verified);
        let reason = (!passes).then(|| failing.join("; "));
        match (was_verified, identity.verified) {
            (true, false) => {
                tracing::warn!(domain = %d, reason = reason.as_deref().unwrap_or(""), "sending disabled: required DNS records fail")
            }
            (false, true) => tracing::info!(domain = %d, "domain verified by DNS"),
            _ => {}
        }
        if promoted {
            tracing::info!(domain = %d, "published pending dkim keys are now active");
        }
        identity.check = Some(DnsCheck {
            at: self.now(),
            records: checks,
            reason,
        });
        Change {
            was_verified,
            promoted,
        }
    }
}
