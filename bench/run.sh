#!/usr/bin/env bash
# Benchmarks Sesame on this machine and writes bench/results.md (human) and bench/results.json.
# Never part of CI: it takes minutes and its figures depend on the machine.
#
#   ./bench/run.sh                     # everything (dkim, sendload at 500/s for 20 s, drain of 20,000)
#   RATE=800 DURATION=30s ./bench/run.sh
#   PARTS="dkim" ./bench/run.sh        # only some parts: any of dkim sendload drain
#   BUILD=0 ./bench/run.sh             # reuse the release binaries already in target/
#   SESAME_LOG=warn ./bench/run.sh     # server log filter (default: info, as shipped)
#
# One machine plays every role: the release `sesame serve` (embedded SQLite store, RSA-2048
# DKIM), the load generator, and Postfix's `smtp-sink` as the relay, all on loopback. smtp-sink
# is a tiny C SMTP server that accepts and discards mail and counts it (`-c`), so the relay is
# never the bottleneck and the count is exact.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out # scratch (gitignored): data dir, logs, per-part JSON
PARTS=${PARTS:-"dkim sendload drain"}
RATE=${RATE:-500}
DURATION=${DURATION:-20s}
COUNT=${COUNT:-20000}
CONCURRENCY=${CONCURRENCY:-32}
API_PORT=${API_PORT:-8089}
SINK_PORT=${SINK_PORT:-2526}
ACCOUNT=bench
DOMAIN=bench.example.com
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/release
# Recorded in the report: figures taken while something else loads the machine are not comparable.
LOAD_AT_START=$(cut -d' ' -f1 /proc/loadavg)

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
wants() { [[ " $PARTS " == *" $1 "* ]]; }

# ---------------------------------------------------------------------------------------------
if ! command -v smtp-sink >/dev/null; then
    banner "Installing postfix (for smtp-sink)"
    # "No configuration": we only want the smtp-sink tool, not a configured or running MTA.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends postfix
fi

if [[ ${BUILD:-1} != 0 ]]; then
    banner "Building (release)"
    cargo build --release --locked -p sesame -p sesame-bench
fi
BENCH=$TARGET/sesame-bench
SESAME=$TARGET/sesame

rm -rf "$OUT"
mkdir -p "$OUT"

if wants dkim; then
    banner "dkim: compose + sign cost per message"
    # First, while nothing else runs: it measures one core of pure CPU.
    "$BENCH" dkim --json "$OUT/dkim.json"
fi

if wants sendload || wants drain; then
    banner "Starting smtp-sink on 127.0.0.1:$SINK_PORT and sesame on 127.0.0.1:$API_PORT"
    # -u: smtp-sink refuses to run as root without a user to drop to. Backlog 1024.
    smtp-sink -c -u nobody "127.0.0.1:$SINK_PORT" 1024 >"$OUT/sink.counter" 2>"$OUT/sink.log" &
    PIDS+=($!)
    wait_port "$SINK_PORT" smtp-sink "$!"

    export SESAME_DATA_DIR=$OUT/data
    SESAME_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
    export SESAME_MASTER_KEY
    SESAME_RELAY=smtp://127.0.0.1:$SINK_PORT SESAME_LISTEN=127.0.0.1:$API_PORT \
        SESAME_LOG=${SESAME_LOG:-info} NO_COLOR=1 "$SESAME" serve 2>"$OUT/sesame.log" &
    PIDS+=($!)
    wait_port "$API_PORT" sesame "$!"

    banner "Setup: key, trusted domain, sender, template"
    KEY_JSON=$("$SESAME" keys create --account "$ACCOUNT" | grep '^{')
    SESAME_BENCH_SECRET_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["SecretId"])' <<<"$KEY_JSON")
    SESAME_BENCH_SECRET_KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["SecretKey"])' <<<"$KEY_JSON")
    export SESAME_BENCH_SECRET_ID SESAME_BENCH_SECRET_KEY SESAME_BENCH_ENDPOINT=127.0.0.1:$API_PORT
    "$BENCH" api CreateEmailIdentity "{\"EmailIdentity\": \"$DOMAIN\", \"DKIMOption\": 1}" >/dev/null
    "$SESAME" identity trust "$DOMAIN" --account "$ACCOUNT"
    "$BENCH" api CreateEmailAddress "{\"EmailAddress\": \"noreply@$DOMAIN\", \"EmailSenderName\": \"Bench\"}" >/dev/null
    HTML=$(printf '<html><body><p>Hello {{name}}, your order has shipped.</p></body></html>' | base64 -w0)
    TEXT=$(printf 'Hello {{name}}, your order has shipped.' | base64 -w0)
    SESAME_BENCH_TEMPLATE_ID=$("$BENCH" api CreateEmailTemplate --get TemplateID \
        "{\"TemplateName\": \"bench\", \"TemplateContent\": {\"Html\": \"$HTML\", \"Text\": \"$TEXT\"}}")
    export SESAME_BENCH_TEMPLATE_ID SESAME_BENCH_FROM="Bench <noreply@$DOMAIN>"
    echo "template $SESAME_BENCH_TEMPLATE_ID, sender noreply@$DOMAIN"
fi

if wants sendload; then
    banner "sendload: $RATE requests/s for $DURATION (open loop)"
    "$BENCH" sendload --rate "$RATE" --duration "$DURATION" \
        --sink-counter "$OUT/sink.counter" --json "$OUT/sendload.json"
fi

if wants drain; then
    banner "drain: $COUNT messages, $CONCURRENCY in flight, until all delivered"
    "$BENCH" drain --count "$COUNT" --concurrency "$CONCURRENCY" \
        --sink-counter "$OUT/sink.counter" --json "$OUT/drain.json"
fi

banner "Report"
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
"$BENCH" report --dir "$OUT" --json bench/results.json --md bench/results.md \
    --meta "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --meta "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    --meta "cpu=${CPU:-unknown}" \
    --meta "rate=$RATE" --meta "duration=$DURATION" --meta "count=$COUNT" \
    --meta "log=${SESAME_LOG:-info}" --meta "load_at_start=$LOAD_AT_START"
cat bench/results.md
