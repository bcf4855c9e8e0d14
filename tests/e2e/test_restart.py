"""Accepted means durable: a message accepted while the relay is down survives a restart of
`sesame serve` (SIGTERM, exit 0) and is delivered by the next process once the relay works.

Runs its own server and data dir so the session server is not disturbed; the retry backoff
base is 1 s (SESAME_RETRY_BASE_SECS, set by the harness) instead of the default 30 s.
"""

from __future__ import annotations

import email
import time

from harness import SesameServer, new_master_key, prepare_sending, send_template, shanghai_today
from smtp_sink import free_port


def test_accepted_mail_survives_restart_and_is_delivered(tmp_path, sink):
    account = "restart"
    # Nothing listens on this port: every delivery attempt fails with connection refused.
    dead_relay = f"smtp://127.0.0.1:{free_port()}"
    srv = SesameServer(tmp_path / "data", dead_relay, new_master_key(), tmp_path)
    srv.start()
    try:
        api = srv.client(*srv.create_key(account))
        sending = prepare_sending(srv, api, "restart.sesame-e2e.com", account)
        day = shanghai_today()
        message_id = send_template(api, sending, ["survivor@example.org"], name="Phoenix")

        # Let at least one attempt fail; the message must still be pending (0 queued or
        # 8 delayed), not given up.
        time.sleep(2.5)
        rows = api.call(
            "GetSendEmailStatus", {"RequestDate": day, "Offset": 0, "Limit": 100, "MessageId": message_id}
        )["EmailStatusList"]
        assert len(rows) == 1 and rows[0]["DeliverStatus"] in (0, 8), rows

        code = srv.stop(timeout=10)
        assert code == 0, f"exit {code} on SIGTERM\n{srv.log()}"

        srv.relay = sink.url
        srv.start()
        got = sink.wait_for_rcpt("survivor@example.org", timeout=60)
        assert email.message_from_bytes(got.raw)["Subject"] == "Welcome Phoenix"
        rows = api.wait_status(message_id, day, lambda rows: rows[0]["DeliverStatus"] == 1, timeout=30)
        assert rows[0]["SendStatus"] == 0, rows

        code = srv.stop(timeout=10)
        assert code == 0, f"exit {code} on SIGTERM\n{srv.log()}"
    finally:
        srv.kill()  # only if a failure above left it running
