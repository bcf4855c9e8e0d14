"""The Lambda deployment end to end, on this machine: the real `api` and `deliver` binaries run
under a stand-in of the Lambda Runtime API (lambda_runtime.py) against moto.

The official Tencent Cloud SDK's requests reach `api` as function URL events; SendEmail leaves
message and delivery items in DynamoDB and a job in SQS; the job, received from SQS and shaped
into the SQS event Lambda's poller builds, is handed to `deliver`, which sends through the SMTP
sink on loopback; the sink's copy verifies with dkimpy against the DKIM record the API gave;
GetSendEmailStatus reports it delivered. A relay's 451 makes `deliver` report the job in
`batchItemFailures`, so SQS keeps it.

The account's first key and the domain's trust come from the operator CLI against the same
table (`sesame --backend aws`). Nothing here is skipped: without moto or the binaries it fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import dkim
import pytest

from harness import Api, new_master_key, prepare_sending, send_template, sesame_bin, shanghai_today
from lambda_runtime import FunctionUrlFront, LambdaFunction, Moto, sam_artifact, sqs_event

ACCOUNT = "e2e"
DOMAIN = "mail.sesame-lambda-e2e.com"
TABLE = "sesame-e2e"
QUEUE = "sesame-e2e-deliveries"


class LambdaStack:
    """moto with the stack's table and queue, the `api` function behind its URL, the `deliver`
    function, and the operator CLI; quacks like harness.SesameServer where the helpers need it
    (`endpoint`, `trust`, `log`)."""

    def __init__(self, root: Path, relay: str):
        self.root = root
        self.master_key = new_master_key()
        binaries = {fn: sam_artifact(fn) for fn in ("api", "deliver")}  # fail before starting anything
        self.moto = Moto(root).start()
        try:
            self._start(binaries, relay)
        except BaseException:
            self.stop()
            raise

    def _start(self, binaries: dict[str, Path], relay: str) -> None:
        self.moto.create_table(TABLE)
        self.queue_url, self.queue_arn = self.moto.create_queue(QUEUE)
        common = {
            **self.moto.env(),
            "SESAME_TABLE": TABLE,
            "SESAME_QUEUE_URL": self.queue_url,
            "SESAME_MASTER_KEY": self.master_key,
            "SESAME_HOSTNAME": "sesame.e2e.test",
            "SESAME_TIMEZONE": "Asia/Shanghai",
            "SESAME_RETRY_BASE_SECS": "1",
            "SESAME_RETRY_CAP_SECS": "5",
            "AWS_LAMBDA_LOG_LEVEL": "INFO",
        }
        self.api_fn = LambdaFunction("sesame-api", binaries["api"], common, self.root, memory_mb=512)
        self.deliver_fn = LambdaFunction(
            "sesame-deliver", binaries["deliver"], {**common, "SESAME_RELAY": relay}, self.root, memory_mb=512
        )
        self.front = FunctionUrlFront(self.api_fn)
        for fn in (self.api_fn, self.deliver_fn):
            fn.start()
            fn.wait_ready()
        self.front.start()

    def stop(self) -> None:
        """Stops whatever was started (also after a failed start)."""
        for part in ("front", "api_fn", "deliver_fn", "moto"):
            if hasattr(self, part):
                getattr(self, part).stop()

    # -- what harness.Api and prepare_sending use ------------------------------------------------

    @property
    def endpoint(self) -> str:
        return self.front.endpoint

    def log(self) -> str:
        return f"{self.api_fn.log()}\n{self.deliver_fn.log()}"

    def admin(self, *args: str) -> str:
        """`sesame --backend aws --table T <args>` against the emulator; returns stdout."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SESAME_", "AWS_"))}
        env.update(self.moto.env())
        env.update(SESAME_MASTER_KEY=self.master_key, SESAME_QUEUE_URL=self.queue_url, NO_COLOR="1")
        cmd = [str(sesame_bin()), "--backend", "aws", "--table", TABLE, *args]
        res = subprocess.run(cmd, env=env, cwd=self.root, capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {res.returncode}\n{res.stdout}\n{res.stderr}")
        return res.stdout

    def create_key(self, account: str) -> tuple[str, str]:
        out = self.admin("keys", "create", "--account", account)
        key = json.loads(next(line for line in out.splitlines() if line.strip().startswith("{")))
        assert key["Account"] == account and key["SecretId"].startswith("AKID"), key
        return key["SecretId"], key["SecretKey"]

    def trust(self, domain: str, account: str) -> None:
        self.admin("identity", "trust", domain, "--account", account)

    # -- the AWS side ------------------------------------------------------------------------------

    def message_items(self, message_id: str) -> dict[str, dict]:
        """The items of a message's partition, by sort key."""
        out = self.moto.client("dynamodb").query(
            TableName=TABLE,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"ACCT#{ACCOUNT}#MSG#{message_id}"}},
            ConsistentRead=True,
        )
        return {item["sk"]["S"]: item for item in out["Items"]}

    def receive_jobs(self, expected: int, timeout: float = 10.0) -> list[dict]:
        """Receives `expected` messages from the delivery queue, as Lambda's SQS poller does."""
        sqs = self.moto.client("sqs")
        got: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(got) < expected and time.monotonic() < deadline:
            out = sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                VisibilityTimeout=360,  # template.yaml's DeliveryQueue
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            got.extend(out.get("Messages", []))
        assert len(got) == expected, f"expected {expected} SQS messages, got {got}"
        return got

    def deliver(self, messages: list[dict]) -> dict:
        """Invokes `deliver` with these messages, then does what the event source mapping does
        with `ReportBatchItemFailures`: deletes every message not reported as failed."""
        response = self.deliver_fn.invoke(sqs_event(messages, self.queue_arn))
        failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
        sqs = self.moto.client("sqs")
        for m in messages:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return response


@pytest.fixture(scope="module")
def stack(tmp_path_factory, sink):
    s = LambdaStack(tmp_path_factory.mktemp("lambda"), sink.url)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def lambda_api(stack) -> Api:
    return Api(stack, *stack.create_key(ACCOUNT))


@pytest.fixture(scope="module")
def lambda_sending(stack, lambda_api):
    return prepare_sending(stack, lambda_api, DOMAIN, ACCOUNT)


def test_send_email_through_the_functions_is_delivered_dkim_valid(stack, lambda_api, lambda_sending, sink):
    day = shanghai_today()
    rcpt = "grace@example.org"
    message_id = send_template(lambda_api, lambda_sending, [rcpt], name="Grace Hopper")

    # Accepted means durable: the message header and its delivery are in DynamoDB...
    items = stack.message_items(message_id)
    assert "MESSAGE" in items, f"no message item in {sorted(items)}"
    assert f"RCPT#{rcpt}" in items, f"no delivery item in {sorted(items)}"
    # ...and one delivery job is in SQS, naming that message and recipient.
    [job] = stack.receive_jobs(1)
    body = json.loads(job["Body"])
    assert body["message_id"] == message_id and body["recipient"] == rcpt, body

    # Nothing was sent yet: only `deliver` talks to the relay.
    assert not [m for m in sink.messages if rcpt in m.rcpt_tos]
    response = stack.deliver([job])
    assert response == {"batchItemFailures": []}, f"{response}\n{stack.deliver_fn.log()}"

    got = sink.wait_for_rcpt(rcpt, timeout=10)
    assert got.mail_from.lower().endswith("@" + DOMAIN), got.mail_from
    assert b"Welcome Grace Hopper" in got.raw
    assert dkim.verify(got.raw, dnsfunc=lambda_sending.dnsfunc), "dkimpy rejected the DKIM signature"
    forged = got.raw.replace(b"Subject: Welcome Grace", b"Subject: Welcome Alan", 1)
    assert forged != got.raw and not dkim.verify(forged, dnsfunc=lambda_sending.dnsfunc)

    rows = lambda_api.wait_status(message_id, day, lambda rows: all(r["DeliverStatus"] == 1 for r in rows), timeout=15)
    assert [r["ToEmailAddress"] for r in rows] == [rcpt], rows
    assert rows[0]["SendStatus"] == 0, rows
    # The api function served every SDK call through the function URL front.
    assert stack.front.requests >= 6


def test_a_relay_451_goes_back_to_sqs_as_a_batch_item_failure(stack, lambda_api, lambda_sending, sink):
    rcpt = "tempfail@example.org"
    message_id = send_template(lambda_api, lambda_sending, [rcpt], name="Retry")
    [job] = stack.receive_jobs(1)
    assert json.loads(job["Body"])["message_id"] == message_id

    response = stack.deliver([job])
    assert response == {"batchItemFailures": [{"itemIdentifier": job["MessageId"]}]}, (
        f"{response}\n{stack.deliver_fn.log()}"
    )
    assert not [m for m in sink.messages if rcpt in m.rcpt_tos]
    # The retry was delayed on the message itself (ChangeMessageVisibility to the backoff,
    # ~1 s here) rather than left to the 360 s visibility timeout: it comes back quickly.
    [again] = stack.receive_jobs(1, timeout=15)
    assert again["MessageId"] == job["MessageId"]
    assert int(again["Attributes"]["ApproximateReceiveCount"]) == 2, again["Attributes"]
