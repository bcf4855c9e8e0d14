//! The VERP return path: the envelope sender of each delivery is
//! `bounces+<token>@<return-path domain>`, where the token names the delivery (message id and
//! the recipient's position in it) and carries a MAC over (account, message id, recipient).
//! An asynchronous bounce comes back to that address, so it can be matched to its delivery
//! without any lookup table, and a forged or foreign token matches nothing.
//!
//! The token is lower-case base32 (local parts are case-insensitive in practice) of
//! `1 · time(6) · random(16) · index(1) · mac(8)` = 32 bytes → 52 characters for the ids
//! SendEmail generates (`sesame-<yyyymmddHHMMSS>-<32 hex>`), or `2 · id · index(1) · mac(8)`
//! for any other id of at most 25 bytes (batch tasks), so the local part stays within
//! RFC 5321's 64 octets. Longer ids get no token (the sender address is the return path).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::types::{AccountId, EmailAddress, MessageId};

/// Local-part prefix of every VERP address.
pub const PREFIX: &str = "bounces+";
const VERSION: u8 = 1;
/// Version of tokens that carry the message id verbatim.
const VERSION_RAW: u8 = 2;
const MAC_LEN: usize = 8;
const TOKEN_BYTES: usize = 1 + 6 + 16 + 1 + MAC_LEN;
/// Longest message id a raw token carries: 56 base32 characters hold 35 bytes.
const MAX_RAW_ID: usize = 35 - 1 - 1 - MAC_LEN;

/// A decoded (not yet verified) return-path token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerpToken {
    /// The message.
    pub message_id: MessageId,
    /// Position of the recipient in [`crate::model::Message::recipients`].
    pub index: u8,
    mac: [u8; MAC_LEN],
}

fn mac(key: &[u8; 32], account: &AccountId, message_id: &MessageId, rcpt: &str) -> [u8; MAC_LEN] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for part in [account.as_str(), message_id.as_str(), rcpt] {
        m.update(part.as_bytes());
        m.update(&[0]);
    }
    let full = m.finalize().into_bytes();
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(&full[..MAC_LEN]);
    out
}

/// The VERP address of one delivery, or `None` when the message id is not one SendEmail
/// generated (then the sender address itself is the return path).
pub fn address(
    key: &[u8; 32],
    account: &AccountId,
    message_id: &MessageId,
    index: usize,
    recipient: &EmailAddress,
    domain: &str,
) -> Option<EmailAddress> {
    let mut bytes = Vec::with_capacity(TOKEN_BYTES);
    match split_id(message_id.as_str()) {
        Some((time, random)) => {
            bytes.push(VERSION);
            bytes.extend_from_slice(&time.to_be_bytes()[2..]);
            bytes.extend_from_slice(&random);
        }
        None if message_id.as_str().len() <= MAX_RAW_ID => {
            bytes.push(VERSION_RAW);
            bytes.extend_from_slice(message_id.as_str().as_bytes());
        }
        None => return None,
    }
    bytes.push(u8::try_from(index).ok()?);
    let rcpt = recipient.as_str().to_ascii_lowercase();
    bytes.extend_from_slice(&mac(key, account, message_id, &rcpt));
    EmailAddress::parse(&format!("{PREFIX}{}@{domain}", base32_encode(&bytes))).ok()
}

/// Finds and decodes a VERP token in any text holding the address (a `To:` header, a
/// `Return-Path`, `<bounces+…@domain>`).
pub fn find(text: &str) -> Option<VerpToken> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find(PREFIX)? + PREFIX.len();
    let token: String = lower[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    decode(&token)
}

fn decode(token: &str) -> Option<VerpToken> {
    let bytes = base32_decode(token)?;
    if bytes.first() == Some(&VERSION_RAW) && bytes.len() > 1 + 1 + MAC_LEN {
        let tail = bytes.len() - 1 - MAC_LEN;
        let id = std::str::from_utf8(&bytes[1..tail]).ok()?;
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&bytes[tail + 1..]);
        return Some(VerpToken {
            message_id: MessageId::parse(id).ok()?,
            index: bytes[tail],
            mac,
        });
    }
    if bytes.len() != TOKEN_BYTES || bytes[0] != VERSION {
        return None;
    }
    let mut time = [0u8; 8];
    time[2..].copy_from_slice(&bytes[1..7]);
    let time = u64::from_be_bytes(time);
    if time >= 100_000_000_000_000 {
        return None;
    }
    let id = format!("sesame-{time:014}-{}", hex::encode(&bytes[7..23]));
    let mut mac = [0u8; MAC_LEN];
    mac.copy_from_slice(&bytes[24..]);
    Some(VerpToken {
        message_id: MessageId::parse(&id).ok()?,
        index: bytes[23],
        mac,
    })
}

impl VerpToken {
    /// Whether the token was made for this account and recipient (constant time).
    pub fn verify(&self, key: &[u8; 32], account: &AccountId, recipient: &EmailAddress) -> bool {
        let expected = mac(
            key,
            account,
            &self.message_id,
            &recipient.as_str().to_ascii_lowercase(),
        );
        expected
            .iter()
            .zip(self.mac)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// `sesame-<14 digits>-<32 hex>` → (the digits as a number, the 16 random bytes).
fn split_id(id: &str) -> Option<(u64, [u8; 16])> {
    let rest = id.strip_prefix("sesame-")?;
    let (time, random) = rest.split_once('-')?;
    if time.len() != 14 || !time.bytes().all(|b| b.is_ascii_digit()) || random.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    hex::decode_to_slice(random, &mut out).ok()?;
    if hex::encode(out) != random {
        return None; // upper-case hex would not round-trip
    }
    Some((time.parse().ok()?, out))
}

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
        buffer &= (1 << bits) - 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> MessageId {
        MessageId::parse("sesame-20261127081500-00112233445566778899aabbccddeeff").unwrap()
    }

    #[test]
    fn a_token_round_trips_and_fits_a_local_part() {
        let key = [9u8; 32];
        let acct = AccountId::parse("acme").unwrap();
        let rcpt = EmailAddress::parse("Ann@Example.org").unwrap();
        let a = address(&key, &acct, &id(), 3, &rcpt, "mail.example.com").unwrap();
        assert!(a.local_part().len() <= 64, "{a}");
        assert_eq!(a.domain(), "mail.example.com");
        let t = find(&format!("To: <{}>", a.as_str().to_uppercase())).unwrap();
        assert_eq!((t.message_id.clone(), t.index), (id(), 3));
        assert!(t.verify(
            &key,
            &acct,
            &EmailAddress::parse("ann@example.org").unwrap()
        ));
    }

    #[test]
    fn a_token_for_another_account_recipient_or_key_does_not_verify() {
        let key = [9u8; 32];
        let acct = AccountId::parse("acme").unwrap();
        let rcpt = EmailAddress::parse("ann@example.org").unwrap();
        let a = address(&key, &acct, &id(), 0, &rcpt, "d.example").unwrap();
        let t = find(a.as_str()).unwrap();
        assert!(!t.verify(&key, &AccountId::parse("other").unwrap(), &rcpt));
        assert!(!t.verify(
            &key,
            &acct,
            &EmailAddress::parse("bob@example.org").unwrap()
        ));
        assert!(!t.verify(&[8u8; 32], &acct, &rcpt));
    }

    #[test]
    fn tampered_or_foreign_tokens_do_not_decode() {
        assert_eq!(find("bounces+abc@x.example"), None);
        assert_eq!(find("no token here"), None);
        let key = [1u8; 32];
        let acct = AccountId::parse("acme").unwrap();
        let rcpt = EmailAddress::parse("ann@example.org").unwrap();
        let a = address(&key, &acct, &id(), 0, &rcpt, "d.example").unwrap();
        let mut s = a.as_str().to_owned();
        s.replace_range(20..21, if &s[20..21] == "a" { "b" } else { "a" });
        assert!(find(&s).is_none_or(|t| !t.verify(&key, &acct, &rcpt)));
        let long = MessageId::parse(&"x".repeat(26)).unwrap();
        assert_eq!(address(&key, &acct, &long, 0, &rcpt, "d.example"), None);
    }

    #[test]
    fn other_short_ids_travel_verbatim_within_the_local_part_limit() {
        let key = [3u8; 32];
        let acct = AccountId::parse("acme").unwrap();
        let rcpt = EmailAddress::parse("ann@example.org").unwrap();
        let id = MessageId::parse("task-12345678901-000042").unwrap();
        let a = address(&key, &acct, &id, 7, &rcpt, "d.example").unwrap();
        assert!(a.local_part().len() <= 64, "{a}");
        let t = find(a.as_str()).unwrap();
        assert_eq!((t.message_id.clone(), t.index), (id, 7));
        assert!(t.verify(&key, &acct, &rcpt));
        let max = MessageId::parse(&"y".repeat(MAX_RAW_ID)).unwrap();
        let a = address(&key, &acct, &max, 0, &rcpt, "d.example").unwrap();
        assert!(a.local_part().len() <= 64, "{a}");
    }
}
