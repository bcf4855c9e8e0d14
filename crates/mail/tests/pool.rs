//! PoolMailer against real SMTP servers (aiosmtpd) on loopback: weighted relays, failover
//! from a relay whose port is closed, the shared pool, and configuration errors.

mod common;

use std::time::Duration;

use common::addr;
use common::relay::{Relay, free_port};
use sesame_core::ports::{Envelope, Mailer};
use sesame_core::warmup::PoolName;
use sesame_mail::{AnyMailer, OutboxMailer, PoolConfigError, PoolMailer, PoolsConfig};

impl Relay {
    fn received(&self) -> usize {
        std::fs::read_dir(self.outdir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "eml")
            })
            .count()
    }
}

fn envelope(n: usize) -> Envelope {
    Envelope {
        mail_from: addr("bounces@mail.example.com"),
        rcpt_to: addr(&format!("user{n}@example.org")),
    }
}

const RAW: &[u8] = b"From: a@mail.example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nhello\r\n";

fn outbox() -> (tempfile::TempDir, AnyMailer) {
    let dir = tempfile::tempdir().unwrap();
    let mailer = AnyMailer::from(OutboxMailer::new(dir.path()));
    (dir, mailer)
}

fn dedicated() -> PoolName {
    PoolName::parse("dedicated").unwrap()
}

#[tokio::test]
async fn a_relay_that_refuses_connections_fails_over_to_the_next() {
    let live = Relay::start();
    let closed = free_port();
    let json = format!(
        r#"{{"dedicated": [{{"url": "smtp://127.0.0.1:{closed}", "weight": 1, "max_connections": 2}},
                           {{"url": "smtp://127.0.0.1:{}", "weight": 1, "max_connections": 2}}]}}"#,
        live.port
    );
    let config = PoolsConfig::parse(&json).unwrap();
    let (_dir, shared) = outbox();
    let mailer = PoolMailer::new(shared, &config, Duration::from_secs(10)).unwrap();
    // Half the sends pick the closed relay first; every one must still arrive.
    let sends = (0..6).map(|n| {
        let mailer = &mailer;
        async move { mailer.send_via(&dedicated(), &envelope(n), RAW).await }
    });
    for result in futures_join(sends).await {
        assert_eq!(result.unwrap().code, 250);
    }
    assert_eq!(live.received(), 6);
}

#[tokio::test]
async fn weights_share_the_sends_between_live_relays() {
    let a = Relay::start();
    let b = Relay::start();
    let json = format!(
        r#"{{"dedicated": [{{"url": "smtp://127.0.0.1:{}", "weight": 3}},
                           {{"url": "smtp://127.0.0.1:{}", "weight": 1}}]}}"#,
        a.port, b.port
    );
    let config = PoolsConfig::parse(&json).unwrap();
    let (_dir, shared) = outbox();
    let mailer = PoolMailer::new(shared, &config, Duration::from_secs(10)).unwrap();
    for n in 0..8 {
        mailer
            .send_via(&dedicated(), &envelope(n), RAW)
            .await
            .unwrap();
    }
    assert_eq!((a.received(), b.received()), (6, 2));
}

#[tokio::test]
async fn a_pool_with_every_relay_down_is_a_transient_failure() {
    let json = format!(
        r#"{{"dedicated": [{{"url": "smtp://127.0.0.1:{}"}}, {{"url": "smtp://127.0.0.1:{}"}}]}}"#,
        free_port(),
        free_port()
    );
    let config = PoolsConfig::parse(&json).unwrap();
    let (_dir, shared) = outbox();
    let mailer = PoolMailer::new(shared, &config, Duration::from_secs(5)).unwrap();
    let err = mailer
        .send_via(&dedicated(), &envelope(1), RAW)
        .await
        .unwrap_err();
    assert!(err.is_retryable());
    assert!(err.reply().text.contains("connection refused"), "{err}");
}

#[tokio::test]
async fn the_shared_pool_and_unknown_pools_use_the_default_mailer() {
    let config = PoolsConfig::parse("{}").unwrap();
    let (dir, shared) = outbox();
    let mailer = PoolMailer::new(shared, &config, Duration::from_secs(5)).unwrap();
    mailer
        .send_via(&PoolName::shared(), &envelope(1), RAW)
        .await
        .unwrap();
    mailer
        .send_via(&dedicated(), &envelope(2), RAW)
        .await
        .unwrap();
    mailer.send(&envelope(3), RAW).await.unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}

#[test]
fn bad_pool_configurations_are_refused_without_echoing_secrets() {
    let cases = [
        ("[]", "JSON object"),
        (r#"{"Bad": [{"url": "smtp://h"}]}"#, "pool name"),
        (r#"{"shared": [{"url": "smtp://h"}]}"#, "shared pool"),
        (r#"{"p": []}"#, "at least one relay"),
        (
            r#"{"p": [{"url": "smtp://h", "weight": 0}]}"#,
            "at least one relay",
        ),
        (r#"{"p": [{"url": "http://u:hunter2@h"}]}"#, "pool p"),
        (
            r#"{"p": [{"url": "smtp://h", "colour": 1}]}"#,
            "unknown field",
        ),
    ];
    for (json, expected) in cases {
        let err = PoolsConfig::parse(json).unwrap_err().to_string();
        assert!(err.contains(expected), "{json}: {err}");
        assert!(!err.contains("hunter2"), "{json}: {err}");
    }
    let ok = PoolsConfig::parse(
        r#"{"p": [{"url": "smtps://u:hunter2@relay1.example.net"}, {"url": "smtp://192.0.2.7:2525"}]}"#,
    )
    .unwrap();
    assert!(!format!("{ok:?}").contains("hunter2"));
    let infos = ok.infos(vec!["relay.example.net".into()]);
    assert_eq!(infos.len(), 2);
    assert!(infos[0].name.is_shared());
    assert_eq!(infos[1].send_ips, ["relay1.example.net", "192.0.2.7"]);
    let _: PoolConfigError = PoolsConfig::parse("x").unwrap_err();
}

/// Runs futures concurrently on this task.
async fn futures_join<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    sesame_core::testing::conformance::join_all(futures).await
}

/// Peaks a slow test relay saw: SMTP transactions in flight (MAIL FROM to the end of DATA)
/// and sessions open.
#[derive(Default)]
struct Peaks {
    transactions: std::sync::atomic::AtomicUsize,
    peak_transactions: std::sync::atomic::AtomicUsize,
    sessions: std::sync::atomic::AtomicUsize,
    peak_sessions: std::sync::atomic::AtomicUsize,
}

/// A minimal SMTP server that answers DATA slowly and records its peaks.
async fn slow_smtp_server() -> (u16, std::sync::Arc<Peaks>) {
    use std::sync::Arc;
    use std::sync::atomic::Ordering::SeqCst;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let peaks = Arc::new(Peaks::default());
    let out = peaks.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let p = peaks.clone();
            tokio::spawn(async move {
                let now = p.sessions.fetch_add(1, SeqCst) + 1;
                p.peak_sessions.fetch_max(now, SeqCst);
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 slow ESMTP\r\n").await;
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let reply: &[u8] = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        tokio::time::sleep(Duration::from_millis(150)).await;
                        p.transactions.fetch_sub(1, SeqCst);
                        b"250 2.0.0 queued\r\n"
                    } else {
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        match verb.as_str() {
                            "EHLO" | "HELO" => b"250 slow\r\n",
                            "MAIL" => {
                                let now = p.transactions.fetch_add(1, SeqCst) + 1;
                                p.peak_transactions.fetch_max(now, SeqCst);
                                b"250 OK\r\n"
                            }
                            "DATA" => {
                                in_data = true;
                                b"354 go ahead\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"250 OK\r\n",
                        }
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
                p.sessions.fetch_sub(1, SeqCst);
            });
        }
    });
    (port, out)
}

#[tokio::test]
async fn a_relay_never_has_more_sends_in_flight_than_its_connection_limit() {
    use std::sync::atomic::Ordering::SeqCst;
    let (port, peaks) = slow_smtp_server().await;
    let json =
        format!(r#"{{"dedicated": [{{"url": "smtp://127.0.0.1:{port}", "max_connections": 2}}]}}"#);
    let config = PoolsConfig::parse(&json).unwrap();
    let (_dir, shared) = outbox();
    let mailer = PoolMailer::new(shared, &config, Duration::from_secs(10)).unwrap();
    let sends = (0..8).map(|n| {
        let mailer = &mailer;
        async move { mailer.send_via(&dedicated(), &envelope(n), RAW).await }
    });
    let start = std::time::Instant::now();
    for result in futures_join(sends).await {
        assert_eq!(result.unwrap().code, 250);
    }
    // Eight sends of 150 ms, two at a time, take at least four rounds.
    assert!(
        start.elapsed() >= Duration::from_millis(550),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(peaks.peak_transactions.load(SeqCst), 2);
    // lettre returns a connection to its pool in a background task, so a new send may open a
    // connection while a finished one is still being parked; the pool then closes the extra.
    // Sessions stay within twice the limit.
    let sessions = peaks.peak_sessions.load(SeqCst);
    assert!(
        (2..=4).contains(&sessions),
        "{sessions} sessions were open at once"
    );
}
