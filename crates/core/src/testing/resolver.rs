//! A static DNS table: tests publish, change and remove records, or make a name fail.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::lock;
use crate::ports::{DnsError, Resolver};

#[derive(Debug, Default)]
struct Zone {
    txt: HashMap<String, Vec<String>>,
    mx: HashMap<String, Vec<(u16, String)>>,
    failing: HashMap<String, String>,
}

/// Answers from a table. A name with records of another type answers `NoRecords`; a name
/// absent from the table answers `NxDomain`. Clones share the same table.
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    zone: Arc<Mutex<Zone>>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl StaticResolver {
    /// Replaces the TXT records at `name` (one string per record, already concatenated).
    pub fn set_txt(&self, name: &str, records: &[&str]) {
        let records = records.iter().map(|r| (*r).to_owned()).collect();
        lock(&self.zone).txt.insert(key(name), records);
    }

    /// Replaces the MX records at `name`.
    pub fn set_mx(&self, name: &str, records: &[(u16, &str)]) {
        let records = records.iter().map(|(p, h)| (*p, key(h))).collect();
        lock(&self.zone).mx.insert(key(name), records);
    }

    /// Removes every record at `name`.
    pub fn remove(&self, name: &str) {
        let mut zone = lock(&self.zone);
        zone.txt.remove(&key(name));
        zone.mx.remove(&key(name));
    }

    /// Makes every lookup of `name` fail temporarily (`None` heals it).
    pub fn fail(&self, name: &str, error: Option<&str>) {
        let mut zone = lock(&self.zone);
        match error {
            Some(e) => zone.failing.insert(key(name), e.to_owned()),
            None => zone.failing.remove(&key(name)),
        };
    }

    fn answer<T: Clone>(
        &self,
        name: &str,
        pick: impl Fn(&Zone) -> &HashMap<String, Vec<T>>,
    ) -> Result<Vec<T>, DnsError> {
        let zone = lock(&self.zone);
        let name = key(name);
        if let Some(e) = zone.failing.get(&name) {
            return Err(DnsError::Temporary(e.clone()));
        }
        match pick(&zone).get(&name) {
            Some(records) if !records.is_empty() => Ok(records.clone()),
            _ if zone.txt.contains_key(&name) || zone.mx.contains_key(&name) => {
                Err(DnsError::NoRecords)
            }
            _ => Err(DnsError::NxDomain),
        }
    }
}

impl Resolver for StaticResolver {
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        self.answer(name, |z| &z.txt)
    }

    async fn mx(&self, name: &str) -> Result<Vec<(u16, String)>, DnsError> {
        self.answer(name, |z| &z.mx)
    }
}
