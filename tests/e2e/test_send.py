"""SendEmail end to end with the official Tencent Cloud Python SDK: the message reaches a real
SMTP server on loopback, carries a DKIM signature that an independent verifier (dkimpy) accepts
against the DNS record the API told the user to publish, has its template variables filled in,
and GetSendEmailStatus reports it delivered. Also: a request at the documented attachment limit
(10 attachments, 4 MB raw) is accepted and arrives intact.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import os

import dkim

from harness import b64, send_template, shanghai_today


def _parts(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _body_text(msg: email.message.EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part in:\n{msg}"
    return part.get_content()


def test_send_email_arrives_dkim_valid(api, sink, sending):
    day = shanghai_today()
    message_id = send_template(api, sending, ["ada@example.org"], name="Ada Lovelace")

    got = sink.wait_for_rcpt("ada@example.org")
    assert got.mail_from.lower().endswith("@" + sending.domain), got.mail_from

    # DKIM: verified over the exact bytes received, with the key from CreateEmailIdentity.
    assert b"DKIM-Signature:" in got.raw
    assert dkim.verify(got.raw, dnsfunc=sending.dnsfunc), "dkimpy rejected the DKIM signature"
    # ...and the verifier really checks: a changed signed header must fail.
    forged = got.raw.replace(b"Subject: Welcome Ada", b"Subject: Welcome Eve", 1)
    assert forged != got.raw
    assert not dkim.verify(forged, dnsfunc=sending.dnsfunc)

    msg = _parts(got.raw)
    assert msg["Subject"] == "Welcome Ada Lovelace"
    assert sending.domain in msg["From"]
    assert "ada@example.org" in msg["To"]
    assert "Hello Ada Lovelace, welcome to Sesame." in _body_text(msg, "plain")
    assert "<p>Hello Ada Lovelace, welcome to Sesame.</p>" in _body_text(msg, "html")
    assert "{{name}}" not in got.raw.decode(errors="replace")

    rows = api.wait_status(message_id, day, lambda rows: all(r["DeliverStatus"] == 1 for r in rows))
    (row,) = rows
    assert row["MessageId"] == message_id
    assert row["ToEmailAddress"] == "ada@example.org"
    assert row["SendStatus"] == 0
    assert row["DeliverTime"] >= row["RequestTime"] > 0


def test_large_send_with_ten_attachments_arrives(api, sink, sending):
    # The documented maximum: 10 attachments, 4 MB raw in total (about 5.3 MB of base64 JSON).
    blobs = {f"report-{i}.pdf": os.urandom(400_000) for i in range(10)}
    attachments = [{"FileName": name, "Content": b64(data)} for name, data in blobs.items()]
    message_id = send_template(api, sending, ["big@example.org"], name="Big", Attachments=attachments)
    assert message_id

    got = sink.wait_for_rcpt("big@example.org", timeout=60)
    assert dkim.verify(got.raw, dnsfunc=sending.dnsfunc), "DKIM failed on the large message"
    msg = _parts(got.raw)
    received = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    assert sorted(received) == sorted(blobs)
    for name, data in blobs.items():
        assert hashlib.sha256(received[name]).digest() == hashlib.sha256(data).digest(), name
