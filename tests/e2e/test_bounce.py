"""A recipient the receiving server refuses for good (SMTP 550 at RCPT) is a hard bounce:
GetSendEmailStatus shows DeliverStatus 3 with the remote reply in DeliverMessage, while the
other recipients of the same request are still delivered.
"""

from __future__ import annotations

from harness import send_template, shanghai_today


def test_hard_bounce_is_deliver_status_3_with_smtp_reply(api, sink, sending):
    day = shanghai_today()
    message_id = send_template(api, sending, ["bounce@example.net", "kept@example.net"], name="Bo")

    sink.wait_for_rcpt("kept@example.net")
    rows = api.wait_status(
        message_id, day, lambda rows: len(rows) == 2 and all(r["DeliverStatus"] != 0 for r in rows)
    )
    by_rcpt = {r["ToEmailAddress"]: r for r in rows}
    bounced = by_rcpt["bounce@example.net"]
    assert bounced["DeliverStatus"] == 3, bounced
    assert "550" in bounced["DeliverMessage"], bounced
    assert by_rcpt["kept@example.net"]["DeliverStatus"] == 1, by_rcpt
    assert not any("bounce@example.net" in m.rcpt_tos for m in sink.messages)
