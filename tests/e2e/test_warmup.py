"""Warm-up and sending pools end to end, through the official Python SDK against `sesame serve`:
ListEmailIdentities reports the warm-up step, daily quota and the pool's relay hosts; the
GetWarmupStatus extension action and `sesame warmup status` show today's quota and the forecast
of a backlog; a domain bound to a dedicated pool delivers through that pool's relays, failing
over from a relay whose port is closed; the transactional rate limit answers
FailedOperation.FrequencyLimit and stores nothing.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from harness import SesameServer, new_master_key, prepare_sending, send_template
from smtp_sink import SmtpSink

ACCOUNT = "warm"
DOMAIN = "mail.warmup-e2e.com"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    shared = SmtpSink().start()
    dedicated = SmtpSink().start()
    pools = {
        "dedicated": [
            {"url": f"smtp://127.0.0.1:{closed_port()}", "weight": 1, "max_connections": 4},
            {"url": dedicated.url, "weight": 1, "max_connections": 4},
        ]
    }
    root = tmp_path_factory.mktemp("warmup")
    srv = SesameServer(
        root / "data",
        shared.url,
        new_master_key(),
        root,
        extra_env={
            "SESAME_POOLS": json.dumps(pools),
            "SESAME_TRANSACTIONAL_PER_MINUTE": "5",
        },
    )
    srv.start()
    try:
        api = srv.client(*srv.create_key(ACCOUNT))
        sending = prepare_sending(srv, api, DOMAIN, ACCOUNT)
        yield srv, api, sending, shared, dedicated
    finally:
        code = srv.stop(timeout=10)
        shared.stop()
        dedicated.stop()
        assert code == 0, srv.log()


def test_list_email_identities_reports_step_quota_and_send_ip(world):
    srv, api, *_ = world
    listed = api.call("ListEmailIdentities", {})
    mine = [i for i in listed["EmailIdentities"] if i["IdentityName"] == DOMAIN][0]
    assert mine["CurrentReputationLevel"] == 1, listed
    assert mine["DailyQuota"] == 500, listed
    assert mine["SendIp"] == ["127.0.0.1"], listed
    assert listed["MaxDailyQuota"] == 500 and listed["MaxReputationLevel"] == 1, listed


def test_get_warmup_status_forecasts_a_100000_backlog(world):
    srv, api, *_ = world
    out = api.sdk().call_json("GetWarmupStatus", {"Backlog": 100000})["Response"]
    scope = [s for s in out["Scopes"] if s["Name"] == DOMAIN][0]
    assert scope["Plan"] == "standard" and scope["Step"] == 1, scope
    assert scope["DailyQuota"] == 500, scope
    assert scope["Used"] + scope["Remaining"] == 500, scope
    sends = [d["Send"] for d in scope["Forecast"]]
    assert sum(sends) == 100000, scope["Forecast"]
    assert [d["Quota"] for d in scope["Forecast"]][:7] == [500, 1000, 2000, 5000, 10000, 20000, 40000]
    # The same view from the operator's command line.
    text = srv.admin("warmup", "status", "--account", ACCOUNT, "--backlog", "100000")
    assert f"domain {DOMAIN}" in text, text
    assert "forecast for a backlog of 100,000 messages" in text, text
    with pytest.raises(TencentCloudSDKException) as refused:
        api.sdk().call_json("GetWarmupStatus", {"Backlog": "many"})
    assert refused.value.code == "InvalidParameter"


def test_a_domain_bound_to_a_dedicated_pool_delivers_through_it_with_failover(world):
    srv, api, sending, shared, dedicated = world
    srv.admin("pool", "bind", "dedicated", "--account", ACCOUNT, "--domain", DOMAIN)
    listed = api.call("ListEmailIdentities", {})
    mine = [i for i in listed["EmailIdentities"] if i["IdentityName"] == DOMAIN][0]
    assert mine["SendIp"] == ["127.0.0.1", "127.0.0.1"], listed
    # Four messages: the weighted pick sends about half to the closed port first; every one
    # must still arrive at the dedicated pool's live relay, and none at the shared relay.
    for n in range(4):
        send_template(api, sending, [f"pooled{n}@example.org"])
    for n in range(4):
        dedicated.wait_for_rcpt(f"pooled{n}@example.org", timeout=30)
    assert not [m for m in shared.messages if any(r.startswith("pooled") for r in m.rcpt_tos)]
    srv.admin("pool", "unbind", "--account", ACCOUNT, "--domain", DOMAIN)


def test_transactional_rate_limit_answers_frequency_limit(world):
    srv, api, sending, shared, _ = world
    # Five per minute; the test module has sent four so far this minute at most, so keep
    # sending until refused and check the refusal is the documented code.
    codes = []
    minute_before = int(time.time()) // 60
    for n in range(8):
        try:
            send_template(api, sending, [f"rate{n}@example.org"])
            codes.append("ok")
        except TencentCloudSDKException as e:
            codes.append(e.code)
    same_minute = int(time.time()) // 60 == minute_before
    assert "FailedOperation.FrequencyLimit" in codes, codes
    assert set(codes) <= {"ok", "FailedOperation.FrequencyLimit"}, codes
    if same_minute:
        # Within one window: once refused, refused until the minute turns.
        first = codes.index("FailedOperation.FrequencyLimit")
        assert all(c == "FailedOperation.FrequencyLimit" for c in codes[first:]), codes
    # A refused message is not stored: none of them reaches the relay.
    refused = [f"rate{n}@example.org" for n, c in enumerate(codes) if c != "ok"]
    accepted = [f"rate{n}@example.org" for n, c in enumerate(codes) if c == "ok"]
    for rcpt in accepted:
        shared.wait_for_rcpt(rcpt, timeout=30)
    got = {r for m in shared.messages for r in m.rcpt_tos}
    assert not got & set(refused), (codes, got & set(refused))
