#!/usr/bin/env bash
# Upload speed and peak memory of `sesame receivers import` into SQLite: a generated CSV of
# ROWS recipients with per-recipient TemplateData, imported by the release binary into a fresh
# data dir. Writes bench/receivers-results.md. Never part of CI: figures depend on the machine.
#
#   ./bench/receivers.sh              # 1,000,000 rows, builds the release binary first
#   ROWS=200000 ./bench/receivers.sh
#   NO_BUILD=1 ./bench/receivers.sh   # reuse target/release/sesame as it is
#
# Targets (issue 4): >= 50,000 recipients/s; memory must not grow with the list (the import
# streams the file twice and keeps only 8-byte fingerprints of the addresses for de-duplication).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${ROWS:-1000000}
BIN=$ROOT/target/release/sesame
OUT=$ROOT/bench/receivers-results.md

if [[ -z ${NO_BUILD:-} ]]; then
    cargo build --release -p sesame
fi
[[ -x $BIN ]] || { echo "no $BIN" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export SESAME_DATA_DIR=$WORK/data
export SESAME_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
export SESAME_LOG=warn

CSV=$WORK/list.csv
awk -v n="$ROWS" 'BEGIN {
    print "email,templateData";
    for (i = 0; i < n; i++) printf "user%d@example%d.org,\"{\"\"name\"\":\"\"User %d\"\",\"\"code\"\":\"\"%06d\"\"}\"\n", i, i % 97, i, i;
}' > "$CSV"
SIZE=$(du -m "$CSV" | cut -f1)

"$BIN" keys create --account bench > /dev/null
RECEIVER=$("$BIN" receivers create --account bench --name bench-list | sed -E 's/.*"ReceiverId":([0-9]+).*/\1/')

/usr/bin/time -v -o "$WORK/time.txt" \
    "$BIN" receivers import --account bench --receiver "$RECEIVER" "$CSV" > "$WORK/summary.json" 2> "$WORK/stderr.txt"
RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt")
SUMMARY=$(cat "$WORK/summary.json")
RATE=$(sed -E 's/.*"RowsPerSecond":([0-9.]+).*/\1/' <<< "$SUMMARY")
SECONDS_TAKEN=$(sed -E 's/.*"Seconds":([0-9.]+).*/\1/' <<< "$SUMMARY")
DB_MB=$(du -m "$SESAME_DATA_DIR" | tail -1 | cut -f1)

cat > "$OUT" <<MD
# Recipient list upload (CLI import into SQLite)

Measured by \`bench/receivers.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m)); release build.

| Figure | Value | Target |
|---|---|---|
| Rows | $ROWS (CSV $SIZE MB, per-recipient TemplateData with 2 variables) | 1,000,000 |
| Import time (both passes, all rows committed) | ${SECONDS_TAKEN} s (wall incl. start-up: $WALL) | |
| Upload rate | **${RATE} recipients/s** | ≥ 50,000/s |
| Peak RSS of \`sesame receivers import\` | **$((RSS_KB / 1024)) MB** ($RSS_KB kB) | flat in list size |
| Database size after import | $DB_MB MB | |

Summary line printed by the import:

\`\`\`
$SUMMARY
\`\`\`

How: pass 1 streams the CSV and checks every row (address syntax, TemplateData rules,
de-duplication by 64-bit fingerprint); pass 2 streams it again and appends the kept rows in
chunks of 10,000 rows, one SQLite transaction each (WAL, synchronous=NORMAL). Memory is the
fingerprint set (about 16 MB per million distinct addresses) plus one chunk.
MD
cat "$OUT"
