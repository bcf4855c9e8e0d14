//! [`MailAuthDkim`]: the [`Dkim`] port with lettre for MIME and mail-auth for signatures.

use sesame_core::model::DkimAlgorithm;
use sesame_core::ports::{ComposeError, ComposeInput, Dkim, GeneratedKey};

use crate::keys::{self, KeyCache};
use crate::{compose, sign};

/// Generates keys, composes messages and DKIM-signs them (relaxed/relaxed, SHA-256).
///
/// Holds a cache of parsed private keys, so build one and share it.
#[derive(Debug, Default)]
pub struct MailAuthDkim {
    keys: KeyCache,
}

impl MailAuthDkim {
    /// A signer with an empty key cache.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Dkim for MailAuthDkim {
    fn generate(&self, algorithm: DkimAlgorithm) -> Result<GeneratedKey, ComposeError> {
        keys::generate(algorithm)
    }

    /// Composes the message and prepends one `DKIM-Signature` per key, in key order (the
    /// first key's signature on top). Each signature covers the unsigned message only, so
    /// the order does not matter to verifiers.
    fn compose(&self, input: &ComposeInput<'_>) -> Result<Vec<u8>, ComposeError> {
        let unsigned = compose::compose(input)?;
        let mut signed = Vec::with_capacity(unsigned.len() + 512 * input.keys.len());
        for key in input.keys {
            let parsed = self.keys.get(key)?;
            let header =
                sign::signature_header(&unsigned, &parsed, &key.domain, &key.selector, input.now)?;
            signed.extend_from_slice(header.as_bytes());
        }
        signed.extend_from_slice(&unsigned);
        Ok(signed)
    }
}
