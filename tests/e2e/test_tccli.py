"""`tccli`, Tencent Cloud's official command line, works against Sesame unchanged.

tccli takes `--endpoint http://127.0.0.1:PORT` and sends that string verbatim as the `Host`
header (scheme included), which the server must sign-check as received. It writes its config to
`~/.tccli`, so HOME points at a temporary directory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness import REGION

TCCLI = Path(sys.executable).parent / "tccli"


def _tccli(tmp_path, server, secret_id, secret_key, *args):
    env = server.env()
    env["HOME"] = str(tmp_path)
    cmd = [
        str(TCCLI), "ses", *args,
        "--endpoint", f"http://{server.endpoint}",
        "--secretId", secret_id,
        "--secretKey", secret_key,
        "--region", REGION,
    ]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def test_tccli_works(tmp_path, server, credentials, sending):
    res = _tccli(tmp_path, server, *credentials, "ListEmailTemplates", "--Limit", "10", "--Offset", "0")
    assert res.returncode == 0, res.stdout + res.stderr
    out = json.loads(res.stdout)
    assert out["TotalCount"] >= 1, out
    assert any(t["TemplateID"] == sending.template_id for t in out["TemplatesMetadata"]), out


def test_tccli_reports_auth_failure(tmp_path, server, credentials):
    secret_id, _ = credentials
    res = _tccli(tmp_path, server, secret_id, "not-the-key", "ListEmailTemplates", "--Limit", "10", "--Offset", "0")
    assert res.returncode != 0
    assert "AuthFailure.SignatureFailure" in res.stdout + res.stderr
