#!/usr/bin/env bash
# How often does the gate cry wolf, and how often does it catch a real
# regression?  Against demo services with jittered latencies (one
# unchanged, the others with GET /api/agents made slower), with the 8
# endpoints of bench/verdicts.yaml judged on p95 and error rate:
#
#   baseline  the default mode: a fresh baseline run, then a run judged
#             against it (tolerance +5 %): A/A, +25 % and +10 %;
#   ab        `loadgate ab`: both services measured at once, B judged
#             against A on windows paired on the clock (tolerance 0 %):
#             A/A, +10 % and +5 %;
#   short     6 s runs at ~150 requests/s over 3 endpoints (a CI smoke
#             run, bench/verdicts-short.yaml), +50 % on one endpoint
#             against a 6 s baseline (tolerance +10 %): the right endpoint
#             FAILs;
#   until     `ab --until-decided 60s` on +25 % (time to the verdict) and
#             on A/A (no false FAIL);
#   noisy     baseline and ab, A/A and +25 %, while a busy loop holds the
#             second core (a noisy neighbour on the runner).
#
# Every gate's verdict goes to a line as it is made (with the slowed
# endpoint's measured p95 change); a Markdown table of the counts, and of
# the mean measured change, ends the output.
#
#   bench/verdicts.sh [ROW...]        default: all rows, in the order above
#
# Environment: N (gates per case in baseline and ab, default 100),
# N_SHORT (20), N_UNTIL (20), N_NOISY (20), DURATION (30s), USERS (1000),
# LOADGATE (build/loadgate).  N=100 takes about 10 hours in all; the
# README quotes the counts it was run with.
set -euo pipefail
cd "$(dirname "$0")/.."
LOADGATE="${LOADGATE:-build/loadgate}"
N="${N:-100}"
N_SHORT="${N_SHORT:-20}"
N_UNTIL="${N_UNTIL:-20}"
N_NOISY="${N_NOISY:-20}"
DURATION="${DURATION:-30s}"
USERS="${USERS:-1000}"
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(baseline ab short until noisy)
[ -x "$LOADGATE" ] || { echo "bench: build loadgate first (scripts/build)" >&2; exit 2; }
work=$(mktemp -d /tmp/loadgate-verdicts.XXXXXX)
pids=()
hog=
cleanup() {
    [ -n "$hog" ] && kill "$hog" 2>/dev/null
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
serve normal2 normal2
serve slow50 slow50 --slow "GET /api/agents=50"
serve slow25 slow25 --slow "GET /api/agents=25"
serve slow10 slow10 --slow "GET /api/agents=10"
serve slow5 slow5 --slow "GET /api/agents=5"
SLOWED="GET /api/agents"

# profile FILE USERS DURATION TOLERANCE: bench/verdicts.yaml rewritten
profile() {
    sed -e "s|^  users: .*|  users: $2|" \
        -e "s|^  spawn_rate: .*|  spawn_rate: $(($2 / 2 > 0 ? $2 / 2 : 1))/s|" \
        -e "s|^  duration: .*|  duration: $3|" \
        -e "s|^  - p95 < baseline + .*|  - p95 < baseline + $4|" \
        bench/verdicts.yaml >"$1"
}
profile "$work/base.yaml" "$USERS" "$DURATION" 5%
profile "$work/ab.yaml" "$USERS" "$DURATION" 0%

# verdict: the judged JSON on stdin -> "VERDICT DELTA failed-endpoint|...",
# DELTA the measured p95 change of the slowed endpoint in % ("-": none)
verdict() {
    python3 -c 'import json,sys
try:
    d=json.load(sys.stdin)
except ValueError:
    print("error -"); sys.exit()
bad=sorted({c["endpoint"] for c in d.get("checks",[]) if c["status"].lower()=="fail"})
delta=[c["delta_pct"] for c in d.get("checks",[]) if c["endpoint"]==sys.argv[1]
       and c["check"].startswith("p95") and c.get("delta_pct") is not None]
print(d.get("verdict","error").lower(), "%.2f" % delta[0] if delta else "-", "|".join(bad))' "$SLOWED"
}
run() { # run PROFILE TARGET OUT
    TARGET=$2 "$LOADGATE" run "$1" --no-gate -q --out "$3" >/dev/null 2>&1 || true
}
judge() { # judge PROFILE CURRENT BASELINE
    TARGET=http://127.0.0.1 "$LOADGATE" gate "$2" --profile "$1" --baseline "$3" \
        --format json 2>/dev/null | verdict
}
ab() { # ab PROFILE A B [options]: prints the verdict; the stop time in $work/ab.err
    local p=$1 a=$2 b=$3
    shift 3
    TARGET=http://127.0.0.1 "$LOADGATE" ab "$p" --a "$a" --b "$b" --format json -q "$@" \
        2>"$work/ab.err" | verdict
}

# Counters per case: gates, FAIL verdicts, INCONCLUSIVE verdicts, gates
# where the slowed endpoint failed, gates where another endpoint failed.
declare -A gates fails incon hit other deltas
tally() { # tally CASE "VERDICT DELTA EPS"
    local c=$1 v d eps
    read -r v d eps <<<"$2"
    gates[$c]=$((${gates[$c]:-0} + 1))
    [ "$d" != - ] && deltas[$c]="${deltas[$c]:-} $d"
    [ "$v" = fail ] && fails[$c]=$((${fails[$c]:-0} + 1))
    [ "$v" = inconclusive ] && incon[$c]=$((${incon[$c]:-0} + 1))
    if [ "$v" = fail ]; then
        tr '|' '\n' <<<"$eps" | grep -qx "$SLOWED" && hit[$c]=$((${hit[$c]:-0} + 1))
        tr '|' '\n' <<<"$eps" | grep -vx -e "$SLOWED" -e ALL | grep -q . &&
            other[$c]=$((${other[$c]:-0} + 1))
    fi
    printf "%-22s %3d: %-12s %7s %s\n" "$c" "${gates[$c]}" "$v" "$d" "$eps"
}

row_baseline() { # row_baseline PREFIX PAIRS
    for _ in $(seq 1 "$2"); do
        run "$work/base.yaml" "$normal" "$work/b0.json"
        run "$work/base.yaml" "$normal" "$work/b1.json"
        tally "$1 A/A" "$(judge "$work/base.yaml" "$work/b1.json" "$work/b0.json")"
        run "$work/base.yaml" "$slow25" "$work/b1.json"
        tally "$1 +25%" "$(judge "$work/base.yaml" "$work/b1.json" "$work/b0.json")"
        [ "$1" = noisy-baseline ] && continue
        run "$work/base.yaml" "$slow10" "$work/b1.json"
        tally "$1 +10%" "$(judge "$work/base.yaml" "$work/b1.json" "$work/b0.json")"
    done
}
row_ab() { # row_ab PREFIX PAIRS
    for _ in $(seq 1 "$2"); do
        tally "$1 A/A" "$(ab "$work/ab.yaml" "$normal" "$normal2")"
        if [ "$1" = noisy-ab ]; then
            tally "$1 +25%" "$(ab "$work/ab.yaml" "$normal" "$slow25")"
            continue
        fi
        tally "$1 +10%" "$(ab "$work/ab.yaml" "$normal" "$slow10")"
        tally "$1 +5%" "$(ab "$work/ab.yaml" "$normal" "$slow5")"
    done
}
row_short() {
    for _ in $(seq 1 "$N_SHORT"); do
        run bench/verdicts-short.yaml "$normal" "$work/s0.json"
        run bench/verdicts-short.yaml "$slow50" "$work/s1.json"
        tally "short +50%" "$(judge bench/verdicts-short.yaml "$work/s1.json" "$work/s0.json")"
    done
}
stops=()
row_until() {
    local s
    for _ in $(seq 1 "$N_UNTIL"); do
        tally "until +25%" "$(ab "$work/ab.yaml" "$normal" "$slow25" --until-decided 60s)"
        s=$(grep -o 'decided after [0-9.]* s' "$work/ab.err" | grep -o '[0-9.]*' | head -1)
        stops+=("${s:-60}")
    done
    for _ in $(seq 1 "$N_UNTIL"); do
        tally "until A/A" "$(ab "$work/ab.yaml" "$normal" "$normal2" --until-decided 60s)"
    done
}
row_noisy() {
    taskset -c 1 sh -c 'while :; do :; done' &
    hog=$!
    row_baseline noisy-baseline "$N_NOISY"
    row_ab noisy-ab "$N_NOISY"
    kill "$hog"
    hog=
}

for r in "${rows[@]}"; do
    case $r in
    baseline) row_baseline baseline "$N" ;;
    ab) row_ab ab "$N" ;;
    short) row_short ;;
    until) row_until ;;
    noisy) row_noisy ;;
    *) echo "bench: unknown row $r (baseline ab short until noisy)" >&2; exit 2 ;;
    esac
done

echo
echo "users $USERS, $DURATION measured per run (short: 75 users, 6 s, 3 endpoints); $(nproc) cores"
echo
echo "| case | gates | FAIL | INCONCLUSIVE | slowed endpoint failed | another endpoint failed | its p95 change, mean |"
echo "|---|---|---|---|---|---|---|"
for c in "baseline A/A" "baseline +25%" "baseline +10%" "ab A/A" "ab +10%" "ab +5%" \
    "short +50%" "until +25%" "until A/A" "noisy-baseline A/A" "noisy-baseline +25%" \
    "noisy-ab A/A" "noisy-ab +25%"; do
    [ -n "${gates[$c]:-}" ] || continue
    mean=$(awk '{for (i = 1; i <= NF; i++) s += $i} END {if (NF) printf "%+.1f %%", s / NF; else print "-"}' <<<"${deltas[$c]:-}")
    echo "| $c | ${gates[$c]} | ${fails[$c]:-0} | ${incon[$c]:-0} | ${hit[$c]:-0} | ${other[$c]:-0} | $mean |"
done
if [ ${#stops[@]} -gt 0 ]; then
    printf '%s\n' "${stops[@]}" | sort -n |
        awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2;
             printf "\nuntil +25%%: decided after a median of %s s (min %s, max %s) of 60 s\n", m, a[1], a[NR]}'
fi
