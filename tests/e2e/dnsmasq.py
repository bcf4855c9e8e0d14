"""A real DNS server for the end-to-end suite: dnsmasq on a loopback port, serving the records
a test publishes, authoritative for the test's zone (unknown names there answer NXDOMAIN).

dnsmasq is a Debian package `scripts/test.sh` installs; without it the tests that need DNS fail
with a message saying so, never skip: a deliverability test that cannot reach DNS proves nothing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

import dns.resolver

from smtp_sink import free_port


def _binary() -> str:
    for candidate in (shutil.which("dnsmasq"), "/usr/sbin/dnsmasq", "/sbin/dnsmasq"):
        if candidate and os.path.exists(candidate):
            return candidate
    raise AssertionError(
        "dnsmasq is not installed: the deliverability tests need a real DNS server "
        "(Debian: apt-get install dnsmasq; scripts/test.sh installs it)"
    )


class Zone:
    """Records to serve. TXT values longer than 255 bytes are split into several strings."""

    def __init__(self, *local: str):
        self.local = list(local)
        self.txt: list[tuple[str, list[str]]] = []
        self.mx: list[tuple[str, str, int]] = []

    def add_txt(self, name: str, value: str) -> "Zone":
        self.txt.append((name, [value[i : i + 255] for i in range(0, len(value), 255)] or [""]))
        return self

    def add_mx(self, name: str, exchange: str, preference: int = 10) -> "Zone":
        self.mx.append((name, exchange.rstrip("."), preference))
        return self

    def without(self, name: str) -> "Zone":
        """A copy without any record at `name`."""
        z = Zone(*self.local)
        z.txt = [t for t in self.txt if t[0] != name]
        z.mx = [m for m in self.mx if m[0] != name]
        return z

    def config(self, port: int) -> str:
        lines = [
            f"port={port}",
            "listen-address=127.0.0.1",
            "bind-interfaces",
            "no-resolv",
            "no-hosts",
            "log-facility=-",
            "pid-file=",
        ]
        if os.geteuid() == 0:
            lines.append("user=root")  # as root dnsmasq would switch to `nobody`
        lines += [f"local=/{d}/" for d in self.local]
        for name, strings in self.txt:
            assert all('"' not in s for s in strings), strings
            lines.append(f"txt-record={name}," + ",".join(f'"{s}"' for s in strings))
        for name, exchange, pref in self.mx:
            lines.append(f"mx-host={name},{exchange},{pref}")
        return "\n".join(lines) + "\n"


class Dnsmasq:
    """One dnsmasq process; `serve(zone)` restarts it on the same port with new records."""

    def __init__(self) -> None:
        self.binary = _binary()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sesame-dnsmasq-"))
        self.proc: Optional[subprocess.Popen] = None
        self.zone: Optional[Zone] = None

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def resolver(self) -> dns.resolver.Resolver:
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = ["127.0.0.1"]
        r.port = self.port
        r.lifetime = 5
        r.cache = None
        return r

    def serve(self, zone: Zone) -> None:
        self.stop()
        conf = self.dir / "dnsmasq.conf"
        conf.write_text(zone.config(self.port))
        log = open(self.dir / "dnsmasq.log", "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--keep-in-foreground", f"--conf-file={conf}"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.zone = zone
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"dnsmasq exited {self.proc.returncode}:\n{(self.dir / 'dnsmasq.log').read_text()}\n"
                    f"config:\n{conf.read_text()}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"dnsmasq not listening on {self.server} after 10 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
