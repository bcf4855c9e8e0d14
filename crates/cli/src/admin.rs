//! Operator commands: API keys and trusted domains. They open the same database as a running
//! `sesame serve` (SQLite WAL allows it) and call the same core use-cases.

use anyhow::{Result, bail};
use serde_json::json;

use sesame_core::types::{AccountId, SecretId};

use crate::config::Config;
use crate::wiring;

/// `sesame keys create`: prints `{"SecretId","SecretKey","Account"}` as one JSON line.
pub async fn keys_create(config: &Config, account: &str) -> Result<()> {
    let Ok(account) = AccountId::parse(account) else {
        bail!("account names are 1-64 of A-Z a-z 0-9 _ - .");
    };
    let app = wiring::build(config)?;
    let key = app.create_key(&account).await?;
    // Written by hand so the fields keep the documented order.
    let line = format!(
        "{{\"SecretId\":{},\"SecretKey\":{},\"Account\":{}}}",
        json!(key.secret_id.as_str()),
        json!(key.secret_key),
        json!(key.account.as_str())
    );
    println!("{line}");
    Ok(())
}

/// `sesame keys list`: one JSON line per key, without secrets.
pub async fn keys_list(config: &Config) -> Result<()> {
    let app = wiring::build(config)?;
    for key in app.list_keys().await? {
        println!(
            "{}",
            json!({
                "SecretId": key.secret_id.as_str(),
                "Account": key.account.as_str(),
                "CreatedAt": key.created_at.to_rfc3339(),
                "Revoked": key.revoked,
            })
        );
    }
    Ok(())
}

/// `sesame keys revoke ID`.
pub async fn keys_revoke(config: &Config, id: &str) -> Result<()> {
    let Ok(id) = SecretId::parse(id) else {
        bail!("not a SecretId: {id}")
    };
    let app = wiring::build(config)?;
    if !app.revoke_key(&id).await? {
        bail!("no such key: {id}");
    }
    println!("{}", json!({ "SecretId": id.as_str(), "Revoked": true }));
    Ok(())
}

/// `sesame identity trust DOMAIN --account NAME`.
pub async fn identity_trust(config: &Config, domain: &str, account: &str) -> Result<()> {
    let Ok(account) = AccountId::parse(account) else {
        bail!("not an account name: {account}")
    };
    let app = wiring::build(config)?;
    app.trust_identity(&account, domain)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    println!(
        "{}",
        json!({ "EmailIdentity": domain, "Account": account.as_str(), "Verified": true })
    );
    Ok(())
}
