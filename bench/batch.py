"""Driver of bench/batch.sh: API calls through the official Python SDK, polling, and the
figures of one batch-task benchmark phase written as JSON.

    batch.py setup  --out FILE                  # domain, sender, template, empty group
    batch.py csv    --rows N --path FILE        # N recipients, one per line
    batch.py task   --receiver ID --template ID --pid PID --until 10|6 --out FILE
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ses.v20201002 import models, ses_client


def client() -> ses_client.SesClient:
    hp = HttpProfile(protocol="http", endpoint=os.environ["BENCH_ENDPOINT"], reqTimeout=60)
    cred = credential.Credential(os.environ["BENCH_SECRET_ID"], os.environ["BENCH_SECRET_KEY"])
    return ses_client.SesClient(cred, "ap-guangzhou", ClientProfile(httpProfile=hp))


def call(action: str, params: dict) -> dict:
    req = getattr(models, f"{action}Request")()
    req.from_json_string(json.dumps(params))
    return json.loads(getattr(client(), action)(req).to_json_string())


def setup(args) -> None:
    import base64

    domain = os.environ["BENCH_DOMAIN"]
    call("CreateEmailIdentity", {"EmailIdentity": domain})
    subprocess.run([os.environ["SESAME"], "identity", "trust", domain, "--account", os.environ["BENCH_ACCOUNT"]],
                   check=True, capture_output=True)
    call("CreateEmailAddress", {"EmailAddress": f"news@{domain}", "EmailSenderName": "Bench"})
    html = base64.b64encode(b"<html><body><p>Hello {{name}}, our news.</p></body></html>").decode()
    text = base64.b64encode(b"Hello {{name}}, our news.").decode()
    tpl = call("CreateEmailTemplate", {"TemplateName": "news", "TemplateContent": {"Html": html, "Text": text}})
    rcv = call("CreateReceiver", {"ReceiversName": "million", "Desc": "bench"})
    with open(args.out, "w") as f:
        json.dump({"template": tpl["TemplateID"], "receiver": rcv["ReceiverId"]}, f)


# Recipient domains of the synthetic list: a few big mailbox providers and a tail, as real
# lists have (statistics are counted per recipient domain and chunk).
DOMAINS = ["gmail.com", "qq.com", "163.com", "outlook.com", "yahoo.com", "126.com", "hotmail.com",
           "icloud.com", "sina.com", "foxmail.com"] + [f"corp{i}.example.org" for i in range(30)]


def csv(args) -> None:
    with open(args.path, "w") as f:
        f.write("email\n")
        for i in range(args.rows):
            f.write(f"reader{i}@{DOMAINS[i % len(DOMAINS)]}\n")


def rss(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def run_times(log: str, task_id: int):
    """When the server logged the start and the completion of the task's first run."""
    import datetime as dt

    start = end = None
    with open(log, errors="replace") as f:
        for line in f:
            if f"task_id={task_id} " not in line + " ":
                continue
            stamp = dt.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00"))
            if "task run started" in line and start is None:
                start = stamp
            elif "task run completed" in line:
                end = stamp
    return start, end


def task(args) -> None:
    domain = os.environ["BENCH_DOMAIN"]
    started = time.monotonic()
    out = call("BatchSendEmail", {
        "FromEmailAddress": f"Bench <news@{domain}>",
        "ReceiverId": args.receiver,
        "Subject": "News for {{name}}",
        "TaskType": 1,
        "Template": {"TemplateID": args.template, "TemplateData": json.dumps({"name": "reader"})},
    })
    task_id = out["TaskId"]
    samples = []
    peak_rss = 0
    while True:
        listed = call("ListSendTasks", {"Offset": 0, "Limit": 100})
        t = next(x for x in listed["Data"] if x["TaskId"] == task_id)
        now = time.monotonic() - started
        cur, hwm = rss(args.pid)
        peak_rss = max(peak_rss, cur)
        samples.append({"t": round(now, 2), "sent": t["SendCount"], "cache": t["CacheCount"],
                        "status": t["TaskStatus"], "rss_kib": cur})
        print(f"{now:7.1f}s status={t['TaskStatus']:>2} sent={t['SendCount']:>8} "
              f"cache={t['CacheCount']:>8} rss={cur / 1024:.0f} MiB", flush=True)
        if t["TaskStatus"] == args.until or t["TaskStatus"] == 7:
            break
        time.sleep(args.poll)
    last = samples[-1]
    _, hwm = rss(args.pid)
    run_start, run_end = run_times(args.log, task_id)
    run_secs = (run_end - run_start).total_seconds() if run_start and run_end else None
    result = {
        "task_id": task_id,
        "final": t,
        "seconds_to_final": last["t"],
        # From the server's own log: the run's start to its completion (every recipient a job).
        "run_seconds": run_secs,
        "expansion_rate_per_s": round(t["SendCount"] / run_secs) if run_secs else None,
        "peak_rss_sampled_mib": round(peak_rss / 1024, 1),
        "vm_hwm_mib": round(hwm / 1024, 1),
        "samples": samples,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--out", required=True)
    c = sub.add_parser("csv")
    c.add_argument("--rows", type=int, required=True)
    c.add_argument("--path", required=True)
    t = sub.add_parser("task")
    t.add_argument("--receiver", type=int, required=True)
    t.add_argument("--template", type=int, required=True)
    t.add_argument("--pid", type=int, required=True)
    t.add_argument("--until", type=int, required=True)
    t.add_argument("--poll", type=float, default=0.5)
    t.add_argument("--log", required=True)
    t.add_argument("--out", required=True)
    args = p.parse_args()
    {"setup": setup, "csv": csv, "task": task}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
