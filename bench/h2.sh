#!/usr/bin/env bash
# HTTP/2 and HTTPS on loopback, the way the README's HTTP/2 speed table
# was measured: a private nginx with one worker pinned to CPU 0 (h2 over
# TLS with a self-signed certificate, h2c, HTTP/1.1 over TLS), the load
# generator pinned to CPU 1, pairs run alternately so that drift hits both
# tools alike.  Prints req/s, the loadgate/peer ratio, CPU seconds per 100k
# requests and peak RSS, then the median ratio over the pairs of each case.
#
#   bench/h2.sh [SECONDS] [CASE...]        default: 5 s, every case
#   LOADGATE=build/loadgate PAIRS=3 bench/h2.sh 5 h2-tls-10x10
#
# Cases (connections x streams per connection, loadgate's users being
# their product, each user one stream):
#   h2-tls-CxM, h2c-CxM     loadgate http: 2 (fast engine) vs h2load -c C -m M
#                           for CxM in 10x10 100x10 1000x1
#   h2-rss-1000x10          the same at 1000 x 10 (10000 users): RSS
#   https-C                 HTTP/1.1 over TLS, fast engine vs wrk, C = 100 1000
#   curl-h2-tls-CxM         the curl transport's HTTP/2 vs h2load, 10x10 100x10
#                           (h2c through libcurl 7.88 is refused: curl issue 10634)
#
# Only 127.0.0.1 is targeted, every run has a time bound, and nginx is
# stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
shift || true
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(h2-tls-10x10 h2-tls-100x10 h2-tls-1000x1
                                 h2c-10x10 h2c-100x10 h2c-1000x1
                                 h2-rss-1000x10 https-100 https-1000
                                 curl-h2-tls-10x10 curl-h2-tls-100x10)
LOADGATE="$(realpath "${LOADGATE:-build/loadgate}")"
PAIRS="${PAIRS:-2}"
tls_port=18443 h2c_port=18082 tls11_port=18444
for tool in nginx h2load wrk openssl /usr/bin/time taskset; do
    command -v "$tool" >/dev/null || { echo "bench: needs $tool (scripts/setup installs it)" >&2; exit 2; }
done
[ -x "$LOADGATE" ] || { echo "bench: build loadgate first (scripts/build)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/loadgate-bench-h2.XXXXXX)
cleanup() {
    [ -f "$work/nginx.pid" ] && nginx -c "$work/nginx.conf" -p "$work" -s stop 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/logs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" \
    -out "$work/crt.pem" -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 2>/dev/null
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile 30000;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 25000; }
http {
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 60s;
    http2_max_concurrent_streams 128;
    client_body_temp_path $work;
    proxy_temp_path $work;
    fastcgi_temp_path $work;
    uwsgi_temp_path $work;
    scgi_temp_path $work;
    ssl_certificate $work/crt.pem;
    ssl_certificate_key $work/key.pem;
    server {
        listen 127.0.0.1:$tls_port ssl http2 backlog=8192;
        listen 127.0.0.1:$h2c_port http2 backlog=8192;
        listen 127.0.0.1:$tls11_port ssl backlog=8192;
        location = /api/health {
            default_type application/json;
            return 200 '{"status":"ok","service":"bench","version":"1.0.0","checks":{"db":"ok","cache":"ok"},"uptime":12345}';
        }
    }
}
CONF
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5
curl -fsS --cacert "$work/crt.pem" "https://127.0.0.1:$tls_port/api/health" >/dev/null

# run TOOL... under /usr/bin/time on CPU 1; sets cpu_s and rss_mb
timed() {
    local out=$1 tu ts tm
    shift
    taskset -c 1 /usr/bin/time -f "%U %S %M" -o "$work/time" timeout $((secs + 60)) "$@" >"$out" 2>&1 || true
    read -r tu ts tm <"$work/time"
    cpu_s=$(echo "$tu + $ts" | bc -l)
    rss_mb=$(echo "$tm / 1024" | bc -l)
}

# loadgate on a profile; sets lg_rps, lg_total
run_loadgate() { # target http engine users
    cat >"$work/p.yaml" <<YAML
version: 1
target: $1
http: $2
engine: $3
load: {users: $4, duration: ${secs}s}
scenarios:
  - steps:
      - get: /api/health
YAML
    timed "$work/lg.out" "$LOADGATE" run "$work/p.yaml" -q --no-gate --out "$work/lg.json"
    [ -s "$work/lg.json" ] || { echo "bench: loadgate failed:" >&2; cat "$work/lg.out" >&2; exit 3; }
    lg_rps=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['total_requests_per_second'])" "$work/lg.json")
    lg_total=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total_requests'])" "$work/lg.json")
    lg_errors=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sum(m['errors_total'] for m in r['metrics']))" "$work/lg.json")
    [ "$lg_errors" = 0 ] || echo "bench: loadgate had $lg_errors errors" >&2
}

# the peer: h2load or wrk; sets peer_rps, peer_total
run_h2load() { # url c m
    timed "$work/peer.out" h2load -c "$2" -m "$3" -D "$secs" "$1"
    peer_rps=$(awk '/^finished in/ {print $4}' "$work/peer.out")
    peer_total=$(awk '/^requests:/ {print $8}' "$work/peer.out")
}
run_wrk() { # url c
    timed "$work/peer.out" wrk -t1 -c"$2" -d"${secs}s" "$1"
    peer_rps=$(awk '/Requests\/sec:/ {print $2}' "$work/peer.out")
    peer_total=$(awk '/requests in/ {print $1}' "$work/peer.out")
}

tls_target="{url: https://127.0.0.1:$tls_port, ca_file: $work/crt.pem}"
printf "%-20s %-9s %12s %8s %14s %10s\n" case tool "req/s" ratio "CPU s/100k" "RSS MB"
for cs in "${cases[@]}"; do
    cm=${cs##*-}
    c=${cm%x*} m=${cm#*x}
    for pair in $(seq 1 "$PAIRS"); do
        case "$cs" in
        h2-tls-* | h2-rss-* | curl-h2-tls-*)
            peer=h2load; run_h2load "https://127.0.0.1:$tls_port/api/health" "$c" "$m" ;;
        h2c-*)
            peer=h2load; run_h2load "http://127.0.0.1:$h2c_port/api/health" "$c" "$m" ;;
        https-*)
            peer=wrk; c=$cm; run_wrk "https://127.0.0.1:$tls11_port/api/health" "$c" ;;
        *) echo "bench: unknown case $cs" >&2; exit 2 ;;
        esac
        peer_cpu=$(echo "$cpu_s * 100000 / $peer_total" | bc -l)
        peer_rss=$rss_mb
        printf "%-20s %-9s %12.0f %8s %14.2f %10.1f\n" "$cs" "$peer" "$peer_rps" "" "$peer_cpu" "$rss_mb"
        case "$cs" in
        h2-tls-* | h2-rss-*)
            run_loadgate "$tls_target" "{version: 2, connections: $c}" fast $((c * m)) ;;
        curl-h2-tls-*)
            run_loadgate "$tls_target" "{version: 2, max_streams: $m}" curl $((c * m)) ;;
        h2c-*)
            run_loadgate "http://127.0.0.1:$h2c_port" "{version: 2, connections: $c}" fast $((c * m)) ;;
        https-*)
            run_loadgate "{url: https://127.0.0.1:$tls11_port, ca_file: $work/crt.pem}" 1.1 fast "$c" ;;
        esac
        lg_cpu=$(echo "$cpu_s * 100000 / $lg_total" | bc -l)
        ratio=$(echo "$lg_rps / $peer_rps" | bc -l)
        printf "%-20s %-9s %12.0f %8.2f %14.2f %10.1f\n" "$cs" loadgate "$lg_rps" "$ratio" "$lg_cpu" "$rss_mb"
        echo "ratio case=$cs pair=$pair loadgate/$peer=$(printf %.2f "$ratio") cpu_ratio=$(printf %.2f "$(echo "$lg_cpu / $peer_cpu" | bc -l)") rss_mb=$(printf %.0f "$rss_mb") peer_rss_mb=$(printf %.0f "$peer_rss")" >>"$work/summary"
    done
done
echo
cat "$work/summary"
# The median pair per case: on a shared or virtual machine one disturbed
# run moves it least.
python3 - "$work/summary" <<'PY'
import re, statistics, sys
pairs = {}
for line in open(sys.argv[1]):
    m = re.match(r"ratio case=(\S+) pair=\d+ loadgate/(\w+)=([\d.]+) cpu_ratio=([\d.]+) rss_mb=(\d+) peer_rss_mb=(\d+)", line)
    if m:
        pairs.setdefault((m[1], m[2]), []).append(
            (float(m[3]), float(m[4]), int(m[5]), int(m[6])))
for (case, peer), v in pairs.items():
    print("median %s loadgate/%s=%.2f cpu_ratio=%.2f rss_mb=%d (%s %d) over %d pairs" % (
        case, peer, statistics.median(r for r, _, _, _ in v),
        statistics.median(u for _, u, _, _ in v),
        statistics.median(m for _, _, m, _ in v), peer,
        statistics.median(p for _, _, _, p in v), len(v)))
PY
