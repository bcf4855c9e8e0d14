#!/usr/bin/env bash
# The one test command: ./scripts/test.sh
#
# From a clean checkout on a Debian 12 machine (root; apt and PyPI reachable) it installs what
# the tests need, then runs, in order and stopping at the first failure:
#   formatting, clippy, the template checks (`sam validate --lint`), one build of every target,
#   `sam build` of template.yaml for this machine's architecture (reusing that build), the Rust
#   tests, the end-to-end suite (the real `sesame serve` driven by the official Tencent Cloud
#   SDK and tccli, delivering to an SMTP server on loopback; the Lambda functions as `sam build`
#   made them, under a Lambda Runtime API stand-in).
# Reruns are fast: apt and pip are skipped when nothing is missing or changed.
#
# Environment:
#   PYTHON       interpreter used to create .venv (default: python3)
#   PYTEST_ARGS  extra arguments for pytest (e.g. "-k dkim -x")
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
START=$SECONDS

banner() {
    printf '\n==== %s ==== (%ss)\n' "$*" "$((SECONDS - START))"
}

# ---------------------------------------------------------------------------------------------
banner "System packages"
# Only what the tests need (smtp-sink/postfix is for bench/run.sh, not here). Each entry is
# "check-command:package"; apt runs only when a check fails, so a prepared machine skips it.
PYTHON=${PYTHON:-python3}
missing=()
need() { # need PACKAGE CHECK...
    local pkg=$1
    shift
    if ! "$@" >/dev/null 2>&1; then missing+=("$pkg"); fi
}
need gcc command -v gcc                       # C parts of dependencies (SQLite, aws-lc)
need g++ command -v g++
need make command -v make
need pkg-config command -v pkg-config
need ca-certificates test -e /etc/ssl/certs/ca-certificates.crt
need python3 command -v "$PYTHON"
need python3-venv "$PYTHON" -c 'import venv, ensurepip'  # Debian splits venv/ensurepip out
need dnsmasq test -x /usr/sbin/dnsmasq        # real DNS server of the domain verification tests
need spamassassin command -v spamassassin     # spam score of a typical message (tests/e2e)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    echo "all present"
fi

# ---------------------------------------------------------------------------------------------
banner "Python environment (.venv)"
# Pinned in tests/requirements.txt; reinstalled only when that file changes (hash stamp).
REQ=tests/requirements.txt
STAMP=.venv/.requirements.sha256
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [[ ! -x .venv/bin/python ]]; then
    "$PYTHON" -m venv .venv
fi
if [[ "$(cat "$STAMP" 2>/dev/null || true)" != "$want" ]]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r "$REQ"
    echo "$want" >"$STAMP"
else
    echo "up to date"
fi
export SESAME_TEST_PYTHON=$ROOT/.venv/bin/python # Rust tests spawn aiosmtpd with it

# ---------------------------------------------------------------------------------------------
# Every cargo step builds for the host's target triple given explicitly, as cargo-lambda always
# does: `sam build` below then finds the dependency tree already compiled (in
# target/<triple>/debug) instead of compiling it a second time.
HOST=$(rustc -vV | sed -n 's/^host: //p')
case $HOST in
x86_64-unknown-linux-gnu) ARCHITECTURE=x86_64 ;;
aarch64-unknown-linux-gnu) ARCHITECTURE=arm64 ;;
*) echo "no Lambda architecture for host $HOST" >&2; exit 1 ;;
esac
export CARGO_BUILD_TARGET=$HOST
# No incremental caches: a one-off build does not reuse them and they double target/'s size.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/$HOST

banner "cargo fmt --check"
cargo fmt --all --check

banner "cargo clippy"
# --all-features is safe: the only feature (sesame-core/testing) adds fakes, it removes nothing.
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

banner "sam validate --lint (template.yaml)"
# The SAM CLI and cfn-lint from .venv, offline (no telemetry, no version check).
sam() {
    SAM_CLI_TELEMETRY=0 HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY= \
        https_proxy=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 no_proxy= \
        PATH="$ROOT/.venv/bin:$PATH" "$ROOT/.venv/bin/sam" "$@"
}
sam validate --lint --config-file infra/samconfig.toml

banner "cargo build"
# One build of everything (tests included), so `cargo test` below only runs them, `sam build`
# reuses it and the end-to-end suite finds target/<triple>/debug/sesame.
cargo build --workspace --all-targets --locked

banner "sam build (template.yaml, Architecture=$ARCHITECTURE)"
# How a deployment builds the functions (infra/README.md), with two differences that keep it
# to the build above: SAM_BUILD_MODE=debug (cargo-lambda without --release: the dev profile,
# not the release profile's fat LTO) and plain cargo for the native target instead of zig.
# The network is shut (a dead proxy, cargo offline): everything it needs is already here.
# The four `bootstrap` files land in .aws-sam/build/<LogicalId>/; tests/e2e runs them.
SAM_BUILD_MODE=debug CARGO_LAMBDA_COMPILER=cargo CARGO_NET_OFFLINE=true \
    sam build --config-file infra/samconfig.toml --parameter-overrides "Architecture=$ARCHITECTURE"

banner "cargo test"
cargo test --workspace --locked

# ---------------------------------------------------------------------------------------------
banner "End-to-end (pytest tests/e2e)"
export SESAME_BIN=$TARGET_DIR/debug/sesame
# shellcheck disable=SC2086 # PYTEST_ARGS is a word list on purpose
.venv/bin/python -m pytest tests/e2e -ra ${PYTEST_ARGS:-}

banner "All tests passed"
