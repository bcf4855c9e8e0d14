//! Verifying signatures with mail-auth, DNS answered from the fixture keys.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::{
    AuthenticatedMessage, DkimResult, MessageAuthenticator, Parameters, ResolverCache, Txt,
};
use sesame_core::ports::SigningKey;

use super::dns_record;

/// A TXT "DNS" holding the fixture keys' records.
pub struct TxtRecords(pub HashMap<Box<str>, Txt>);

impl TxtRecords {
    pub fn of(keys: &[SigningKey]) -> Self {
        let map = keys
            .iter()
            .map(|k| {
                let name = format!("{}._domainkey.{}.", k.selector, k.domain).into_boxed_str();
                let key = DomainKey::parse(dns_record(k).as_bytes()).expect("valid DKIM record");
                (name, Txt::DomainKey(Arc::new(key)))
            })
            .collect();
        Self(map)
    }
}

impl ResolverCache<Box<str>, Txt> for TxtRecords {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get(name).cloned()
    }

    fn remove<Q>(&self, _: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        None
    }

    fn insert(&self, _: Box<str>, _: Txt, _: std::time::Instant) {}
}

/// mail-auth's verdict for every signature in `raw`, looking keys up in `dns` only.
pub async fn mail_auth_verdicts(raw: &[u8], dns: &TxtRecords) -> Vec<DkimResult> {
    // Never queried: every lookup is answered by `dns`.
    let resolver = MessageAuthenticator::new_cloudflare().expect("resolver");
    let parsed = AuthenticatedMessage::parse(raw).expect("parsable message");
    let outputs = resolver
        .verify_dkim(Parameters::new(&parsed).with_txt_cache(dns))
        .await;
    outputs.iter().map(|o| o.result().clone()).collect()
}
