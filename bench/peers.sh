#!/usr/bin/env bash
# loadgate against wrk (and hey, if installed) on loopback, the way the
# README's speed table was measured: a private nginx with one
# worker pinned to CPU 0, the load generator pinned to CPU 1, pairs run
# alternately so that drift hits both tools alike.  Prints req/s, the
# loadgate/wrk ratio, CPU seconds per 100k requests and peak RSS, then the
# median ratio over the pairs at each concurrency.
#
#   bench/peers.sh [SECONDS] [CONCURRENCY...]     default: 10 s, c = 100 1000 10000
#   LOADGATE=build/loadgate ENGINE=curl PAIRS=6 bench/peers.sh
#
# With ENGINE=curl each pair at c <= 100 also runs bench/curl_loop.c (built
# here): the plainest libcurl multi client on one multi handle, the floor
# the curl transport stands on (one multi is its mode up to 100 users).
#
# Only 127.0.0.1 is targeted, every run has a time bound, and nginx is
# stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
shift || true
concs=("$@")
[ ${#concs[@]} -gt 0 ] || concs=(100 1000 10000)
LOADGATE="${LOADGATE:-build/loadgate}"
ENGINE="${ENGINE:-}"
PAIRS="${PAIRS:-2}"
port=18080
for tool in nginx wrk /usr/bin/time taskset; do
    command -v "$tool" >/dev/null || { echo "bench: needs $tool (scripts/setup installs it)" >&2; exit 2; }
done
[ -x "$LOADGATE" ] || { echo "bench: build loadgate first (scripts/build)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/loadgate-bench.XXXXXX)
cleanup() {
    [ -f "$work/nginx.pid" ] && nginx -c "$work/nginx.conf" -p "$work" -s stop 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/logs"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile 20000;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 19000; }
http {
    access_log off;
    keepalive_requests 100000;
    keepalive_timeout 60s;
    client_body_temp_path $work;
    proxy_temp_path $work;
    fastcgi_temp_path $work;
    uwsgi_temp_path $work;
    scgi_temp_path $work;
    server {
        listen 127.0.0.1:$port backlog=8192;
        location = /api/health {
            default_type application/json;
            return 200 '{"status":"ok","service":"bench","version":"1.0.0","checks":{"db":"ok","cache":"ok"},"uptime":12345}';
        }
    }
}
CONF
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5
url="http://127.0.0.1:$port/api/health"
curl -fsS "$url" >/dev/null
if [ "$ENGINE" = curl ]; then
    # shellcheck disable=SC2046
    cc -O2 -o "$work/curl_loop" bench/curl_loop.c $(pkg-config --cflags --libs libcurl)
fi

# run TOOL... under /usr/bin/time on CPU 1; sets cpu_s and rss_mb
timed() {
    local out=$1
    shift
    taskset -c 1 /usr/bin/time -f "%U %S %M" -o "$work/time" timeout $((secs + 60)) "$@" >"$out" 2>&1 || true
    read -r u s m <"$work/time"
    cpu_s=$(echo "$u + $s" | bc -l)
    rss_mb=$(echo "$m / 1024" | bc -l)
}

printf "%-8s %-10s %12s %8s %14s %10s\n" conc tool "req/s" ratio "CPU s/100k" "RSS MB"
for c in "${concs[@]}"; do
    for pair in $(seq 1 "$PAIRS"); do
        timed "$work/wrk.out" wrk -t1 -c"$c" -d"${secs}s" --latency "$url"
        wrk_rps=$(awk '/Requests\/sec:/ {print $2}' "$work/wrk.out")
        wrk_total=$(awk '/requests in/ {print $1}' "$work/wrk.out")
        wrk_cpu=$(echo "$cpu_s * 100000 / $wrk_total" | bc -l)
        printf "%-8s %-10s %12.0f %8s %14.2f %10.1f\n" "$c" wrk "$wrk_rps" "" "$wrk_cpu" "$rss_mb"

        extra=()
        [ -n "$ENGINE" ] && extra=(--engine "$ENGINE")
        timed "$work/lg.out" "$LOADGATE" quick "$url" -c "$c" -d "${secs}s" \
            --out "$work/lg.json" -q --threshold "error_rate < 100%" "${extra[@]}"
        lg_rps=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['total_requests_per_second'])" "$work/lg.json")
        lg_total=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total_requests'])" "$work/lg.json")
        lg_cpu=$(echo "$cpu_s * 100000 / $lg_total" | bc -l)
        ratio=$(echo "$lg_rps / $wrk_rps" | bc -l)
        printf "%-8s %-10s %12.0f %8.2f %14.2f %10.1f\n" "$c" loadgate "$lg_rps" "$ratio" "$lg_cpu" "$rss_mb"
        echo "ratio c=$c pair=$pair loadgate/wrk=$(printf %.2f "$ratio") cpu_ratio=$(printf %.2f "$(echo "$lg_cpu / $wrk_cpu" | bc -l)") rss_mb=$(printf %.0f "$rss_mb")" >>"$work/summary"
        if [ "$ENGINE" = curl ] && [ "$c" -le 100 ]; then
            timed "$work/loop.out" "$work/curl_loop" "$url" "$c" "$secs"
            read -r loop_total _ loop_rps _ <"$work/loop.out"
            loop_cpu=$(echo "$cpu_s * 100000 / $loop_total" | bc -l)
            loop_ratio=$(echo "$loop_rps / $wrk_rps" | bc -l)
            printf "%-8s %-10s %12.0f %8.2f %14.2f %10.1f\n" "$c" curl-loop "$loop_rps" "$loop_ratio" "$loop_cpu" "$rss_mb"
            echo "loop c=$c pair=$pair curl_loop/wrk=$(printf %.2f "$loop_ratio")" >>"$work/summary"
        fi
    done
    if command -v hey >/dev/null; then
        timed "$work/hey.out" hey -z "${secs}s" -c "$c" "$url"
        hey_rps=$(awk '/Requests\/sec:/ {print $2}' "$work/hey.out")
        printf "%-8s %-10s %12.0f\n" "$c" hey "$hey_rps"
    fi
done
echo
cat "$work/summary"
# The median pair per concurrency: on a shared or virtual machine one
# disturbed run moves it least.
python3 - "$work/summary" <<'PY'
import re, statistics, sys
pairs, loops = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"ratio c=(\d+) pair=\d+ loadgate/wrk=([\d.]+) cpu_ratio=([\d.]+)", line)
    if m:
        pairs.setdefault(int(m[1]), []).append((float(m[2]), float(m[3])))
    m = re.match(r"loop c=(\d+) pair=\d+ curl_loop/wrk=([\d.]+)", line)
    if m:
        loops.setdefault(int(m[1]), []).append(float(m[2]))
for c, v in pairs.items():
    line = "median c=%d loadgate/wrk=%.2f cpu_ratio=%.2f" % (
        c, statistics.median(r for r, _ in v), statistics.median(u for _, u in v))
    if c in loops:
        line += " curl_loop/wrk=%.2f" % statistics.median(loops[c])
    print(line + " over %d pairs" % len(v))
PY
