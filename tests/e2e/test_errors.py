"""The error envelope as clients see it: errors are HTTP 200 with `Response.Error` and a
`RequestId`, and `Content-Type` is exactly `application/json` — with `; charset=utf-8` the Python
SDK silently takes an error for a success (reference §1.4, §9.1), so this is checked on the raw
response as well as through the SDK.
"""

from __future__ import annotations

import json

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from harness import raw_post, tc3_headers


def test_wrong_secret_key_is_signature_failure(server, credentials):
    secret_id, secret_key = credentials
    bad = server.client(secret_id, secret_key[:-1] + ("A" if secret_key[-1] != "A" else "B"))
    with pytest.raises(TencentCloudSDKException) as info:
        bad.call("ListEmailTemplates", {"Limit": 10, "Offset": 0})
    assert info.value.code == "AuthFailure.SignatureFailure"
    assert info.value.requestId


def test_unknown_secret_id_is_rejected(server, credentials):
    _, secret_key = credentials
    with pytest.raises(TencentCloudSDKException) as info:
        server.client("AKIDdoesnotexist0000000000000000", secret_key).call("ListEmailAddress", {})
    assert info.value.code in ("AuthFailure.SecretIdNotFound", "AuthFailure.InvalidSecretId")


def test_error_is_http_200_with_exact_json_content_type(server):
    body = b'{"Limit": 10, "Offset": 0}'
    status, headers, raw = raw_post(
        server.endpoint,
        {"Content-Type": "application/json", "X-TC-Action": "ListEmailTemplates", "X-TC-Version": "2020-10-02"},
        body,
    )
    assert status == 200
    assert headers.get_all("Content-Type") == ["application/json"]
    resp = json.loads(raw)["Response"]
    assert resp["Error"]["Code"].startswith("AuthFailure"), resp
    assert resp["Error"]["Message"]
    assert resp["RequestId"]


def test_success_has_exact_json_content_type(server, credentials):
    # Signed here independently of the SDK, which also cross-checks the server's TC3 verifier.
    body = b'{"Limit": 10, "Offset": 0}'
    headers = tc3_headers(*credentials, server.endpoint, "ListEmailTemplates", body)
    status, resp_headers, raw = raw_post(server.endpoint, headers, body)
    assert status == 200
    assert resp_headers.get_all("Content-Type") == ["application/json"]
    resp = json.loads(raw)["Response"]
    assert "Error" not in resp, resp
    assert isinstance(resp["TotalCount"], int)
    assert resp["RequestId"]


def test_signature_over_a_tampered_body_fails(server, credentials):
    signed = b'{"Limit": 10, "Offset": 0}'
    headers = tc3_headers(*credentials, server.endpoint, "ListEmailTemplates", signed)
    status, _, raw = raw_post(server.endpoint, headers, b'{"Limit": 11, "Offset": 0}')
    assert status == 200
    assert json.loads(raw)["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"


def test_unknown_action_is_invalid_action(server, credentials):
    body = b"{}"
    headers = tc3_headers(*credentials, server.endpoint, "SendPigeon", body)
    status, _, raw = raw_post(server.endpoint, headers, body)
    assert status == 200
    assert json.loads(raw)["Response"]["Error"]["Code"] == "InvalidAction"
