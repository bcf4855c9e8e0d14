//! Sender domains (unique across accounts) and sender addresses (unique within one).

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use sesame_core::StoreError;
use sesame_core::model::{DkimAlgorithm, DkimKey, DkimKeyState, DnsCheck, Identity, Sender};
use sesame_core::ports::{Created, Identities, Senders};
use sesame_core::types::{AccountId, DisplayName, Domain, EmailAddress};

use super::SqliteRecords;
use crate::codec::{json, millis, parsed, time, to_json};

/// Storage shape of a DKIM key inside the `dkim_keys` JSON column.
#[derive(Serialize, Deserialize)]
struct StoredKey {
    selector: String,
    algorithm: DkimAlgorithm,
    sealed_private_key: Vec<u8>,
    public_key: String,
    /// Absent in keys written before rotation existed: those were all active.
    #[serde(default)]
    state: DkimKeyState,
}

impl From<&DkimKey> for StoredKey {
    fn from(k: &DkimKey) -> Self {
        Self {
            selector: k.selector.clone(),
            algorithm: k.algorithm,
            sealed_private_key: k.sealed_private_key.clone(),
            public_key: k.public_key.clone(),
            state: k.state,
        }
    }
}

impl From<StoredKey> for DkimKey {
    fn from(k: StoredKey) -> Self {
        Self {
            selector: k.selector,
            algorithm: k.algorithm,
            sealed_private_key: k.sealed_private_key,
            public_key: k.public_key,
            state: k.state,
        }
    }
}

const COLUMNS: &str =
    "domain, account, dkim_option, dkim_keys, verified, tags, created_at, trusted, dns_check";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Identity> {
    let keys: Vec<StoredKey> = json(row, 3)?;
    Ok(Identity {
        domain: parsed(row, 0, Domain::parse)?,
        account: parsed(row, 1, AccountId::parse)?,
        dkim_option: row.get(2)?,
        dkim_keys: keys.into_iter().map(DkimKey::from).collect(),
        verified: row.get(4)?,
        tags: json(row, 5)?,
        created_at: time(row, 6)?,
        trusted: row.get(7)?,
        check: match row.get::<_, Option<Vec<u8>>>(8)? {
            Some(_) => Some(json::<DnsCheck>(row, 8)?),
            None => None,
        },
    })
}

fn write(tx: &Transaction<'_>, sql: &str, i: &Identity) -> rusqlite::Result<usize> {
    let keys: Vec<StoredKey> = i.dkim_keys.iter().map(StoredKey::from).collect();
    tx.prepare_cached(sql)?.execute(params![
        i.domain.as_str(),
        i.account.as_str(),
        i.dkim_option,
        to_json(&keys)?,
        i.verified,
        to_json(&i.tags)?,
        millis(i.created_at),
        i.trusted,
        i.check.as_ref().map(to_json).transpose()?,
    ])
}

/// Checks the owner first, inside the write transaction, so the answer cannot go stale.
fn create(tx: &Transaction<'_>, identity: &Identity) -> rusqlite::Result<Created> {
    let owner: Option<String> = tx
        .prepare_cached("SELECT account FROM identities WHERE domain = ?1")?
        .query_row([identity.domain.as_str()], |row| row.get(0))
        .optional()?;
    match owner {
        Some(owner) if owner == identity.account.as_str() => Ok(Created::AlreadyExists),
        Some(_) => Ok(Created::OwnedByOther),
        None => {
            write(
                tx,
                &format!(
                    "INSERT INTO identities ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ),
                identity,
            )?;
            Ok(Created::Yes)
        }
    }
}

fn get(
    tx: &Transaction<'_>,
    account: &AccountId,
    domain: &Domain,
) -> rusqlite::Result<Option<Identity>> {
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM identities WHERE domain = ?1 AND account = ?2"
    ))?
    .query_row([domain.as_str(), account.as_str()], from_row)
    .optional()
}

fn list(tx: &Transaction<'_>, account: &AccountId) -> rusqlite::Result<Vec<Identity>> {
    tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM identities WHERE account = ?1 ORDER BY created_at, rowid"
    ))?
    .query_map([account.as_str()], from_row)?
    .collect()
}

fn list_all(tx: &Transaction<'_>) -> rusqlite::Result<Vec<Identity>> {
    tx.prepare_cached(&format!("SELECT {COLUMNS} FROM identities ORDER BY domain"))?
        .query_map([], from_row)?
        .collect()
}

fn update(tx: &Transaction<'_>, identity: &Identity) -> rusqlite::Result<bool> {
    let sql = "UPDATE identities SET dkim_option = ?3, dkim_keys = ?4, verified = ?5, tags = ?6,
               created_at = ?7, trusted = ?8, dns_check = ?9
               WHERE domain = ?1 AND account = ?2";
    Ok(write(tx, sql, identity)? > 0)
}

fn delete(tx: &Transaction<'_>, account: &AccountId, domain: &Domain) -> rusqlite::Result<bool> {
    let changed = tx
        .prepare_cached("DELETE FROM identities WHERE domain = ?1 AND account = ?2")?
        .execute([domain.as_str(), account.as_str()])?;
    Ok(changed > 0)
}

const SENDER_COLUMNS: &str = "account, address, name, created_at";

fn sender_from_row(row: &Row<'_>) -> rusqlite::Result<Sender> {
    let name = match row.get::<_, Option<String>>(2)? {
        Some(_) => Some(parsed(row, 2, DisplayName::parse)?),
        None => None,
    };
    Ok(Sender {
        account: parsed(row, 0, AccountId::parse)?,
        address: parsed(row, 1, EmailAddress::parse)?,
        name,
        created_at: time(row, 3)?,
    })
}

fn create_sender(tx: &Transaction<'_>, s: &Sender) -> rusqlite::Result<Created> {
    let inserted = tx
        .prepare_cached(&format!(
            "INSERT INTO senders ({SENDER_COLUMNS}) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (account, address) DO NOTHING"
        ))?
        .execute(params![s.account.as_str(), s.address.as_str(), s.name.as_ref().map(DisplayName::as_str), millis(s.created_at)])?;
    Ok(if inserted > 0 {
        Created::Yes
    } else {
        Created::AlreadyExists
    })
}

fn get_sender(
    tx: &Transaction<'_>,
    account: &AccountId,
    address: &EmailAddress,
) -> rusqlite::Result<Option<Sender>> {
    tx.prepare_cached(&format!(
        "SELECT {SENDER_COLUMNS} FROM senders WHERE account = ?1 AND address = ?2"
    ))?
    .query_row([account.as_str(), address.as_str()], sender_from_row)
    .optional()
}

fn list_senders(tx: &Transaction<'_>, account: &AccountId) -> rusqlite::Result<Vec<Sender>> {
    tx.prepare_cached(&format!(
        "SELECT {SENDER_COLUMNS} FROM senders WHERE account = ?1 ORDER BY created_at, rowid"
    ))?
    .query_map([account.as_str()], sender_from_row)?
    .collect()
}

fn delete_sender(
    tx: &Transaction<'_>,
    account: &AccountId,
    address: &EmailAddress,
) -> rusqlite::Result<bool> {
    let changed = tx
        .prepare_cached("DELETE FROM senders WHERE account = ?1 AND address = ?2")?
        .execute([account.as_str(), address.as_str()])?;
    Ok(changed > 0)
}

impl Identities for SqliteRecords {
    async fn create(&self, identity: &Identity) -> Result<Created, StoreError> {
        let identity = identity.clone();
        self.store.write(move |tx| create(tx, &identity)).await
    }

    async fn get(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<Option<Identity>, StoreError> {
        let (account, domain) = (account.clone(), domain.clone());
        self.store.read(move |tx| get(tx, &account, &domain)).await
    }

    async fn list(&self, account: &AccountId) -> Result<Vec<Identity>, StoreError> {
        let account = account.clone();
        self.store.read(move |tx| list(tx, &account)).await
    }

    async fn list_all(&self) -> Result<Vec<Identity>, StoreError> {
        self.store.read(list_all).await
    }

    async fn update(&self, identity: &Identity) -> Result<bool, StoreError> {
        let identity = identity.clone();
        self.store.write(move |tx| update(tx, &identity)).await
    }

    async fn delete(&self, account: &AccountId, domain: &Domain) -> Result<bool, StoreError> {
        let (account, domain) = (account.clone(), domain.clone());
        self.store
            .write(move |tx| delete(tx, &account, &domain))
            .await
    }
}

impl Senders for SqliteRecords {
    async fn create(&self, sender: &Sender) -> Result<Created, StoreError> {
        let sender = sender.clone();
        self.store.write(move |tx| create_sender(tx, &sender)).await
    }

    async fn get(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<Option<Sender>, StoreError> {
        let (account, address) = (account.clone(), address.clone());
        self.store
            .read(move |tx| get_sender(tx, &account, &address))
            .await
    }

    async fn list(&self, account: &AccountId) -> Result<Vec<Sender>, StoreError> {
        let account = account.clone();
        self.store.read(move |tx| list_senders(tx, &account)).await
    }

    async fn delete(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> Result<bool, StoreError> {
        let (account, address) = (account.clone(), address.clone());
        self.store
            .write(move |tx| delete_sender(tx, &account, &address))
            .await
    }
}
