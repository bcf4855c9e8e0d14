# Shared by the bench scripts (sourced, after they set OUT): a banner, the processes they
# start (PIDS, stopped on exit) and waiting for a port.

banner() { printf '\n==== %s\n' "$*"; }

PIDS=()
cleanup() {
    # Our own processes only, by pid; SIGTERM lets sesame shut down gracefully.
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_port() { # wait_port PORT NAME PID
    for _ in $(seq 1 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        kill -0 "$3" 2>/dev/null || { echo "$2 exited at start; see $OUT" >&2; return 1; }
        sleep 0.1
    done
    echo "$2 not listening on $1 after 30 s" >&2
    return 1
}
