//! [`build`]: SDK clients, secrets and adapters, made once per cold start (or when an admin
//! command starts).

use std::sync::Arc;

use aws_config::BehaviorVersion;

use sesame_aws::{DynamoDbRecords, EventBridgeSchedules, SqsJobQueue};
use sesame_config::{Pools, Secret, decode_master_key};
use sesame_core::ports::SystemClock;
use sesame_core::secrets::SecretBox;
use sesame_core::{Adapters, Sesame, Stores};
use sesame_mail::{
    AnyMailer, HickoryResolver, MailAuthDkim, PoolMailer, PoolsConfig, RelayUrl, SmtpMailer,
    SmtpOptions,
};

use crate::config::AwsConfig;
use crate::ports::{AwsPorts, AwsQueue, AwsSesame, OsIds};

/// Why the deployment could not be wired. Never contains a secret value.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    /// An SSM parameter could not be read.
    #[error("reading SSM parameter {name}: {reason}")]
    Parameter {
        /// Parameter name.
        name: String,
        /// What the service said.
        reason: String,
    },
    /// The master key is not base64 of 32 bytes.
    #[error("the master key ({source_name}) must be base64 of 32 bytes")]
    MasterKey {
        /// Where it came from.
        source_name: String,
    },
    /// The DNS resolver could not be set up.
    #[error(transparent)]
    Resolver(#[from] sesame_mail::ResolverSetupError),
    /// The pool configuration is refused.
    #[error("the pools ({source_name}) are not usable: {reason}")]
    Pools {
        /// Where they came from.
        source_name: String,
        /// Why (never a relay URL: it may carry credentials).
        reason: String,
    },
    /// The relay URL is refused.
    #[error("the relay URL ({source_name}) is not usable: {reason}")]
    Relay {
        /// Where it came from.
        source_name: String,
        /// Why (never the URL: it may carry credentials).
        reason: String,
    },
}

fn source_name(source: &Secret, inline_var: &str) -> String {
    match source {
        Secret::Parameter(name) => format!("SSM parameter {name}"),
        Secret::Inline(_) => inline_var.to_owned(),
    }
}

/// Reads a secret: inline as given, or an SSM SecureString decrypted by the service.
async fn resolve(ssm: &aws_sdk_ssm::Client, source: &Secret) -> Result<String, WiringError> {
    match source {
        Secret::Inline(value) => Ok(value.clone()),
        Secret::Parameter(name) => {
            let failed = |reason: String| WiringError::Parameter {
                name: name.clone(),
                reason,
            };
            let out = ssm
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| failed(aws_sdk_ssm::error::DisplayErrorContext(e).to_string()))?;
            out.parameter()
                .and_then(|p| p.value())
                .map(str::to_owned)
                .ok_or_else(|| failed("the parameter has no value".into()))
        }
    }
}

/// Builds the deployment: SDK clients from the standard AWS environment, the master key and
/// (in `deliver`) the relay URL from SSM, then the adapters. Called once per cold start.
pub async fn build(aws: &AwsConfig) -> Result<Arc<AwsSesame>, WiringError> {
    let config = &aws.shared;
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let ssm = aws_sdk_ssm::Client::new(&sdk);

    let master_key = async {
        // The reader requires a master key on AWS; an empty inline one fails below.
        let unset = Secret::Inline(String::new());
        let source = config.master_key.as_ref().unwrap_or(&unset);
        let refused = || WiringError::MasterKey {
            source_name: source_name(source, "SESAME_MASTER_KEY"),
        };
        let raw = resolve(&ssm, source).await?;
        let key = decode_master_key(&raw).ok_or_else(refused)?;
        SecretBox::new(&key).map_err(|_| refused())
    };
    let pools = async {
        let name = match &config.pools {
            Pools::Given(pools) => return Ok(pools.clone()),
            Pools::Parameter(name) => name,
        };
        let raw = resolve(&ssm, &Secret::Parameter(name.clone())).await?;
        PoolsConfig::parse(&raw).map_err(|e| WiringError::Pools {
            source_name: format!("SSM parameter {name}"),
            reason: e.to_string(),
        })
    };
    let mailer = async {
        let Some(source) = &config.relay else {
            return Ok((AnyMailer::Unset, Vec::new()));
        };
        let refused = |reason: String| WiringError::Relay {
            source_name: source_name(source, "SESAME_RELAY"),
            reason,
        };
        let raw = resolve(&ssm, source).await?;
        let url = RelayUrl::parse(raw.trim()).map_err(|e| refused(e.to_string()))?;
        let options = SmtpOptions {
            max_connections: config.relay_pool,
            ..SmtpOptions::default()
        };
        let smtp = SmtpMailer::new(&url, options).map_err(|e| refused(e.to_string()))?;
        Ok((AnyMailer::Smtp(smtp), vec![url.host.clone()]))
    };
    let (secrets, (mailer, shared_hosts), pools) = tokio::try_join!(master_key, mailer, pools)?;
    let mailer = PoolMailer::new(mailer, &pools, SmtpOptions::default().timeout).map_err(|e| {
        WiringError::Pools {
            source_name: "SESAME_POOLS".into(),
            reason: e.to_string(),
        }
    })?;
    let mut settings = config.settings.clone();
    settings.warmup.pools = pools.infos(shared_hosts);
    let resolver = HickoryResolver::new(config.dns_server)?;

    let records = DynamoDbRecords::new(aws_sdk_dynamodb::Client::new(&sdk), &aws.table)
        .with_retention(aws.retention)
        .with_counter_shards(aws.counter_shards);
    let queue = match &aws.queue_url {
        Some(url) => AwsQueue::Sqs(SqsJobQueue::new(aws_sdk_sqs::Client::new(&sdk), url)),
        None => AwsQueue::Unset,
    };
    let scheduler = aws_sdk_scheduler::Client::new(&sdk);
    let schedules = match &aws.schedules {
        Some(target) => EventBridgeSchedules::new(scheduler, target.clone()),
        None => EventBridgeSchedules::without_target(scheduler, &aws.schedule_group),
    };
    Ok(Arc::new(Sesame::<AwsPorts>::new(
        Adapters {
            stores: Stores::shared(records),
            queue,
            schedules,
            mailer,
            dkim: MailAuthDkim::new(),
            resolver,
            clock: SystemClock,
            ids: OsIds,
        },
        settings,
        secrets,
    )))
}
