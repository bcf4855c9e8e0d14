"""Cold start, size and memory of the four Lambda functions, measured on this machine.

Run by bench/lambda.sh after it has built the release binaries; writes
bench/lambda-results.md and bench/lambda-results.json.

Method, per function (api, deliver, scheduler, track), RUNS times, each a cold start:
  * a fresh process of target/release/<fn>, under the Runtime API stand-in of
    tests/e2e/lambda_runtime.py, with the variables Lambda sets and the function's config;
  * init = time from just before the process is spawned to its first
    `GET /2018-06-01/runtime/invocation/next` (what Lambda bills as Init Duration: config,
    SDK clients, adapters, runtime start);
  * then one invocation (api: a TC3-signed ListEmailTemplates through the function URL front;
    deliver: an SQS event with one real delivery job, sent to an SMTP sink on loopback;
    scheduler: a tick; track: GET /healthz through the front), and the peak RSS is the
    process's VmHWM (/proc/<pid>/status) read after the response arrived.
Secrets are given inline (SESAME_MASTER_KEY, SESAME_RELAY), so init makes no network call: the
SDK clients are built but not used until the invocation. A second series (`ssm`) reads them
from SSM parameters (moto on loopback), as template.yaml deploys them, to show that cost.
DynamoDB, SQS and SSM are moto on loopback: invocation times here say nothing about AWS
latency, so only init, size and RSS are reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from harness import Api, new_master_key, prepare_sending, send_template, tc3_headers  # noqa: E402
from lambda_runtime import FunctionUrlFront, LambdaFunction, Moto, function_binary, sqs_event  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

METHOD = [
    "Each function's binary runs as a fresh process (a cold start) under the Runtime API stand-in "
    "of tests/e2e/lambda_runtime.py, with the variables Lambda sets and the function's own config; "
    "DynamoDB, SQS and SSM are moto on loopback, the relay an SMTP sink on loopback.",
    "init: from just before the process is spawned to its first `GET /2018-06-01/runtime/invocation/next` "
    "(Lambda's Init Duration: config, SDK clients, adapters, runtime start). Secrets are inline "
    "(SESAME_MASTER_KEY, SESAME_RELAY), so init makes no network call; the `ssm` series reads them "
    "from SSM parameters instead, as template.yaml deploys them (one loopback round trip each here).",
    "peak RSS: VmHWM of /proc/<pid>/status, read after one invocation's response: api a TC3-signed "
    "ListEmailTemplates through the function URL front; deliver an SQS event with one real delivery "
    "job (sent and DKIM-signed to the sink); scheduler a tick; track GET /healthz through the front.",
    "binary: file size of target/<profile>/<fn>; stripped: the same after `strip` (what a deployment "
    "zip would carry if the profile stripped). Invocation latencies are not reported: against moto "
    "they say nothing about AWS.",
]
# Profiles bench/lambda.sh defines on the command line (`--config`), described for the report.
PROFILES = {
    "lambda-small": 'profile "lambda-small": inherits release, strip = true, lto = "fat", codegen-units = 1, opt-level = "s"',
}
FUNCTIONS = ("api", "deliver", "scheduler", "track")
TARGETS = {"init_ms": 50.0, "binary_mb": 15.0, "rss_mb": 64.0}
TABLE = "sesame-bench"
QUEUE = "sesame-bench-deliveries"
ACCOUNT = "bench"
DOMAIN = "bench.example.com"
MEMORY_MB = {"api": 512, "deliver": 512, "scheduler": 256, "track": 256}  # template.yaml


def mb(n_bytes: int) -> float:
    return round(n_bytes / (1024 * 1024), 2)


def sesame_cli() -> Path:
    for candidate in (os.environ.get("SESAME_BIN"), REPO / "target" / "release" / "sesame", REPO / "target" / "debug" / "sesame"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise RuntimeError("no sesame binary: bench/lambda.sh builds target/release/sesame")


class Bench:
    def __init__(self, work: Path, runs: int, profile: str):
        self.work = work
        self.runs = runs
        self.profile = profile
        self.sink = SmtpSink().start()
        try:
            self.moto = Moto(work).start()
        except BaseException:
            self.sink.stop()
            raise
        try:
            self._setup()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.moto.stop()
        self.sink.stop()

    def _setup(self) -> None:
        self.moto.create_table(TABLE)
        self.queue_url, self.queue_arn = self.moto.create_queue(QUEUE)
        self.master_key = new_master_key()
        ssm = self.moto.client("ssm")
        ssm.put_parameter(Name="/sesame/master-key", Value=self.master_key, Type="SecureString")
        ssm.put_parameter(Name="/sesame/relay", Value=self.sink.url, Type="SecureString")

    def env(self, fn: str, ssm: bool) -> dict[str, str]:
        env = {
            **self.moto.env(),
            "SESAME_TABLE": TABLE,
            "SESAME_QUEUE_URL": self.queue_url,
            "SESAME_HOSTNAME": "bench.sesame.test",
            "AWS_LAMBDA_LOG_LEVEL": "WARN",
        }
        if ssm:
            env["SESAME_MASTER_KEY_PARAM"] = "/sesame/master-key"
        else:
            env["SESAME_MASTER_KEY"] = self.master_key
        if fn == "deliver":
            env.update({"SESAME_RELAY_PARAM": "/sesame/relay"} if ssm else {"SESAME_RELAY": self.sink.url})
        return env

    def function(self, fn: str, ssm: bool = False) -> LambdaFunction:
        return LambdaFunction(f"sesame-{fn}", function_binary(fn, self.profile), self.env(fn, ssm), self.work, MEMORY_MB[fn])

    def admin(self, *args: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SESAME_", "AWS_"))}
        env.update(self.moto.env(), SESAME_MASTER_KEY=self.master_key)
        cmd = [str(sesame_cli()), "--backend", "aws", "--table", TABLE, *args]
        res = subprocess.run(cmd, env=env, cwd=self.work, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {res.returncode}\n{res.stderr}")
        return res.stdout

    # -- setup: a key, a sending domain, and one delivery job per deliver run -------------------

    def prepare(self, jobs: int) -> None:
        out = self.admin("keys", "create", "--account", ACCOUNT)
        key = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
        self.secret_id, self.secret_key = key["SecretId"], key["SecretKey"]
        api_fn = self.function("api").start()
        try:
            api_fn.wait_ready()
            with FunctionUrlFront(api_fn) as front:
                stack = _Stack(front, self)
                api = Api(stack, self.secret_id, self.secret_key)
                sending = prepare_sending(stack, api, DOMAIN, ACCOUNT)
                for i in range(jobs):
                    send_template(api, sending, [f"r{i}@example.org"], name=f"Run {i}")
        finally:
            api_fn.stop()
        sqs = self.moto.client("sqs")
        self.jobs: list[dict] = []
        while len(self.jobs) < jobs:
            out = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2, VisibilityTimeout=3600,
                AttributeNames=["All"], MessageAttributeNames=["All"],
            )
            if not out.get("Messages"):
                raise RuntimeError(f"only {len(self.jobs)} of {jobs} jobs in the queue")
            self.jobs.extend(out["Messages"])

    # -- one cold start -----------------------------------------------------------------------

    def cold_start(self, fn: str, job: int, ssm: bool = False) -> dict:
        f = self.function(fn, ssm).start()
        try:
            init_ms = f.wait_ready()
            if fn == "api":
                with FunctionUrlFront(f) as front:
                    body = b"{\"Offset\":0,\"Limit\":10}"
                    headers = tc3_headers(self.secret_id, self.secret_key, front.endpoint, "ListEmailTemplates", body)
                    out = _post(front.endpoint, headers, body)
                    assert "TemplatesMetadata" in out["Response"], out
            elif fn == "deliver":
                out = f.invoke(sqs_event([self.jobs[job]], self.queue_arn))
                assert out == {"batchItemFailures": []}, f"{out}\n{f.log()}"
            elif fn == "scheduler":
                f.invoke(json.loads((REPO / "functions/scheduler/events/scheduler-tick.json").read_text()))
            else:
                with FunctionUrlFront(f) as front:
                    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                    with opener.open(f"http://{front.endpoint}/healthz", timeout=30) as resp:
                        assert resp.status == 200
            rss_kb = f.peak_rss_kb()
        finally:
            f.stop()
        return {"init_ms": round(init_ms, 2), "rss_mb": round(rss_kb / 1024, 2)}


class _Stack:
    """What harness.Api and prepare_sending need of a server."""

    def __init__(self, front: FunctionUrlFront, bench: Bench):
        self.front, self.bench = front, bench

    @property
    def endpoint(self) -> str:
        return self.front.endpoint

    def trust(self, domain: str, account: str) -> None:
        self.bench.admin("identity", "trust", domain, "--account", account)

    def log(self) -> str:
        return self.front.function.log()


def _post(endpoint: str, headers: dict[str, str], body: bytes) -> dict:
    req = urllib.request.Request(f"http://{endpoint}/", data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=30) as resp:
        return json.loads(resp.read())


def sizes(fn: str, profile: str) -> dict:
    path = function_binary(fn, profile)
    out = {"binary_bytes": path.stat().st_size, "binary_mb": mb(path.stat().st_size)}
    strip = shutil.which("strip")
    if strip:
        with tempfile.TemporaryDirectory() as tmp:
            stripped = Path(tmp) / fn
            subprocess.run([strip, "-o", str(stripped), str(path)], check=True)
            out["stripped_bytes"] = stripped.stat().st_size
            out["stripped_mb"] = mb(stripped.stat().st_size)
    return out


def release_profile() -> str:
    """`[profile.release]` of the workspace, as written (`strip` unset means not stripped)."""
    import tomllib

    profile = tomllib.loads((REPO / "Cargo.toml").read_text()).get("profile", {}).get("release", {})
    shown = ", ".join(f"{k} = {json.dumps(v)}" for k, v in profile.items())
    return "[profile.release] " + (shown or "defaults") + ("" if "strip" in profile else ", strip unset")


def machine() -> dict:
    cpu = next(
        (l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")),
        platform.processor(),
    )
    mem_kb = int(next(l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")))
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "arch": platform.machine(),
        "rustc": rustc,
        "python": platform.python_version(),
        # Other work on the machine inflates init times; recorded so a reader can tell.
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }


def summarize(samples: list[dict]) -> dict:
    inits = [s["init_ms"] for s in samples]
    rss = [s["rss_mb"] for s in samples]
    return {
        "init_ms_median": round(statistics.median(inits), 2),
        "init_ms_max": round(max(inits), 2),
        "rss_mb_median": round(statistics.median(rss), 2),
        "rss_mb_max": round(max(rss), 2),
        "samples": samples,
    }


def verdict(row: dict) -> dict:
    return {
        "init": row["init_ms_max"] < TARGETS["init_ms"],
        # The binary as built is what cargo-lambda zips and deploys; stripped is shown beside it.
        "binary": row["binary_mb"] < TARGETS["binary_mb"],
        "binary_if_stripped": row.get("stripped_mb", row["binary_mb"]) < TARGETS["binary_mb"],
        "rss": row["rss_mb_max"] < TARGETS["rss_mb"],
    }


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        "# Lambda functions: cold init, binary size, peak RSS",
        "",
        f"Measured {result['date']} by `bench/lambda.sh` on {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_gb']} GB, Linux {m['kernel']} ({m['arch']}), load average {m['load_average_1m_at_start']} at start; {m['rustc']}; "
        f"`target/{result['profile']}` binaries ({result['release_profile']}). {result['runs']} cold starts per function.",
        "",
        "Targets: init < 50 ms without network, binary < 15 MB, peak RSS < 64 MB.",
        "",
        "| Function | init median (ms) | init max (ms) | binary as built (MB) | after `strip` (MB) | peak RSS median (MB) | peak RSS max (MB) | meets targets |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for fn, row in result["functions"].items():
        v = row["meets"]
        ok = "yes" if v["init"] and v["binary"] and v["rss"] else "no (" + ", ".join(k for k in ("init", "binary", "rss") if not v[k]) + ")"
        if v["binary_if_stripped"] and not v["binary"]:
            ok += "; binary would once stripped"
        lines.append(
            f"| {fn} | {row['init_ms_median']} | {row['init_ms_max']} | {row['binary_mb']} | "
            f"{row.get('stripped_mb', 'n/a')} | {row['rss_mb_median']} | {row['rss_mb_max']} | {ok} |"
        )
    if result.get("ssm"):
        lines += [
            "",
            "With the secrets read from SSM at init (`SESAME_MASTER_KEY_PARAM`, `SESAME_RELAY_PARAM`), "
            "as template.yaml deploys them; SSM is moto on loopback, so this adds one local round trip "
            "per secret, not AWS's latency:",
            "",
            "| Function | init median (ms) | init max (ms) |",
            "|---|---:|---:|",
        ]
        for fn, row in result["ssm"].items():
            lines.append(f"| {fn} | {row['init_ms_median']} | {row['init_ms_max']} |")
    lines += ["", "## Method", "", *(f"- {step}" for step in result["method"]), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "bench")
    parser.add_argument("--name", default="lambda-results", help="file name of the results, without extension")
    parser.add_argument("--profile", default="release", help="target/<profile> holding the binaries")
    parser.add_argument("--no-ssm", action="store_true", help="skip the init series with secrets from SSM")
    args = parser.parse_args()

    host = machine()
    with tempfile.TemporaryDirectory(prefix="sesame-lambda-bench-") as tmp:
        bench = Bench(Path(tmp), args.runs, args.profile)
        try:
            bench.prepare(jobs=args.runs if args.no_ssm else 2 * args.runs)
            functions = {}
            for fn in FUNCTIONS:
                samples = [bench.cold_start(fn, run) for run in range(args.runs)]
                row = {**sizes(fn, args.profile), **summarize(samples)}
                row["meets"] = verdict(row)
                functions[fn] = row
                print(f"{fn:9} init median {row['init_ms_median']:7.2f} ms  max {row['init_ms_max']:7.2f} ms  "
                      f"binary {row['binary_mb']:6.2f} MB (stripped {row.get('stripped_mb', 'n/a')})  "
                      f"RSS max {row['rss_mb_max']:6.2f} MB", flush=True)
            ssm = {}
            if not args.no_ssm:
                for fn in ("api", "deliver"):
                    # deliver's SSM runs take the second half of the jobs: each job is sent once.
                    runs = range(args.runs, 2 * args.runs)
                    ssm[fn] = summarize([bench.cold_start(fn, job, ssm=True) for job in runs])
                    del ssm[fn]["rss_mb_median"], ssm[fn]["rss_mb_max"]
                    print(f"{fn:9} (SSM) init median {ssm[fn]['init_ms_median']:7.2f} ms  max {ssm[fn]['init_ms_max']:7.2f} ms", flush=True)
        finally:
            bench.stop()

    result = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": host,
        "runs": args.runs,
        "profile": args.profile,
        "release_profile": release_profile() if args.profile == "release" else PROFILES.get(args.profile, args.profile),
        "targets": TARGETS,
        "functions": functions,
        "ssm": ssm,
        "method": METHOD,
    }
    (args.out / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / f"{args.name}.md").write_text(markdown(result))
    print(f"wrote {args.out / args.name}.md and .json")


if __name__ == "__main__":
    main()
