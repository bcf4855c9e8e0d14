"""The tracking edge end to end: a message sent with the official SDK arrives with its links
rewritten, an open pixel, a localized unsubscribe footer and RFC 8058 List-Unsubscribe headers
(covered by the DKIM signature); fetching the pixel, following the link and one-click
unsubscribing over HTTP show up in GetSendEmailStatus, in the ListEvents feed, and as
FailedOperation.ReceiverHasUnsubscribed on the next SendEmail to that recipient.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import time
import urllib.error
import urllib.request

import dkim
import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from harness import b64, raw_post, shanghai_today, tc3_headers

BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Safari/605.1.15"
)
HTML = (
    '<html><body><p>Our <a href="https://shop.example/offer?x=1&amp;y=2">offer</a>.</p>'
    '<p><a href="mailto:help@shop.example">Help</a></p></body></html>'
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _http(method: str, url: str, body: bytes | None = None, agent: str | None = BROWSER):
    """One request without following redirects: (status, headers, body)."""
    headers = {"User-Agent": agent} if agent else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def _html_part(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    part = msg.get_body(preferencelist=("html",))
    assert part is not None, raw
    return part.get_content()


def _list_events(server, credentials, cursor: str = "") -> dict:
    body = json.dumps({"Cursor": cursor, "Limit": 100}).encode()
    headers = tc3_headers(*credentials, server.endpoint, "ListEvents", body)
    status, _, out = raw_post(server.endpoint, headers, body)
    assert status == 200
    return json.loads(out)["Response"]


def test_opens_clicks_and_one_click_unsubscribe_are_tracked(api, sink, sending, server, credentials):
    day = shanghai_today()
    to = "trk@example.org"
    out = api.call(
        "SendEmail",
        {
            "FromEmailAddress": sending.from_address,
            "Destination": [to],
            "Subject": "Offer",
            "Simple": {"Html": b64(HTML), "Text": b64("Our offer: https://shop.example/offer?x=1")},
            "Unsubscribe": "2",
        },
    )
    message_id = out["MessageId"]
    got = sink.wait_for_rcpt(to)
    msg = email.message_from_bytes(got.raw, policy=email.policy.default)

    # RFC 8058 headers, signed.
    base = f"http://{server.endpoint}"
    list_unsub = msg["List-Unsubscribe"]
    assert re.fullmatch(rf"<{re.escape(base)}/u/[A-Za-z0-9_-]+>", list_unsub), list_unsub
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    signature = re.sub(r"\s", "", msg["DKIM-Signature"]).lower()
    signed = set(re.search(r"(?:^|;)h=([^;]+)", signature).group(1).split(":"))
    assert {"list-unsubscribe", "list-unsubscribe-post"} <= signed, signature
    assert dkim.verify(got.raw, dnsfunc=sending.dnsfunc)

    html = _html_part(got.raw)
    assert "https://shop.example/offer" not in html, "the link is rewritten"
    assert 'href="mailto:help@shop.example"' in html
    pixels = re.findall(rf'<img src="({re.escape(base)}/o/[A-Za-z0-9_-]+)"', html)
    clicks = re.findall(rf'href="({re.escape(base)}/c/[A-Za-z0-9_-]+)"', html)
    unsub = re.findall(rf'href="({re.escape(base)}/u/[A-Za-z0-9_-]+)"', html)
    assert len(pixels) == 1 and len(clicks) == 2 and len(unsub) == 1, html  # link + honeypot
    assert "Unsubscribe</a>" in html
    assert "Our offer: https://shop.example/offer?x=1" in msg.get_body(("plain",)).get_content()

    # A person reads the mail a little later: scanners click within seconds of delivery.
    time.sleep(5.5)
    status, headers, body = _http("GET", pixels[0])
    assert status == 200 and headers["Content-Type"] == "image/gif" and body.startswith(b"GIF89a")
    assert "no-store" in headers["Cache-Control"]
    status, headers, _ = _http("GET", clicks[0])
    assert status == 302
    assert headers["Location"] == "https://shop.example/offer?x=1&y=2"

    # A tampered token is refused and leads nowhere.
    token = clicks[0].rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    status, headers, _ = _http("GET", f"{base}/c/{forged}")
    assert status == 404 and "Location" not in headers

    # GET shows the confirmation page and changes nothing; POST (one-click) unsubscribes.
    status, _, page = _http("GET", unsub[0])
    assert status == 200 and b'<form method="post"' in page
    rows = api.wait_status(message_id, day, lambda r: r[0]["UserOpened"] and r[0]["UserClicked"])
    assert rows[0]["UserUnsubscribed"] is False
    status, _, done = _http("POST", list_unsub.strip("<>"), body=b"List-Unsubscribe=One-Click", agent=None)
    assert status == 200 and b"unsubscribed" in done

    (row,) = api.wait_status(message_id, day, lambda r: r[0]["UserUnsubscribed"])
    assert row["UserOpened"] is True and row["UserClicked"] is True
    assert row["UserComplained"] is False and row["UserComplainted"] is False

    with pytest.raises(TencentCloudSDKException) as refused:
        api.call(
            "SendEmail",
            {
                "FromEmailAddress": sending.from_address,
                "Destination": [to],
                "Subject": "Again",
                "Simple": {"Text": b64("again")},
            },
        )
    assert refused.value.code == "FailedOperation.ReceiverHasUnsubscribed"

    # The feed (a Sesame extension) shows each event once, after its settling delay.
    deadline = time.monotonic() + 20
    kinds: list[str] = []
    while time.monotonic() < deadline:
        events = [e for e in _list_events(server, credentials)["Events"] if e["MessageId"] == message_id]
        kinds = [e["Type"] for e in events]
        if "unsubscribed" in kinds:
            break
        time.sleep(0.5)
    assert kinds == ["delivered", "opened", "clicked", "unsubscribed"], kinds
