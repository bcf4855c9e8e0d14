#!/usr/bin/env bash
# Tracking edge benchmark: wrk against the release `sesame serve` (open pixel and click
# redirect, every hit recorded by the background recorder into SQLite) beside nginx serving a
# static 1×1 GIF and a fixed 302, in the same run on this machine. Writes
# bench/tracking-results.md. Never part of CI.
#
#   ./bench/tracking.sh                  # build, then 10 s per target
#   DURATION=20s BUILD=0 ./bench/tracking.sh
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out/tracking
DURATION=${DURATION:-10s}
PORT=${PORT:-8093}
NGINX_PORT=${NGINX_PORT:-8094}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/release
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
AGENT="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15"
LOAD_AT_START=$(cut -d' ' -f1 /proc/loadavg)

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    banner "Installing wrk and nginx"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends wrk nginx
fi
if [[ ${BUILD:-1} != 0 ]]; then
    banner "Building (release)"
    cargo build --release --locked -p sesame
fi
SESAME=$TARGET/sesame

rm -rf "$OUT"
mkdir -p "$OUT/nginx"

banner "Starting sesame on 127.0.0.1:$PORT (outbox, SQLite)"
export SESAME_DATA_DIR=$OUT/data
SESAME_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
export SESAME_MASTER_KEY
SESAME_LISTEN=127.0.0.1:$PORT SESAME_LOG=${SESAME_LOG:-info} NO_COLOR=1 \
    "$SESAME" serve 2>"$OUT/sesame.log" &
SESAME_PID=$!
PIDS+=("$SESAME_PID")
wait_port "$PORT" sesame "$SESAME_PID"

banner "Setup: key, domain, sender, one delivered message"
KEY_JSON=$("$SESAME" keys create --account bench | grep '^{')
ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["SecretId"])' <<<"$KEY_JSON")
SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["SecretKey"])' <<<"$KEY_JSON")
read -r PIXEL CLICK < <("$PYTHON" bench/tracking_setup.py "127.0.0.1:$PORT" "$ID" "$SECRET" \
    track.bench.example "$SESAME_DATA_DIR/outbox" "$SESAME")
echo "pixel $PIXEL"
echo "click $CLICK"

banner "Starting nginx on 127.0.0.1:$NGINX_PORT"
# The same GIF bytes Sesame serves (this fetch is one more recorded hit).
curl -sf -A "$AGENT" -o "$OUT/nginx/pixel.gif" "http://127.0.0.1:$PORT$PIXEL"
cat >"$OUT/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = /pixel.gif {
            root $OUT/nginx;
            default_type image/gif;
            add_header Cache-Control "no-store, no-cache, must-revalidate, private, max-age=0";
        }
        location = /c {
            add_header Cache-Control "no-store, no-cache, must-revalidate, private, max-age=0";
            return 302 https://shop.example/offer?id=42;
        }
    }
}
CONF
nginx -c "$OUT/nginx/nginx.conf" &
PIDS+=($!)
wait_port "$NGINX_PORT" nginx "$!"

run() { # run NAME URL
    banner "wrk $1"
    wrk -t2 -c64 -d"$DURATION" --latency -H "User-Agent: $AGENT" "$2" | tee "$OUT/wrk-$1.txt"
}
run nginx-pixel "http://127.0.0.1:$NGINX_PORT/pixel.gif"
run sesame-pixel "http://127.0.0.1:$PORT$PIXEL"
run nginx-302 "http://127.0.0.1:$NGINX_PORT/c"
run sesame-click "http://127.0.0.1:$PORT$CLICK"

banner "Waiting for the recorder to drain, then stopping sesame"
# SIGTERM: the server stops, the recorder records everything it holds, then the process exits.
kill -TERM "$SESAME_PID"
wait "$SESAME_PID" || true
RECORDER=$(grep -o 'tracking recorder stopped.*' "$OUT/sesame.log" | tail -1 | sed 's/\x1b\[[0-9;]*m//g')
RECORDED=$(sqlite3 "$SESAME_DATA_DIR/sesame.db" "SELECT count(*) FROM tracking_hits")

{
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "cores=$(nproc)"
    echo "load=$LOAD_AT_START"
    echo "duration=$DURATION"
    echo "nginx=$(nginx -v 2>&1 | sed 's/.*nginx\///')"
    echo "wrk=$(wrk -v 2>&1 | head -1 | awk '{print $2}')"
    echo "extra_hits=1"
    echo "recorder=$RECORDER"
} >"$OUT/meta.txt"
banner "Report"
python3 bench/tracking_report.py "$OUT" bench/tracking-results.md "$OUT/meta.txt" "$RECORDED"
