"""Streamed responses measured on loopback against a server with known
timings (stream_server.c): the first token after a set delay, then a
token at a set gap, both jittered by a symmetric +- so that the medians
are the set values.

- TTFT p50 within 0.5 ms and ITL p50 within 0.2 ms of the set values, at
  100 streams on both transports and at 1,000 streams on the fast one;
- token counts exact; a stream cut mid-way is a stream error (class
  "stream"), never a success, on both transports; JSON lines too;
- the same workload measured by an independent asyncio client
  (stream_client.py): the difference is printed, and bounded.

The machine is shared (2 cores): each timing waits (at most 30 s) for the
CPUs to be half idle, a measurement that misses its bound is taken again,
up to 3 times, and every attempt's numbers are printed.
"""
import json
import os
import subprocess
import sys
import time

from lgtest import TempDirCase, load_json, run

SERVER = os.environ.get("STREAM_SERVER",
                        os.path.join("build", "tests", "integration",
                                     "stream_server"))
CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "stream_client.py")

TTFT_MS, GAP_MS, JITTER_MS, TOKENS = 50.0, 20.0, 5.0, 20
TTFT_TOL, ITL_TOL = 0.5, 0.2

PROFILE = """version: 1
target: http://127.0.0.1:%(port)d
engine: %(engine)s
load:
  users: %(users)d
  warmup: 2s
  duration: %(secs)ds
scenarios:
  - steps:
      - post: /v1/chat/completions
        json: {stream: true}
        stream:
          type: %(type)s
          tokens: {pointer: /choices/0/delta/content}
          usage: /usage/completion_tokens
thresholds:
  - stream_errors < 1
"""


def sanitized():
    """Whether loadgate is a sanitizer build (several times slower: it
    cannot keep 1,000 streams' 50,000 events a second on time)."""
    p = subprocess.run(["ldd", os.environ.get("LOADGATE", "build/loadgate")],
                       capture_output=True, text=True)
    return "libasan" in p.stdout or "libubsan" in p.stdout


def idle_fraction(interval=1.0):
    """The fraction of the machine's CPU time idle over interval s."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)
    i0, t0 = sample()
    time.sleep(interval)
    i1, t1 = sample()
    return (i1 - i0) / max(1, t1 - t0)


def wait_for_quiet(limit_s=30):
    """Waits (at most limit_s) for the CPUs to be at least half idle: a
    timing measured while other jobs hold the CPUs measures them.
    Returns the last idle fraction."""
    deadline = time.time() + limit_s
    idle = idle_fraction()
    while idle < 0.5 and time.time() < deadline:
        idle = idle_fraction()
    return idle


class StreamServer:
    def __init__(self, *args):
        self.proc = subprocess.Popen([SERVER, "--port", "0", *args],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("port "):
            raise RuntimeError("stream_server: %r" % line)
        self.port = int(line.split()[1])

    def stop(self):
        """Stops it; what it sent, as it timed it."""
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        return json.loads(out.strip().splitlines()[-1])


class StreamTest(TempDirCase):
    def measure(self, engine, users, secs=5, kind="sse", server_args=()):
        srv = StreamServer("--ttft", str(TTFT_MS), "--gap", str(GAP_MS),
                           "--jitter", str(JITTER_MS), "--tokens",
                           str(TOKENS), *server_args)
        try:
            prof = self.write("p.yaml", PROFILE % {
                "port": srv.port, "engine": engine, "users": users,
                "secs": secs, "type": kind})
            out = self.path("r.json")
            rc, stdout, stderr = run("run", prof, "--out", out, "-q")
        finally:
            sent = srv.stop()
        r = load_json(out)
        return rc, r["metrics"][0], sent, stderr

    def timed(self, engine, users):
        """TTFT and ITL p50 within their bounds, in one of 3 attempts."""
        for attempt in range(3):
            idle = wait_for_quiet()
            rc, m, sent, err = self.measure(engine, users)
            s = m["stream"]
            print("%s, %d streams, attempt %d: TTFT p50 %.3f ms, ITL p50 "
                  "%.3f ms (set %.1f / %.1f; the server timed %.3f / %.3f; "
                  "CPUs %.0f%% idle before)" %
                  (engine, users, attempt + 1, s["ttft_p50_ms"],
                   s["itl_p50_ms"], TTFT_MS, GAP_MS, sent["ttft_p50_ms"],
                   sent["gap_p50_ms"], idle * 100), file=sys.stderr)
            # 3: the load generator was saturated (a busy machine): the
            # counts still hold, the timing is taken again
            self.assertIn(rc, (0, 3), err)
            # token counts are exact, whatever the timing
            self.assertEqual(s["stream_errors"], 0)
            self.assertEqual(s["tokens"], TOKENS * s["streams"])
            self.assertEqual(s["tokens_from_usage"], s["streams"])
            self.assertEqual(s["events"], (TOKENS + 1) * s["streams"])
            self.assertEqual(m["sample_size"], s["streams"])
            if users >= 1000 and sanitized():
                print("a sanitizer build: counts checked, timing not judged",
                      file=sys.stderr)
                return s
            if (rc == 0 and abs(s["ttft_p50_ms"] - TTFT_MS) <= TTFT_TOL and
                    abs(s["itl_p50_ms"] - GAP_MS) <= ITL_TOL):
                return s
        self.fail("TTFT p50 %.3f (set %.1f +- %.1f), ITL p50 %.3f (set "
                  "%.1f +- %.1f) in 3 attempts" %
                  (s["ttft_p50_ms"], TTFT_MS, TTFT_TOL, s["itl_p50_ms"],
                   GAP_MS, ITL_TOL))

    def test_100_streams_fast(self):
        self.timed("fast", 100)

    def test_100_streams_curl(self):
        self.timed("curl", 100)

    def test_1000_streams_fast(self):
        s = self.timed("fast", 1000)
        self.assertGreater(s["streams"], 5000)

    def test_cut_streams_are_stream_errors(self):
        # every 4th stream closed after 5 of its 20 tokens, mid-body
        for engine in ("fast", "curl"):
            with self.subTest(engine=engine):
                rc, m, sent, err = self.measure(
                    engine, 20, secs=3,
                    server_args=("--cut-every", "4", "--cut-after", "5"))
                s = m["stream"]
                self.assertEqual(rc, 1, err)  # stream_errors < 1 failed
                self.assertGreater(s["stream_errors"], 10)
                # never a success: the request failed, in class stream
                self.assertEqual(m["errors"], {"stream": s["stream_errors"]})
                self.assertEqual(m["errors_total"], s["stream_errors"])
                self.assertEqual(s["good"], s["streams"] - s["stream_errors"])
                # whole streams 20 tokens, cut ones the 5 that came
                self.assertEqual(
                    s["tokens"],
                    TOKENS * (s["streams"] - s["stream_errors"]) +
                    5 * s["stream_errors"])
                # about one in four, of the streams that ended in the window
                self.assertAlmostEqual(s["stream_errors"] / s["streams"],
                                       0.25, delta=0.1)

    def test_json_lines(self):
        for engine in ("fast", "curl"):
            with self.subTest(engine=engine):
                rc, m, sent, err = self.measure(
                    engine, 20, secs=3, kind="lines",
                    server_args=("--format", "lines"))
                s = m["stream"]
                self.assertEqual(rc, 0, err)
                self.assertEqual(s["stream_errors"], 0)
                self.assertEqual(s["tokens"], TOKENS * s["streams"])
                self.assertLess(abs(s["itl_p50_ms"] - GAP_MS), 1.0)

    def test_against_an_independent_client(self):
        """The same workload (100 streams, 5 s) measured by loadgate and by
        stream_client.py; the difference is printed, and bounded."""
        srv = StreamServer("--ttft", str(TTFT_MS), "--gap", str(GAP_MS),
                           "--jitter", str(JITTER_MS), "--tokens",
                           str(TOKENS))
        try:
            url = "http://127.0.0.1:%d/v1/chat/completions" % srv.port
            p = subprocess.run([sys.executable, CLIENT, url, "100", "5", "2"],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            py = json.loads(p.stdout)
            prof = self.write("p.yaml", PROFILE % {
                "port": srv.port, "engine": "fast", "users": 100, "secs": 5,
                "type": "sse"})
            rc, _, err = run("run", prof, "--out", self.path("r.json"), "-q")
            self.assertEqual(rc, 0, err)
        finally:
            srv.stop()
        lg = load_json(self.path("r.json"))["metrics"][0]["stream"]
        d_ttft = lg["ttft_p50_ms"] - py["ttft_p50_ms"]
        d_itl = lg["itl_p50_ms"] - py["itl_p50_ms"]
        print("loadgate vs asyncio client, 100 streams: TTFT p50 %.3f vs "
              "%.3f ms (%+.3f), ITL p50 %.3f vs %.3f ms (%+.3f)" %
              (lg["ttft_p50_ms"], py["ttft_p50_ms"], d_ttft,
               lg["itl_p50_ms"], py["itl_p50_ms"], d_itl), file=sys.stderr)
        self.assertEqual(py["cut"], 0)
        self.assertEqual(py["tokens"], TOKENS * py["streams"])
        # Python's event loop adds its own delay to every read: loadgate
        # must not be slower than it, nor far off
        self.assertLess(abs(d_ttft), 2.0)
        self.assertLess(abs(d_itl), 0.5)


if __name__ == "__main__":
    import unittest
    unittest.main()
