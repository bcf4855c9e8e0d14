//! Test support: a moto server (an AWS protocol emulator) on a free loopback port, shared by
//! the tests of one binary that run at the same time and killed when the last of them ends.
//!
//! The server is moto's, started through `moto_atomic.py` (which makes each backend call
//! atomic, as the real services are) with `<workspace>/.venv/bin/python`, or with
//! `$SESAME_TEST_PYTHON` when set; install moto with `.venv/bin/pip install -r
//! tests/requirements.txt`. Without moto the tests fail: they never pass without having run.
//! Each test gets its own table or queue name, so tests share the server but not state.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use sesame_aws::{
    DynamoDbRecords, EventBridgeSchedules, ScheduleTarget, SqsJobQueue, create_queue,
    create_schedule_group, create_table,
};

/// A running moto server; killed on drop.
pub struct Moto {
    child: Child,
    log_path: PathBuf,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

static SHARED: Mutex<Weak<Moto>> = Mutex::new(Weak::new());
static NAMES: AtomicUsize = AtomicUsize::new(0);

/// The running server, started if no test holds it.
pub fn moto() -> Arc<Moto> {
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(running) = shared.upgrade() {
        return running;
    }
    let started = Arc::new(start());
    *shared = Arc::downgrade(&started);
    started
}

fn command(port: u16) -> Command {
    let support = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support");
    let python = match std::env::var_os("SESAME_TEST_PYTHON") {
        Some(python) => PathBuf::from(python),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"),
    };
    assert!(
        python.exists() || std::env::var_os("SESAME_TEST_PYTHON").is_some(),
        "no python for moto: {} is missing. Create the venv and install moto with \
         `python3 -m venv .venv && .venv/bin/pip install -r tests/requirements.txt`, \
         or set SESAME_TEST_PYTHON to a python that has moto[server]",
        python.display()
    );
    let mut cmd = Command::new(python);
    cmd.arg(support.join("moto_atomic.py"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    cmd
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

fn start() -> Moto {
    let port = free_port();
    // moto logs every request; kept in a file, shown only if the server fails to start.
    let log_path =
        std::env::temp_dir().join(format!("sesame-moto-{}-{port}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).expect("create moto log file");
    let child = command(port)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log file handle"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start moto server: {e}"));
    let mut moto = Moto {
        child,
        log_path: log_path.clone(),
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = moto.child.try_wait() {
            let output = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!(
                "moto server exited at start ({status}); is moto[server] installed in that python?\n{output}"
            );
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return moto;
        }
        assert!(
            Instant::now() < deadline,
            "moto server did not listen on port {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SDK configuration for the emulator: dummy credentials and region set on the builder,
/// not in the process environment.
pub async fn sdk_config(moto: &Moto) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "sesame-tests"))
        .endpoint_url(&moto.endpoint)
        .load()
        .await
}

/// A name no other test of this run uses.
pub fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NAMES.fetch_add(1, Ordering::Relaxed)
    )
}

/// Records over a fresh table; keeps the server alive while it lives.
pub struct DynamoFixture {
    pub records: DynamoDbRecords,
    pub client: aws_sdk_dynamodb::Client,
    _moto: Arc<Moto>,
}

/// A fresh, empty table on the shared server.
pub async fn dynamodb() -> DynamoFixture {
    let moto = moto();
    let client = aws_sdk_dynamodb::Client::new(&sdk_config(&moto).await);
    let table = unique_name("sesame");
    create_table(&client, &table).await.expect("create table");
    DynamoFixture {
        records: DynamoDbRecords::new(client.clone(), table),
        client,
        _moto: moto,
    }
}

/// A queue over a fresh SQS queue (with its dead-letter queue); keeps the server alive.
pub struct SqsFixture {
    pub queue: SqsJobQueue,
    pub client: aws_sdk_sqs::Client,
    _moto: Arc<Moto>,
}

/// A fresh, empty queue on the shared server.
pub async fn sqs() -> SqsFixture {
    let moto = moto();
    let client = aws_sdk_sqs::Client::new(&sdk_config(&moto).await);
    let url = create_queue(&client, &unique_name("sesame-jobs"))
        .await
        .expect("create queue");
    SqsFixture {
        queue: SqsJobQueue::new(client.clone(), url),
        client,
        _moto: moto,
    }
}

/// Schedules in a fresh schedule group; keeps the server alive while it lives.
pub struct SchedulerFixture {
    pub schedules: EventBridgeSchedules,
    pub client: aws_sdk_scheduler::Client,
    _moto: Arc<Moto>,
}

/// A fresh, empty schedule group on the shared server.
pub async fn scheduler() -> SchedulerFixture {
    let moto = moto();
    let client = aws_sdk_scheduler::Client::new(&sdk_config(&moto).await);
    let group = unique_name("sesame-schedules");
    create_schedule_group(&client, &group)
        .await
        .expect("create schedule group");
    let target = ScheduleTarget {
        group,
        target_arn: "arn:aws:lambda:us-east-1:123456789012:function:sesame-scheduler".to_owned(),
        role_arn: "arn:aws:iam::123456789012:role/sesame-scheduler-invoke".to_owned(),
    };
    SchedulerFixture {
        schedules: EventBridgeSchedules::new(client.clone(), target),
        client,
        _moto: moto,
    }
}
