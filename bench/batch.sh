#!/usr/bin/env bash
# Batch-task benchmark: a 1,000,000-recipient group expanded by `sesame serve`, and a day-1 run
# under a 500/day quota. Writes bench/batch-results.md (human) and bench/out/batch/*.json.
# Never part of CI: minutes of work, machine-dependent figures.
#
#   ./bench/batch.sh                 # 1,000,000 rows
#   ROWS=200000 ./bench/batch.sh     # smaller
#   BUILD=0 ./bench/batch.sh         # reuse target/release/sesame
#   WORKERS=1 ./bench/batch.sh       # fewer concurrent deliveries beside the expansion
#
# Phases, one machine, all on loopback:
#  1. import: `sesame receivers import` of a ROWS-line CSV into a group (upload rate);
#  2. expand: BatchSendEmail TaskType 1 on the group while `sesame serve` runs with its delivery
#     worker sending to Postfix `smtp-sink` (default settings: chunk 1,000, 50 chunks per tick);
#     the expansion rate is recipients turned into delivery jobs per second (SendCount over
#     time, polled through ListSendTasks), and the peak RSS is the serve process's VmHWM;
#  3. quota: the server restarted with SESAME_DAILY_QUOTA=500 and a second task on the same
#     group: it must pause (TaskStatus 6) after 500, having read about 500 rows, not 1,000,000.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out/batch
ROWS=${ROWS:-1000000}
API_PORT=${API_PORT:-8091}
SINK_PORT=${SINK_PORT:-2527}
WORKERS=${WORKERS:-64}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/release
PY=${PY:-$ROOT/.venv/bin/python}
LOAD_AT_START=$(cut -d' ' -f1 /proc/loadavg)

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

if ! command -v smtp-sink >/dev/null; then
    echo "smtp-sink (postfix) is needed; bench/run.sh installs it" >&2
    exit 1
fi
if [[ ${BUILD:-1} != 0 ]]; then
    banner "Building (release)"
    cargo build --release --locked -p sesame
fi
export SESAME=${SESAME_BIN:-$TARGET/sesame}

rm -rf "$OUT"
mkdir -p "$OUT"

export SESAME_DATA_DIR=$OUT/data
SESAME_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
export SESAME_MASTER_KEY SESAME_TIMEZONE=Asia/Shanghai NO_COLOR=1
export BENCH_ACCOUNT=bench BENCH_DOMAIN=news.bench.example.com BENCH_ENDPOINT=127.0.0.1:$API_PORT

SERVE_PID=
start_serve() { # start_serve LOGNAME [VAR=value ...]
    local log=$1
    shift
    env "$@" SESAME_RELAY="smtp://127.0.0.1:$SINK_PORT" SESAME_LISTEN="127.0.0.1:$API_PORT" \
        SESAME_WORKERS="$WORKERS" SESAME_LOG=${SESAME_LOG:-info} \
        "$SESAME" serve 2>"$OUT/$log" &
    SERVE_PID=$!
    PIDS+=("$SERVE_PID")
    wait_port "$API_PORT" sesame "$SERVE_PID"
}
stop_serve() {
    kill -TERM "$SERVE_PID"
    wait "$SERVE_PID" || true
}

smtp-sink -c -u nobody "127.0.0.1:$SINK_PORT" 1024 >"$OUT/sink.counter" 2>"$OUT/sink.log" &
PIDS+=($!)
wait_port "$SINK_PORT" smtp-sink "$!"

banner "Setup: key, domain, sender, template, group; $ROWS-line CSV"
start_serve sesame-expand.log
KEY_JSON=$("$SESAME" keys create --account "$BENCH_ACCOUNT" | grep '^{')
BENCH_SECRET_ID=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["SecretId"])' <<<"$KEY_JSON")
BENCH_SECRET_KEY=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["SecretKey"])' <<<"$KEY_JSON")
export BENCH_SECRET_ID BENCH_SECRET_KEY
"$PY" bench/batch.py setup --out "$OUT/setup.json"
# A new domain starts at warm-up step 1 (500 a day): the expansion run measures the cursor,
# not the warm-up plan, so the domain gets a plan whose first day is larger than the list.
"$SESAME" warmup plan create bench-warm --steps 100000000 >/dev/null
"$SESAME" warmup plan assign bench-warm --domain "$BENCH_DOMAIN" --account "$BENCH_ACCOUNT" >/dev/null
RECEIVER=$("$PY" -c 'import json; print(json.load(open("'"$OUT/setup.json"'"))["receiver"])')
TEMPLATE=$("$PY" -c 'import json; print(json.load(open("'"$OUT/setup.json"'"))["template"])')
"$PY" bench/batch.py csv --rows "$ROWS" --path "$OUT/recipients.csv"

banner "import: $ROWS rows into group $RECEIVER"
T0=$(date +%s.%N)
"$SESAME" receivers import --receiver "$RECEIVER" --account "$BENCH_ACCOUNT" "$OUT/recipients.csv" \
    >"$OUT/import.log" 2>&1
T1=$(date +%s.%N)
IMPORT_SECS=$(echo "$T1 - $T0" | bc -l)

banner "expand: TaskType 1 over $ROWS recipients (delivery running, $WORKERS workers)"
"$PY" bench/batch.py task --receiver "$RECEIVER" --template "$TEMPLATE" --pid "$SERVE_PID" \
    --until 10 --log "$OUT/sesame-expand.log" --out "$OUT/expand.json"
stop_serve

banner "quota: restart with SESAME_DAILY_QUOTA=500, second task on the same group"
start_serve sesame-quota.log SESAME_DAILY_QUOTA=500
"$PY" bench/batch.py task --receiver "$RECEIVER" --template "$TEMPLATE" --pid "$SERVE_PID" \
    --until 6 --poll 0.2 --log "$OUT/sesame-quota.log" --out "$OUT/quota.json"
sleep 3 # later ticks of the same day must not read or write anything more
QUOTA_TASK=$("$PY" -c 'import json; print(json.load(open("'"$OUT/quota.json"'"))["task_id"])')
stop_serve
QUOTA_DELIVERIES=$(sqlite3 "$SESAME_DATA_DIR/sesame.db" \
    "SELECT count(*) FROM deliveries WHERE message_id = 'task-$QUOTA_TASK-r1'")
QUOTA_ROWS_READ=$(grep -o 'rows_read=[0-9]*' "$OUT/sesame-quota.log" | cut -d= -f2 | paste -sd+ | bc)
QUOTA_TICKS=$(grep -c 'task tick' "$OUT/sesame-quota.log" || true)

banner "Report"
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
"$PY" - "$OUT" "$ROWS" "$IMPORT_SECS" "$QUOTA_DELIVERIES" "${QUOTA_ROWS_READ:-0}" "$QUOTA_TICKS" \
    "$WORKERS" "$LOAD_AT_START" "${CPU:-unknown}" "$(git rev-parse --short HEAD)" <<'EOF'
import json, sys, datetime
out, rows, import_secs, q_dlv, q_read, q_ticks, workers, load, cpu, commit = sys.argv[1:]
rows = int(rows); import_secs = float(import_secs)
e = json.load(open(f"{out}/expand.json")); q = json.load(open(f"{out}/quota.json"))
rate = e["expansion_rate_per_s"]; hwm = e["vm_hwm_mib"]
upload = rows / import_secs
ok = lambda b: "yes" if b else "**no**"
md = f"""# Batch-task benchmark

{datetime.datetime.utcnow():%Y-%m-%dT%H:%M:%SZ} · commit `{commit}` · {cpu} · load average {load} at start · written by `bench/batch.sh`

One machine, loopback: release `sesame serve` (SQLite), its delivery worker ({workers} workers) sending
to Postfix `smtp-sink` while the task expands, defaults otherwise (chunk 1,000, 50 chunks per tick).

## Targets

| Target | Measured | Met |
|---|---|---|
| expansion ≥ 20,000 recipients/s | {rate:,} recipients/s ({e['final']['SendCount']:,} jobs in {e['run_seconds']:.1f} s from the run's start to its completion, server log; {e['seconds_to_final']:.1f} s from BatchSendEmail to TaskStatus 10 seen by the client) | {ok(rate and rate >= 20000)} |
| peak RSS of `sesame serve` < 256 MB | {hwm} MiB (VmHWM over import, expansion and delivery) | {ok(hwm < 256)} |
| day 1 with 500/day: work ∝ 500 | {q_dlv} deliveries written, {q_read} group rows read in {q_ticks} logged ticks; TaskStatus {q['final']['TaskStatus']}, SendCount {q['final']['SendCount']}, CacheCount {q['final']['CacheCount']:,} | {ok(int(q_dlv) == 500 and int(q_read) <= 1000)} |
| upload ≥ 50,000 recipients/s (lists engineer's target, for reference) | {upload:,.0f} recipients/s (`sesame receivers import` of {rows:,} rows in {import_secs:.1f} s) | {ok(upload >= 50000)} |

Expansion samples (seconds after BatchSendEmail → SendCount, RSS):

| t (s) | SendCount | RSS (MiB) |
|---|---|---|
""" + "\n".join(f"| {s['t']} | {s['sent']:,} | {s['rss_kib']/1024:.0f} |" for s in e["samples"][:: max(1, len(e['samples']) // 15)]) + "\n"
open("bench/batch-results.md", "w").write(md)
json.dump({"rows": rows, "import_secs": import_secs, "expand": {k: v for k, v in e.items() if k != "samples"},
           "quota": {"deliveries": int(q_dlv), "rows_read": int(q_read), "ticks": int(q_ticks), "final": q["final"]}},
          open("bench/batch-results.json", "w"), indent=1)
print(md)
EOF
