"""Recipient groups, blacklists and unsubscribe configs end to end with the official SDK on
`sesame serve`: an upload with per-recipient TemplateData reaches status 3 with its invalid
rows counted and explained, the CLI import streams a CSV into a group, SendEmail refuses
custom- and bounce-blacklisted recipients until they are removed, and the unsubscribe config
of a sender address can be created, listed, updated and deleted.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from harness import send_template, shanghai_today


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _error_code(call) -> str:
    with pytest.raises(TencentCloudSDKException) as err:
        call()
    return err.value.get_code()


def _wait_ready(api, receiver_id: int, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        groups = api.call("ListReceivers", {"Offset": 0, "Limit": 100})["Data"]
        group = next(g for g in groups if g["ReceiverId"] == receiver_id)
        if group["ReceiversStatus"] == 3 or time.monotonic() > deadline:
            return group
        time.sleep(0.2)


def test_upload_with_data_reaches_ready_and_explains_invalid_rows(api):
    name = _unique("customers")
    created = api.call("CreateReceiver", {"ReceiversName": name, "Desc": "e2e list"})
    receiver_id = created["ReceiverId"]
    assert isinstance(receiver_id, int) and receiver_id > 0

    group = api.call("ListReceivers", {"Offset": 0, "Limit": 10, "KeyWord": name})["Data"][0]
    assert group["ReceiversStatus"] == 1 and group["Count"] == 0

    datas = [
        {"Email": "ann@example.org", "TemplateData": json.dumps({"name": "Ann"})},
        {"Email": "bob@example.org", "TemplateData": json.dumps({"name": "Bob"})},
        {"Email": "ann@example.org", "TemplateData": json.dumps({"name": "Ann again"})},
        {"Email": "not-an-address", "TemplateData": json.dumps({"name": "Nobody"})},
        {"Email": "", "TemplateData": json.dumps({"name": "Empty"})},
    ]
    counters = api.call("CreateReceiverDetailWithData", {"ReceiverId": receiver_id, "Datas": datas})
    assert counters["TotalCount"] == 5
    assert counters["ValidCount"] == 2
    assert counters["RepeatCount"] == 1
    assert counters["EmptyEmailCount"] == 1
    assert counters["TooLongCount"] == 0

    group = _wait_ready(api, receiver_id)
    assert group["ReceiversStatus"] == 3, group
    assert group["ReceiversName"] == name and group["Desc"] == "e2e list"
    assert group["Count"] == 3 and group["InvalidCount"] == 1
    assert len(group["CreateTime"]) == 19

    details = api.call("ListReceiverDetails", {"ReceiverId": receiver_id, "Offset": 0, "Limit": 10})
    assert (details["TotalCount"], details["ValidCount"], details["InvalidCount"]) == (3, 2, 1)
    rows = details["Data"]
    assert [r["Email"] for r in rows] == ["ann@example.org", "bob@example.org", "not-an-address"]
    assert json.loads(rows[0]["TemplateData"]) == {"name": "Ann"}
    assert [r["Status"] for r in rows] == [1, 1, 2]
    assert rows[0]["Reason"] == "" and rows[2]["Reason"] != ""
    assert [r["EmailId"] for r in rows] == [1, 2, 3]

    invalid = api.call(
        "ListReceiverDetails", {"ReceiverId": receiver_id, "Offset": 0, "Limit": 10, "Status": 2}
    )
    assert [r["Email"] for r in invalid["Data"]] == ["not-an-address"]
    by_email = api.call(
        "ListReceiverDetails", {"ReceiverId": receiver_id, "Offset": 0, "Limit": 10, "Email": "BOB"}
    )
    assert by_email["TotalCount"] == 1

    # Rows with other variables, or without data, would break the group's TemplateData.
    bad = {"ReceiverId": receiver_id, "Datas": [{"Email": "cy@example.org", "TemplateData": '{"nick": "Cy"}'}]}
    assert _error_code(lambda: api.call("CreateReceiverDetailWithData", bad)) == (
        "InvalidParameterValue.TemplateDataInconsistent"
    )
    plain = {"ReceiverId": receiver_id, "Emails": ["cy@example.org"]}
    assert _error_code(lambda: api.call("CreateReceiverDetail", plain)) == (
        "InvalidParameterValue.TemplateDataInconsistent"
    )
    after = api.call("ListReceiverDetails", {"ReceiverId": receiver_id, "Offset": 0, "Limit": 10})
    assert after["TotalCount"] == 3, "a refused upload changed the group"

    api.call("DeleteReceiver", {"ReceiverId": receiver_id})
    assert _error_code(lambda: api.call("DeleteReceiver", {"ReceiverId": receiver_id})) == (
        "OperationDenied.ReceiverNotExist"
    )


def test_plain_upload_and_documented_errors(api):
    receiver_id = api.call("CreateReceiver", {"ReceiversName": _unique("plain")})["ReceiverId"]
    counters = api.call(
        "CreateReceiverDetail",
        {"ReceiverId": receiver_id, "Emails": ["a@example.org", "B@Example.org", "b@example.org", "x" * 300]},
    )
    assert (counters["TotalCount"], counters["ValidCount"], counters["RepeatCount"], counters["TooLongCount"]) == (
        4,
        2,
        1,
        1,
    )
    assert _wait_ready(api, receiver_id)["Count"] == 3

    name = _unique("dup")
    api.call("CreateReceiver", {"ReceiversName": name})
    assert _error_code(lambda: api.call("CreateReceiver", {"ReceiversName": name})) == (
        "InvalidParameterValue.RepeatReceiverName"
    )
    assert _error_code(lambda: api.call("CreateReceiverDetail", {"ReceiverId": 987654321, "Emails": ["a@example.org"]})) == (
        "OperationDenied.ReceiverNotExist"
    )
    assert _error_code(lambda: api.call("ListReceivers", {"Offset": 0, "Limit": 101})) == "FailedOperation.InvalidLimit"


def test_cli_import_streams_a_csv_into_a_group(api, server, tmp_path):
    created = server.admin("receivers", "create", "--name", _unique("imported"), "--account", "e2e")
    receiver_id = json.loads(created.strip().splitlines()[-1])["ReceiverId"]
    csv_path = tmp_path / "list.csv"
    lines = ["email,templateData"]
    for n in range(2500):
        lines.append(f'user{n}@example.org,"{{""name"": ""User {n}""}}"')
    lines.append('user7@example.org,"{""name"": ""Repeat""}"')
    lines.append('broken,"{""name"": ""Broken""}"')
    csv_path.write_text("\n".join(lines) + "\n")

    out = server.admin("receivers", "import", "--receiver", str(receiver_id), "--account", "e2e", str(csv_path))
    summary = json.loads(next(l for l in out.splitlines() if l.startswith("{")))
    assert summary["ReceiverId"] == receiver_id
    assert (summary["TotalCount"], summary["ValidCount"], summary["RepeatCount"], summary["InvalidCount"]) == (
        2502,
        2500,
        1,
        1,
    )

    group = _wait_ready(api, receiver_id)
    assert (group["ReceiversStatus"], group["Count"], group["InvalidCount"]) == (3, 2501, 1)
    page = api.call("ListReceiverDetails", {"ReceiverId": receiver_id, "Offset": 2498, "Limit": 5})
    assert [r["Email"] for r in page["Data"]] == ["user2498@example.org", "user2499@example.org", "broken"]
    assert json.loads(page["Data"][0]["TemplateData"]) == {"name": "User 2498"}

    # A file whose rows disagree on their variables is refused whole, naming the line.
    bad = tmp_path / "bad.csv"
    bad.write_text('a@example.org,"{""name"": ""A""}"\nb@example.org,"{""nick"": ""B""}"\n')
    with pytest.raises(RuntimeError, match="line 2"):
        server.admin("receivers", "import", "--receiver", str(receiver_id), "--account", "e2e", str(bad))
    assert _wait_ready(api, receiver_id)["Count"] == 2501


def test_blacklisted_recipients_are_refused_until_removed(api, sink, sending):
    blocked = f"{_unique('blocked')}@example.org"
    added = api.call("CreateCustomBlacklist", {"Emails": [blocked, "not an address", blocked.upper()]})
    assert (added["TotalCount"], added["ValidCount"], added["RepeatCount"], added["InvalidCount"]) == (3, 1, 1, 1)
    assert _error_code(lambda: send_template(api, sending, [blocked])) == "FailedOperation.EmailAddrInBlacklist"

    listed = api.call("ListCustomBlacklist", {"Offset": 0, "Limit": 100, "Status": 1, "Email": blocked})
    (entry,) = listed["Data"]
    assert entry["Email"] == blocked and entry["Status"] == 1 and entry["ExpireDate"] == ""
    moved = f"{_unique('moved')}@example.org"
    api.call("UpdateCustomBlackList", {"Id": entry["Id"], "Email": moved, "ExpireDate": "2099-12-31"})
    send_template(api, sending, [blocked])
    assert _error_code(lambda: send_template(api, sending, [moved])) == "FailedOperation.EmailAddrInBlacklist"
    api.call("DeleteCustomBlackList", {"Emails": [moved]})
    send_template(api, sending, [moved])

    # A hard bounce (the sink refuses local part "bounce") puts the address on the bounce list.
    bounced = f"bounce@{_unique('lists')}.example.org"
    send_template(api, sending, [bounced])
    day = shanghai_today()
    deadline = time.monotonic() + 30
    while True:
        found = api.call(
            "ListBlackEmailAddress",
            {"StartDate": day, "EndDate": day, "Offset": 0, "Limit": 10, "EmailAddress": bounced},
        )
        if found["TotalCount"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    (black,) = found["BlackList"]
    assert black["EmailAddress"] == bounced and "550" in black["IspDesc"] and len(black["BounceTime"]) == 19
    assert _error_code(lambda: send_template(api, sending, [bounced])) == "FailedOperation.EmailAddrInBlacklist"
    api.call("DeleteBlackList", {"EmailAddressList": [bounced]})
    send_template(api, sending, [bounced])


def test_unsubscribe_config_of_a_sender_address(api, sending):
    address = sending.from_address.split("<")[1].rstrip(">")
    api.call("CreateAddressUnsubscribeConfig", {"Address": address, "UnsubscribeConfig": "2", "Status": 1})
    code = _error_code(
        lambda: api.call("CreateAddressUnsubscribeConfig", {"Address": address, "UnsubscribeConfig": "1", "Status": 1})
    )
    assert code == "InvalidParameterValue"
    api.call("UpdateAddressUnsubscribeConfig", {"Address": address, "UnsubscribeConfig": "6", "Status": 0})
    listed = api.call("ListAddressUnsubscribeConfig", {"Offset": 0, "Limit": "10"})
    mine = [c for c in listed["AddressUnsubscribeConfigList"] if c["Address"] == address]
    assert mine == [{"Address": address, "UnsubscribeConfig": "6", "Status": 0}]
    assert listed["Total"] >= 1
    code = _error_code(
        lambda: api.call(
            "CreateAddressUnsubscribeConfig", {"Address": "nobody@example.org", "UnsubscribeConfig": "1", "Status": 1}
        )
    )
    assert code == "InvalidParameterValue.NoSuchSender"
    api.call("DeleteAddressUnsubscribeConfig", {"Address": address})
    listed = api.call("ListAddressUnsubscribeConfig", {})
    assert all(c["Address"] != address for c in listed["AddressUnsubscribeConfigList"])
