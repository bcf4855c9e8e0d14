//! `sesame`: the all-in-one local server and its operator commands.

mod admin;
mod config;
mod receivers_import;
mod schedules;
mod serve;
mod ticker;
mod track;
mod warmup_cmd;
mod wiring;
mod worker;

#[cfg(test)]
mod readme_table;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use config::Config;
use sesame_config::Env;

#[derive(Parser)]
#[command(
    name = "sesame",
    version,
    about = "Self-hostable email sending with the Tencent Cloud SES API"
)]
struct Cli {
    /// Directory holding the database, outbox and generated master key.
    #[arg(
        long,
        global = true,
        env = "SESAME_DATA_DIR",
        default_value = "./sesame-data"
    )]
    data_dir: PathBuf,
    /// Where the admin commands act: the local SQLite database, or a deployed AWS stack.
    #[arg(
        long,
        global = true,
        env = "SESAME_BACKEND",
        value_enum,
        default_value = "local"
    )]
    backend: Backend,
    /// The stack's DynamoDB table (with `--backend aws`).
    #[arg(long, global = true, env = "SESAME_TABLE")]
    table: Option<String>,
    /// The stack's delivery queue URL (with `--backend aws`; admin commands do not need it).
    #[arg(long, global = true, env = "SESAME_QUEUE_URL")]
    queue_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
    /// SQLite in `--data-dir` (what `sesame serve` uses).
    Local,
    /// DynamoDB and SQS of a deployed stack; credentials, region and endpoints come from the
    /// usual AWS environment, the master key from `SESAME_MASTER_KEY_PARAM` (SSM) or
    /// `SESAME_MASTER_KEY`, exactly as the functions read it.
    Aws,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API, the delivery worker and the scheduler in one process.
    Serve {
        /// Address of the HTTP API.
        #[arg(long, env = "SESAME_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage sender domains.
    Identity {
        #[command(subcommand)]
        command: IdentityCommand,
    },
    /// Manage recipient groups.
    Receivers {
        #[command(subcommand)]
        command: ReceiversCommand,
    },
    /// Warm-up: status and forecast, plans, rollover.
    Warmup {
        #[command(subcommand)]
        command: warmup_cmd::WarmupCommand,
    },
    /// Sending pools: list, bind an account or domain.
    Pool {
        #[command(subcommand)]
        command: warmup_cmd::PoolCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key (and the account, if new); prints {"SecretId","SecretKey","Account"}.
    Create {
        /// Account the key acts for.
        #[arg(long, default_value = "default")]
        account: String,
    },
    /// List keys (secrets are never shown again).
    List,
    /// Revoke a key.
    Revoke {
        /// The SecretId.
        id: String,
    },
}

#[derive(Subcommand)]
enum ReceiversCommand {
    /// Create an empty group (as CreateReceiver); prints {"ReceiverId"}.
    Create {
        /// ReceiversName, unique in the account.
        #[arg(long)]
        name: String,
        /// Desc.
        #[arg(long, default_value = "")]
        desc: String,
        /// Account owning the group.
        #[arg(long, default_value = "default")]
        account: String,
    },
    /// Append the recipients of a CSV file (`email` or `email,templateData`, optional header)
    /// to a group created with CreateReceiver; streams any size, with a progress bar.
    Import {
        /// The group's ReceiverId.
        #[arg(long)]
        receiver: u64,
        /// Account owning the group.
        #[arg(long, default_value = "default")]
        account: String,
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum IdentityCommand {
    /// Mark a domain verified without DNS checks (local development, internal domains).
    Trust {
        /// The domain, created before with CreateEmailIdentity.
        domain: String,
        /// Account owning the domain.
        #[arg(long)]
        account: String,
    },
    /// Start a DKIM key rotation: new keys under a new selector, pending until their DNS
    /// record is found published; prints the records to publish.
    RotateDkim {
        /// The domain.
        domain: String,
        /// Account owning the domain.
        #[arg(long)]
        account: String,
        /// Key set of the new keys: 1 RSA-2048, 2 RSA-2048 + Ed25519 (default: the current).
        #[arg(long)]
        dkim_option: Option<u64>,
    },
    /// Check the domain's DNS records now (as UpdateEmailIdentity does) and print each
    /// record's state and the reason the domain cannot send, if any.
    Check {
        /// The domain.
        domain: String,
        /// Account owning the domain.
        #[arg(long)]
        account: String,
    },
}

fn init_tracing(env: &Env) {
    let (filter, json) = config::logging(&mut env.reader());
    let filter = filter
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let env = Env::from_process();
    init_tracing(&env);
    let cli = Cli::parse();
    match run(cli, env).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, env: Env) -> anyhow::Result<()> {
    if let Command::Serve { listen } = &cli.command {
        if cli.backend == Backend::Aws {
            anyhow::bail!("`serve` runs locally; on AWS the functions of template.yaml serve");
        }
        let config = Config::load(cli.data_dir, listen, &env).map_err(anyhow::Error::msg)?;
        return serve::run(config).await;
    }
    match cli.backend {
        Backend::Local => {
            let config =
                Config::load(cli.data_dir, "127.0.0.1:8080", &env).map_err(anyhow::Error::msg)?;
            admin(&*wiring::build(&config)?, cli.command).await
        }
        Backend::Aws => {
            let app = wiring::build_aws(env, cli.table, cli.queue_url).await?;
            admin(&*app, cli.command).await
        }
    }
}

async fn admin<P: sesame_core::ports::Ports>(
    app: &sesame_core::Sesame<P>,
    command: Command,
) -> anyhow::Result<()> {
    match command {
        Command::Serve { .. } => unreachable!("serve is handled before the backend is built"),
        Command::Warmup { command } => warmup_cmd::warmup(app, command).await,
        Command::Pool { command } => warmup_cmd::pool(app, command).await,
        Command::Keys {
            command: KeysCommand::Create { account },
        } => admin::keys_create(app, &account).await,
        Command::Keys {
            command: KeysCommand::List,
        } => admin::keys_list(app).await,
        Command::Keys {
            command: KeysCommand::Revoke { id },
        } => admin::keys_revoke(app, &id).await,
        Command::Identity {
            command: IdentityCommand::Trust { domain, account },
        } => admin::identity_trust(app, &domain, &account).await,
        Command::Identity {
            command:
                IdentityCommand::RotateDkim {
                    domain,
                    account,
                    dkim_option,
                },
        } => admin::identity_rotate_dkim(app, &domain, &account, dkim_option).await,
        Command::Identity {
            command: IdentityCommand::Check { domain, account },
        } => admin::identity_check(app, &domain, &account).await,
        Command::Receivers {
            command:
                ReceiversCommand::Create {
                    name,
                    desc,
                    account,
                },
        } => receivers_import::create(app, &account, &name, &desc).await,
        Command::Receivers {
            command:
                ReceiversCommand::Import {
                    receiver,
                    account,
                    file,
                },
        } => receivers_import::import(app, &account, receiver, &file).await,
    }
}
