"""Turns the wrk outputs of bench/tracking.sh into bench/tracking-results.md."""

from __future__ import annotations

import re
import sys
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse(path: Path) -> dict:
    text = path.read_text()

    def latency(pct: str) -> float:
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        return float(m.group(1)) * UNITS[m.group(2)]

    rps = float(re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M).group(1))
    requests = int(re.search(r"^\s+(\d+) requests in", text, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: (.*)$", text, re.M)
    return {
        "rps": rps,
        "p50": latency("50"),
        "p99": latency("99"),
        "requests": requests,
        "bad": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1) if errors else "none",
    }


def main() -> None:
    out, results, meta_file, recorded = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    meta = dict(line.split("=", 1) for line in meta_file.read_text().splitlines() if "=" in line)
    runs = {name: parse(out / f"wrk-{name}.txt") for name in ["nginx-pixel", "sesame-pixel", "nginx-302", "sesame-click"]}
    lines = [
        "# Tracking edge benchmark",
        "",
        "`bench/tracking.sh`: release `sesame serve` (SQLite, background recorder) against nginx",
        "serving a static 1×1 GIF and a fixed 302, same machine, same run, loopback,",
        f"`wrk -t2 -c64 -d{meta.get('duration')}` with a browser User-Agent, one after the other.",
        "",
        f"- date: {meta.get('date')}, commit {meta.get('commit')}",
        f"- CPU: {meta.get('cpu')} ({meta.get('cores')} cores shared by wrk, the server and the recorder)",
        f"- load average at start: {meta.get('load')}",
        f"- nginx {meta.get('nginx')}, wrk {meta.get('wrk')}",
        "",
        "| target | requests/s | p50 ms | p99 ms | requests | non-2xx/3xx | socket errors |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in runs.items():
        lines.append(
            f"| {name} | {r['rps']:,.0f} | {r['p50']:.3f} | {r['p99']:.3f} | {r['requests']:,} | {r['bad']} | {r['errors']} |"
        )
    lines += ["", "| pair | Sesame / nginx requests/s (target ≥ 50%) | Sesame / nginx p99 (target ≤ 2×) |", "|---|---:|---:|"]
    verdicts = []
    for ours, theirs, label in [("sesame-pixel", "nginx-pixel", "pixel"), ("sesame-click", "nginx-302", "click")]:
        rps = runs[ours]["rps"] / runs[theirs]["rps"]
        p99 = runs[ours]["p99"] / runs[theirs]["p99"]
        verdicts.append(rps >= 0.5 and p99 <= 2.0)
        lines.append(f"| {label} | {rps:.0%} | {p99:.2f}× |")
    sent = runs["sesame-pixel"]["requests"] + runs["sesame-click"]["requests"] + int(meta.get("extra_hits", "0"))
    lines += [
        "",
        "Events recorded against requests sent (raw hits in the store once the recorder drained,",
        "against wrk's completed requests plus the setup's own fetches; a request the server",
        "answered after wrk stopped counting is recorded but not counted by wrk):",
        "",
        f"- requests answered by Sesame (wrk): {sent:,}",
        f"- raw hits recorded: {recorded:,}",
        f"- recorder at shutdown: {meta.get('recorder', 'n/a')}",
        f"- lost: {max(sent - recorded, 0):,}",
        "",
        f"Targets met: {'yes' if all(verdicts) and recorded >= sent else 'NO'}",
    ]
    results.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
