"""Watching a run live: the page (--ui) in a real browser (headless
Chromium over the DevTools protocol), its Stop button, and /metrics
(--metrics) scraped by a real Prometheus server.  Everything on loopback,
every wait bounded."""
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import unittest
import urllib.parse
import urllib.request

from lgtest import (LOADGATE, DemoServer, TempDirCase, endpoint, free_port,
                    load_json, run)
import cdp
import lgtest

PROMETHEUS = os.environ.get("LOADGATE_PROMETHEUS") or shutil.which("prometheus")

# The page's numbers: the table's rows (data-v of each cell), the tiles,
# the phase, the verdict.
def _sanitized():
    """Whether loadgate is a sanitizer build: several times slower, and the
    demo's 1000 users with their streams then take the CPU from the page."""
    p = subprocess.run(["ldd", LOADGATE], capture_output=True, text=True)
    return "libasan" in p.stdout or "libubsan" in p.stdout


# how much longer waits are in a sanitizer build
SLOW = 4 if _sanitized() else 1

# the endpoints of the bundled demo profile, as its bundled baseline has them
with open(os.path.join(lgtest.SOURCE, "ci-examples", "demo", "baseline.json"),
          encoding="utf-8") as _f:
    DEMO_ENDPOINTS = [m["endpoint"] for m in json.load(_f)["metrics"]]

READ_PAGE = """(() => {
  const num = (v) => v === undefined || v === "" ? null : Number(v);
  const rows = {};
  for (const tr of document.querySelectorAll("#endpoints tbody tr")) {
    const r = {};
    for (const td of tr.querySelectorAll("td[data-k]"))
      r[td.dataset.k] = td.dataset.k === "classes" ? td.textContent : num(td.dataset.v);
    rows[tr.dataset.endpoint] = r;
  }
  const v = document.getElementById("verdict");
  return {
    phase: document.getElementById("phase").dataset.phase || null,
    requests: num(document.getElementById("t-req").dataset.v),
    errors: num(document.getElementById("t-err").dataset.v),
    rows: rows,
    thresholds: [...document.querySelectorAll("#thresholds .th")].map(
      (t) => [t.dataset.expr, t.dataset.status]),
    paths: ["c-rps", "c-p95", "c-users", "c-eps"].map(
      (id) => document.querySelectorAll("#" + id + " path").length),
    verdict: v.hidden ? null : {status: v.dataset.status,
      exit: Number(v.dataset.exit),
      line: document.getElementById("vline").textContent,
      detail: document.getElementById("vdetail").textContent,
      report: !document.getElementById("vreport").hidden},
  };
})()"""


class Loadgate:
    """loadgate in the background, its stderr collected; the live page's
    and the metrics' addresses as it says them."""

    def __init__(self, args, cwd):
        self.proc = subprocess.Popen([LOADGATE, *args], cwd=cwd,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.out = ""
        self.readers = [threading.Thread(target=f, daemon=True)
                        for f in (self._read_err, self._read_out)]
        for t in self.readers:
            t.start()

    def _read_err(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def _read_out(self):
        self.out = self.proc.stdout.read()

    def said(self, prefix, timeout=30):
        """The rest of the first stderr line starting with prefix."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in list(self.lines):
                if line.startswith(prefix):
                    return line[len(prefix):]
            if self.proc.poll() is not None:
                time.sleep(0.2)
                break
            time.sleep(0.1)
        raise AssertionError("loadgate never said %r; stderr:\n%s" %
                             (prefix, "\n".join(self.lines)))

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for t in self.readers:
            t.join(10)
        self.proc.stdout.close()
        self.proc.stderr.close()


def profile(target, duration, users=20, warmup="0s"):
    return ("version: 1\ntarget: %s\n"
            "load:\n  users: %d\n  warmup: %s\n  duration: %s\n"
            "  think_time: 0.05s..0.1s\n"
            "scenarios:\n  - name: s\n    steps:\n"
            "      - get: /api/health\n      - get: /api/agents\n"
            "thresholds:\n  - p95 < 2s\n"
            "  - endpoint: GET /api/agents\n    check: p99 < 3s\n"
            "    for: 5s\n    abort: true\n" % (target, users, warmup,
                                                   duration))


def cumulative(results, name, until):
    """Requests of endpoint name completed in the seconds before until."""
    return sum(p["requests"] for p in endpoint(results, name)["timeline"]
               if p["t"] < until)


@unittest.skipUnless(cdp.CHROMIUM, "chromium is not installed (scripts/setup)")
class BrowserTest(TempDirCase):
    def setUp(self):
        super().setUp()
        self.browser = None
        self.lg = None

    def tearDown(self):
        if self.browser:
            self.browser.close()
        if self.lg:
            self.lg.stop()
        super().tearDown()

    @unittest.skipIf(SLOW > 1, "a sanitizer build: the demo's 1000 users "
                     "and their streams take the CPU from the page for the "
                     "whole run (the normal build's suite runs this test)")
    def test_page_follows_the_demo_run(self):
        """The page during `demo --ui`: the table grows with the run (no
        more than what was completed, no less than what was completed 3 s
        before), the charts draw, the thresholds show, and after the
        verdict the table is the results file's and the report is one
        click away."""
        self.lg = Loadgate(["demo", "--ui", "127.0.0.1:0", "--ui-linger",
                            "60s", "-o", "results.json", "--html",
                            "report.html"], self.tmp)
        url = self.lg.said("loadgate: watch the run at ")
        self.browser = cdp.Browser()
        self.browser.navigate(url, timeout=30 * SLOW)
        self.browser.wait_for(
            "document.getElementById('phase').dataset.phase === 'running' "
            "&& Number(document.getElementById('t-req').dataset.v) > 2000",
            40 * SLOW, "the run going")
        before = time.time()
        mid = self.browser.js(READ_PAGE)
        after = time.time()
        shot = os.environ.get("LOADGATE_LIVE_SCREENSHOT")
        if shot:
            self.browser.screenshot(shot)
        self.assertEqual(mid["phase"], "running")
        self.assertIsNone(mid["verdict"])
        # every endpoint of the bundled profile has a row by then
        self.assertEqual(len(mid["rows"]), len(DEMO_ENDPOINTS), mid["rows"])
        self.assertTrue(all(n > 0 for n in mid["paths"]), mid["paths"])

        self.browser.wait_for(
            "document.getElementById('verdict').dataset.status", 60 * SLOW,
            "the verdict")
        final = self.browser.js(READ_PAGE)
        self.assertTrue(final["verdict"]["report"])
        self.assertEqual(self.browser.js(
            "fetch('report.html').then((r) => r.status)"), 200)
        # Ctrl-C during the linger ends it; the exit code is the verdict's
        self.lg.proc.send_signal(signal.SIGINT)
        rc = self.lg.wait(20)
        self.assertEqual(rc, final["verdict"]["exit"])
        self.assertIn(final["verdict"]["line"], self.lg.lines)

        results = load_json(self.path("results.json"))
        self.assertEqual(final["requests"], results["total_requests"])
        self.assertEqual(sorted(final["rows"]), sorted(
            "%s %s" % (m["method"], m["endpoint"]) for m in results["metrics"]))
        # every check the results carry, judged as the exit code says
        shown = dict(final["thresholds"])
        self.assertEqual(sorted(shown),
                         sorted(t["check"] for t in results["thresholds"]))
        self.assertEqual("FAIL" in shown.values(), rc == 1, shown)
        for name, row in final["rows"].items():
            m = endpoint(results, name)
            self.assertEqual(row["requests"], m["sample_size"], name)
            self.assertEqual(row["errors"], m["errors_total"], name)
            for k in ("p50", "p95", "p99"):
                self.assertAlmostEqual(row[k], m["%s_response_time_ms" % k],
                                       places=3, msg=name)
            # mid-run: what had completed, give or take the page's lag
            low = cumulative(results, name, int(before) - 3 * SLOW)
            high = cumulative(results, name, int(after) + 1)
            self.assertLessEqual(low, mid["rows"][name]["requests"], name)
            self.assertLessEqual(mid["rows"][name]["requests"], high, name)

    def test_stop_button_ends_the_run(self):
        """Stop in the browser: exit 130, partial results, as Ctrl-C."""
        demo = DemoServer()
        try:
            self.write("p.yaml", profile(demo.url, "60s"))
            self.lg = Loadgate(["run", "p.yaml", "--ui", "0", "--ui-linger",
                                "10s", "-o", "r.json"], self.tmp)
            url = self.lg.said("loadgate: watch the run at ")
            self.browser = cdp.Browser()
            self.browser.navigate(url, timeout=30 * SLOW)
            self.browser.wait_for(
                "Number(document.getElementById('t-req').dataset.v) > 100 && "
                "!document.getElementById('stop').disabled", 40 * SLOW,
                "requests and a Stop button")
            started = time.time()
            self.browser.js("document.getElementById('stop').click()")
            self.browser.wait_for(
                "document.getElementById('verdict').dataset.exit === '130'",
                30, "exit code 130")
            final = self.browser.js(READ_PAGE)
            self.assertIn("partial", final["verdict"]["detail"])
            rc = self.lg.wait(30)
            self.assertLess(time.time() - started, 30)
        finally:
            demo.stop()
        self.assertEqual(rc, 130, "\n".join(self.lg.lines))
        self.assertIn("loadgate: stopped from the live page", self.lg.lines)
        r = load_json(self.path("r.json"))
        self.assertTrue(r["partial"])
        self.assertGreater(r["total_requests"], 0)
        self.assertLess(r["test_duration_seconds"], 60)
        self.assertEqual(final["requests"], r["total_requests"])


@unittest.skipUnless(PROMETHEUS, "prometheus is not installed (scripts/setup)")
class PrometheusTest(TempDirCase):
    def query(self, promql):
        url = "http://127.0.0.1:%d/api/v1/query?%s" % (
            self.prom_port, urllib.parse.urlencode({"query": promql}))
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = json.load(r)
        self.assertEqual(doc["status"], "success", doc)
        return doc["data"]["result"]

    def by_endpoint(self, promql):
        return {s["metric"]["endpoint"]: float(s["value"][1])
                for s in self.query(promql)}

    def test_prometheus_scrapes_the_run(self):
        """A real Prometheus scraping --metrics each second: the last
        counters equal the results file's, the histogram's buckets hold
        each endpoint's p95, the summary gives it exactly."""
        metrics_port, self.prom_port = free_port(), free_port()
        self.write("prometheus.yml",
                   "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
                   "scrape_configs:\n  - job_name: loadgate\n"
                   "    static_configs:\n"
                   "      - targets: ['127.0.0.1:%d']\n" % metrics_port)
        prom = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + self.path("prometheus.yml"),
             "--storage.tsdb.path=" + self.path("data"),
             "--web.listen-address=127.0.0.1:%d" % self.prom_port,
             "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        demo = DemoServer()
        lg = None
        try:
            ready = lgtest.wait_http(
                "http://127.0.0.1:%d/-/ready" % self.prom_port, prom, 30)
            self.assertIsNone(prom.poll(), "prometheus exited")
            self.assertIsNotNone(ready, "prometheus not ready")
            self.write("p.yaml", profile(demo.url, "8s", warmup="1s"))
            lg = Loadgate(["run", "p.yaml", "--metrics",
                           "127.0.0.1:%d" % metrics_port, "--ui-linger",
                           "4s", "-o", "r.json"], self.tmp)
            rc = lg.wait(90)
            self.assertEqual(lg.said("loadgate: metrics for Prometheus at "),
                             "http://127.0.0.1:%d/metrics" % metrics_port)
            results = load_json(self.path("r.json"))
            self.assertEqual(rc, 0, "\n".join(lg.lines))

            last = self.by_endpoint(
                "last_over_time(loadgate_requests_total[5m])")
            self.assertEqual(sorted(last), ["GET /api/agents",
                                            "GET /api/health"])
            for name, value in last.items():
                self.assertEqual(value,
                                 endpoint(results, name)["sample_size"], name)
            errors = self.by_endpoint(
                "sum by (endpoint) (last_over_time(loadgate_errors_total[5m]))")
            for name, value in errors.items():
                self.assertEqual(value,
                                 endpoint(results, name)["errors_total"], name)
            self.assertEqual(float(self.query(
                "last_over_time(loadgate_finished[5m])")[0]["value"][1]), 1)
            self.assertEqual(float(self.query(
                "last_over_time(loadgate_exit_code[5m])")[0]["value"][1]), rc)

            # the README's Grafana panel query answers per endpoint
            rate_p95 = self.by_endpoint(
                "histogram_quantile(0.95, sum by (le, endpoint) "
                "(rate(loadgate_request_duration_seconds_bucket[30s])))")
            self.assertEqual(sorted(rate_p95), sorted(last))
            for name, value in rate_p95.items():
                self.assertTrue(0 < value < 2, (name, value))
            # over the whole run: in the bucket of the results' p95
            bounds = [0, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                      0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
            whole = self.by_endpoint(
                "histogram_quantile(0.95, sum by (le, endpoint) "
                "(last_over_time(loadgate_request_duration_seconds_bucket"
                "[5m])))")
            summary = self.by_endpoint(
                "last_over_time(loadgate_request_latency_seconds"
                "{quantile='0.95'}[5m])")
            for name in last:
                p95 = endpoint(results, name)["p95_response_time_ms"] / 1000
                self.assertAlmostEqual(summary[name], p95, places=6)
                lo = max(b for b in bounds if b < p95)
                hi = min(b for b in bounds if b >= p95)
                self.assertTrue(lo * 0.99 <= whole[name] <= hi * 1.01,
                                (name, p95, whole[name]))
        finally:
            if lg:
                lg.stop()
            demo.stop()
            prom.terminate()
            try:
                prom.wait(timeout=15)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
            prom.stderr.close()


class OptionsTest(TempDirCase):
    def test_open_model_target(self):
        """quick --rate: the open model's target rate on /metrics while it
        runs, in the text format a plain client gets."""
        demo = DemoServer()
        lg = None
        try:
            lg = Loadgate(["quick", demo.url + "/api/health", "--rate",
                           "40/s", "-d", "4s", "-t", "error_rate < 5%",
                           "--metrics", "0"], self.tmp)
            url = lg.said("loadgate: metrics for Prometheus at ")
            deadline, text = time.time() + 20, ""
            while "loadgate_achieved_requests_per_second 0.0" in text or \
                    "loadgate_target" not in text:
                self.assertLess(time.time(), deadline, text)
                time.sleep(0.3)
                with urllib.request.urlopen(url, timeout=5) as r:
                    text = r.read().decode()
                    ctype = r.headers["Content-Type"]
            self.assertEqual(ctype, "text/plain; version=0.0.4; charset=utf-8")
            self.assertIn("\nloadgate_target_requests_per_second 40.0\n",
                          text)
            self.assertEqual(lg.wait(30), 0, "\n".join(lg.lines))
        finally:
            if lg:
                lg.stop()
            demo.stop()

    def test_refusals(self):
        """Addresses refused before anything runs (exit 2), a port taken
        when the run starts (exit 3)."""
        env = {"LOADGATE_TOKEN": ""}
        for args, msg in (
                (["--ui", "0.0.0.0:0"], "without a token"),
                (["--metrics", "[::]:9100"], "without a token"),
                (["--ui", "nope"], "listen address 'nope'"),
                (["--ui-linger", "soon"], "--ui-linger wants")):
            rc, _, err = run("quick", "http://127.0.0.1:9/", "-n", "1",
                             *args, env=env)
            self.assertEqual(rc, 2, err)
            self.assertIn(msg, err)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            taken = "127.0.0.1:%d" % s.getsockname()[1]
            rc, _, err = run("quick", "http://127.0.0.1:9/", "-n", "1",
                             "--ui", taken, "--junit", self.path("j.xml"))
        self.assertEqual(rc, 3, err)
        self.assertIn("cannot listen on " + taken, err)


if __name__ == "__main__":
    unittest.main()
