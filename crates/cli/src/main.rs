//! `sesame`: the all-in-one local server and its operator commands.

mod admin;
mod config;
mod serve;
mod wiring;
mod worker;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use config::Config;

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
    #[command(subcommand)]
    command: Command,
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
enum IdentityCommand {
    /// Mark a domain verified without DNS checks (local development, internal domains).
    Trust {
        /// The domain, created before with CreateEmailIdentity.
        domain: String,
        /// Account owning the domain.
        #[arg(long)]
        account: String,
    },
}

fn init_tracing() {
    let filter = EnvFilter::try_from_env("SESAME_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config::env("SESAME_LOG_FORMAT").as_deref() == Some("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen } => listen.clone(),
        _ => "127.0.0.1:8080".into(),
    };
    let config = Config::load(cli.data_dir, &listen).map_err(anyhow::Error::msg)?;
    match cli.command {
        Command::Serve { .. } => serve::run(config).await,
        Command::Keys {
            command: KeysCommand::Create { account },
        } => admin::keys_create(&config, &account).await,
        Command::Keys {
            command: KeysCommand::List,
        } => admin::keys_list(&config).await,
        Command::Keys {
            command: KeysCommand::Revoke { id },
        } => admin::keys_revoke(&config, &id).await,
        Command::Identity {
            command: IdentityCommand::Trust { domain, account },
        } => admin::identity_trust(&config, &domain, &account).await,
    }
}
