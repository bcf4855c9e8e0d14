#!/usr/bin/env bash
# The one test command: ./scripts/test.sh
#
# From a clean checkout on a Debian 12 machine (root; apt and PyPI reachable) it installs what
# the tests need, then runs, in order and stopping at the first failure:
#   formatting, clippy, one build of every target, the Rust tests, the end-to-end suite
#   (the real `sesame serve` driven by the official Tencent Cloud SDK and tccli, delivering to
#   an SMTP server on loopback).
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
banner "cargo fmt --check"
cargo fmt --all --check

banner "cargo clippy"
# --all-features is safe: the only feature (sesame-core/testing) adds fakes, it removes nothing.
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

banner "cargo build"
# One build of everything (tests included), so `cargo test` below only runs them and the
# end-to-end suite finds target/debug/sesame.
cargo build --workspace --all-targets --locked

banner "cargo test"
cargo test --workspace --locked

# ---------------------------------------------------------------------------------------------
banner "End-to-end (pytest tests/e2e)"
export SESAME_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/sesame
# shellcheck disable=SC2086 # PYTEST_ARGS is a word list on purpose
.venv/bin/python -m pytest tests/e2e -ra ${PYTEST_ARGS:-}

banner "All tests passed"
