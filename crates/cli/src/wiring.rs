//! Wiring of the local deployment: SQLite records, queue and schedules, SMTP or outbox mailer, DKIM via
//! mail-auth, DNS via hickory, the system clock and OS randomness.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use sesame_core::ports::{Ids, OsIds, Ports, SystemClock};
use sesame_core::secrets::SecretBox;
use sesame_core::{Adapters, Sesame, Stores};
use sesame_embedded::{
    Durability, SqliteJobQueue, SqliteRecords, SqliteSchedules, SqliteStore, StoreOptions,
};
use sesame_mail::{
    AnyMailer, HickoryResolver, MailAuthDkim, OutboxMailer, PoolMailer, SmtpMailer, SmtpOptions,
};

use sesame_aws_wiring::{AwsConfig, AwsSesame, Role};
use sesame_config::Env;

use crate::config::Config;

/// The adapters of `sesame serve` and the admin commands.
pub struct LocalPorts;

impl Ports for LocalPorts {
    type Keys = SqliteRecords;
    type Sequences = SqliteRecords;
    type Templates = SqliteRecords;
    type Identities = SqliteRecords;
    type Senders = SqliteRecords;
    type Deliveries = SqliteRecords;
    type Quota = SqliteRecords;
    type Counters = SqliteRecords;
    type Lists = SqliteRecords;
    type Warmup = SqliteRecords;
    type Feedback = SqliteRecords;
    type Events = SqliteRecords;
    type Tasks = SqliteRecords;
    type Queue = SqliteJobQueue;
    type Schedules = SqliteSchedules;
    type Mailer = PoolMailer;
    type Dkim = MailAuthDkim;
    type Resolver = HickoryResolver;
    type Clock = SystemClock;
    type Ids = OsIds;
}

/// A wired local deployment.
pub type LocalSesame = Sesame<LocalPorts>;

const MASTER_KEY_FILE: &str = "master.key";

/// The master key: from the environment, else the data dir's key file, generated (mode 0600)
/// on first use so that a new user needs no setup.
fn master_key(config: &Config) -> Result<SecretBox> {
    let key = match &config.master_key {
        Some(key) => key.clone(),
        None => {
            let path = config.data_dir.join(MASTER_KEY_FILE);
            if path.exists() {
                let raw = fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                STANDARD
                    .decode(raw.trim())
                    .context("master.key is not base64")?
            } else {
                let key = OsIds.random_bytes(32);
                write_private(&path, STANDARD.encode(&key).as_bytes())?;
                tracing::info!(path = %path.display(), "generated a new master key");
                key
            }
        }
    };
    SecretBox::new(&key).context("master key must be 32 bytes")
}

fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

/// Opens the store and builds the deployment.
pub fn build(config: &Config) -> Result<Arc<LocalSesame>> {
    fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let secrets = master_key(config)?;
    let durability = if config.sync_full {
        Durability::Full
    } else {
        Durability::Normal
    };
    let options = StoreOptions {
        durability,
        ..StoreOptions::default()
    };
    let store = SqliteStore::open_with(config.data_dir.join("sesame.db"), options)
        .context("opening the database")?;
    let (mailer, shared_hosts) = match &config.relay {
        Some(url) => {
            let options = SmtpOptions {
                max_connections: config.relay_pool,
                ..SmtpOptions::default()
            };
            let url = sesame_mail::RelayUrl::parse(url).context("SESAME_RELAY")?;
            let smtp = SmtpMailer::new(&url, options).context("SESAME_RELAY")?;
            (AnyMailer::Smtp(smtp), vec![url.host])
        }
        None => (
            AnyMailer::Outbox(OutboxMailer::new(config.data_dir.join("outbox"))),
            Vec::new(),
        ),
    };
    let mailer = PoolMailer::new(mailer, &config.pools, SmtpOptions::default().timeout)
        .context("SESAME_POOLS")?;
    // The shared pool reports the relay's host as its `SendIp`.
    let mut settings = config.settings.clone();
    settings.warmup.pools = config.pools.infos(shared_hosts);
    Ok(Arc::new(Sesame::new(
        Adapters {
            stores: Stores::shared(store.records()),
            queue: store.job_queue(),
            schedules: store.schedules(),
            mailer,
            dkim: MailAuthDkim::new(),
            resolver: HickoryResolver::new(config.dns_server).context("SESAME_DNS_SERVER")?,
            clock: SystemClock,
            ids: OsIds,
        },
        settings,
        secrets,
    )))
}

/// The deployed stack's adapters, for the admin commands: the same wiring as the Lambda
/// functions (`sesame-aws-wiring`), configured from the same variables, where `--table` and
/// `--queue-url` win over theirs. Admin commands never enqueue, so the queue may be left out.
pub async fn build_aws(
    mut env: Env,
    table: Option<String>,
    queue_url: Option<String>,
) -> Result<Arc<AwsSesame>> {
    let Some(table) = table else {
        anyhow::bail!("--backend aws needs --table (or SESAME_TABLE)");
    };
    env.set("SESAME_TABLE", table);
    if let Some(url) = queue_url {
        env.set("SESAME_QUEUE_URL", url);
    }
    let config = AwsConfig::from_env(&env, Role::Admin)?;
    Ok(sesame_aws_wiring::build(&config).await?)
}
