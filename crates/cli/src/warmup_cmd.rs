//! `sesame warmup …` and `sesame pool …`: warm-up status and forecast, custom plans and their
//! assignment, pool bindings, and the rollover loop of `sesame serve`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow};
use clap::Subcommand;
use serde_json::json;
use tokio::sync::watch;

use sesame_core::Sesame;
use sesame_core::app::{PlanTarget, ScopeStatus};
use sesame_core::ports::Ports;
use sesame_core::types::{AccountId, Domain};
use sesame_core::warmup::{PoolName, Scope};

/// `sesame warmup …`.
#[derive(Subcommand)]
pub enum WarmupCommand {
    /// Per scope (domain, dedicated pool): step, today's quota, used, remaining, next
    /// rollover, the last decision and why, and a forecast for a backlog.
    Status {
        /// Only this account's domains (and their pools); default: the whole installation.
        #[arg(long)]
        account: Option<String>,
        /// Messages waiting to be sent: prints the day-by-day plan until they are out.
        #[arg(long, default_value_t = 0)]
        backlog: u64,
        /// One JSON object per scope instead of text (the GetWarmupStatus shape).
        #[arg(long)]
        json: bool,
    },
    /// Judge every scope's finished quota days now (the server does this every minute).
    Rollover,
    /// Custom plans.
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
}

/// `sesame warmup plan …`.
#[derive(Subcommand)]
pub enum PlanCommand {
    /// Create or replace a plan: messages per day of each step, e.g. 5000,20000,100000.
    Create {
        /// Plan name (a-z, 0-9, '_', '-').
        name: String,
        /// Daily volumes, comma-separated, non-decreasing.
        #[arg(long, value_delimiter = ',', required = true)]
        steps: Vec<u64>,
    },
    /// List the standard plan and the custom ones.
    List,
    /// Assign a plan to a domain (with --account) or to a dedicated pool.
    Assign {
        /// Plan name (`standard` or a custom plan).
        name: String,
        /// The domain.
        #[arg(long, conflicts_with = "pool", requires = "account")]
        domain: Option<String>,
        /// Account owning the domain.
        #[arg(long)]
        account: Option<String>,
        /// The dedicated pool.
        #[arg(long, required_unless_present = "domain")]
        pool: Option<String>,
    },
}

/// `sesame pool …`.
#[derive(Subcommand)]
pub enum PoolCommand {
    /// List the configured pools and their relay hosts.
    List,
    /// Send an account's domains (or one domain) through a pool.
    Bind {
        /// The pool (`shared` or one of SESAME_POOLS).
        pool: String,
        /// The account.
        #[arg(long)]
        account: String,
        /// Only this domain of the account.
        #[arg(long)]
        domain: Option<String>,
    },
    /// Remove a binding (the domain falls back to its account's pool, then `shared`).
    Unbind {
        /// The account.
        #[arg(long)]
        account: String,
        /// Only this domain's own binding.
        #[arg(long)]
        domain: Option<String>,
    },
}

fn account(raw: &str) -> Result<AccountId> {
    AccountId::parse(raw).map_err(|_| anyhow!("not an account name: {raw}"))
}

fn domain(raw: &str) -> Result<Domain> {
    Domain::parse(raw).map_err(|_| anyhow!("not a domain name: {raw}"))
}

fn ses(e: sesame_core::SesError) -> anyhow::Error {
    anyhow!("{}: {}", e.code, e.message)
}

/// Runs a `sesame warmup …` command.
pub async fn warmup<P: Ports>(app: &Sesame<P>, command: WarmupCommand) -> Result<()> {
    match command {
        WarmupCommand::Status {
            account: who,
            backlog,
            json,
        } => {
            let who = who.as_deref().map(account).transpose()?;
            let statuses = app
                .warmup_status(who.as_ref(), backlog)
                .await
                .map_err(ses)?;
            if statuses.is_empty() {
                eprintln!("no sending domains or dedicated pools yet");
            }
            for s in &statuses {
                if json {
                    let value = sesame_web::actions::scope_status_json(s, app.settings.timezone);
                    println!("{value}");
                } else {
                    print!("{}", status_text(s, app.settings.timezone, backlog));
                }
            }
            Ok(())
        }
        WarmupCommand::Rollover => {
            let report = app.roll_over_warmups().await?;
            println!(
                "{}",
                json!({"Scopes": report.scopes, "DaysJudged": report.judged})
            );
            Ok(())
        }
        WarmupCommand::Plan {
            command: PlanCommand::Create { name, steps },
        } => {
            let plan = app.create_plan(&name, steps).await.map_err(ses)?;
            println!(
                "{}",
                json!({"PlanName": plan.name.as_str(), "Steps": plan.steps})
            );
            Ok(())
        }
        WarmupCommand::Plan {
            command: PlanCommand::List,
        } => {
            for plan in app.list_plans().await.map_err(ses)? {
                println!(
                    "{}",
                    json!({"PlanName": plan.name.as_str(), "Steps": plan.steps})
                );
            }
            Ok(())
        }
        WarmupCommand::Plan {
            command:
                PlanCommand::Assign {
                    name,
                    domain: d,
                    account: a,
                    pool,
                },
        } => {
            let target = match (d, a, pool) {
                (Some(d), Some(a), None) => PlanTarget::Domain(account(&a)?, domain(&d)?),
                (None, None, Some(p)) => PlanTarget::Pool(
                    PoolName::parse(&p).map_err(|_| anyhow!("not a pool name: {p}"))?,
                ),
                _ => anyhow::bail!("give --domain D --account A, or --pool P"),
            };
            let state = app.assign_plan(&name, target).await.map_err(ses)?;
            println!(
                "{}",
                json!({"Scope": state.scope.key(), "PlanName": state.plan.as_str(), "Step": state.step})
            );
            Ok(())
        }
    }
}

/// Runs a `sesame pool …` command.
pub async fn pool<P: Ports>(app: &Sesame<P>, command: PoolCommand) -> Result<()> {
    match command {
        PoolCommand::List => {
            for p in &app.settings.warmup.pools {
                println!("{}", json!({"Pool": p.name.as_str(), "SendIp": p.send_ips}));
            }
            Ok(())
        }
        PoolCommand::Bind {
            pool,
            account: a,
            domain: d,
        } => {
            let a = account(&a)?;
            let d = d.as_deref().map(domain).transpose()?;
            app.bind_pool(&a, d.as_ref(), Some(&pool))
                .await
                .map_err(ses)?;
            println!(
                "{}",
                json!({"Account": a.as_str(), "EmailIdentity": d.as_ref().map(Domain::as_str), "Pool": pool})
            );
            Ok(())
        }
        PoolCommand::Unbind {
            account: a,
            domain: d,
        } => {
            let a = account(&a)?;
            let d = d.as_deref().map(domain).transpose()?;
            app.bind_pool(&a, d.as_ref(), None).await.map_err(ses)?;
            println!(
                "{}",
                json!({"Account": a.as_str(), "EmailIdentity": d.as_ref().map(Domain::as_str), "Pool": null})
            );
            Ok(())
        }
    }
}

/// The text form of one scope's status.
fn status_text(s: &ScopeStatus, tz: chrono_tz::Tz, backlog: u64) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let title = match &s.scope {
        Scope::Domain { account, domain } => {
            format!("domain {domain} (account {account}, pool {})", s.pool)
        }
        Scope::Pool { pool } => format!("pool {pool}"),
    };
    let step = if s.warm {
        format!("warm (after step {})", s.plan_steps)
    } else {
        format!("step {} of {}", s.step, s.plan_steps)
    };
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "  plan           {} — {step}", s.plan);
    let _ = writeln!(
        out,
        "  today          {} ({tz}): quota {}, used {}, remaining {}",
        s.day,
        group(s.quota),
        group(s.used),
        group(s.remaining)
    );
    let _ = writeln!(
        out,
        "  next rollover  {}",
        s.next_rollover
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M %Z")
    );
    match &s.last_decision {
        Some(d) => {
            let _ = writeln!(
                out,
                "  last decision  {} {:?}: step {} → {} — {}",
                d.day, d.action, d.from_step, d.to_step, d.reason
            );
        }
        None => {
            let _ = writeln!(out, "  last decision  none yet (no quota day has ended)");
        }
    }
    if backlog > 0 {
        let _ = writeln!(
            out,
            "  forecast for a backlog of {} messages ({} days):",
            group(backlog),
            s.forecast.len()
        );
        let _ = writeln!(
            out,
            "    {:<10}  {:>4}  {:>9}  {:>9}  {:>9}",
            "day", "step", "quota", "send", "left"
        );
        for f in &s.forecast {
            let _ = writeln!(
                out,
                "    {:<10}  {:>4}  {:>9}  {:>9}  {:>9}",
                f.day.to_string(),
                f.step,
                group(f.quota),
                group(f.send),
                group(f.remaining)
            );
        }
    }
    out
}

/// `1234567` → `1,234,567`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The rollover loop of `sesame serve`: every minute, judge every scope's finished quota
/// days (idempotent, so a second server on the same database does no harm).
pub async fn rollover_loop<P: Ports>(
    app: Arc<Sesame<P>>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = app.roll_over_warmups().await {
            tracing::warn!(error = %e, "warm-up rollover failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::group;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(500), "500");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(100_000), "100,000");
        assert_eq!(group(1_234_567), "1,234,567");
    }
}
