//! A database written by an older schema opens under this build with its data intact.

use sesame_core::model::DkimKeyState;
use sesame_core::ports::Identities;
use sesame_core::types::{AccountId, Domain};
use sesame_embedded::SqliteStore;

/// The identities table as schema version 1 wrote it, with one trusted (verified) domain and
/// one unverified one, their keys without a `state`.
const V1_IDENTITIES: &str = r#"
CREATE TABLE identities (
    domain TEXT PRIMARY KEY, account TEXT NOT NULL, dkim_option INTEGER NOT NULL,
    dkim_keys BLOB NOT NULL, verified INTEGER NOT NULL, tags BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO identities VALUES ('a.example.com', 'acme', 1,
    CAST('[{"selector":"sesame202405","algorithm":"Rsa2048","sealed_private_key":[1,2],"public_key":"MIIB"}]' AS BLOB),
    1, CAST('[]' AS BLOB), 1714550400000);
INSERT INTO identities VALUES ('b.example.com', 'acme', 1,
    CAST('[{"selector":"sesame202405","algorithm":"Rsa2048","sealed_private_key":[3],"public_key":"MIIC"}]' AS BLOB),
    0, CAST('[]' AS BLOB), 1714550400001);
"#;

#[tokio::test]
async fn identities_from_schema_1_keep_their_keys_active_and_verified_ones_become_trusted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sesame.db");
    // A full version-1 database (only the first migration applied), whose identities table
    // is then rewritten as v1 had it, with rows.
    sesame_embedded::create_at_version(&path, 1).expect("create at v1");
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    raw.execute_batch("DROP TABLE identities;").expect("drop");
    raw.execute_batch(V1_IDENTITIES).expect("v1 rows");
    drop(raw);

    let store = SqliteStore::open(&path).expect("migrate");
    let all = store.records().list_all().await.expect("list");
    assert_eq!(all.len(), 2);
    let (a, b) = (&all[0], &all[1]);
    assert_eq!(a.domain, Domain::parse("a.example.com").unwrap());
    assert_eq!(a.account, AccountId::parse("acme").unwrap());
    assert!(a.verified && a.trusted && a.check.is_none());
    assert!(!b.verified && !b.trusted);
    assert_eq!(a.dkim_keys[0].state, DkimKeyState::Active);
    assert_eq!(a.dkim_keys[0].public_key, "MIIB");
}
