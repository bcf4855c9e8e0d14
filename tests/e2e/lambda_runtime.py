"""Runs the real Lambda function binaries on this machine, as Lambda would, without Lambda.

* `RuntimeApi`: a stand-in for the Lambda Runtime API (`/2018-06-01/runtime/...`): the
  function long-polls `invocation/next`, gets the event with the `Lambda-Runtime-*` headers,
  and posts its response or error back. One per function process.
* `LambdaFunction`: one binary (the `bootstrap` that `sam build` made of `api`, ...: see
  `sam_artifact`) started with the variables Lambda sets (`AWS_LAMBDA_RUNTIME_API`, `AWS_LAMBDA_FUNCTION_NAME`, ...) plus the function's own;
  `invoke(event)` hands it one event and returns its response. It also measures what the
  benchmark reports: time from process start to the first poll (the cold init) and peak RSS.
* `FunctionUrlFront`: an HTTP server turning each request into a function URL event (payload
  format 2.0) and the function's response back into HTTP, so HTTP clients (the official
  Tencent Cloud SDK) talk to the `api` function as they would to its function URL.
* `Moto`: the AWS emulator (moto server, started through crates/aws's `moto_atomic.py`), with
  the table and queue made exactly as sesame-aws `create_table` / `create_queue` make them.
* `sqs_event`: messages received from SQS, shaped as the SQS event Lambda's poller builds.

Used by tests/e2e/test_lambda_emulator.py and bench/lambda_bench.py. Standard library only,
except `Moto`, which needs boto3.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parents[2]
RUNTIME = "/2018-06-01/runtime"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
# Dummy credentials: moto accepts any, and the functions must never see real ones here.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "test"}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# The template's logical id of each function (template.yaml, `BuildProperties: Binary`).
LOGICAL_IDS = {"api": "ApiFunction", "deliver": "DeliverFunction", "scheduler": "SchedulerFunction", "track": "TrackFunction"}


def sam_build_dir() -> Path:
    """Where `sam build` puts its artifacts: `.aws-sam/build` (or `$SESAME_SAM_BUILD_DIR`)."""
    return Path(os.environ.get("SESAME_SAM_BUILD_DIR", REPO / ".aws-sam" / "build"))


def sam_artifact(name: str) -> Path:
    """`.aws-sam/build/<LogicalId>/bootstrap`: function `name` as `sam build` made it for
    template.yaml, the file a deployment uploads (scripts/test.sh runs `sam build` for this
    machine's architecture first); raises if it is not there."""
    path = sam_build_dir() / LOGICAL_IDS[name] / "bootstrap"
    if not path.is_file():
        raise RuntimeError(
            f"{path} not found: run `sam build --parameter-overrides Architecture=x86_64` "
            "(see scripts/test.sh) first"
        )
    return path


def function_binary(name: str, profile: str = "debug") -> Path:
    """`target/<profile>/<name>` (or `$CARGO_TARGET_DIR/...`), a plain cargo build (the
    benchmark's); raises if it was not built."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    path = target / profile / name
    if not path.is_file():
        flag = " --release" if profile == "release" else ""
        raise RuntimeError(f"{path} not found: run `cargo build{flag} --workspace` first")
    return path


class _Server(http.server.ThreadingHTTPServer):
    """A threading HTTP server that does not print a traceback when a peer goes away (a
    function process stopped while its keep-alive connection was idle)."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


# -- the Runtime API ------------------------------------------------------------------------------


class Invocation:
    """One event handed to the function, and what it answered."""

    def __init__(self, event: bytes, deadline_ms: int):
        self.request_id = str(uuid.uuid4())
        self.event = event
        self.deadline_ms = deadline_ms
        self.outcome: Optional[str] = None  # "response" or "error"
        self.body = b""
        self.error_type: Optional[str] = None
        self.done = threading.Event()


class InvocationError(Exception):
    """The function reported an error for an invocation (`.../error`)."""

    def __init__(self, error_type: Optional[str], body: bytes):
        super().__init__(f"function error {error_type}: {body.decode(errors='replace')}")
        self.error_type = error_type
        self.body = body


class RuntimeApi:
    """The Runtime API of one function instance, on a free loopback port."""

    def __init__(self, function_name: str):
        self.function_name = function_name
        self.arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}"
        self._pending: "queue.Queue[Invocation]" = queue.Queue()
        self._inflight: dict[str, Invocation] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.first_poll = threading.Event()
        self.first_poll_at: Optional[float] = None  # time.monotonic() of the first `next`
        self.init_error: Optional[bytes] = None
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread: Optional[threading.Thread] = None

    @property
    def address(self) -> str:
        """`host:port`, the value of `AWS_LAMBDA_RUNTIME_API`."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> "RuntimeApi":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closed.set()
        if self._thread is not None:  # shutdown() waits for serve_forever, so only if it ran
            self._server.shutdown()
        self._server.server_close()

    def submit(self, event: Any, timeout_s: float = 30.0) -> Invocation:
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        inv = Invocation(body, int((time.time() + timeout_s) * 1000))
        with self._lock:
            self._inflight[inv.request_id] = inv
        self._pending.put(inv)
        return inv

    # -- HTTP side ------------------------------------------------------------------------------

    def _next(self) -> Optional[Invocation]:
        """Blocks until an event is submitted (the long poll), or the API is closed."""
        if not self.first_poll.is_set():
            self.first_poll_at = time.monotonic()
            self.first_poll.set()
        while not self._closed.is_set():
            try:
                return self._pending.get(timeout=0.1)
            except queue.Empty:
                continue
        return None

    def _finish(self, request_id: str, outcome: str, body: bytes, error_type: Optional[str]) -> bool:
        with self._lock:
            inv = self._inflight.pop(request_id, None)
        if inv is None:
            return False
        inv.outcome, inv.body, inv.error_type = outcome, body, error_type
        inv.done.set()
        return True

    def _handler(self):
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the runtime's hyper client expects

            def log_message(self, *args):  # quiet: the function's own log is what matters
                pass

            def _reply(self, status: int, body: bytes = b"", headers: Optional[dict[str, str]] = None):
                try:
                    self.send_response(status)
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the function exited while polling

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def do_GET(self):  # noqa: N802
                if self.path != f"{RUNTIME}/invocation/next":
                    return self._reply(404, b'{"errorMessage":"not found"}')
                inv = api._next()
                if inv is None:  # shutting down: the function sees a failed poll and exits
                    return self._reply(500, b'{"errorMessage":"runtime api closed"}')
                self._reply(
                    200,
                    inv.event,
                    {
                        "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                        "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
                        "Lambda-Runtime-Invoked-Function-Arn": api.arn,
                        "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0",
                    },
                )

            def do_POST(self):  # noqa: N802
                body = self._body()
                path = self.path
                if path == f"{RUNTIME}/init/error":
                    api.init_error = body
                    return self._reply(202, b'{"status":"OK"}')
                prefix = f"{RUNTIME}/invocation/"
                if path.startswith(prefix):
                    request_id, _, kind = path[len(prefix) :].partition("/")
                    if kind in ("response", "error"):
                        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
                        if api._finish(request_id, kind, body, error_type):
                            return self._reply(202, b'{"status":"OK"}')
                        return self._reply(400, b'{"errorMessage":"unknown request id"}')
                self._reply(404, b'{"errorMessage":"not found"}')

        return Handler


# -- a function process ---------------------------------------------------------------------------


class LambdaFunction:
    """One function binary under its own Runtime API: one warm instance after the cold start."""

    def __init__(self, name: str, binary: Path, env: dict[str, str], log_dir: Path, memory_mb: int = 256):
        self.name = name
        self.binary = binary
        self.extra_env = env
        self.log_path = log_dir / f"{name}-{uuid.uuid4().hex[:8]}.log"
        self.memory_mb = memory_mb
        self.runtime = RuntimeApi(name)
        self.proc: Optional[subprocess.Popen] = None
        self.started_at: Optional[float] = None

    def env(self) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_LAMBDA_RUNTIME_API": self.runtime.address,
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{dt.date.today():%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
            "LAMBDA_TASK_ROOT": str(self.binary.parent),
            "RUST_BACKTRACE": "1",
            **DUMMY_CREDENTIALS,
        }
        env.update(self.extra_env)
        return env

    def start(self) -> "LambdaFunction":
        """Starts the process; the cold start is timed from here to its first `next` poll."""
        self.runtime.start()
        log = open(self.log_path, "wb")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            [str(self.binary)], env=self.env(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        return self

    def wait_ready(self, timeout: float = 30.0) -> float:
        """Waits for the first poll of the Runtime API; returns the init time in ms."""
        deadline = time.monotonic() + timeout
        while not self.runtime.first_poll.wait(0.01):
            self._check_alive("during init")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not poll the Runtime API within {timeout}s\n{self.log()}")
        return self.init_ms

    @property
    def init_ms(self) -> float:
        assert self.started_at is not None and self.runtime.first_poll_at is not None
        return (self.runtime.first_poll_at - self.started_at) * 1000.0

    def invoke(self, event: Any, timeout: float = 60.0) -> Any:
        """One invocation; returns the function's response (JSON-decoded when it is JSON)."""
        inv = self.runtime.submit(event, timeout)
        deadline = time.monotonic() + timeout
        while not inv.done.wait(0.05):
            self._check_alive("during an invocation")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no response within {timeout}s\n{self.log()}")
        if inv.outcome == "error":
            raise InvocationError(inv.error_type, inv.body)
        try:
            return json.loads(inv.body)
        except ValueError:
            return inv.body

    def peak_rss_kb(self) -> int:
        """`VmHWM` of the running process: its peak resident set so far, in kB."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise RuntimeError("no VmHWM in /proc status")

    def _check_alive(self, when: str) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            init = f"\ninit error posted: {self.runtime.init_error!r}" if self.runtime.init_error else ""
            raise RuntimeError(f"{self.name} exited {self.proc.returncode} {when}{init}\n{self.log()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.runtime.stop()

    def log(self, tail: int = 80) -> str:
        if not self.log_path.exists():
            return "(no log)"
        lines = self.log_path.read_text(errors="replace").splitlines()
        return f"--- {self.name} log (tail) ---\n" + "\n".join(lines[-tail:])

    def __enter__(self) -> "LambdaFunction":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# -- the function URL ---------------------------------------------------------------------------


def function_url_event(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    source_ip: str = "127.0.0.1",
    domain: str = "localhost",
) -> dict[str, Any]:
    """A function URL event (payload format 2.0), as Lambda builds it from an HTTP request."""
    now = dt.datetime.now(dt.timezone.utc)
    api_id = domain.split(".", 1)[0]
    headers = {k.lower(): v for k, v in headers.items()}
    cookies = headers.pop("cookie", None)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": api_id,
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": True,
    }
    if cookies:
        event["cookies"] = [c.strip() for c in cookies.split(";")]
    if raw_query:
        params: dict[str, str] = {}
        for pair in raw_query.split("&"):
            k, _, v = pair.partition("=")
            params[k] = f"{params[k]},{v}" if k in params else v
        event["queryStringParameters"] = params
    if body:
        event["body"] = base64.b64encode(body).decode()
    return event


def http_response(resp: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of a function URL response (or of a bare-object response)."""
    if not isinstance(resp, dict) or "statusCode" not in resp:
        # A function URL answers a non-response object as a JSON 200.
        raw = resp if isinstance(resp, bytes) else json.dumps(resp).encode()
        return 200, [("content-type", "application/json")], raw
    headers: list[tuple[str, str]] = []
    multi = resp.get("multiValueHeaders") or {}
    for k, v in (resp.get("headers") or {}).items():
        if k not in multi:
            headers.append((k, v))
    for k, values in multi.items():
        headers.extend((k, v) for v in values)
    headers.extend(("set-cookie", c) for c in resp.get("cookies") or [])
    body = resp.get("body") or ""
    raw = base64.b64decode(body) if resp.get("isBase64Encoded") else body.encode()
    return int(resp["statusCode"]), headers, raw


class FunctionUrlFront:
    """An HTTP server on loopback standing in for a function's URL."""

    def __init__(self, function: LambdaFunction, domain: Optional[str] = None):
        self.function = function
        self.domain = domain or f"{uuid.uuid4().hex}.lambda-url.{REGION}.on.aws"
        self.requests = 0
        self._server = _Server(("127.0.0.1", 0), self._handler())
        # One instance handles one event at a time, as in Lambda (a burst would start more).
        self._serial = threading.Lock()
        self._started = False

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> "FunctionUrlFront":
        self._started = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._started:
            self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                headers: dict[str, str] = {}
                for k, v in self.headers.items():  # repeated headers are joined, as Lambda does
                    k = k.lower()
                    headers[k] = f"{headers[k]},{v}" if k in headers else v
                headers.setdefault("x-forwarded-for", self.client_address[0])
                headers.setdefault("x-forwarded-proto", "http")
                headers.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}")
                event = function_url_event(
                    self.command, path, query, headers, body, self.client_address[0], front.domain
                )
                try:
                    with front._serial:
                        front.requests += 1
                        resp = front.function.invoke(event)
                    status, out_headers, raw = http_response(resp)
                except Exception as e:  # noqa: BLE001 - Lambda answers 502 when the function fails
                    status, out_headers, raw = 502, [("content-type", "application/json")], json.dumps(
                        {"Message": f"function error: {e}"}
                    ).encode()
                self.send_response(status)
                for k, v in out_headers:
                    if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        return Handler

    def __enter__(self) -> "FunctionUrlFront":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# -- SQS events -------------------------------------------------------------------------------


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The SQS event Lambda's poller hands the function for messages from `ReceiveMessage`
    (received with `AttributeNames=["All"]`, `MessageAttributeNames=["All"]`)."""
    records = []
    for m in messages:
        attrs = {}
        for name, value in (m.get("MessageAttributes") or {}).items():
            attrs[name] = {
                "stringValue": value.get("StringValue"),
                "binaryValue": base64.b64encode(value["BinaryValue"]).decode() if value.get("BinaryValue") else None,
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value["DataType"],
            }
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes") or {}),
                "messageAttributes": attrs,
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3],
            }
        )
    return {"Records": records}


# -- the AWS emulator ---------------------------------------------------------------------------


class Moto:
    """A moto server on a free loopback port (DynamoDB, SQS, SSM, ...), killed on `stop`.

    Started through crates/aws/tests/support/moto_atomic.py, as the Rust adapter tests do, with
    this interpreter (`$SESAME_TEST_PYTHON` when set). Missing moto is an error, never a skip.
    """

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"moto-{self.port}.log"
        self.proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 30.0) -> "Moto":
        python = os.environ.get("SESAME_TEST_PYTHON", sys.executable)
        script = REPO / "crates" / "aws" / "tests" / "support" / "moto_atomic.py"
        log = open(self.log_path, "wb")
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        self.proc = subprocess.Popen(
            [python, str(script), "-H", "127.0.0.1", "-p", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"moto exited {self.proc.returncode} at start (is moto[server] installed?)\n"
                    + self.log_path.read_text(errors="replace")[-4000:]
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"moto did not listen on {self.port} within {timeout}s")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def env(self) -> dict[str, str]:
        """What a process needs to reach this emulator with the standard AWS environment."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, **DUMMY_CREDENTIALS}

    def client(self, service: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            aws_session_token="test",
        )

    def create_table(self, name: str) -> None:
        """The Sesame table, exactly as sesame-aws `create_table` makes it."""
        ddb = self.client("dynamodb")

        def gsi(index: str, hash_key: str, range_key: str) -> dict[str, Any]:
            return {
                "IndexName": index,
                "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"}, {"AttributeName": range_key, "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }

        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "gsi1pk", "AttributeType": "S"},
                {"AttributeName": "gsi1sk", "AttributeType": "S"},
                {"AttributeName": "pending", "AttributeType": "S"},
                {"AttributeName": "due_at", "AttributeType": "N"},
            ],
            GlobalSecondaryIndexes=[gsi("gsi1", "gsi1pk", "gsi1sk"), gsi("pending", "pending", "due_at")],
        )
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})

    def create_queue(self, name: str) -> tuple[str, str]:
        """The delivery queue and its `<name>-dlq`, as sesame-aws `create_queue` makes them;
        returns the queue URL and ARN."""
        sqs = self.client("sqs")
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq", Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)})["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 10})
        url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def __enter__(self) -> "Moto":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
