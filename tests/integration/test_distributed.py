"""Beyond one machine, through the real binary: shards that add up to one
run exactly, merge refusing what cannot be merged, and the baseline
service shared by pipelines (serve, baseline save --to, run --baseline
URL)."""
import json
import os
import signal
import subprocess
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from lgtest import (LOADGATE, DemoCase, endpoint, free_port, load_json, run,
                    wait_http)

PROFILE = """\
version: 1
target: {target}
load:
  users: {users}
  requests: {requests}
  think_time: 5ms..15ms
scenarios:
  - name: ops
    steps:
      - get: /api/failover/stats
thresholds:
  - p95 < 1s
  - p95 < baseline + 50%
"""


class DistributedTest(DemoCase):
    def profile(self, users=20, requests=1200, name="p.yaml"):
        return self.write(name, PROFILE.format(
            target=self.demo.url, users=users, requests=requests))

    def shards(self, p, n, prefix="s", env=None):
        """Runs the n shards of p side by side, as CI jobs do."""
        with ThreadPoolExecutor(n) as pool:
            done = list(pool.map(lambda i: run(
                "run", p, "--shard", "%d/%d" % (i, n), "--no-gate", "-q",
                "--out", self.path("%s%d.json" % (prefix, i)), env=env),
                range(1, n + 1)))
        for rc, _, err in done:
            self.assertEqual(rc, 0, err)
        return [self.path("%s%d.json" % (prefix, i)) for i in range(1, n + 1)]

    def shard(self, p, spec, out):
        """Runs shard spec ("1/2") of p into out (a file of the test's
        folder), which must succeed."""
        rc, _, err = run("run", p, "--shard", spec, "--no-gate", "-q",
                         "--out", self.path(out))
        self.assertEqual(rc, 0, err)

    def test_two_shards_merge_to_one_run(self):
        p = self.profile()
        self.shards(p, 2, env={"LOADGATE_RUN_ID": "ci-77"})
        for i in (1, 2):
            s = load_json(self.path("s%d.json" % i))
            self.assertEqual(s["meta"]["shard"], "%d/2" % i)
            self.assertEqual(s["meta"]["run_id"], "ci-77")
            self.assertEqual(s["concurrent_users"], 10)
            self.assertEqual(s["total_requests"], 600)  # split exactly
        rc, out, err = run("merge", self.path("s1.json"), self.path("s2.json"),
                           "-o", self.path("merged.json"))
        self.assertEqual(rc, 0, err)
        merged = load_json(self.path("merged.json"))
        rc, _, err = run("run", p, "--no-gate", "-q", "--out",
                         self.path("whole.json"))
        self.assertEqual(rc, 0, err)
        whole = load_json(self.path("whole.json"))
        # the same totals as one run of the whole load
        self.assertEqual(merged["total_requests"], whole["total_requests"])
        self.assertEqual(merged["concurrent_users"], whole["concurrent_users"])
        m = endpoint(merged, "GET /api/failover/stats")
        w = endpoint(whole, "GET /api/failover/stats")
        self.assertEqual(m["sample_size"], 1200)
        # and, within histogram precision and the service's jitter, the same
        # percentiles (15 ms median service time)
        for key in ("p50_response_time_ms", "p95_response_time_ms"):
            self.assertLess(abs(m[key] - w[key]) / w[key], 0.25, key)
        # the merged histogram is exactly the sum of the shards'
        s1 = endpoint(load_json(self.path("s1.json")),
                      "GET /api/failover/stats")
        self.assertGreaterEqual(m["max_response_time_ms"],
                                s1["max_response_time_ms"])
        self.assertIsNone(merged["meta"]["shard"])
        # and gate judges the merge like any run
        rc, _, err = run("gate", self.path("merged.json"), "--profile", p,
                         "--baseline", self.path("whole.json"))
        self.assertEqual(rc, 0, err)

    def test_merge_refuses_overlap_and_other_profiles(self):
        p = self.profile(requests=100, users=4)
        self.shard(p, "1/2", "a.json")
        rc, _, err = run("merge", self.path("a.json"), self.path("a.json"),
                         "-o", self.path("m.json"))
        self.assertEqual(rc, 3)
        self.assertIn("both shard 1/2", err)
        other = self.profile(requests=100, users=6, name="other.yaml")
        self.shard(other, "2/2", "b.json")
        rc, _, err = run("merge", self.path("a.json"), self.path("b.json"),
                         "-o", self.path("m.json"))
        self.assertEqual(rc, 3)
        self.assertIn("different profile", err)
        self.assertFalse(os.path.exists(self.path("m.json")))
        # a bad shard spec is a usage error
        self.assertEqual(run("run", p, "--shard", "3/2")[0], 2)
        rc, _, err = run("run", p, "--shards", "2")
        self.assertEqual(rc, 2)
        self.assertIn("JOB_COMPLETION_INDEX", err)

    def assert_refused(self, why, *args):
        """merge args exits 3 with one error line containing why, and
        writes nothing."""
        out = self.path("refused.json")
        rc, _, err = run("merge", *args, "-o", out)
        self.assertEqual(rc, 3, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertTrue(err.startswith("loadgate: error: "), err)
        self.assertIn(why, err)
        self.assertFalse(os.path.exists(out))
        return err

    def edited(self, src, name, change):
        doc = load_json(src)
        change(doc)
        return self.write(name, json.dumps(doc))

    def test_merge_refuses_what_is_not_one_run(self):
        p = self.profile(requests=200, users=4)
        s1, s2 = self.shards(p, 2)
        rc, _, err = run("run", p, "--no-gate", "-q", "--out",
                         self.path("r2.json"))
        self.assertEqual(rc, 0, err)
        r2 = self.path("r2.json")

        # a shard and a whole run of the same profile
        err = self.assert_refused("is not a shard", s1, r2)
        self.assertIn("r2.json", err)
        self.assertIn("--force", err)

        # shard 2 of a run an hour later: its load never met shard 1's
        def later(doc, by=3600):
            doc["meta"]["start_second"] += by
            for m in doc["metrics"]:
                for pt in m["timeline"]:
                    pt["t"] += by
        late = self.edited(s2, "late2.json", later)
        err = self.assert_refused("did not run at the same time", s1, late)
        self.assertIn("late2.json", err)

        # the shards of two CI runs (that ran at the same time)
        def run_id(rid):
            def change(doc):
                doc["meta"]["run_id"] = rid
            return change
        self.assert_refused("'%s' is from run github-2" %
                            self.path("o2.json"),
                            self.edited(s1, "o1.json", run_id("github-1")),
                            self.edited(s2, "o2.json", run_id("github-2")))

        # --force merges them, warns, and leaves the hour between them out
        # of the duration: the rps is that of the runs, not a tenth of it
        r2_later = self.edited(r2, "r2-later.json",
                               lambda doc: later(doc, 600))
        for name, other in (("late", late), ("whole", r2_later)):
            out = self.path("forced-%s.json" % name)
            rc, _, err = run("merge", s1, other, "--force", "-o", out)
            self.assertEqual(rc, 0, err)
            self.assertIn("warning: merging runs that are not the shards of "
                          "one run (--force)", err)
            a, b, m = load_json(s1), load_json(other), load_json(out)
            self.assertAlmostEqual(m["test_duration_seconds"],
                                   a["test_duration_seconds"] +
                                   b["test_duration_seconds"], delta=0.01)
            self.assertEqual(m["total_requests"],
                             a["total_requests"] + b["total_requests"])
            rps = m["summary"]["total_requests_per_second"]
            self.assertAlmostEqual(
                rps, m["total_requests"] / m["test_duration_seconds"],
                delta=0.01)
        # ... but not the same file twice
        self.assert_refused("same file", s1, s1, "--force")

    def test_merge_of_one_shard_of_many(self):
        p = self.profile(requests=36, users=9)
        self.shard(p, "9/9", "nine.json")
        # merged as it is, and said (its index used to write past an array
        # sized by the command line: the ASan build saw it)
        rc, _, err = run("merge", self.path("nine.json"), "-o",
                         self.path("m.json"))
        self.assertEqual(rc, 0, err)
        self.assertIn("merged 1 of 9 shards", err)
        self.assertIsNone(load_json(self.path("m.json"))["meta"]["shard"])

    def test_merge_refuses_counts_that_overflow(self):
        p = self.profile(requests=40, users=2)
        # (in a GitHub Actions job, the shards know their workflow run)
        s1, s2 = self.shards(p, 2, env={"LOADGATE_RUN_ID": "",
                                        "GITHUB_RUN_ID": "99"})
        self.assertEqual(load_json(s1)["meta"]["run_id"], "github-99")

        def huge(n):
            def change(doc):
                doc["metrics"][0]["sample_size"] = n
            return change
        # each a count, their sum beyond 2^53: it used to wrap
        a = self.edited(s1, "h1.json", huge(6 * 10**15))
        b = self.edited(s2, "h2.json", huge(6 * 10**15))
        err = self.assert_refused("would exceed", a, b)
        self.assertIn("h2.json", err)
        # a document with absurd or negative counts is corrupt
        self.assert_refused("sample_size",
                            self.edited(s1, "h3.json", huge(5 * 10**18)), b)

        def negative_total(doc):
            doc["total_requests"] = -9223372036854775808
        self.assert_refused("total_requests", s1,
                            self.edited(s2, "n2.json", negative_total))

        def negative_status(doc):
            doc["metrics"][0]["status_codes"]["200"] = -4
        self.assert_refused("status_codes.200", s1,
                            self.edited(s2, "n3.json", negative_status))
        # and gate says the same of such a file
        rc, _, err = run("gate", self.path("n2.json"), "--threshold",
                         "p95 < 1s")
        self.assertEqual(rc, 3, err)
        self.assertIn("total_requests", err)

    def test_baseline_service_round_trip(self):
        store = self.path("service-store")
        port = free_port()
        env = dict(os.environ, LOADGATE_TOKEN="t0ken-for-tests")
        srv = subprocess.Popen([LOADGATE, "serve", "--store", store,
                                "--listen", "127.0.0.1:%d" % port],
                               env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            base = "http://127.0.0.1:%d" % port
            wait_http(base + "/api/load-test/info", srv, 10)
            p = self.profile(requests=400, users=10)
            rc, _, err = run("run", p, "--no-gate", "-q", "--out",
                             self.path("r.json"))
            self.assertEqual(rc, 0, err)
            # without the token, the push is refused
            rc, _, err = run("baseline", "save", self.path("r.json"),
                             "--name", "main", "--to", base)
            self.assertEqual(rc, 3)
            self.assertIn("401", err)
            rc, out, err = run("baseline", "save", self.path("r.json"),
                               "--name", "main", "--to", base,
                               env={"LOADGATE_TOKEN": "t0ken-for-tests"})
            self.assertEqual(rc, 0, err)
            self.assertNotIn("t0ken-for-tests", out + err)
            with urllib.request.urlopen(base + "/api/load-test/baselines") as r:
                listing = json.load(r)
            self.assertEqual([b["name"] for b in listing["baselines"]],
                             ["main"])
            url = base + "/api/load-test/baselines/main"
            rc, out, err = run("run", p, "--baseline", url, "--out",
                               self.path("r2.json"))
            self.assertEqual(rc, 0, err)
            self.assertIn("Base P95", out)
            # an absent remote baseline is a notice, or exit 3 if required
            rc, _, err = run("run", p, "--baseline", base +
                             "/api/load-test/baselines/nope", "-q")
            self.assertEqual(rc, 0, err)
            rc, _, err = run("run", p, "--baseline", base +
                             "/api/load-test/baselines/nope", "-q",
                             "--require-baseline")
            self.assertEqual(rc, 3)
        finally:
            srv.send_signal(signal.SIGTERM)
            srv.communicate(timeout=10)
        self.assertEqual(srv.returncode, 0)

    def test_service_refuses_public_address_without_token(self):
        env = dict(os.environ)
        env.pop("LOADGATE_TOKEN", None)
        p = subprocess.run([LOADGATE, "serve", "--store", self.path("s"),
                            "--listen", "0.0.0.0:%d" % free_port()],
                           env=env, capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(p.returncode, 3)
        self.assertIn("token", p.stderr)


if __name__ == "__main__":
    import unittest
    unittest.main()
