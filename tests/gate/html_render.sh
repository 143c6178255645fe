#!/bin/sh
# Renders a demo-like HTML report in headless Chromium and checks that a
# screenshot of real size comes out.  Skips (exit 77) without chromium.
# usage: html_render.sh TEST_HTML_DEMO_BINARY WORKDIR
set -eu
demo=$1
work=$2
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "SKIP: chromium is not on PATH (apt-get install chromium)"
    exit 77
fi
dir=$(mktemp -d "$work/html-render.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$demo" "$dir/report.html" 300
png=$dir/report.png
# --no-sandbox: CI containers run as root.  Everything that could reach
# the network is off; the report must not need it anyway.
timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync \
    --user-data-dir="$dir/profile" --screenshot="$png" \
    --window-size=1280,2000 "file://$dir/report.html" \
    >"$dir/chromium.log" 2>&1 || {
    echo "FAIL: chromium exited with $?"
    cat "$dir/chromium.log"
    exit 1
}
if [ ! -s "$png" ]; then
    echo "FAIL: no screenshot"
    cat "$dir/chromium.log"
    exit 1
fi
size=$(wc -c <"$png")
# A blank 1280x2000 page compresses to about 8 KB; the report's charts
# and tables give well over 50 KB.
if [ "$size" -lt 50000 ]; then
    echo "FAIL: screenshot is only $size bytes: a blank page?"
    exit 1
fi
# PNG signature
if [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
    echo "FAIL: $png is not a PNG"
    exit 1
fi
if [ -n "${LOADGATE_KEEP_SCREENSHOT:-}" ]; then
    cp "$png" "$LOADGATE_KEEP_SCREENSHOT"
fi
echo "ok: $size-byte screenshot"
