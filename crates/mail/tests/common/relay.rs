//! An aiosmtpd process on a free loopback port, writing what it accepts to a temp dir.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

/// An aiosmtpd process, killed when dropped. Each test binary adds the accessors it needs.
pub struct Relay {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where it writes each accepted message (`n.eml`, `n.env`, 1-based).
    pub outdir: tempfile::TempDir,
}

impl Relay {
    /// Starts the server and waits for its "ready" line.
    pub fn start() -> Self {
        let python = super::require_python_module("aiosmtpd", "aiosmtpd");
        let port = free_port();
        let outdir = tempfile::tempdir().unwrap();
        let mut child = Command::new(python)
            .arg(super::fixtures().join("smtp_server.py"))
            .args(["127.0.0.1", &port.to_string()])
            .arg(outdir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.trim() != "ready" {
            let _ = child.kill();
            panic!("aiosmtpd did not start (see its stderr above)");
        }
        Self {
            child,
            port,
            outdir,
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP port free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
