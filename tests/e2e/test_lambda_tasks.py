"""Batch tasks on the Lambda deployment, on this machine: the real `api`, `scheduler` and
`deliver` binaries under the Runtime API stand-in, against moto (DynamoDB, SQS, EventBridge
Scheduler).

BatchSendEmail through the official SDK stores the task in DynamoDB; the scheduler function's
one-minute tick (the EventBridge rule event from template.yaml) starts the run and expands the
group into delivery jobs on SQS; `deliver` sends them to the SMTP sink with each recipient's
TemplateData. A timed task gets its one-time EventBridge schedule (`task-<id>`, `at(...)`), and
DeleteSendTask removes it. moto stores schedules but never fires them, so the tick stands in
for the fire, as it does on AWS when a fire is late.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from harness import SHANGHAI, Api, prepare_sending
from lambda_runtime import LambdaFunction, sam_artifact
from test_lambda_emulator import LambdaStack
from test_tasks import _begin, _extension, _group, _msg, _task, _text

ACCOUNT = "e2e-tasks"
DOMAIN = "mail.sesame-lambda-tasks.com"
EVENTS = Path(__file__).resolve().parents[2] / "functions" / "scheduler" / "events"


class TaskStack(LambdaStack):
    """The Lambda stack plus the scheduler function; the API may create task schedules."""

    def _start(self, binaries, relay):
        super()._start(binaries, relay)
        schedule_env = {
            "SESAME_SCHEDULE_GROUP": "default",
            "SESAME_SCHEDULER_TARGET_ARN": "arn:aws:lambda:us-east-1:123456789012:function:sesame-scheduler",
            "SESAME_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/sesame-scheduler-invoke",
        }
        # The API creates schedules: restart it with a target to give them.
        self.api_fn.stop()
        self.api_fn = LambdaFunction(
            "sesame-api", sam_artifact("api"), {**self.api_fn.extra_env, **schedule_env}, self.root, memory_mb=512
        )
        self.front.function = self.api_fn
        self.scheduler_fn = LambdaFunction(
            "sesame-scheduler", sam_artifact("scheduler"), {**self.deliver_fn.extra_env, **schedule_env},
            self.root, memory_mb=256,
        )
        for fn in (self.api_fn, self.scheduler_fn):
            fn.start()
            fn.wait_ready()

    def stop(self) -> None:
        if hasattr(self, "scheduler_fn"):
            self.scheduler_fn.stop()
        super().stop()

    def log(self) -> str:
        return f"{super().log()}\n{self.scheduler_fn.log()}"

    def minute_tick(self) -> dict:
        event = json.loads((EVENTS / "eventbridge-scheduled-event.json").read_text())
        return self.scheduler_fn.invoke(event)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, sink):
    s = TaskStack(tmp_path_factory.mktemp("lambda-tasks"), sink.url)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def api(stack) -> Api:
    return Api(stack, *stack.create_key(ACCOUNT))


@pytest.fixture(scope="module")
def sending(stack, api):
    return prepare_sending(stack, api, DOMAIN, ACCOUNT)


def test_an_immediate_task_runs_on_the_minute_tick_and_is_delivered(stack, api, sending, sink):
    rows = [(f"lt{i}@example.org", {"name": f"Lambda {i}"}) for i in range(3)]
    receiver = _group(api, rows)
    task_id = api.call("BatchSendEmail", {
        "FromEmailAddress": sending.from_address,
        "ReceiverId": receiver,
        "Subject": "Hi {{name}}",
        "TaskType": 1,
        "Template": {"TemplateID": sending.template_id, "TemplateData": "{}"},
    })["TaskId"]
    assert _task(api, task_id)["TaskStatus"] == 1

    tick = stack.minute_tick()
    assert tick["task_runs_started"] == 1 and tick["expanded"] == 3, tick
    task = _task(api, task_id)
    assert (task["TaskStatus"], task["RequestCount"], task["SendCount"]) == (10, 3, 3), task

    jobs = stack.receive_jobs(3)
    response = stack.deliver(jobs)
    assert not (response or {}).get("batchItemFailures"), response
    for address, data in rows:
        got = sink.wait_for_rcpt(address)
        assert _msg(got.raw)["Subject"] == f"Hi {data['name']}"
        assert f"Hello {data['name']}," in _text(got.raw)
    # The next tick finds nothing to do: no recipient is expanded twice.
    again = stack.minute_tick()
    assert again["expanded"] == 0, again


def test_a_timed_task_gets_a_one_time_schedule_that_delete_removes(stack, api, sending):
    receiver = _group(api, [("timed-lambda@example.org", {"name": "T"})])
    begin = _begin(3600)
    task_id = api.call("BatchSendEmail", {
        "FromEmailAddress": sending.from_address,
        "ReceiverId": receiver,
        "Subject": "Later",
        "TaskType": 2,
        "TimedParam": {"BeginTime": begin},
        "Template": {"TemplateID": sending.template_id, "TemplateData": "{}"},
    })["TaskId"]
    scheduler = stack.moto.client("scheduler")
    schedule = scheduler.get_schedule(Name=f"task-{task_id}", GroupName="default")
    at = dt.datetime.strptime(begin, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI).astimezone(dt.timezone.utc)
    assert schedule["ScheduleExpression"] == f"at({at:%Y-%m-%dT%H:%M:%S})", schedule
    assert json.loads(schedule["Target"]["Input"]) == {"v": 1, "kind": "task", "task_id": str(task_id)}
    # Not due yet: the tick leaves it alone.
    assert stack.minute_tick()["task_runs_started"] == 0

    _extension(api, "DeleteSendTask", {"TaskId": task_id})
    with pytest.raises(Exception):
        scheduler.get_schedule(Name=f"task-{task_id}", GroupName="default")
