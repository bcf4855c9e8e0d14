//! The relay URL: how an operator names the SMTP server Sesame hands mail to.
//!
//! ```text
//! smtp://host[:port]                      plain SMTP, no TLS (loopback relays), port 25
//! smtp://host:587?tls=starttls            STARTTLS required
//! smtp://host?tls=opportunistic           STARTTLS when offered
//! smtps://user:pass@host[:port]           implicit TLS, port 465
//! ```
//!
//! Credentials may appear with any scheme and are percent-decoded. Neither `Debug` nor any
//! error message ever shows the password.

use std::fmt;

use percent_encoding::percent_decode_str;
use url::Url;

/// Default port of `smtp://`.
pub const SMTP_PORT: u16 = 25;
/// Default port of `smtps://`.
pub const SMTPS_PORT: u16 = 465;

/// Why a relay URL was refused. Messages never contain the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    /// The string is not a URL at all.
    #[error("relay URL is malformed: {0}")]
    Malformed(String),
    /// A scheme other than `smtp` or `smtps`.
    #[error("relay URL scheme must be smtp or smtps, not {0:?}")]
    UnsupportedScheme(String),
    /// No host name.
    #[error("relay URL has no host")]
    MissingHost,
    /// `tls=` has a value other than `none`, `starttls` or `opportunistic`, or is combined
    /// with `smtps://`.
    #[error(
        "relay URL tls mode {0:?} is not supported (use none, starttls or opportunistic with smtp://)"
    )]
    UnsupportedTls(String),
    /// A query parameter other than `tls`, or a path.
    #[error("relay URL has unexpected part {0:?}")]
    UnexpectedPart(String),
    /// A user without a password, or the other way round.
    #[error("relay URL credentials need both a user and a password")]
    IncompleteCredentials,
    /// Credentials that are not valid percent-encoded UTF-8.
    #[error("relay URL credentials are not valid percent-encoded UTF-8")]
    BadCredentialEncoding,
    /// TLS could not be set up for the host (e.g. no usable root certificates).
    #[error("cannot set up TLS for relay {host}: {reason}")]
    Tls {
        /// The relay host.
        host: String,
        /// What went wrong.
        reason: String,
    },
}

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text. Only sensible for a relay on loopback or a private network.
    None,
    /// Upgrade with STARTTLS; refuse to send if the relay does not offer it.
    StartTls,
    /// Upgrade with STARTTLS when offered, otherwise send in plain text.
    Opportunistic,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

/// User name and password for SMTP AUTH. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct RelayCredentials {
    /// User name, decoded.
    pub user: String,
    /// Password, decoded.
    pub password: String,
}

impl fmt::Debug for RelayCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayCredentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A parsed relay URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayUrl {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Connection security.
    pub tls: TlsMode,
    /// SMTP AUTH credentials, if any.
    pub credentials: Option<RelayCredentials>,
}

impl RelayUrl {
    /// Parses a relay URL (see the module documentation for the accepted forms).
    pub fn parse(raw: &str) -> Result<Self, RelayError> {
        let url = Url::parse(raw).map_err(|e| RelayError::Malformed(e.to_string()))?;
        let implicit = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => return Err(RelayError::UnsupportedScheme(other.to_owned())),
        };
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => return Err(RelayError::MissingHost),
        };
        if host.is_empty() {
            return Err(RelayError::MissingHost);
        }
        if !matches!(url.path(), "" | "/") {
            return Err(RelayError::UnexpectedPart(url.path().to_owned()));
        }
        if url.fragment().is_some() {
            return Err(RelayError::UnexpectedPart("#fragment".to_owned()));
        }
        let tls = tls_mode(&url, implicit)?;
        let port = url
            .port()
            .unwrap_or(if implicit { SMTPS_PORT } else { SMTP_PORT });
        Ok(Self {
            host,
            port,
            tls,
            credentials: credentials(&url)?,
        })
    }

    /// `host:port`, for messages (IPv6 hosts in brackets).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn tls_mode(url: &Url, implicit: bool) -> Result<TlsMode, RelayError> {
    let mut mode = None;
    for (key, value) in url.query_pairs() {
        if key != "tls" || mode.is_some() {
            return Err(RelayError::UnexpectedPart(format!("?{key}")));
        }
        mode = Some(match (implicit, value.as_ref()) {
            (false, "none") => TlsMode::None,
            (false, "starttls") => TlsMode::StartTls,
            (false, "opportunistic") => TlsMode::Opportunistic,
            (_, other) => return Err(RelayError::UnsupportedTls(other.to_owned())),
        });
    }
    Ok(mode.unwrap_or(if implicit {
        TlsMode::Implicit
    } else {
        TlsMode::None
    }))
}

fn credentials(url: &Url) -> Result<Option<RelayCredentials>, RelayError> {
    let decode = |s: &str| {
        percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| RelayError::BadCredentialEncoding)
    };
    match (url.username(), url.password()) {
        ("", None) => Ok(None),
        ("", Some(_)) | (_, None) => Err(RelayError::IncompleteCredentials),
        (user, Some(password)) => Ok(Some(RelayCredentials {
            user: decode(user)?,
            password: decode(password)?,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(
        host: &str,
        port: u16,
        tls: TlsMode,
        creds: Option<(&str, &str)>,
    ) -> Result<RelayUrl, RelayError> {
        Ok(RelayUrl {
            host: host.into(),
            port,
            tls,
            credentials: creds.map(|(u, p)| RelayCredentials {
                user: u.into(),
                password: p.into(),
            }),
        })
    }

    #[test]
    fn relay_urls_parse_to_host_port_tls_and_credentials() {
        let table: Vec<(&str, Result<RelayUrl, RelayError>)> = vec![
            (
                "smtp://127.0.0.1:2525",
                ok("127.0.0.1", 2525, TlsMode::None, None),
            ),
            (
                "smtp://relay.example.com",
                ok("relay.example.com", 25, TlsMode::None, None),
            ),
            (
                "smtp://relay.example.com/",
                ok("relay.example.com", 25, TlsMode::None, None),
            ),
            (
                "smtp://relay.example.com:587?tls=starttls",
                ok("relay.example.com", 587, TlsMode::StartTls, None),
            ),
            (
                "smtp://relay.example.com?tls=opportunistic",
                ok("relay.example.com", 25, TlsMode::Opportunistic, None),
            ),
            (
                "smtp://relay.example.com?tls=none",
                ok("relay.example.com", 25, TlsMode::None, None),
            ),
            (
                "smtps://u:p@smtp.example.com:465",
                ok("smtp.example.com", 465, TlsMode::Implicit, Some(("u", "p"))),
            ),
            (
                "smtps://smtp.example.com",
                ok("smtp.example.com", 465, TlsMode::Implicit, None),
            ),
            (
                "smtps://smtp.example.com:2465",
                ok("smtp.example.com", 2465, TlsMode::Implicit, None),
            ),
            (
                "smtp://ses%40acct:p%40ss%3Aw%2Frd@h.example:587?tls=starttls",
                ok(
                    "h.example",
                    587,
                    TlsMode::StartTls,
                    Some(("ses@acct", "p@ss:w/rd")),
                ),
            ),
            ("smtp://[::1]:2525", ok("::1", 2525, TlsMode::None, None)),
            (
                "http://relay.example.com",
                Err(RelayError::UnsupportedScheme("http".into())),
            ),
            ("smtp:relay.example.com", Err(RelayError::MissingHost)),
            (
                "smtp://relay.example.com?tls=required",
                Err(RelayError::UnsupportedTls("required".into())),
            ),
            (
                "smtps://relay.example.com?tls=starttls",
                Err(RelayError::UnsupportedTls("starttls".into())),
            ),
            (
                "smtp://relay.example.com?port=1",
                Err(RelayError::UnexpectedPart("?port".into())),
            ),
            (
                "smtp://relay.example.com/ehlo",
                Err(RelayError::UnexpectedPart("/ehlo".into())),
            ),
            (
                "smtp://user@relay.example.com",
                Err(RelayError::IncompleteCredentials),
            ),
            (
                "smtp://:secret@relay.example.com",
                Err(RelayError::IncompleteCredentials),
            ),
            (
                "smtp://u:%FF@relay.example.com",
                Err(RelayError::BadCredentialEncoding),
            ),
        ];
        for (raw, expected) in table {
            assert_eq!(RelayUrl::parse(raw), expected, "{raw}");
        }
        assert!(matches!(
            RelayUrl::parse("not a url"),
            Err(RelayError::Malformed(_))
        ));
        assert!(matches!(
            RelayUrl::parse("smtp://host:99999"),
            Err(RelayError::Malformed(_))
        ));
    }

    #[test]
    fn debug_and_errors_never_show_the_password() {
        let url = RelayUrl::parse("smtps://user:hunter2@smtp.example.com").unwrap();
        assert!(!format!("{url:?}").contains("hunter2"));
        let err = RelayUrl::parse("ftp://user:hunter2@smtp.example.com").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn authority_brackets_ipv6_hosts() {
        assert_eq!(
            RelayUrl::parse("smtp://[::1]:2525").unwrap().authority(),
            "[::1]:2525"
        );
        assert_eq!(
            RelayUrl::parse("smtp://127.0.0.1:2525")
                .unwrap()
                .authority(),
            "127.0.0.1:2525"
        );
    }
}
