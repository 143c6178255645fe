"""SIGINT and SIGTERM at random moments of a run (warm-up included):
exit 130/143, the results are valid JSON marked partial, the JUnit file is
valid. LOADGATE_SIGNAL_SEED replays a sequence; the seed is printed."""
import concurrent.futures
import json
import os
import random
import signal
import subprocess
import sys
import time
import unittest

import hlib

RUNS = int(os.environ.get("LOADGATE_SIGNAL_RUNS", "15"))


def wait_for_handlers(pid, timeout=10.0):
    """Until the process catches SIGINT and SIGTERM (SigCgt in
    /proc/PID/status), or it has gone, or timeout."""
    want = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open("/proc/%d/status" % pid, encoding="ascii") as f:
                for line in f:
                    if line.startswith("SigCgt:"):
                        if int(line.split()[1], 16) & want == want:
                            return
                        break
        except OSError:
            return
        time.sleep(0.002)


class Signals(hlib.ServerCase):
    def test_signal_at_random_moments(self):
        seed = int(os.environ.get("LOADGATE_SIGNAL_SEED",
                                  str(random.randrange(1 << 30))))
        print("LOADGATE_SIGNAL_SEED=%d" % seed, file=sys.stderr)
        rnd = random.Random(seed)
        prof = self.write("p.yaml", hlib.profile(
            self.srv.url, users=4, duration="5s", timeout="3s",
            extra="  warmup: 1s\n"))
        # delays count from the moment loadgate catches the signals (no
        # program can handle one before its main() runs, and under ASan
        # on a busy runner that takes 0.1-0.3 s); the first few are
        # early: the profile's parsing and the engine's start (a signal
        # there once killed the process)
        plan = [(i, rnd.choice([signal.SIGINT, signal.SIGTERM]),
                 rnd.uniform(0.0, 0.3 if i < 4 else 3.8))
                for i in range(RUNS)]
        # three at a time: the suite must stay short (it runs twice in CI)
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            futs = [(i, sig, delay, pool.submit(self.one, prof, i, sig,
                                                delay))
                    for i, sig, delay in plan]
            for i, sig, delay, fut in futs:
                with self.subTest(run=i, signal=sig.name,
                                  delay=round(delay, 2)):
                    d, code, stop, err = fut.result()
                    self.check(d, sig, code, stop, err)

    def test_signal_while_waiting_for_the_target(self):
        # wait_for on a port nobody listens on: interrupted before the
        # load, the run still exits 130 and writes partial (empty) results
        prof = self.write("w.yaml", hlib.profile(
            "http://127.0.0.1:1", users=2, duration="5s", timeout="1s",
            extra="wait_for:\n  get: /health\n  timeout: 60s\n"))
        d, code, stop, err = self.one(prof, 99, signal.SIGINT, 1.0)
        self.assertEqual(code, 130, err)
        self.assertLess(stop, 5.0)
        with open(d + "/r.json", encoding="utf-8") as f:
            res = json.load(f)
        self.assertIs(res["partial"], True)
        self.assertEqual(res["total_requests"], 0)
        hlib.validate_junit(self, d + "/j.xml")

    def one(self, prof, i, sig, delay):
        d = self.path("run%d" % i)
        os.mkdir(d)
        p = subprocess.Popen([hlib.LOADGATE, "run", prof, "-q",
                              "--out", d + "/r.json", "--junit",
                              d + "/j.xml", "--markdown", d + "/s.md"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        wait_for_handlers(p.pid)
        time.sleep(delay)
        t0 = time.monotonic()
        p.send_signal(sig)
        try:
            _, err = p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            return d, None, 15.0, "still running 15 s after the signal"
        return d, p.returncode, time.monotonic() - t0, err

    def check(self, d, sig, code, stop, err):
        want = 130 if sig == signal.SIGINT else 143
        self.assertEqual(code, want, err)
        self.assertLess(stop, 5.0, "took %.1f s to stop" % stop)
        with open(d + "/r.json", encoding="utf-8") as f:
            res = json.load(f)
        self.assertIs(res["partial"], True)
        self.assertEqual(res["schema"], "loadgate/results/v1")
        self.assertGreaterEqual(res["total_requests"], 0)
        hlib.validate_junit(self, d + "/j.xml")
        self.assertTrue(os.path.getsize(d + "/s.md") > 0)
        self.assert_no_temp_files(d)
        self.assertIn("partial", err)
        self.assertNotIn("AddressSanitizer", err)
        # the partial results are readable by the rest of the pipeline
        g = hlib.run(["gate", d + "/r.json", "-q", "--threshold",
                      "error_rate < 5%"], timeout=30)
        self.assertIn(g.code, (0, 3), repr(g))


if __name__ == "__main__":
    unittest.main()
