"""The server's log stays proportionate to the work: one bounded line per event.

A tracing span entered with `span.enter()` and held across an `.await` leaks into whatever
the thread runs next, so each delivery's span nests inside the previous one and log lines grow
with every message (seen in a benchmark: 3 GB of log for 30,000 messages). This sends a few
messages and checks that no line carries more than one `deliver{...}` span.
"""

from __future__ import annotations

from harness import send_template, shanghai_today


def test_delivery_spans_do_not_nest_across_messages(api, sink, server, sending):
    day = shanghai_today()
    ids = [send_template(api, sending, [f"log{i}@example.org"], name=f"L{i}") for i in range(5)]
    for mid in ids:
        api.wait_status(mid, day, lambda rows: rows[0]["DeliverStatus"] == 1)

    lines = server.log(tail=10_000).splitlines()
    assert lines, "empty server log"
    worst = max(lines, key=lambda line: line.count("deliver{"))
    assert worst.count("deliver{") <= 1, f"nested delivery spans:\n{worst[:2000]}"
    longest = max(len(line) for line in lines)
    assert longest < 2000, f"a log line of {longest} characters"
