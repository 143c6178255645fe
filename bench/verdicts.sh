#!/usr/bin/env bash
# How often does the gate cry wolf, and how often does it catch a real
# regression?  Against the demo service with its jittered latencies:
#   A/A:   baseline run and current run against the same service; any FAIL
#          is a false alarm (target: at most 1 in 20, aim 0);
#   +25 %: the current run against the service with GET /api/agents 25 %
#          slower; it must FAIL on that endpoint and no other (target: at
#          least 19 in 20);
#   +10 %: the same with 10 % (aim: 16 in 20).
# Every pair gets a fresh baseline run.  Prints the rates.
#
#   bench/verdicts.sh [PAIRS]          default 20 (about 16 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs="${1:-20}"
LOADGATE="${LOADGATE:-build/loadgate}"
[ -x "$LOADGATE" ] || { echo "bench: build loadgate first (scripts/build)" >&2; exit 2; }
work=$(mktemp -d /tmp/loadgate-verdicts.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# serve VAR NAME [--slow ...]: starts a demo service, sets VAR to its URL.
# Not in a $(...) subshell: the pid must reach this shell's cleanup.
serve() {
    local var=$1 name=$2 port
    shift 2
    port=$(free_port)
    "$LOADGATE" demo --serve "$port" "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do
        curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
        sleep 0.1
    done
    printf -v "$var" "http://127.0.0.1:%s" "$port"
}
serve normal normal
serve slow25 slow25 --slow "GET /api/agents=25"
serve slow10 slow10 --slow "GET /api/agents=10"

run() { # run TARGET OUT
    TARGET=$1 "$LOADGATE" run bench/verdicts.yaml --no-gate -q --out "$2" \
        >/dev/null 2>&1 || true
}
judge() { # judge CURRENT BASELINE -> prints failed endpoints, one per line
    TARGET=http://127.0.0.1 "$LOADGATE" gate "$1" --profile bench/verdicts.yaml --baseline "$2" \
        --format json 2>/dev/null |
        python3 -c 'import json,sys
d=json.load(sys.stdin)
for c in d["checks"]:
    if c["status"].lower()=="fail": print(c["endpoint"])' || true
}

aa_fail=0 d25=0 d25_other=0 d10=0
for i in $(seq 1 "$pairs"); do
    run "$normal" "$work/base.json"
    run "$normal" "$work/aa.json"
    run "$slow25" "$work/s25.json"
    run "$slow10" "$work/s10.json"
    aa=$(judge "$work/aa.json" "$work/base.json")
    s25=$(judge "$work/s25.json" "$work/base.json")
    s10=$(judge "$work/s10.json" "$work/base.json")
    [ -n "$aa" ] && aa_fail=$((aa_fail + 1))
    grep -qx "GET /api/agents" <<<"$s25" && d25=$((d25 + 1))
    grep -vx -e "GET /api/agents" -e "ALL" <<<"$s25" | grep -q . && d25_other=$((d25_other + 1))
    grep -qx "GET /api/agents" <<<"$s10" && d10=$((d10 + 1))
    printf "pair %2d: A/A %-5s  +25%% %-5s  +10%% %-5s\n" "$i" \
        "$([ -n "$aa" ] && echo FAIL || echo pass)" \
        "$(grep -qx "GET /api/agents" <<<"$s25" && echo FAIL || echo pass)" \
        "$(grep -qx "GET /api/agents" <<<"$s10" && echo FAIL || echo pass)"
done
echo
echo "A/A false alarms:            $aa_fail / $pairs   (target <= 1)"
echo "+25% detected on the endpoint: $d25 / $pairs   (target >= 19)"
echo "+25% FAILs on other endpoints: $d25_other / $pairs   (target 0)"
echo "+10% detected on the endpoint: $d10 / $pairs   (aim >= 16)"
