//! Email addresses, sender mailboxes and domains, parsed once at the edge.
//!
//! Only plain ASCII addresses are accepted (no IDN, no quoted local parts, no comments): that is
//! what every receiving provider handles and what the Tencent API documents. Parsing rejects
//! control characters, so a parsed value can be written into a header without injection risk.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a string is not an acceptable address or domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The string is empty (after nothing was trimmed).
    #[error("address is empty")]
    Empty,
    /// The string is not a plain ASCII `local@domain` address.
    #[error("malformed address")]
    Malformed,
    /// The display name contains characters that may not appear in it.
    #[error("illegal display name")]
    IllegalName,
}

const MAX_ADDRESS_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// A syntactically valid, ASCII-only email address; the domain part is lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses `local@domain`. Surrounding whitespace is an error, not trimmed, so that what is
    /// stored is exactly what was asked for.
    pub fn parse(raw: &str) -> Result<Self, AddressError> {
        if raw.is_empty() {
            return Err(AddressError::Empty);
        }
        if raw.len() > MAX_ADDRESS_LEN {
            return Err(AddressError::Malformed);
        }
        let (local, domain) = raw.rsplit_once('@').ok_or(AddressError::Malformed)?;
        if !valid_local_part(local) {
            return Err(AddressError::Malformed);
        }
        let domain = Domain::parse(domain).map_err(|_| AddressError::Malformed)?;
        Ok(Self(format!("{local}@{}", domain.as_str())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or_default()
    }

    /// The domain part (lower-case).
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }

    /// A form safe for logs: the local part reduced to its first character.
    pub fn redacted(&self) -> String {
        let first = self.local_part().chars().next().unwrap_or('?');
        format!("{first}***@{}", self.domain())
    }
}

fn valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~.";
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || SPECIALS.as_bytes().contains(&b))
}

impl TryFrom<String> for EmailAddress {
    type Error = AddressError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A DNS domain name usable as a sender identity: ASCII LDH labels, at least two of them,
/// lower-cased, with an alphabetic (or `xn--`) top-level label.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Domain(String);

impl Domain {
    /// Parses and lower-cases a domain name.
    pub fn parse(raw: &str) -> Result<Self, AddressError> {
        if raw.is_empty() {
            return Err(AddressError::Empty);
        }
        let lower = raw.to_ascii_lowercase();
        let labels: Vec<&str> = lower.split('.').collect();
        let ok = lower.len() <= 253
            && labels.len() >= 2
            && labels.iter().all(|l| valid_label(l))
            && labels.last().is_some_and(|tld| {
                tld.starts_with("xn--")
                    || (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
            });
        if ok {
            Ok(Self(lower))
        } else {
            Err(AddressError::Malformed)
        }
    }

    /// The domain as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl TryFrom<String> for Domain {
    type Error = AddressError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Domain> for String {
    fn from(value: Domain) -> Self {
        value.0
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A display name for a mailbox: printable, no control characters, no `:`, `<`, `>` or `"`,
/// at most 128 characters. Non-ASCII text is allowed (it is RFC 2047-encoded when written).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    /// Parses a display name.
    pub fn parse(raw: &str) -> Result<Self, AddressError> {
        let ok = !raw.trim().is_empty()
            && raw.chars().count() <= 128
            && raw
                .chars()
                .all(|c| !c.is_control() && !matches!(c, ':' | '<' | '>' | '"' | '\\'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(AddressError::IllegalName)
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DisplayName {
    type Error = AddressError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DisplayName> for String {
    fn from(value: DisplayName) -> Self {
        value.0
    }
}

/// An address with an optional display name, written `addr` or `Alias <addr>` (exactly one
/// space before `<`, as the Tencent API defines FromEmailAddress).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mailbox {
    /// Display name, if any.
    pub name: Option<DisplayName>,
    /// The address.
    pub address: EmailAddress,
}

impl Mailbox {
    /// Parses `addr` or `Alias <addr>`.
    pub fn parse(raw: &str) -> Result<Self, AddressError> {
        match raw.strip_suffix('>') {
            Some(rest) => {
                let (name, addr) = rest.rsplit_once(" <").ok_or(AddressError::Malformed)?;
                if name.ends_with(' ') {
                    return Err(AddressError::Malformed);
                }
                let name = DisplayName::parse(name)?;
                Ok(Self {
                    name: Some(name),
                    address: EmailAddress::parse(addr)?,
                })
            }
            None => Ok(Self {
                name: None,
                address: EmailAddress::parse(raw)?,
            }),
        }
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{} <{}>", name.as_str(), self.address),
            None => write!(f, "{}", self.address),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_accepted_and_rejected() {
        let good = [
            "a@b.co",
            "first.last+tag@Mail.Example.COM",
            "x_y-z@sub.example.org",
            "o'neil@example.ie",
        ];
        for raw in good {
            assert!(EmailAddress::parse(raw).is_ok(), "{raw}");
        }
        assert_eq!(
            EmailAddress::parse("A@Example.COM").unwrap().as_str(),
            "A@example.com"
        );
        let bad = [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@@b.com",
            ".a@b.com",
            "a.@b.com",
            "a..b@c.com",
            "a b@c.com",
            " a@b.com",
            "a@b.com ",
            "a@b.com\r\nBcc: x@y.com",
            "用户@例子.广告",
            "a@bücher.de",
            "a@-b.com",
            "a@b-.com",
            "a@b.c0m",
            "\"q\"@b.com",
            "a@b..com",
        ];
        for raw in bad {
            assert!(EmailAddress::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn mailbox_with_alias() {
        let m = Mailbox::parse("Ops Team <noreply@mail.example.com>").unwrap();
        assert_eq!(m.name.unwrap().as_str(), "Ops Team");
        assert_eq!(m.address.as_str(), "noreply@mail.example.com");
        assert!(Mailbox::parse("Ops<noreply@example.com>").is_err());
        assert!(Mailbox::parse("Ops  <noreply@example.com>").is_err());
        assert!(Mailbox::parse("a:b <noreply@example.com>").is_err());
        assert!(Mailbox::parse("Evil\r\nBcc: x <noreply@example.com>").is_err());
        assert!(Mailbox::parse("客服 <noreply@example.com>").is_ok());
    }
}
