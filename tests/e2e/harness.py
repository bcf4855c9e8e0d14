"""Drives the real `sesame` binary for the end-to-end suite: starts and stops `sesame serve`,
runs its admin commands, and calls the API the way users do (the official Tencent Cloud SDK).

Nothing here builds: `scripts/test.sh` has already run `cargo build`, and the suite uses
`target/debug/sesame` (or `$SESAME_BIN`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any, Optional

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ses.v20201002 import models, ses_client

from smtp_sink import free_port

REPO = Path(__file__).resolve().parents[2]
REGION = "ap-guangzhou"
# GetSendEmailStatus takes the day in the server's timezone (SESAME_TIMEZONE, Asia/Shanghai by
# default); Shanghai has had no DST since 1991, so a fixed +08:00 needs no tz database.
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def sesame_bin() -> Path:
    path = Path(os.environ.get("SESAME_BIN", REPO / "target" / "debug" / "sesame"))
    if not path.is_file():
        raise RuntimeError(f"{path} not found: run `cargo build` (scripts/test.sh does) first")
    return path


def shanghai_today() -> str:
    return dt.datetime.now(SHANGHAI).strftime("%Y-%m-%d")


class SesameServer:
    """One `sesame serve` process over a data dir. The data dir outlives the process, so a test
    can stop the server and start a new one over the same state."""

    def __init__(
        self,
        data_dir: Path,
        relay: Optional[str],
        master_key: str,
        log_dir: Path,
        extra_env: Optional[dict[str, str]] = None,
    ):
        self.extra_env = dict(extra_env or {})
        self.data_dir = data_dir
        self.relay = relay
        self.master_key = master_key
        self.log_dir = log_dir
        self.port: Optional[int] = None
        self.proc: Optional[subprocess.Popen] = None
        self._log_path: Optional[Path] = None
        self._starts = 0

    # -- environment shared by `serve` and the admin commands -------------------------------

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SESAME_DATA_DIR=str(self.data_dir),
            # Fixed so that admin commands and every restart of the server agree on it.
            SESAME_MASTER_KEY=self.master_key,
            SESAME_TIMEZONE="Asia/Shanghai",
            SESAME_HOSTNAME="sesame.e2e.test",
            # Retries after ~1 s, at most 5 s apart (defaults: 30 s, 1 h) so retry tests are quick.
            SESAME_RETRY_BASE_SECS="1",
            SESAME_RETRY_CAP_SECS="5",
            SESAME_LOG=os.environ.get("SESAME_LOG", "info"),
            RUST_BACKTRACE="1",
            NO_COLOR="1",  # plain logs in the files the failure reports quote
        )
        env.update(self.extra_env)
        env.pop("SESAME_RELAY", None)
        if self.relay:
            env["SESAME_RELAY"] = self.relay
        # The SDK would send loopback calls through a proxy if one is configured.
        for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            env.pop(var, None)
        return env

    def admin(self, *args: str) -> str:
        """Runs `sesame <args> --data-dir D`; returns stdout, raises with stderr on failure."""
        cmd = [str(sesame_bin()), *args, "--data-dir", str(self.data_dir)]
        res = subprocess.run(cmd, env=self.env(), capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {res.returncode}\n{res.stderr}")
        return res.stdout

    def create_key(self, account: str) -> tuple[str, str]:
        out = self.admin("keys", "create", "--account", account)
        line = next(l for l in out.splitlines() if l.strip().startswith("{"))
        key = json.loads(line)
        assert key["Account"] == account, key
        assert key["SecretId"].startswith("AKID"), key
        return key["SecretId"], key["SecretKey"]

    def trust(self, domain: str, account: str) -> None:
        self.admin("identity", "trust", domain, "--account", account)

    # -- process lifecycle ----------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> "SesameServer":
        assert self.proc is None, "already running"
        self.port = free_port()
        self._starts += 1
        self._log_path = self.log_dir / f"sesame-{self.port}-{self._starts}.log"
        env = self.env()
        env["SESAME_LISTEN"] = f"127.0.0.1:{self.port}"
        log = open(self._log_path, "wb")
        self.proc = subprocess.Popen(
            [str(sesame_bin()), "serve", "--data-dir", str(self.data_dir), "--listen", f"127.0.0.1:{self.port}"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sesame serve exited {self.proc.returncode} at start\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"sesame serve not accepting connections after {timeout}s\n{self.log()}")

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then wait; returns the exit code (None-safe: kills after the timeout)."""
        assert self.proc is not None, "not running"
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"sesame serve ignored SIGTERM for {timeout}s\n{self.log()}")
        finally:
            self.proc = None
        return code

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log(self, tail: int = 60) -> str:
        if self._log_path is None or not self._log_path.exists():
            return "(no log)"
        lines = self._log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-tail:])

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def client(self, secret_id: str, secret_key: str) -> "Api":
        return Api(self, secret_id, secret_key)


class Api:
    """The official SDK's SesClient pointed at a server, with dict-in/dict-out calls that still
    go through the SDK's typed request and response models."""

    def __init__(self, server: SesameServer, secret_id: str, secret_key: str):
        self.server = server
        self.secret_id = secret_id
        self.secret_key = secret_key

    def sdk(self) -> ses_client.SesClient:
        # Built per call: the port changes when a test restarts the server.
        hp = HttpProfile(protocol="http", endpoint=self.server.endpoint, reqTimeout=30)
        cred = credential.Credential(self.secret_id, self.secret_key)
        return ses_client.SesClient(cred, REGION, ClientProfile(httpProfile=hp))

    def call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        req = getattr(models, f"{action}Request")()
        req.from_json_string(json.dumps(params))
        resp = getattr(self.sdk(), action)(req)
        return json.loads(resp.to_json_string())

    def wait_status(self, message_id: str, request_date: str, done, timeout: float = 30.0) -> list[dict]:
        """Polls GetSendEmailStatus until `done(rows)` is true; returns the rows."""
        deadline = time.monotonic() + timeout
        rows: list[dict] = []
        while time.monotonic() < deadline:
            try:
                out = self.call(
                    "GetSendEmailStatus",
                    {"RequestDate": request_date, "Offset": 0, "Limit": 100, "MessageId": message_id},
                )
                rows = out.get("EmailStatusList") or []
                if rows and done(rows):
                    return rows
            except TencentCloudSDKException as e:
                # The real API limits this action to 1 call/s; a faithful server may too.
                if e.code != "RequestLimitExceeded":
                    raise
            time.sleep(0.3)
        raise AssertionError(f"status of {message_id} not final after {timeout}s: {rows}\n{self.server.log()}")


def new_master_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


# -- raw HTTP, for what the SDK hides (status line, exact headers) -----------------------------


def tc3_headers(secret_id: str, secret_key: str, host: str, action: str, body: bytes, ts: Optional[int] = None) -> dict[str, str]:
    """Headers of a TC3-HMAC-SHA256 POST, computed independently of the SDK (reference §1.2)."""
    ts = int(time.time()) if ts is None else ts
    date = dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d")
    ctype = "application/json"
    canonical = "\n".join(
        ["POST", "/", "", f"content-type:{ctype}\nhost:{host}\n", "content-type;host", hashlib.sha256(body).hexdigest()]
    )
    scope = f"{date}/ses/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(ts), scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    k = mac(mac(mac(("TC3" + secret_key).encode(), date), "ses"), "tc3_request")
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "Authorization": f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={sig}",
        "Content-Type": ctype,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": "2020-10-02",
        "X-TC-Timestamp": str(ts),
        "X-TC-Region": REGION,
    }


def raw_post(endpoint: str, headers: dict[str, str], body: bytes) -> tuple[int, Message, bytes]:
    """POST /; returns the status, the response headers (case-insensitive, repeats kept) and body."""
    req = urllib.request.Request(f"http://{endpoint}/", data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:  # non-2xx is itself a contract violation; report it
        return e.code, e.headers, e.read()


# -- a ready-to-send account --------------------------------------------------------------------


class Sending:
    """What a test needs to send: a trusted domain with its DKIM record, a sender, a template."""

    def __init__(self, domain: str, from_address: str, template_id: int, dkim_records: dict[str, str]):
        self.domain = domain
        self.from_address = from_address
        self.template_id = template_id
        # `<selector>._domainkey.<domain>` (lower case, no trailing dot) -> TXT value.
        self.dkim_records = dkim_records

    def dnsfunc(self, name: bytes, timeout: int = 5) -> Optional[bytes]:
        """A dkimpy DNS lookup answering only with the records the API told us to publish."""
        value = self.dkim_records.get(name.decode().rstrip(".").lower())
        return value.encode() if value is not None else None


TEMPLATE_HTML = "<html><body><p>Hello {{name}}, welcome to Sesame.</p></body></html>"
TEMPLATE_TEXT = "Hello {{name}}, welcome to Sesame."


def prepare_sending(server: SesameServer, api: Api, domain: str, account: str) -> Sending:
    """CreateEmailIdentity → `sesame identity trust` → CreateEmailAddress → CreateEmailTemplate."""
    ident = api.call("CreateEmailIdentity", {"EmailIdentity": domain})
    assert ident["IdentityType"] == "DOMAIN", ident
    assert ident["VerifiedForSendingStatus"] is False, ident
    dkim = {
        a["SendDomain"].rstrip(".").lower(): a["ExpectedValue"]
        for a in ident["Attributes"]
        if a["Type"] == "TXT" and "._domainkey." in a["SendDomain"]
    }
    assert dkim, f"no DKIM TXT record in {ident['Attributes']}"
    for name, value in dkim.items():
        assert name.endswith(f"._domainkey.{domain}"), name
        assert value.startswith("v=DKIM1;") and "p=" in value, value

    server.trust(domain, account)
    listed = api.call("ListEmailIdentities", {})
    mine = [i for i in listed["EmailIdentities"] if i["IdentityName"] == domain]
    assert mine and mine[0]["SendingEnabled"] is True, listed

    address = f"noreply@{domain}"
    api.call("CreateEmailAddress", {"EmailAddress": address, "EmailSenderName": "Sesame E2E"})
    tpl = api.call(
        "CreateEmailTemplate",
        {"TemplateName": "welcome", "TemplateContent": {"Html": b64(TEMPLATE_HTML), "Text": b64(TEMPLATE_TEXT)}},
    )
    assert isinstance(tpl["TemplateID"], int), tpl
    return Sending(domain, f"Sesame E2E <{address}>", tpl["TemplateID"], dkim)


def send_template(api: Api, sending: Sending, to: list[str], name: str = "Ada", **extra) -> str:
    """SendEmail with the welcome template; returns the MessageId."""
    params = {
        "FromEmailAddress": sending.from_address,
        "Destination": to,
        "Subject": "Welcome {{name}}",
        "Template": {"TemplateID": sending.template_id, "TemplateData": json.dumps({"name": name})},
        "TriggerType": 1,
    }
    params.update(extra)
    out = api.call("SendEmail", params)
    assert out["MessageId"], out
    return out["MessageId"]
