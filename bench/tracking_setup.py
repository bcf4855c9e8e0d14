"""Setup of bench/tracking.sh: one trusted domain, a sender, and one message whose delivered
copy (captured in the outbox) gives the pixel and click URLs that wrk requests.

Usage: tracking_setup.py ENDPOINT SECRET_ID SECRET_KEY DOMAIN OUTBOX_DIR
Prints `<pixel path> <click path>`.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ses.v20201002 import models, ses_client


def main() -> None:
    endpoint, secret_id, secret_key, domain, outbox, sesame = sys.argv[1:7]
    hp = HttpProfile(protocol="http", endpoint=endpoint)
    client = ses_client.SesClient(
        credential.Credential(secret_id, secret_key), "ap-guangzhou", ClientProfile(httpProfile=hp)
    )

    def call(action: str, params: dict) -> dict:
        req = getattr(models, f"{action}Request")()
        req.from_json_string(json.dumps(params))
        return json.loads(getattr(client, action)(req).to_json_string())

    call("CreateEmailIdentity", {"EmailIdentity": domain})
    subprocess.run([sesame, "identity", "trust", domain, "--account", "bench"], check=True, capture_output=True)
    call("CreateEmailAddress", {"EmailAddress": f"news@{domain}", "EmailSenderName": "Bench"})
    html = '<html><body><p>Hello, our <a href="https://shop.example/offer?id=42">offer</a>.</p></body></html>'
    call(
        "SendEmail",
        {
            "FromEmailAddress": f"news@{domain}",
            "Destination": ["reader@example.org"],
            "Subject": "Offer",
            "Simple": {"Html": base64.b64encode(html.encode()).decode()},
        },
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        files = sorted(Path(outbox).glob("*.eml"))
        if files:
            break
        time.sleep(0.2)
    else:
        sys.exit("no message in the outbox after 30 s")
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    part = msg.get_body(preferencelist=("html",)).get_content()
    pixel = re.search(r'<img src="https?://[^/"]+(/o/[A-Za-z0-9_-]+)"', part).group(1)
    click = re.search(r'href="https?://[^/"]+(/c/[A-Za-z0-9_-]+)"', part).group(1)
    print(pixel, click)


if __name__ == "__main__":
    main()
