//! The [`Resolver`] port over hickory-resolver: the system's name servers, or one given
//! server (`SESAME_DNS_SERVER`, e.g. a private resolver or a test server on loopback).

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use sesame_core::ports::{DnsError, Resolver};

/// Why the resolver could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("DNS resolver configuration: {0}")]
pub struct ResolverSetupError(String);

/// DNS lookups with hickory-resolver. Uncached: a verification must see the records as they
/// are now, not as they were at the last check.
#[derive(Clone)]
pub struct HickoryResolver {
    inner: TokioResolver,
}

impl std::fmt::Debug for HickoryResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HickoryResolver").finish_non_exhaustive()
    }
}

fn options(mut opts: ResolverOpts) -> ResolverOpts {
    opts.cache_size = 0;
    opts.timeout = Duration::from_secs(5);
    opts.attempts = 2;
    opts
}

impl HickoryResolver {
    /// Asks `server` (UDP, then TCP for truncated answers) when given, else the name servers
    /// of the system configuration (`/etc/resolv.conf`).
    pub fn new(server: Option<SocketAddr>) -> Result<Self, ResolverSetupError> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = match server {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                TokioResolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![ns]),
                    provider,
                )
            }
            None => {
                TokioResolver::builder(provider).map_err(|e| ResolverSetupError(e.to_string()))?
            }
        };
        let opts = options(builder.options_mut().clone());
        *builder.options_mut() = opts;
        let inner = builder
            .build()
            .map_err(|e| ResolverSetupError(e.to_string()))?;
        Ok(Self { inner })
    }
}

/// Queried names are absolute: a search domain from resolv.conf must never be appended.
fn absolute(name: &str) -> String {
    if name.ends_with('.') {
        name.to_owned()
    } else {
        format!("{name}.")
    }
}

fn dns_error(err: NetError) -> DnsError {
    if err.is_nx_domain() {
        DnsError::NxDomain
    } else if err.is_no_records_found() {
        DnsError::NoRecords
    } else {
        DnsError::Temporary(err.to_string())
    }
}

fn answers(lookup: &Lookup) -> impl Iterator<Item = &RData> {
    lookup.answers().iter().map(|r| &r.data)
}

impl Resolver for HickoryResolver {
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let lookup = self
            .inner
            .txt_lookup(absolute(name))
            .await
            .map_err(dns_error)?;
        let records: Vec<String> = answers(&lookup)
            .filter_map(|data| match data {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .map(|part| String::from_utf8_lossy(part))
                        .collect::<String>(),
                ),
                _ => None,
            })
            .collect();
        if records.is_empty() {
            return Err(DnsError::NoRecords);
        }
        Ok(records)
    }

    async fn mx(&self, name: &str) -> Result<Vec<(u16, String)>, DnsError> {
        let lookup = self
            .inner
            .mx_lookup(absolute(name))
            .await
            .map_err(dns_error)?;
        let records: Vec<(u16, String)> = answers(&lookup)
            .filter_map(|data| match data {
                RData::MX(mx) => Some((
                    mx.preference,
                    mx.exchange
                        .to_ascii()
                        .trim_end_matches('.')
                        .to_ascii_lowercase(),
                )),
                _ => None,
            })
            .collect();
        if records.is_empty() {
            return Err(DnsError::NoRecords);
        }
        Ok(records)
    }
}
