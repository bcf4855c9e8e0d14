//! DKIM key material: generating key pairs and turning stored PKCS#8 keys into signing keys.
//!
//! Parsing an RSA PKCS#8 key checks the whole key (a few hundred microseconds), so parsed keys
//! are kept in a [`KeyCache`] keyed by domain, selector and the key bytes themselves: a rotated
//! key under the same selector is a different entry, never a stale hit.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_auth::common::crypto::{DkimKey, Ed25519Key, RsaKey, Sha256};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use sesame_core::model::DkimAlgorithm;
use sesame_core::ports::{ComposeError, GeneratedKey, SigningKey};

/// Generates a fresh key pair for `algorithm`.
///
/// RSA: the private key is PKCS#8 v1 DER and the public key is the base64 of its
/// SubjectPublicKeyInfo DER, as RFC 6376 publishes it. Ed25519: the public key is the base64
/// of the raw 32-byte key, as RFC 8463 requires.
pub fn generate(algorithm: DkimAlgorithm) -> Result<GeneratedKey, ComposeError> {
    match algorithm {
        DkimAlgorithm::Rsa2048 => {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048)
                .map_err(|_| crypto("RSA key generation failed"))?;
            let private = pair
                .as_der()
                .map_err(|_| crypto("RSA private key encoding failed"))?;
            let public = pair
                .public_key()
                .as_der()
                .map_err(|_| crypto("RSA public key encoding failed"))?;
            Ok(GeneratedKey {
                private_pkcs8: private.as_ref().to_vec(),
                public_key: STANDARD.encode(public.as_ref()),
            })
        }
        DkimAlgorithm::Ed25519 => {
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| crypto("Ed25519 key generation failed"))?;
            let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
                .map_err(|_| crypto("Ed25519 key check failed"))?;
            Ok(GeneratedKey {
                private_pkcs8: pkcs8.as_ref().to_vec(),
                public_key: STANDARD.encode(pair.public_key().as_ref()),
            })
        }
    }
}

/// Parses a stored PKCS#8 private key into a mail-auth signing key.
pub fn parse(key: &SigningKey) -> Result<DkimKey, ComposeError> {
    let bad = || {
        ComposeError(format!(
            "invalid {:?} private key for selector {}",
            key.algorithm, key.selector
        ))
    };
    match key.algorithm {
        DkimAlgorithm::Rsa2048 => {
            let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.private_pkcs8.as_slice()));
            RsaKey::<Sha256>::from_key_der(der)
                .map(DkimKey::from)
                .map_err(|_| bad())
        }
        DkimAlgorithm::Ed25519 => Ed25519Key::from_pkcs8_der(&key.private_pkcs8)
            .map(DkimKey::from)
            .map_err(|_| bad()),
    }
}

fn crypto(what: &str) -> ComposeError {
    ComposeError(what.to_owned())
}

type CacheKey = (String, String, Vec<u8>);

/// Parsed signing keys, shared between threads. Entries are never evicted: a deployment has a
/// handful of domains with one or two keys each.
#[derive(Default)]
pub struct KeyCache {
    keys: RwLock<HashMap<CacheKey, Arc<DkimKey>>>,
}

impl KeyCache {
    /// The parsed form of `key`, parsing it on first use.
    pub fn get(&self, key: &SigningKey) -> Result<Arc<DkimKey>, ComposeError> {
        let id = (
            key.domain.clone(),
            key.selector.clone(),
            key.private_pkcs8.clone(),
        );
        // A poisoned lock only means another thread panicked mid-insert; the map itself is
        // still a valid cache, so keep using it.
        if let Some(found) = self.keys.read().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return Ok(Arc::clone(found));
        }
        let parsed = Arc::new(parse(key)?);
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        Ok(Arc::clone(keys.entry(id).or_insert(parsed)))
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("keys", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signing(algorithm: DkimAlgorithm, pkcs8: Vec<u8>) -> SigningKey {
        SigningKey {
            domain: "example.com".into(),
            selector: "s1".into(),
            algorithm,
            private_pkcs8: pkcs8,
        }
    }

    #[test]
    fn generated_rsa_key_publishes_spki_and_parses_back() {
        let key = generate(DkimAlgorithm::Rsa2048).unwrap();
        let spki = STANDARD.decode(&key.public_key).unwrap();
        // SubjectPublicKeyInfo of a 2048-bit key is 294 bytes.
        assert_eq!(spki.len(), 294);
        assert!(parse(&signing(DkimAlgorithm::Rsa2048, key.private_pkcs8)).is_ok());
    }

    #[test]
    fn generated_ed25519_key_publishes_raw_32_bytes_and_parses_back() {
        let key = generate(DkimAlgorithm::Ed25519).unwrap();
        assert_eq!(STANDARD.decode(&key.public_key).unwrap().len(), 32);
        assert!(parse(&signing(DkimAlgorithm::Ed25519, key.private_pkcs8)).is_ok());
    }

    #[test]
    fn garbage_or_mismatched_key_is_a_compose_error() {
        assert!(parse(&signing(DkimAlgorithm::Rsa2048, b"not a key".to_vec())).is_err());
        let ed = generate(DkimAlgorithm::Ed25519).unwrap();
        assert!(parse(&signing(DkimAlgorithm::Rsa2048, ed.private_pkcs8)).is_err());
    }

    #[test]
    fn cache_parses_each_key_once_and_tells_rotated_keys_apart() {
        let cache = KeyCache::default();
        let first = signing(
            DkimAlgorithm::Ed25519,
            generate(DkimAlgorithm::Ed25519).unwrap().private_pkcs8,
        );
        let a = cache.get(&first).unwrap();
        let b = cache.get(&first).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let rotated = signing(
            DkimAlgorithm::Ed25519,
            generate(DkimAlgorithm::Ed25519).unwrap().private_pkcs8,
        );
        let c = cache.get(&rotated).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(cache.len(), 2);
    }
}
