#!/usr/bin/env bash
# Streams held at once: loadgate against a private streaming server
# (tests/integration/stream_server.c) on loopback, at 1,000 and 10,000
# users, each user always inside a stream (no think time).  loadgate is
# pinned to CPU 0 and the server to CPU 1; prints, per run, the streams
# held, events and tokens per second, loadgate's CPU (percent of one
# core) and peak RSS, and what it measured (TTFT and ITL p50 against the
# server's set values, stream errors).
#
#   bench/stream.sh [SECONDS] [USERS...]     default: 20 s, users = 1000 10000
#   LOADGATE=build/loadgate ENGINE=curl GAP_MS=100 bench/stream.sh 30 10000
#
# The server: first token after TTFT_MS (default 200), then a token every
# GAP_MS (default 100), jittered by +- JITTER_MS (default 10), TOKENS (50)
# tokens a stream in OpenAI's chunk shape; so a stream lasts about 5 s and
# 10,000 users hold 10,000 streams (100,000 events/s).  The token rule
# reads each chunk's JSON (tokens.pointer), as for an OpenAI-compatible
# service.
#
# Only 127.0.0.1 is targeted, every run has a time bound, and the server
# is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-20}"
shift || true
users=("$@")
[ ${#users[@]} -gt 0 ] || users=(1000 10000)
LOADGATE="${LOADGATE:-build/loadgate}"
ENGINE="${ENGINE:-fast}"
TTFT_MS="${TTFT_MS:-200}" GAP_MS="${GAP_MS:-100}" JITTER_MS="${JITTER_MS:-10}"
TOKENS="${TOKENS:-50}"
for tool in /usr/bin/time taskset cc python3; do
    command -v "$tool" >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }
done
[ -x "$LOADGATE" ] || { echo "bench: build loadgate first (scripts/build)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/loadgate-bench-stream.XXXXXX)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cc -O2 -o "$work/stream_server" tests/integration/stream_server.c

for u in "${users[@]}"; do
    taskset -c 1 "$work/stream_server" --port 0 --ttft "$TTFT_MS" \
        --gap "$GAP_MS" --jitter "$JITTER_MS" --tokens "$TOKENS" \
        >"$work/server.out" &
    server_pid=$!
    for _ in $(seq 50); do
        grep -q '^port ' "$work/server.out" 2>/dev/null && break
        sleep 0.1
    done
    port=$(awk '/^port /{print $2}' "$work/server.out")
    # all users start within 2 s; 5 s of warm-up so that every one is
    # streaming when the measured window starts
    cat >"$work/p.yaml" <<YAML
version: 1
target: http://127.0.0.1:$port
engine: $ENGINE
load:
  users: $u
  spawn_rate: $((u / 2 + 1))/s
  warmup: 5s
  duration: ${secs}s
defaults:
  timeout: 60s
scenarios:
  - steps:
      - post: /v1/chat/completions
        json: {model: bench, stream: true}
        stream:
          type: sse
          tokens: {pointer: /choices/0/delta/content}
          usage: /usage/completion_tokens
thresholds:
  - stream_errors < 1
YAML
    rc=0
    timeout $((secs + 120)) /usr/bin/time -f "%U %S %e %M" -o "$work/time" \
        taskset -c 0 "$LOADGATE" run "$work/p.yaml" --out "$work/r.json" -q \
        2>"$work/err" || rc=$?
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    python3 - "$work/r.json" "$work/time" "$u" "$secs" "$rc" "$TTFT_MS" \
        "$GAP_MS" "$work/err" "$work/server.out" <<'PY'
import json, sys
rpath, tpath, users, secs, rc, ttft, gap, errp, spath = sys.argv[1:]
user, sys_s, wall, rss_kb = open(tpath).read().split()[-4:]
try:
    r = json.load(open(rpath))
except OSError:
    sys.exit("bench: no results (exit %s): %s" % (rc, open(errp).read()))
m = r["metrics"][0]
s = m["stream"]
window = r["test_duration_seconds"]
cpu = (float(user) + float(sys_s)) / float(wall) * 100
print("users %6d: %6d streams ended in %.0f s (%.0f held at once), "
      "%7.0f events/s, %7.0f tokens/s; loadgate CPU %5.1f%% of one core, "
      "peak RSS %.0f MB; TTFT p50 %.1f ms (set %s), ITL p50 %.2f ms (set %s), "
      "stream errors %d, saturated %s, exit %s" %
      (int(users), s["streams"], window,
       s["streams"] / window * (float(ttft) / 1000 +
                                (s["tokens"] / max(1, s["streams"]) - 1) *
                                float(gap) / 1000),
       s["events"] / window, s["tokens"] / window, cpu,
       int(rss_kb) / 1024, s["ttft_p50_ms"] or 0, ttft,
       s["itl_p50_ms"] or 0, gap, s["stream_errors"],
       r["meta"]["saturated"], rc))
# what the server itself sent, as it timed it (a server starved of CPU
# sends late, whatever the client)
sent = json.loads(open(spath).read().strip().splitlines()[-1])
print("              the server sent: TTFT p50 %.1f ms, gap p50 %.2f ms "
      "over %d streams" % (sent["ttft_p50_ms"], sent["gap_p50_ms"],
                           sent["streams"]))
PY
done
