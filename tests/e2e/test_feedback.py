"""Feedback and statistics through the official SDK: a hard bounce at RCPT, an asynchronous
DSN and an ARF complaint (the repository's fixtures, posted with the `IngestFeedback`
extension action) each suppress exactly their recipient, GetAbuseReport lists the complaint,
GetSendEmailStatus shows it, and GetStatisticsReport counts the day as computed by hand.
"""

from __future__ import annotations

import datetime as dt
import email
import email.utils
import json
from pathlib import Path

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from harness import SHANGHAI, b64, prepare_sending, send_template, shanghai_today

ACCOUNT = "feedback-e2e"
DOMAIN = "feedback.sesame-e2e.com"
FIXTURES = Path(__file__).resolve().parents[2] / "crates" / "core" / "tests" / "fixtures" / "feedback"
RECIPIENTS = ["fb-kept@example.net", "bounce@example.net", "fb-late@example.org"]


@pytest.fixture(scope="module")
def fb(server):
    api = server.client(*server.create_key(ACCOUNT))
    return api, prepare_sending(server, api, DOMAIN, ACCOUNT)


def fill(fixture: str, verp: str, rcpt: str, message_id: str) -> bytes:
    """The fixture with its placeholders filled; its dates are now (a report is counted on the day
    it says it arrived, so a fixed date would pass only on that day)."""
    text = (FIXTURES / fixture).read_bytes().decode()
    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    for key, value in {
        "{{DATE}}": email.utils.format_datetime(now),
        "{{ARRIVED}}": email.utils.format_datetime(now - dt.timedelta(seconds=30)),
        "{{DAY}}": now.strftime("%Y%m%d"),
        "{{VERP}}": verp,
        "{{RCPT}}": rcpt,
        "{{MESSAGE_ID}}": message_id,
        "{{TO_HEADER}}": ", ".join(RECIPIENTS),
    }.items():
        text = text.replace(key, value)
    return text.encode()


def ingest(api, raw: bytes) -> list[dict]:
    out = api.sdk().call_json("IngestFeedback", {"RawMessage": b64(raw)})
    return out["Response"]["Results"]


def copy_of(sink, rcpt: str) -> tuple[str, str]:
    got = sink.wait_for_rcpt(rcpt)
    return got.mail_from, email.message_from_bytes(got.raw)["Message-ID"]


def error_code(fn) -> str:
    with pytest.raises(TencentCloudSDKException) as e:
        fn()
    return e.value.code


def test_bounces_and_complaints_suppress_their_recipient_and_are_counted(fb, sink, api):
    fapi, sending = fb
    day = shanghai_today()
    message_id = send_template(fapi, sending, RECIPIENTS, name="Fe")
    fapi.wait_status(message_id, day, lambda rows: len(rows) == 3 and all(r["DeliverStatus"] != 0 for r in rows))

    late_verp, late_mid = copy_of(sink, "fb-late@example.org")
    kept_verp, kept_mid = copy_of(sink, "fb-kept@example.net")
    assert late_verp.startswith("bounces+") and late_verp.endswith("@" + DOMAIN), late_verp
    assert late_verp != kept_verp

    dsn = fill("dsn-postfix-user-unknown.eml", late_verp, "fb-late@example.org", late_mid)
    # Another account cannot act on this account's mail, even with the right VERP address.
    assert ingest(api, dsn) == []
    results = ingest(fapi, dsn)
    assert [(r["Kind"], r["ToEmailAddress"], r["MessageId"], r["Suppressed"]) for r in results] == [
        ("bounce", "fb-late@example.org", message_id, True)
    ], results
    ingest(fapi, dsn)  # a repeated report changes nothing more

    arf = fill("arf-abuse.eml", kept_verp, "fb-kept@example.net", kept_mid)
    results = ingest(fapi, arf)
    assert [(r["Kind"], r["ToEmailAddress"], r["Verdict"]) for r in results] == [
        ("complaint", "fb-kept@example.net", "abuse")
    ], results

    rows = fapi.call("GetSendEmailStatus", {"RequestDate": day, "Offset": 0, "Limit": 100, "MessageId": message_id})
    by_rcpt = {r["ToEmailAddress"]: r for r in rows["EmailStatusList"]}
    assert by_rcpt["fb-late@example.org"]["DeliverStatus"] == 3, by_rcpt
    assert "5.1.1" in by_rcpt["fb-late@example.org"]["DeliverMessage"], by_rcpt
    assert by_rcpt["fb-kept@example.net"]["DeliverStatus"] == 1, by_rcpt
    assert by_rcpt["fb-kept@example.net"]["UserComplained"] is True, by_rcpt
    assert by_rcpt["fb-kept@example.net"]["UserComplainted"] is True, by_rcpt
    assert by_rcpt["bounce@example.net"]["UserComplained"] is False, by_rcpt

    abuse = fapi.call("GetAbuseReport", {"StartTime": day, "EndTime": day})
    assert abuse["TotalCount"] == 1, abuse
    (report,) = abuse["Data"]
    assert report["OriginalRcptTo"] == "fb-kept@example.net", report
    assert report["Mta"] == "example.net", report
    assert report["FromDomain"] == DOMAIN, report
    assert report["OriginalMailFrom"] == f"noreply@{DOMAIN}", report
    assert report["BulkId"] == message_id, report
    assert report["MessageId"] == kept_mid, report
    assert report["TemplateId"] == str(sending.template_id), report
    assert report["SourceIp"] == "198.51.100.7", report
    assert api.call("GetAbuseReport", {"StartTime": day, "EndTime": day})["TotalCount"] == 0

    # One request of three recipients: kept and late delivered; bounce refused at RCPT (hard),
    # late bounced later by DSN. Opens, clicks, unsubscribes: none.
    stats = fapi.call("GetStatisticsReport", {"StartDate": day, "EndDate": day, "Domain": DOMAIN})
    assert len(stats["DailyVolumes"]) == 1 and stats["DailyVolumes"][0]["SendDate"] == day, stats
    overall = stats["OverallVolume"]
    counts = {k: overall[k] for k in overall if k.endswith("Count")}
    assert counts == {
        "RequestCount": 3,
        "AcceptedCount": 3,
        "DeliveredCount": 2,
        "OpenedCount": 0,
        "ClickedCount": 0,
        "BounceCount": 2,
        "UnsubscribeCount": 0,
    }, stats
    net = fapi.call(
        "GetStatisticsReport",
        {"StartDate": day, "EndDate": day, "Domain": DOMAIN, "ReceivingMailboxType": "example.net"},
    )["OverallVolume"]
    assert (net["RequestCount"], net["DeliveredCount"], net["BounceCount"]) == (2, 1, 1), net

    # The suppressed recipients are refused from now on.
    for rcpt in ("fb-late@example.org", "fb-kept@example.net", "bounce@example.net"):
        code = error_code(lambda: send_template(fapi, sending, [rcpt]))
        assert code == "FailedOperation.EmailAddrInBlacklist", (rcpt, code)


def test_bad_feedback_and_report_input_gets_documented_errors(fb):
    fapi, _ = fb
    day = shanghai_today()
    sdk = fapi.sdk()
    assert error_code(lambda: sdk.call_json("IngestFeedback", {"RawMessage": "%%% not base64"})) == (
        "InvalidParameterValue"
    )
    assert error_code(lambda: sdk.call_json("IngestFeedback", {"RawMessage": b64("Subject: hi\r\n\r\nhello\r\n")})) == (
        "InvalidParameterValue"
    )
    assert error_code(lambda: fapi.call("GetAbuseReport", {"StartTime": "yesterday", "EndTime": day})) == (
        "InvalidParameter.InvalidStartTimeFormat"
    )
    assert error_code(lambda: fapi.call("GetAbuseReport", {"StartTime": day, "EndTime": "2026/01/01"})) == (
        "InvalidParameter.InvalidEndTimeFormat"
    )
    assert error_code(
        lambda: fapi.call("GetStatisticsReport", {"StartDate": "2026-02-02", "EndDate": "2026-02-01"})
    ) == "InvalidParameterValue.WrongDate"
    assert error_code(lambda: fapi.call("GetStatisticsReport", {"StartDate": "02/01/2026", "EndDate": day})) == (
        "InvalidParameterValue.WrongDate"
    )
