"""Local schedules end to end: a timed batch task is started by the server's scheduler loop
(its stored schedule fires at the begin time), not by the periodic task tick, which this
server runs only once an hour (SESAME_TICK_MS); and a schedule survives a restart of
`sesame serve` (SIGTERM, exit 0), firing in the next process.

Runs its own server and data dir so the session server (ticking every 2 s) cannot start the
task instead.
"""

from __future__ import annotations

import datetime as dt
import time

from harness import SHANGHAI, SesameServer, new_master_key, prepare_sending
from test_tasks import _batch, _begin, _group, _wait_task

HOUR_MS = str(3600 * 1000)


def test_a_timed_task_is_started_by_its_schedule_even_across_a_restart(tmp_path, sink):
    account = "schedules"
    srv = SesameServer(
        tmp_path / "data", sink.url, new_master_key(), tmp_path, extra_env={"SESAME_TICK_MS": HOUR_MS}
    )
    srv.start()
    try:
        api = srv.client(*srv.create_key(account))
        sending = prepare_sending(srv, api, "schedules.sesame-e2e.com", account)

        # Fires while the server runs.
        first = [("sched-a@example.org", {"name": "A"})]
        begin = _begin(3)
        task_id = _batch(api, sending, _group(api, first), 2, TimedParam={"BeginTime": begin})
        got = sink.wait_for_rcpt(first[0][0], timeout=30)
        begin_at = dt.datetime.strptime(begin, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
        assert dt.datetime.now(SHANGHAI) >= begin_at, "sent before its begin time"
        assert got.raw
        _wait_task(api, task_id, lambda t: t["TaskStatus"] == 10)
        assert f"name=task-{task_id}" in srv.log(tail=400), "fired by the scheduler loop"

        # Fires in the next process: the schedule is stored, not held in memory.
        later = [("sched-b@example.org", {"name": "B"})]
        begin = _begin(6)
        task_id = _batch(api, sending, _group(api, later), 2, TimedParam={"BeginTime": begin})
        code = srv.stop(timeout=10)
        assert code == 0, f"exit {code} on SIGTERM\n{srv.log()}"
        time.sleep(1)
        srv.start()
        sink.wait_for_rcpt(later[0][0], timeout=30)
        task = _wait_task(api, task_id, lambda t: t["TaskStatus"] == 10)
        assert (task["RequestCount"], task["SendCount"]) == (1, 1), task

        code = srv.stop(timeout=10)
        assert code == 0, f"exit {code} on SIGTERM\n{srv.log()}"
    finally:
        srv.kill()  # only if a failure above left it running
