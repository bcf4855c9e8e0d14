//! Whether a recipient may be sent to: the per-recipient check that SendEmail runs before
//! accepting, and that batch expansion runs on every recipient it takes from a group.

use super::Sesame;
use super::blacklists::canonical;
use crate::error::{ErrorCode, SesError};
use crate::ports::{Blocks, Lists, Ports};
use crate::types::{AccountId, EmailAddress};

/// Most addresses asked of the store at once.
const LOOKUP_CHUNK: usize = 100;

/// Why a recipient is not sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suppression {
    /// On the account's custom blacklist, and the entry has not expired.
    CustomBlacklist,
    /// On the account's bounce blacklist (it hard-bounced before).
    BounceBlacklist,
}

impl Suppression {
    /// Short reason for status listings and `ErrMsg`.
    pub fn reason(self) -> &'static str {
        match self {
            Suppression::CustomBlacklist => "recipient is on the custom blacklist",
            Suppression::BounceBlacklist => "recipient is on the bounce blacklist",
        }
    }
}

impl<P: Ports> Sesame<P> {
    /// Why `recipient` must not be sent mail for `account` by `sender`, or `None`.
    ///
    /// `sender` does not change the answer yet (both blacklists apply to every sender of the
    /// account); it is part of the question so per-sender rules can join without changing
    /// callers.
    pub async fn suppression_of(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipient: &EmailAddress,
    ) -> Result<Option<Suppression>, SesError> {
        let found = self
            .suppressions_of(account, sender, std::slice::from_ref(recipient))
            .await?;
        Ok(found.into_iter().next().flatten())
    }

    /// [`Self::suppression_of`] for many recipients at once (one store round trip per 100),
    /// answers in the order given. What batch expansion calls per chunk.
    pub async fn suppressions_of(
        &self,
        account: &AccountId,
        _sender: &EmailAddress,
        recipients: &[EmailAddress],
    ) -> Result<Vec<Option<Suppression>>, SesError> {
        let today = self.today();
        let mut out = Vec::with_capacity(recipients.len());
        for chunk in recipients.chunks(LOOKUP_CHUNK / 2) {
            // Entries are stored lower-cased, but one written as delivered (local part in its
            // original case) must block too: ask for both forms when they differ.
            let mut keys: Vec<EmailAddress> = Vec::with_capacity(chunk.len() * 2);
            for r in chunk {
                let lower = canonical(r.as_str()).unwrap_or_else(|| r.clone());
                if &lower != r {
                    keys.push(r.clone());
                }
                keys.push(lower);
            }
            let blocks = self.lists.blocks(account, &keys).await?;
            let found: std::collections::HashMap<&EmailAddress, &Blocks> =
                keys.iter().zip(&blocks).collect();
            out.extend(chunk.iter().map(|r| {
                let lower = canonical(r.as_str()).unwrap_or_else(|| r.clone());
                let both = [found.get(r), found.get(&lower)];
                let blocks = both.iter().flatten();
                let custom = blocks
                    .clone()
                    .any(|b| b.custom.as_ref().is_some_and(|c| c.is_active(today)));
                if custom {
                    Some(Suppression::CustomBlacklist)
                } else if blocks.clone().any(|b| b.bounce.is_some()) {
                    Some(Suppression::BounceBlacklist)
                } else {
                    None
                }
            }));
        }
        Ok(out)
    }

    /// Refuses a send when any recipient is blacklisted (`FailedOperation.EmailAddrInBlacklist`),
    /// naming the first such recipient in redacted form.
    pub(crate) async fn refuse_blacklisted<'a>(
        &self,
        account: &AccountId,
        sender: &EmailAddress,
        recipients: impl Iterator<Item = &'a EmailAddress>,
    ) -> Result<(), SesError> {
        let recipients: Vec<EmailAddress> = recipients.cloned().collect();
        let found = self.suppressions_of(account, sender, &recipients).await?;
        if let Some((recipient, why)) = recipients
            .iter()
            .zip(found)
            .find_map(|(r, s)| s.map(|s| (r, s)))
        {
            return Err(SesError::new(
                ErrorCode::FailedOperationEmailAddrInBlacklist,
                format!("{}: {}.", recipient.redacted(), why.reason()),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::ports::{BounceBlock, Clock};
    use crate::settings::Settings;
    use crate::testing::sesame;

    fn addr(raw: &str) -> EmailAddress {
        EmailAddress::parse(raw).expect("address")
    }

    #[tokio::test]
    async fn custom_entries_block_until_their_last_day_and_bounces_until_lifted() {
        let app = sesame(Settings::default());
        let a = AccountId::parse("acme").expect("account");
        let from = addr("news@example.com");
        let today = app.today().format("%Y-%m-%d").to_string();
        app.create_custom_blacklist(&a, &["Ann@Example.org".to_owned()], Some(&today))
            .await
            .expect("add");
        // Bounce handling writes the recipient as delivered, local part in its own case.
        app.lists
            .put_bounce_block(&BounceBlock {
                account: a.clone(),
                email: addr("Bob@example.org"),
                bounced_at: app.clock.now(),
                reason: "550 no such user".to_owned(),
            })
            .await
            .expect("bounce");
        let ask = [
            addr("ann@example.org"),
            addr("Bob@example.org"),
            addr("cy@example.org"),
        ];
        assert_eq!(
            app.suppressions_of(&a, &from, &ask).await.expect("check"),
            vec![
                Some(Suppression::CustomBlacklist),
                Some(Suppression::BounceBlacklist),
                None
            ]
        );
        let other = AccountId::parse("other").expect("account");
        assert_eq!(
            app.suppressions_of(&other, &from, &ask)
                .await
                .expect("check"),
            vec![None, None, None]
        );
        app.delete_bounce_blacklist(&a, &["Bob@example.org".to_owned()])
            .await
            .expect("lift");
        app.clock.advance(Duration::days(1));
        assert_eq!(
            app.suppressions_of(&a, &from, &ask).await.expect("check"),
            vec![None, None, None]
        );
    }
}
