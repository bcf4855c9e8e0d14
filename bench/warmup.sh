#!/usr/bin/env bash
# Benchmarks the warm-up quota gate over the embedded SQLite store and writes
# bench/warmup-results.json (raw) and bench/warmup-results.md (the figures beside their target).
# Never part of CI: figures depend on the machine and on what else runs on it.
#
#   ./bench/warmup.sh                       # 32 reservers x 500, 1,000 messages through delivery
#   CONCURRENCY=64 PER_TASK=500 MESSAGES=2000 ./bench/warmup.sh
#   BUILD=0 ./bench/warmup.sh               # reuse target/release/warmup
#
# What it measures (see bench/src/bin/warmup.rs):
# - reservations/s with CONCURRENCY concurrent reservers of one message each, through the raw
#   quota ledger and through the whole gate (pool lookup, warm-up state, reservation);
# - per message: delivery (claim, load, compose, RSA-2048 DKIM, pool lookup, a relay that
#   accepts at once, outcome) against what the gate adds, with the shared pool and with the
#   domain bound to a dedicated pool (two scopes to reserve in), reserving one message at a
#   time (worst case) and a chunk of 100 at a time (as batch expansion does).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
CONCURRENCY=${CONCURRENCY:-32}
PER_TASK=${PER_TASK:-500}
MESSAGES=${MESSAGES:-1000}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/release
LOAD_AT_START=$(cut -d' ' -f1 /proc/loadavg)

if [[ ${BUILD:-1} != 0 ]]; then
    cargo build --release --locked -p sesame-bench --bin warmup
fi

JSON=$ROOT/bench/warmup-results.json
"$TARGET/warmup" "$CONCURRENCY" "$PER_TASK" "$MESSAGES" >"$JSON"
LOAD_AT_END=$(cut -d' ' -f1 /proc/loadavg)

python3 - "$JSON" "$LOAD_AT_START" "$LOAD_AT_END" "$(nproc)" >"$ROOT/bench/warmup-results.md" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
load_start, load_end, cpus = sys.argv[2], sys.argv[3], sys.argv[4]
s, d = r["delivery_path_shared_pool"], r["delivery_path_dedicated_pool"]
ok = lambda v: "yes" if v < 5 else "**no**"
print(f"""# Warm-up gate benchmark

Machine: {cpus} CPUs, load average {load_start} at start, {load_end} at end (other work was
running; figures taken on a busy machine are not comparable with a quiet one). Release build,
embedded SQLite store (WAL, synchronous=NORMAL), `bench/warmup.sh`.

## Reservation throughput (SQLite)

| Path | {r["concurrency"]} concurrent reservers, 1 message each | Granted |
|---|---|---|
| Quota ledger (`QuotaLedger::reserve`) | {r["ledger_reservations_per_second"]:,.0f} reservations/s | {r["ledger_granted"]} |
| Whole gate (`Sesame::reserve_batch`: pool lookup, warm-up state, reservation) | {r["gate_reservations_per_second"]:,.0f} reservations/s | {r["gate_granted"]} |

## The gate in the delivery path (target: adds < 5 %)

Per message, sequential; the relay accepts at once, so delivery time is the smallest a real
delivery can take and the shares are upper bounds.

| | Shared pool | Dedicated pool (bound; 2 scopes) |
|---|---|---|
| Delivery (claim, compose, RSA-2048 DKIM, pool lookup, send, outcome) | {s["deliver_us_per_message"]} µs | {d["deliver_us_per_message"]} µs |
| Pool lookup (inside delivery) | {s["pool_lookup_us_per_message"]} µs | {d["pool_lookup_us_per_message"]} µs |
| Reservation, a chunk of 100 at a time (batch expansion) | {s["reserve_chunk_of_100_us_per_message"]} µs | {d["reserve_chunk_of_100_us_per_message"]} µs |
| Reservation, one message at a time (worst case) | {s["reserve_one_us_per_message"]} µs | {d["reserve_one_us_per_message"]} µs |
| **Gate share, chunked** (target < 5 %) | **{s["gate_share_percent_chunked"]} %** ({ok(s["gate_share_percent_chunked"])}) | **{d["gate_share_percent_chunked"]} %** ({ok(d["gate_share_percent_chunked"])}) |
| Gate share, one reservation per message | {s["gate_share_percent_one_reservation_per_message"]} % ({ok(s["gate_share_percent_one_reservation_per_message"])}) | {d["gate_share_percent_one_reservation_per_message"]} % ({ok(d["gate_share_percent_one_reservation_per_message"])}) |

Batch expansion reserves once per chunk, so the chunked row is what the delivery path pays.""")
PY
cat "$ROOT/bench/warmup-results.md"
