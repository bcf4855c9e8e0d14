//! A real DNS server for tests: dnsmasq on a free loopback port, answering from a zone the
//! test writes, killed on drop.
//!
//! dnsmasq is a Debian package the test command installs. Without it these tests fail with
//! a message saying so: a verification test that cannot reach DNS must never pass.

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::os::unix::fs::MetadataExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Records to serve. Every name under a `local` domain that has no record answers NXDOMAIN
/// (and NODATA for other types), as an authoritative server would; anything else is REFUSED.
#[derive(Debug, Default, Clone)]
pub struct Zone {
    local: Vec<String>,
    lines: Vec<String>,
}

fn quoted(s: &str) -> String {
    assert!(
        !s.contains('"'),
        "TXT strings with quotes are not supported here: {s}"
    );
    format!("\"{s}\"")
}

impl Zone {
    /// Serves `domain` and everything under it authoritatively.
    pub fn local(&mut self, domain: &str) -> &mut Self {
        self.local.push(domain.to_owned());
        self
    }

    /// One TXT record made of the given character-strings (each at most 255 bytes).
    pub fn txt_strings(&mut self, name: &str, strings: &[&str]) -> &mut Self {
        assert!(
            strings.iter().all(|s| s.len() <= 255),
            "a TXT string holds at most 255 bytes"
        );
        let parts: Vec<String> = strings.iter().map(|s| quoted(s)).collect();
        self.lines
            .push(format!("txt-record={name},{}", parts.join(",")));
        self
    }

    /// One TXT record, split into 255-byte strings as DNS requires for long values.
    pub fn txt(&mut self, name: &str, value: &str) -> &mut Self {
        let chunks: Vec<&str> = value
            .as_bytes()
            .chunks(255)
            .map(|c| std::str::from_utf8(c).expect("ASCII record"))
            .collect();
        self.txt_strings(name, &chunks)
    }

    /// One MX record.
    pub fn mx(&mut self, name: &str, exchange: &str, preference: u16) -> &mut Self {
        self.lines.push(format!(
            "mx-host={name},{},{preference}",
            exchange.trim_end_matches('.')
        ));
        self
    }
}

/// A running dnsmasq.
pub struct Dnsmasq {
    child: Child,
    /// Where it answers (UDP and TCP).
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port");
    socket.local_addr().expect("local addr").port()
}

impl Dnsmasq {
    /// Starts dnsmasq serving `zone`; panics with the reason when it cannot.
    ///
    /// The port is picked free a moment before dnsmasq binds it, so another process (a
    /// parallel test, a server started by CI) can take it in between: that case alone is
    /// retried on a fresh port.
    pub fn start(zone: &Zone) -> Self {
        let mut last = String::new();
        for _ in 0..8 {
            match Self::try_start(zone) {
                Ok(me) => return me,
                Err(e) if e.contains("Address already in use") => last = e,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("{last}")
    }

    fn try_start(zone: &Zone) -> Result<Self, String> {
        let binary = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or_else(|| {
                panic!(
                    "dnsmasq is not installed: these tests need a real DNS server \
                     (Debian: apt-get install dnsmasq; scripts/test.sh installs it)"
                )
            });
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut conf = String::new();
        writeln!(conf, "port={port}").unwrap();
        conf.push_str("listen-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\n");
        conf.push_str("log-facility=-\npid-file=\n");
        // As root dnsmasq drops to user `nobody` unless told otherwise; stay who we are.
        if std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
            conf.push_str("user=root\n");
        }
        for d in &zone.local {
            writeln!(conf, "local=/{d}/").unwrap();
        }
        for line in &zone.lines {
            writeln!(conf, "{line}").unwrap();
        }
        let path = dir.path().join("dnsmasq.conf");
        std::fs::write(&path, &conf).expect("write dnsmasq.conf");
        let child = Command::new(binary)
            .arg("--keep-in-foreground")
            .arg(format!("--conf-file={}", path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut me = Self {
            child,
            addr,
            _dir: dir,
        };
        me.wait_ready(&conf)?;
        Ok(me)
    }

    fn wait_ready(&mut self, conf: &str) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("poll dnsmasq") {
                let mut err = String::new();
                if let Some(mut stderr) = self.child.stderr.take() {
                    use std::io::Read;
                    let _ = stderr.read_to_string(&mut err);
                }
                return Err(format!(
                    "dnsmasq exited ({status}) at start:\n{err}\nconfig:\n{conf}"
                ));
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "dnsmasq did not listen on {} within 10 s",
            self.addr
        ))
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
