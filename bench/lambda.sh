#!/usr/bin/env bash
# Cold init, binary size and peak RSS of the four Lambda functions, measured on this machine;
# writes bench/lambda-results.md (human) and bench/lambda-results.json (PROFILE=release).
# Never part of CI: figures depend on the machine.
#
#   ./bench/lambda.sh                       # 5 cold starts per function, [profile.release]
#   RUNS=10 ./bench/lambda.sh
#   NO_BUILD=1 ./bench/lambda.sh            # reuse the binaries as they are
#   PROFILE=lambda-small ./bench/lambda.sh  # a size-tuned candidate profile (see below);
#                                           # writes bench/lambda-results-lambda-small.{md,json}
#
# Builds the release binaries with the workspace's release profile as it is (panic = "unwind":
# lambda_runtime catches a handler's panic only by unwinding), then runs bench/lambda_bench.py:
# each function's binary under the Runtime API stand-in of tests/e2e/lambda_runtime.py,
# against moto (DynamoDB, SQS, SSM) and an SMTP sink on loopback. No Docker, cargo-lambda or
# sam needed; the binaries are the host's (x86_64 here, arm64 in template.yaml), built the same.
# Needs .venv with tests/requirements.txt (./scripts/test.sh makes it).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
PY=${SESAME_TEST_PYTHON:-$ROOT/.venv/bin/python}

if [[ ! -x $PY ]]; then
    echo "no $PY: run ./scripts/test.sh once (it creates .venv), or set SESAME_TEST_PYTHON" >&2
    exit 1
fi

PROFILE=${PROFILE:-release}
case $PROFILE in
release) profile_flags=(--release) ;;
lambda-small)
    # Candidate for the deployed functions, defined here rather than in Cargo.toml: release plus
    # a stripped symbol table, fat LTO in one codegen unit, and size-optimised code. panic stays
    # "unwind". Built into target/lambda-small/, so nothing else's release artifacts change.
    profile_flags=(--profile lambda-small
        --config 'profile.lambda-small.inherits="release"'
        --config 'profile.lambda-small.strip=true'
        --config 'profile.lambda-small.lto="fat"'
        --config 'profile.lambda-small.codegen-units=1'
        --config 'profile.lambda-small.opt-level="s"')
    ;;
*) echo "PROFILE is release or lambda-small" >&2; exit 1 ;;
esac
NAME=lambda-results
[[ $PROFILE == release ]] || NAME=lambda-results-$PROFILE

if [[ -z ${NO_BUILD:-} ]]; then
    printf '\n==== cargo build (%s): the four functions\n' "$PROFILE"
    cargo build --locked "${profile_flags[@]}" \
        -p sesame-fn-api -p sesame-fn-deliver -p sesame-fn-scheduler -p sesame-fn-track
    printf '\n==== cargo build --release -p sesame (the CLI makes the bench API key)\n'
    cargo build --locked --release -p sesame
fi
export SESAME_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/sesame

printf '\n==== bench/lambda_bench.py (%s cold starts per function)\n' "$RUNS"
"$PY" bench/lambda_bench.py --runs "$RUNS" --profile "$PROFILE" --name "$NAME"
