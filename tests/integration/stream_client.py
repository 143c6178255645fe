"""A second, independent measure of streams for test_stream.py and
bench/stream.sh: a small asyncio client (standard library only) that
keeps N streams going against an SSE endpoint for a while, parses the
chunked body and the events itself, and times each event with
time.perf_counter_ns() when the read that completed it returns.  It shares
no code with loadgate: the same workload measured twice.

    python3 stream_client.py URL STREAMS SECONDS [WARMUP]
    -> {"streams": ..., "ttft_p50_ms": ..., "itl_p50_ms": ..., "tokens": ...}

TTFT runs from the request's write to the first event with content text;
ITL is the gap between consecutive such events (the same definitions as
loadgate's, see README "Streaming APIs").  Medians are exact (no
histogram).
"""
import asyncio
import json
import statistics
import sys
import time
import urllib.parse

BODY = b'{"stream": true}'


async def one_stream(reader, writer, request):
    """Sends one request, reads its stream; (ttft_ns, [gap_ns], tokens)
    or None when it was cut."""
    t0 = time.perf_counter_ns()
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        return None
    pending = b""
    first = last = None
    gaps, tokens = [], 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.strip() or b"0", 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            break
        data = await reader.readexactly(size + 2)
        now = time.perf_counter_ns()
        pending += data[:-2]
        while b"\n\n" in pending:
            event, pending = pending.split(b"\n\n", 1)
            for line in event.split(b"\n"):
                if not line.startswith(b"data:"):
                    continue
                payload = line[5:].strip()
                if payload == b"[DONE]":
                    continue
                doc = json.loads(payload)
                choices = doc.get("choices") or []
                text = choices[0].get("delta", {}).get("content") \
                    if choices else None
                if not text:
                    continue
                tokens += 1
                if first is None:
                    first = now
                else:
                    gaps.append(now - last)
                last = now
    if first is None:
        return None
    return first - t0, gaps, tokens


async def worker(url, until, warm_until, out):
    u = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.open_connection(u.hostname, u.port)
    request = (b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: "
               b"application/json\r\nContent-Length: %d\r\n\r\n%s" %
               (u.path.encode(), u.netloc.encode(), len(BODY), BODY))
    try:
        while time.monotonic() < until:
            r = await one_stream(reader, writer, request)
            if r is None:
                out["cut"] += 1
                break
            if time.monotonic() >= warm_until:
                out["ttft"].append(r[0])
                out["gaps"].extend(r[1])
                out["tokens"] += r[2]
                out["streams"] += 1
    finally:
        writer.close()


async def main(url, n, seconds, warmup):
    out = {"ttft": [], "gaps": [], "tokens": 0, "streams": 0, "cut": 0}
    start = time.monotonic()
    await asyncio.gather(*(worker(url, start + warmup + seconds,
                                  start + warmup, out) for _ in range(n)))
    return {
        "streams": out["streams"],
        "cut": out["cut"],
        "tokens": out["tokens"],
        "ttft_p50_ms": statistics.median(out["ttft"]) / 1e6
        if out["ttft"] else None,
        "itl_p50_ms": statistics.median(out["gaps"]) / 1e6
        if out["gaps"] else None,
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) < 3:
        sys.exit(__doc__)
    print(json.dumps(asyncio.run(main(args[0], int(args[1]), float(args[2]),
                                      float(args[3]) if len(args) > 3
                                      else 1.0))))
