"""BatchSendEmail end to end with the official Tencent Cloud Python SDK on `sesame serve`: the
three task types (immediate, timed a few seconds ahead, recurring whose first run is a few
seconds ahead) each reach every recipient of a group through the SMTP sink with the template
rendered from the recipient's own TemplateData; ListSendTasks shows exact counts; suppressed
recipients are skipped and counted (GetSendTask, a Sesame extension); a daily quota pauses a
task with TaskStatus 6 and CacheCount; a recurring task stops when deleted (DeleteSendTask).

Times that only a fixed clock can reach quickly (the second and third interval of a recurring
task, the next quota day) are covered by the core flow tests, which run on every backend.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import time
import uuid

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from harness import SHANGHAI, SesameServer, new_master_key, prepare_sending


def _msg(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _text(raw: bytes) -> str:
    part = _msg(raw).get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def _begin(seconds: float) -> str:
    return (dt.datetime.now(SHANGHAI) + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def _group(api, rows: list[tuple[str, dict]]) -> int:
    """A recipient group with per-recipient TemplateData, waited for until upload-complete."""
    name = f"tasks-{uuid.uuid4().hex[:8]}"
    receiver = api.call("CreateReceiver", {"ReceiversName": name, "Desc": "e2e"})["ReceiverId"]
    datas = [{"Email": e, "TemplateData": json.dumps(d)} for e, d in rows]
    api.call("CreateReceiverDetailWithData", {"ReceiverId": receiver, "Datas": datas})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        listed = api.call("ListReceivers", {"Offset": 0, "Limit": 100, "KeyWord": name})
        mine = [r for r in listed.get("Data") or [] if r["ReceiverId"] == receiver]
        if mine and mine[0]["ReceiversStatus"] == 3:
            return receiver
        time.sleep(0.2)
    raise AssertionError(f"group {name} never became upload-complete")


def _task(api, task_id: int) -> dict:
    out = api.call("ListSendTasks", {"Offset": 0, "Limit": 100})
    mine = [t for t in out.get("Data") or [] if t["TaskId"] == task_id]
    assert mine, f"task {task_id} not listed: {out}"
    return mine[0]


def _wait_task(api, task_id: int, done, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    task = _task(api, task_id)
    while time.monotonic() < deadline:
        task = _task(api, task_id)
        if done(task):
            return task
        time.sleep(0.3)
    raise AssertionError(f"task {task_id} stuck: {task}\n{api.server.log()}")


def _extension(api, action: str, params: dict) -> dict:
    """A Sesame extension action through the SDK's generic signed call."""
    return api.sdk().call_json(action, params)["Response"]


def _batch(api, sending, receiver: int, task_type: int, **extra) -> int:
    params = {
        "FromEmailAddress": sending.from_address,
        "ReceiverId": receiver,
        "Subject": "Welcome {{name}}",
        "TaskType": task_type,
        "Template": {"TemplateID": sending.template_id, "TemplateData": json.dumps({"name": "friend"})},
    }
    params.update(extra)
    out = api.call("BatchSendEmail", params)
    assert isinstance(out["TaskId"], int), out
    return out["TaskId"]


def test_an_immediate_task_reaches_every_recipient_with_their_own_data(api, sink, sending):
    tag = uuid.uuid4().hex[:6]
    rows = [(f"imm{i}-{tag}@example.org", {"name": f"Reader {i}"}) for i in range(5)]
    receiver = _group(api, rows)
    task_id = _batch(api, sending, receiver, 1, ADLocation=1)

    for address, data in rows:
        got = sink.wait_for_rcpt(address)
        msg = _msg(got.raw)
        assert msg["Subject"] == f"(AD)Welcome {data['name']}", msg["Subject"]
        assert address in msg["To"] and "," not in msg["To"], msg["To"]
        assert f"Hello {data['name']}, welcome to Sesame." in _text(got.raw)

    task = _wait_task(api, task_id, lambda t: t["TaskStatus"] == 10)
    assert task["TaskType"] == 1
    assert (task["RequestCount"], task["SendCount"], task["CacheCount"]) == (5, 5, 0), task
    assert task["ReceiverId"] == receiver
    assert task["Template"]["TemplateID"] == sending.template_id
    assert task["CycleParam"] is None and task["TimedParam"] is None
    assert task["ErrMsg"] == ""
    by_type = api.call("ListSendTasks", {"Offset": 0, "Limit": 100, "TaskType": 1, "ReceiverId": receiver})
    assert [t["TaskId"] for t in by_type["Data"]] == [task_id]
    assert by_type["TotalCount"] == 1


def test_a_timed_task_waits_for_its_begin_time(api, sink, sending):
    tag = uuid.uuid4().hex[:6]
    rows = [(f"timed{i}-{tag}@example.org", {"name": f"T{i}"}) for i in range(3)]
    receiver = _group(api, rows)
    begin = _begin(4)
    task_id = _batch(api, sending, receiver, 2, TimedParam={"BeginTime": begin})

    pending = _task(api, task_id)
    assert pending["TaskStatus"] == 1, pending
    assert pending["TimedParam"] == {"BeginTime": begin}
    assert not [m for m in sink.messages if tag in m.rcpt_tos[0]]

    got = sink.wait_for_rcpt(rows[0][0])
    begin_at = dt.datetime.strptime(begin, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    assert dt.datetime.now(SHANGHAI) >= begin_at, "sent before its begin time"
    assert "Hello T0," in _text(got.raw)
    task = _wait_task(api, task_id, lambda t: t["TaskStatus"] == 10)
    assert (task["RequestCount"], task["SendCount"]) == (3, 3), task


def test_a_recurring_task_runs_at_its_begin_time_and_stops_when_deleted(api, sink, sending):
    tag = uuid.uuid4().hex[:6]
    rows = [(f"cycle{i}-{tag}@example.org", {"name": f"C{i}"}) for i in range(2)]
    receiver = _group(api, rows)
    begin = _begin(3)
    task_id = _batch(
        api, sending, receiver, 3, CycleParam={"BeginTime": begin, "IntervalTime": 24, "TermCycle": 0}
    )
    for address, _ in rows:
        sink.wait_for_rcpt(address)
    task = _wait_task(api, task_id, lambda t: t["TaskStatus"] == 10)
    assert task["TaskType"] == 3
    assert task["CycleParam"] == {"BeginTime": begin, "IntervalTime": 24, "TermCycle": 0}, task
    assert (task["RequestCount"], task["SendCount"]) == (2, 2), task

    detail = _extension(api, "GetSendTask", {"TaskId": task_id})
    assert detail["Run"]["RunNumber"] == 1, detail
    next_run = dt.datetime.strptime(detail["Run"]["NextRunTime"], "%Y-%m-%d %H:%M:%S")
    first = dt.datetime.strptime(begin, "%Y-%m-%d %H:%M:%S")
    assert next_run - first == dt.timedelta(hours=24), detail

    assert "Error" not in _extension(api, "DeleteSendTask", {"TaskId": task_id})
    listed = api.call("ListSendTasks", {"Offset": 0, "Limit": 100, "ReceiverId": receiver})
    assert listed["TotalCount"] == 0, listed
    with pytest.raises(TencentCloudSDKException) as err:
        _extension(api, "GetSendTask", {"TaskId": task_id})
    assert err.value.code == "ResourceNotFound", err.value


def test_suppressed_recipients_are_skipped_and_counted(api, sink, sending):
    tag = uuid.uuid4().hex[:6]
    ok = f"ok-{tag}@example.org"
    blocked = f"blocked-{tag}@example.org"
    receiver = _group(api, [(ok, {"name": "Ok"}), (blocked, {"name": "Blocked"})])
    api.call("CreateCustomBlacklist", {"Emails": [blocked]})
    task_id = _batch(api, sending, receiver, 1)

    sink.wait_for_rcpt(ok)
    task = _wait_task(api, task_id, lambda t: t["TaskStatus"] == 10)
    assert (task["RequestCount"], task["SendCount"], task["CacheCount"]) == (2, 1, 0), task
    run = _extension(api, "GetSendTask", {"TaskId": task_id})["Run"]
    assert run["CustomBlacklistedCount"] == 1, run
    assert run["SendCount"] + run["CustomBlacklistedCount"] == run["RequestCount"]
    time.sleep(1)
    assert not [m for m in sink.messages if blocked in m.rcpt_tos], "a blacklisted recipient got mail"


def test_bad_batch_requests_get_the_documented_errors(api, sending):
    receiver = _group(api, [(f"err-{uuid.uuid4().hex[:6]}@example.org", {"name": "E"})])
    cases = [
        (dict(TaskType=2), "MissingParameter.TimedParamNecessary"),
        (dict(TaskType=2, TimedParam={"BeginTime": "2001-01-01 00:00:00"}), "InvalidParameterValue.BeginTimeBeforeNow"),
        (dict(TaskType=3, CycleParam={"BeginTime": _begin(600)}), "MissingParameter.CycleParamNecessary"),
        (dict(TaskType=1, ReceiverId=987654321), "OperationDenied.ReceiverNotExist"),
    ]
    for extra, code in cases:
        params = dict(extra)
        task_type = params.pop("TaskType")
        with pytest.raises(TencentCloudSDKException) as err:
            _batch(api, sending, params.pop("ReceiverId", receiver), task_type, **params)
        assert err.value.code == code, (extra, err.value)
    empty = api.call("CreateReceiver", {"ReceiversName": f"empty-{uuid.uuid4().hex[:6]}", "Desc": "e2e"})
    with pytest.raises(TencentCloudSDKException) as err:
        _batch(api, sending, empty["ReceiverId"], 1)
    assert err.value.code == "OperationDenied.ReceiverStatusError"


@pytest.fixture()
def quota_server(tmp_path, sink):
    """A server of its own with a daily quota of 3 and a fast tick."""
    srv = SesameServer(
        tmp_path / "data",
        sink.url,
        new_master_key(),
        tmp_path,
        extra_env={"SESAME_DAILY_QUOTA": "3", "SESAME_TICK_MS": "200", "SESAME_TASK_CHUNK": "2"},
    )
    srv.start()
    try:
        yield srv
    finally:
        if srv.proc is not None:
            assert srv.stop(timeout=10) == 0


def test_when_the_daily_quota_is_used_up_the_task_pauses_with_cache_count(quota_server, sink):
    api = quota_server.client(*quota_server.create_key("quota"))
    sending = prepare_sending(quota_server, api, "mail.quota-e2e.com", "quota")
    tag = uuid.uuid4().hex[:6]
    rows = [(f"q{i}-{tag}@example.org", {"name": f"Q{i}"}) for i in range(5)]
    receiver = _group(api, rows)
    first = _batch(api, sending, receiver, 1)

    task = _wait_task(api, first, lambda t: t["TaskStatus"] == 6)
    assert (task["RequestCount"], task["SendCount"], task["CacheCount"]) == (5, 3, 2), task
    for address, _ in rows[:3]:
        sink.wait_for_rcpt(address)
    # A younger task of the same account waits behind it; nothing more goes out today.
    second = _batch(api, sending, receiver, 1)
    younger = _wait_task(api, second, lambda t: t["TaskStatus"] == 6)
    assert younger["SendCount"] == 0, younger
    time.sleep(1)
    assert _task(api, first)["SendCount"] == 3
    assert not [m for m in sink.messages if any(a in m.rcpt_tos for a, _ in rows[3:])]
