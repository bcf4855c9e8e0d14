//! Operator commands: API keys and sender domains (trust, DNS check, DKIM rotation). They call the same core use-cases as the
//! API, against either backend: the local SQLite database (shared with a running
//! `sesame serve`, which WAL allows) or a deployed stack's DynamoDB table.

use anyhow::{Result, bail};
use serde_json::json;

use sesame_core::Sesame;
use sesame_core::app::IdentityView;
use sesame_core::model::DkimKeyState;
use sesame_core::ports::Ports;
use sesame_core::types::{AccountId, SecretId};

/// `sesame keys create`: prints `{"SecretId","SecretKey","Account"}` as one JSON line.
pub async fn keys_create<P: Ports>(app: &Sesame<P>, account: &str) -> Result<()> {
    let Ok(account) = AccountId::parse(account) else {
        bail!("account names are 1-64 of A-Z a-z 0-9 _ - .");
    };
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
pub async fn keys_list<P: Ports>(app: &Sesame<P>) -> Result<()> {
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
pub async fn keys_revoke<P: Ports>(app: &Sesame<P>, id: &str) -> Result<()> {
    let Ok(id) = SecretId::parse(id) else {
        bail!("not a SecretId: {id}")
    };
    if !app.revoke_key(&id).await? {
        bail!("no such key: {id}");
    }
    println!("{}", json!({ "SecretId": id.as_str(), "Revoked": true }));
    Ok(())
}

/// `sesame identity trust DOMAIN --account NAME`.
pub async fn identity_trust<P: Ports>(app: &Sesame<P>, domain: &str, account: &str) -> Result<()> {
    let Ok(account) = AccountId::parse(account) else {
        bail!("not an account name: {account}")
    };
    app.trust_identity(&account, domain)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    println!(
        "{}",
        json!({ "EmailIdentity": domain, "Account": account.as_str(), "Verified": true })
    );
    Ok(())
}

fn account(raw: &str) -> Result<AccountId> {
    AccountId::parse(raw).map_err(|_| anyhow::anyhow!("not an account name: {raw}"))
}

/// A domain with every record, its state and the reason it cannot send, as one JSON value.
fn view_json(view: &IdentityView) -> serde_json::Value {
    let records: Vec<_> = view
        .records
        .iter()
        .map(|r| {
            json!({
                "Type": r.record_type,
                "SendDomain": r.host,
                "ExpectedValue": r.expected,
                "CurrentValue": r.current,
                "Status": r.ok,
                "Required": r.required,
                "KeyState": r.key_state.map(|s| match s {
                    DkimKeyState::Active => "active",
                    DkimKeyState::Pending => "pending",
                    DkimKeyState::Retired => "retired",
                }),
                "Detail": r.detail,
            })
        })
        .collect();
    json!({
        "EmailIdentity": view.identity.domain.as_str(),
        "Account": view.identity.account.as_str(),
        "SendingEnabled": view.identity.verified,
        "Trusted": view.identity.trusted,
        "DKIMOption": view.identity.dkim_option,
        "CheckedAt": view.identity.check.as_ref().map(|c| c.at.to_rfc3339()),
        "Reason": view.reason(),
        "Records": records,
    })
}

/// `sesame identity rotate-dkim DOMAIN --account NAME [--dkim-option N]`.
pub async fn identity_rotate_dkim<P: Ports>(
    app: &Sesame<P>,
    domain: &str,
    account_name: &str,
    dkim_option: Option<u64>,
) -> Result<()> {
    let account = account(account_name)?;
    let view = app
        .rotate_dkim(&account, domain, dkim_option)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    println!("{}", view_json(&view));
    Ok(())
}

/// `sesame identity check DOMAIN --account NAME`.
pub async fn identity_check<P: Ports>(
    app: &Sesame<P>,
    domain: &str,
    account_name: &str,
) -> Result<()> {
    let account = account(account_name)?;
    let view = app
        .update_identity(&account, domain, None)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    println!("{}", view_json(&view));
    Ok(())
}
