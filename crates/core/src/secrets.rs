//! Sealing secrets at rest (API secret keys, DKIM private keys) with the master key.
//!
//! XChaCha20-Poly1305 with a random 24-byte nonce stored in front of the ciphertext. The
//! record's purpose is bound as associated data, so a sealed DKIM key cannot be passed off as
//! an API secret.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE_LEN: usize = 24;

/// Why a master key or sealed value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The master key is not 32 bytes.
    #[error("master key must be 32 bytes")]
    BadKey,
    /// The sealed value was altered, or sealed with another key or purpose.
    #[error("sealed value cannot be opened")]
    Unsealable,
}

/// The master key. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box from a 32-byte master key.
    pub fn new(key: &[u8]) -> Result<Self, SecretError> {
        let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| SecretError::BadKey)?;
        Ok(Self { cipher })
    }

    /// A 32-byte key for `purpose` (e.g. signing return-path tokens), derived from the master
    /// key: the XChaCha20 keystream under a nonce taken from the purpose's SHA-256. The same
    /// master key and purpose always give the same key; different purposes, unrelated keys.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(purpose.as_bytes());
        let sealed = self.seal(purpose, &[0u8; 32], &digest[..NONCE_LEN]);
        let mut key = [0u8; 32];
        key.copy_from_slice(&sealed[NONCE_LEN..NONCE_LEN + 32]);
        key
    }

    /// Seals `plaintext` for `purpose` with a caller-supplied random 24-byte nonce.
    pub fn seal(&self, purpose: &str, plaintext: &[u8], nonce: &[u8]) -> Vec<u8> {
        assert_eq!(nonce.len(), NONCE_LEN, "nonce must be 24 random bytes");
        let ct = self
            .cipher
            .encrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: plaintext,
                    aad: purpose.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory input");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out
    }

    /// Opens a value sealed for `purpose`.
    pub fn open(&self, purpose: &str, sealed: &[u8]) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Unsealable);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Unsealable)
    }

    /// Length of the nonce `seal` expects.
    pub const NONCE_LEN: usize = NONCE_LEN;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_same_key_and_purpose() {
        let b = SecretBox::new(&[7u8; 32]).unwrap();
        let sealed = b.seal("api-key", b"hunter2", &[1u8; 24]);
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(b.open("api-key", &sealed).unwrap(), b"hunter2");
        assert_eq!(b.open("dkim", &sealed), Err(SecretError::Unsealable));
        let other = SecretBox::new(&[8u8; 32]).unwrap();
        assert_eq!(other.open("api-key", &sealed), Err(SecretError::Unsealable));
        assert_eq!(SecretBox::new(&[0u8; 31]).unwrap_err(), SecretError::BadKey);
    }
}
