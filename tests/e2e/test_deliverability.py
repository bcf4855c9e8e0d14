"""Deliverability end to end: a `sesame serve` whose resolver is a real DNS server (dnsmasq on
loopback). Domains verify only when their records are published (UpdateEmailIdentity), the
periodic re-check disables a domain whose records disappear, and mail that arrives at the SMTP
sink passes independent checks against the same DNS: DKIM with dkimpy (RSA, Ed25519, dual),
SPF with pyspf for the sending host 127.0.0.1, and DMARC by the check in `dmarc_verdict`.
DKIM key rotation is driven end to end while mail keeps flowing, and SpamAssassin (local
tests only) scores a typical template message.

The DMARC check (RFC 7489 §3.1, §6.6.2), kept small on purpose: fetch `_dmarc.<From domain>`;
DMARC passes when SPF passed for the MAIL FROM domain and that domain aligns with the From
domain, or a DKIM signature verified for `d=` and `d=` aligns with the From domain. Relaxed
alignment compares organizational domains, approximated as the last two labels (the test zone
has no public-suffix subtleties); strict alignment compares the domains exactly.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from email.utils import parseaddr

import dkim
import dns.resolver
import pytest
import spf

from dnsmasq import Dnsmasq, Zone
from harness import SesameServer, b64, new_master_key, shanghai_today

ZONE = "deliv.test"
HOSTNAME = "mx.deliv.test"
SENDING_IP = "127.0.0.1"  # the SMTP sink's peer: the host that hands mail to receivers
ACCOUNT = "deliv"
# The SMTP sink is shared by the whole session: recipients here never collide with other tests.
RCPT = "rcpt.deliv.example.net"
RECHECK_SECS = 2


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dnsd():
    d = Dnsmasq()
    d.serve(Zone(ZONE))
    # pyspf and dkimpy's default lookups go through dnspython's default resolver: point it at
    # the test DNS so nothing here depends on the machine's resolver.
    previous = dns.resolver.default_resolver
    dns.resolver.default_resolver = d.resolver()
    try:
        yield d
    finally:
        dns.resolver.default_resolver = previous
        d.stop()


@pytest.fixture(scope="module")
def dserver(tmp_path_factory, sink, dnsd):
    root = tmp_path_factory.mktemp("deliv")
    env = {
        "SESAME_DNS_SERVER": dnsd.server,
        "SESAME_SPF_INCLUDE": f"ip4:{SENDING_IP}",
        "SESAME_HOSTNAME": HOSTNAME,
        "SESAME_RECHECK_SECS": str(RECHECK_SECS),
    }
    srv = SesameServer(root / "data", sink.url, new_master_key(), root, extra_env=env)
    srv.start()
    try:
        yield srv
    finally:
        if srv.proc is not None:
            assert srv.stop(timeout=10) == 0, srv.log()


@pytest.fixture(scope="module")
def dapi(dserver):
    return dserver.client(*dserver.create_key(ACCOUNT))


# -- helpers ----------------------------------------------------------------------------------


class Published:
    """The zone as the owners of the test domains published it so far."""

    def __init__(self, dnsd: Dnsmasq):
        self.dnsd = dnsd
        self.zone = Zone(ZONE)

    def publish(self, attributes: list[dict], only=lambda a: True) -> None:
        for a in attributes:
            if not only(a):
                continue
            name = a["SendDomain"].rstrip(".")
            if a["Type"] == "MX":
                self.zone.add_mx(name, a["ExpectedValue"])
            else:
                self.zone.add_txt(name, a["ExpectedValue"])
        self.dnsd.serve(self.zone)

    def remove(self, name: str) -> None:
        self.zone = self.zone.without(name)
        self.dnsd.serve(self.zone)


@pytest.fixture(scope="module")
def published(dnsd):
    return Published(dnsd)


def dkim_dns(name: bytes, timeout: int = 5):
    """dkimpy lookup through the test DNS (multi-string TXT joined, as RFC 6376 says)."""
    try:
        answer = dns.resolver.default_resolver.resolve(name.decode().rstrip("."), "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    return b"".join(answer[0].strings)


def dkim_signatures(raw: bytes) -> list[dict[str, str]]:
    """The tags of every DKIM-Signature header, in order."""
    sigs = []
    for value in re.findall(rb"^DKIM-Signature:(.*?)(?=\r\n[^ \t])", raw, re.M | re.S):
        text = re.sub(r"\s+", "", value.decode())
        sigs.append(dict(t.split("=", 1) for t in text.split(";") if "=" in t))
    return sigs


def verify_every_signature(raw: bytes) -> list[dict[str, str]]:
    sigs = dkim_signatures(raw)
    assert sigs, "message is not DKIM-signed"
    for i, sig in enumerate(sigs):
        verifier = dkim.DKIM(raw)
        assert verifier.verify(idx=i, dnsfunc=dkim_dns), f"dkimpy rejects signature {i} ({sig['a']}, s={sig['s']})"
    return sigs


def org_domain(domain: str) -> str:
    return ".".join(domain.lower().rstrip(".").split(".")[-2:])


def aligned(a: str, b: str, mode: str) -> bool:
    return a.lower() == b.lower() if mode == "s" else org_domain(a) == org_domain(b)


def dmarc_verdict(from_domain: str, mail_from_domain: str, spf_result: str, dkim_domains: list[str]) -> str:
    """'pass' or 'fail' (see the module docstring), raising if there is no DMARC record."""
    answer = dns.resolver.default_resolver.resolve(f"_dmarc.{from_domain}", "TXT")
    records = [b"".join(r.strings).decode() for r in answer]
    records = [r for r in records if r.startswith("v=DMARC1")]
    assert len(records) == 1, records
    tags = dict(t.strip().split("=", 1) for t in records[0].split(";") if "=" in t)
    spf_ok = spf_result == "pass" and aligned(mail_from_domain, from_domain, tags.get("aspf", "r"))
    dkim_ok = any(aligned(d, from_domain, tags.get("adkim", "r")) for d in dkim_domains)
    return "pass" if spf_ok or dkim_ok else "fail"


def new_domain(dapi, domain: str, dkim_option: int | None = None) -> dict:
    params = {"EmailIdentity": domain}
    if dkim_option is not None:
        params["DKIMOption"] = dkim_option
    return dapi.call("CreateEmailIdentity", params)


def make_sender(dapi, domain: str) -> tuple[str, int]:
    address = f"news@{domain}"
    dapi.call("CreateEmailAddress", {"EmailAddress": address, "EmailSenderName": "Sesame News"})
    tpl = dapi.call(
        "CreateEmailTemplate",
        {
            "TemplateName": f"welcome-{domain}",
            "TemplateContent": {"Html": b64(TYPICAL_HTML), "Text": b64(TYPICAL_TEXT)},
        },
    )
    return f"Sesame News <{address}>", tpl["TemplateID"]


def send(dapi, sender: tuple[str, int], to: str, name: str = "Ada") -> str:
    out = dapi.call(
        "SendEmail",
        {
            "FromEmailAddress": sender[0],
            "Destination": [to],
            "Subject": "Your weekly summary, {{name}}",
            "Template": {"TemplateID": sender[1], "TemplateData": json.dumps({"name": name})},
            "TriggerType": 1,
        },
    )
    return out["MessageId"]


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


TYPICAL_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Weekly summary</title></head>
<body>
<h1>Hello {{name}},</h1>
<p>Thanks for using Sesame this week. Your account sent 1,204 messages and 98.7% of them
were delivered on the first attempt.</p>
<p>Your next invoice will be issued on the first day of the month. You can review your usage
and settings at any time from your dashboard.</p>
<p>Best regards,<br>The Sesame team</p>
</body></html>"""

TYPICAL_TEXT = """Hello {{name}},

Thanks for using Sesame this week. Your account sent 1,204 messages and 98.7% of them
were delivered on the first attempt.

Your next invoice will be issued on the first day of the month. You can review your usage
and settings at any time from your dashboard.

Best regards,
The Sesame team
"""


def by_purpose(attributes: list[dict], domain: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"spf": [], "dkim": [], "dmarc": [], "mx": []}
    for a in attributes:
        host = a["SendDomain"]
        if a["Type"] == "MX":
            out["mx"].append(a)
        elif host.startswith("_dmarc."):
            out["dmarc"].append(a)
        elif "._domainkey." in host:
            out["dkim"].append(a)
        elif host == domain:
            out["spf"].append(a)
    return out


# -- tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dkim_option,algorithms",
    [(1, ["rsa-sha256"]), (2, ["rsa-sha256", "ed25519-sha256"]), (3, ["ed25519-sha256"])],
    ids=["rsa", "dual", "ed25519"],
)
def test_published_domain_verifies_and_its_mail_passes_dkim_spf_and_dmarc(
    dapi, sink, published, dkim_option, algorithms
):
    domain = f"{['', 'rsa', 'dual', 'ed'][dkim_option]}.{ZONE}"
    created = new_domain(dapi, domain, dkim_option)

    before = dapi.call("UpdateEmailIdentity", {"EmailIdentity": domain})
    assert before["VerifiedForSendingStatus"] is False, before
    assert all(a["Status"] is False and a["CurrentValue"] == "" for a in before["Attributes"]), before
    assert set(before) >= {"IdentityType", "VerifiedForSendingStatus", "Attributes", "DKIMOption"}

    published.publish(created["Attributes"])
    after = dapi.call("UpdateEmailIdentity", {"EmailIdentity": domain})
    assert after["VerifiedForSendingStatus"] is True, after
    for a in after["Attributes"]:
        assert a["Status"] is True, a
        assert a["CurrentValue"] == a["ExpectedValue"], a
    listed = dapi.call("ListEmailIdentities", {})
    assert [i["SendingEnabled"] for i in listed["EmailIdentities"] if i["IdentityName"] == domain] == [True]

    sender = make_sender(dapi, domain)
    rcpt = f"reader-{dkim_option}@{RCPT}"
    send(dapi, sender, rcpt)
    got = sink.wait_for_rcpt(rcpt)

    # DKIM: every signature verifies against the record published in DNS.
    sigs = verify_every_signature(got.raw)
    assert [s["a"] for s in sigs] == algorithms
    assert {s["d"] for s in sigs} == {domain}

    # Alignment: MAIL FROM, From and d= are one domain.
    from_domain = parseaddr(re.search(rb"^From:(.*)$", got.raw, re.M).group(1).decode())[1].split("@")[1]
    mail_from_domain = got.mail_from.split("@")[1]
    assert from_domain == mail_from_domain == domain

    # SPF for the sending host, evaluated by pyspf against the published record.
    result, _explanation = spf.check2(i=SENDING_IP, s=got.mail_from, h=HOSTNAME)
    assert result == "pass", (result, _explanation)
    # ...and a host outside the record does not pass.
    assert spf.check2(i="192.0.2.77", s=got.mail_from, h=HOSTNAME)[0] in ("softfail", "fail")

    assert dmarc_verdict(from_domain, mail_from_domain, result, [s["d"] for s in sigs]) == "pass"

    feedback = re.search(rb"^Feedback-ID: (.*)\r$", got.raw, re.M)
    assert feedback and feedback.group(1).decode() == f"t{sender[1]}:{ACCOUNT}:transactional:sesame"


def test_each_missing_record_is_reported_and_dmarc_and_mx_are_optional(dapi, published):
    domain = f"partial.{ZONE}"
    created = new_domain(dapi, domain)
    groups = by_purpose(created["Attributes"], domain)
    # Publish DKIM and SPF only: verified, with DMARC and MX reported missing.
    published.publish(groups["dkim"] + groups["spf"])
    out = dapi.call("UpdateEmailIdentity", {"EmailIdentity": domain})
    assert out["VerifiedForSendingStatus"] is True, out
    status = {k: [a["Status"] for a in v] for k, v in by_purpose(out["Attributes"], domain).items()}
    assert status == {"spf": [True], "dkim": [True], "dmarc": [False], "mx": [False]}, out


def test_recheck_disables_a_domain_whose_spf_disappears_and_enables_it_again(dapi, published):
    domain = f"recheck.{ZONE}"
    created = new_domain(dapi, domain)
    published.publish(created["Attributes"])
    assert dapi.call("UpdateEmailIdentity", {"EmailIdentity": domain})["VerifiedForSendingStatus"] is True
    spf_record = by_purpose(created["Attributes"], domain)["spf"]
    mx_record = by_purpose(created["Attributes"], domain)["mx"]

    published.remove(domain)  # the SPF TXT (and the MX) at the domain are gone
    got = wait_until(
        lambda: (g := dapi.call("GetEmailIdentity", {"EmailIdentity": domain}))["VerifiedForSendingStatus"] is False and g,
        timeout=RECHECK_SECS * 6,
        what="the periodic re-check to disable the domain",
    )
    spf_now = by_purpose(got["Attributes"], domain)["spf"][0]
    assert spf_now["Status"] is False and spf_now["CurrentValue"] == "", spf_now
    listed = dapi.call("ListEmailIdentities", {})
    assert [i["SendingEnabled"] for i in listed["EmailIdentities"] if i["IdentityName"] == domain] == [False]

    published.publish(spf_record + mx_record)
    wait_until(
        lambda: dapi.call("GetEmailIdentity", {"EmailIdentity": domain})["VerifiedForSendingStatus"],
        timeout=RECHECK_SECS * 6,
        what="the periodic re-check to enable the domain again",
    )


def test_dkim_rotation_never_sends_an_unsigned_or_unverifiable_message(dapi, sink, published):
    domain = f"rotate.{ZONE}"
    created = new_domain(dapi, domain)
    published.publish(created["Attributes"])
    assert dapi.call("UpdateEmailIdentity", {"EmailIdentity": domain})["VerifiedForSendingStatus"] is True
    sender = make_sender(dapi, domain)
    old_selector = by_purpose(created["Attributes"], domain)["dkim"][0]["SendDomain"].split(".")[0]

    # Mail keeps flowing through the whole rotation, from another thread.
    stop = threading.Event()
    sent: list[str] = []
    errors: list[BaseException] = []

    def keep_sending():
        n = 0
        while not stop.is_set():
            rcpt = f"flow-{n}@{RCPT}"
            try:
                send(dapi, sender, rcpt)
                sent.append(rcpt)
            except BaseException as e:  # reported below, with the failing call
                errors.append(e)
                return
            n += 1
            time.sleep(0.15)

    flow = threading.Thread(target=keep_sending, daemon=True)
    flow.start()
    try:
        rotating = dapi.call("UpdateEmailIdentity", {"EmailIdentity": domain, "DKIMOption": 2})
        assert rotating["DKIMOption"] == 1 and rotating["VerifiedForSendingStatus"] is True, rotating
        dkim_records = by_purpose(rotating["Attributes"], domain)["dkim"]
        pending = [a for a in dkim_records if not a["SendDomain"].startswith(old_selector + ".")]
        assert len(pending) == 2 and all(a["Status"] is False for a in pending), rotating
        time.sleep(1)  # some mail while the new keys are pending
        published.publish(pending)
        wait_until(
            lambda: dapi.call("GetEmailIdentity", {"EmailIdentity": domain})["DKIMOption"] == 2,
            timeout=RECHECK_SECS * 6,
            what="the re-check to activate the published keys",
        )
        time.sleep(1)  # some mail after the switch
    finally:
        stop.set()
        flow.join(timeout=30)
    assert not errors, errors
    assert len(sent) >= 5, sent

    selectors_seen = []
    for rcpt in sent:
        got = sink.wait_for_rcpt(rcpt)
        sigs = verify_every_signature(got.raw)  # never unsigned, never an unpublished key
        selectors_seen.append(tuple(sorted(s["s"] for s in sigs)))
    assert selectors_seen[0] == (old_selector,), selectors_seen
    new_selectors = tuple(sorted(a["SendDomain"].split(".")[0] for a in pending))
    assert selectors_seen[-1] == new_selectors, selectors_seen
    assert set(selectors_seen) == {(old_selector,), new_selectors}, selectors_seen

    # The old key is retired: still listed, no longer signing; removing its record is harmless.
    final = dapi.call("GetEmailIdentity", {"EmailIdentity": domain})
    hosts = [a["SendDomain"] for a in by_purpose(final["Attributes"], domain)["dkim"]]
    assert any(h.startswith(old_selector + ".") for h in hosts), hosts
    published.remove(f"{old_selector}._domainkey.{domain}")
    send(dapi, sender, f"after-removal@{RCPT}")
    verify_every_signature(sink.wait_for_rcpt(f"after-removal@{RCPT}").raw)
    assert dapi.call("UpdateEmailIdentity", {"EmailIdentity": domain})["VerifiedForSendingStatus"] is True


def test_spamassassin_scores_a_typical_template_message_below_2(dapi, sink, published, request):
    domain = f"news.{ZONE}"
    created = new_domain(dapi, domain)
    published.publish(created["Attributes"])
    assert dapi.call("UpdateEmailIdentity", {"EmailIdentity": domain})["VerifiedForSendingStatus"] is True
    sender = make_sender(dapi, domain)
    send(dapi, sender, f"grace@{RCPT}", name="Grace")
    got = sink.wait_for_rcpt(f"grace@{RCPT}")

    res = subprocess.run(
        ["spamassassin", "-t", "-L"], input=got.raw, capture_output=True, timeout=120
    )
    assert res.returncode in (0, 1), res.stderr.decode(errors="replace")
    out = res.stdout.decode(errors="replace")
    status = re.search(r"^X-Spam-Status: (Yes|No), score=(-?[\d.]+) required=[\d.]+\s+tests=(.*?)\s+autolearn", out, re.M | re.S)
    assert status, out[:3000]
    score = float(status.group(2))
    rules = re.sub(r"\s+", "", status.group(3))
    report = f"SpamAssassin (local tests): score={score} rules={rules}"
    print(report)
    request.config.cache.set("sesame/spamassassin", {"score": score, "rules": rules})
    assert score < 2.0, report
