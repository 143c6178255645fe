"""loadgate ab: one profile against two demo services at the same time,
B judged against A over paired windows."""
import json
import os
import re
import unittest

from lgtest import (DemoServer, TempDirCase, endpoint, load_json, run,
                    validate_junit)

PROFILE = """\
version: 1
target: http://127.0.0.1:1
load:
  users: 20
  duration: 8s
  warmup: 1s
  think_time: 20ms..40ms
scenarios:
  - name: browse
    steps:
      - get: /api/agents
      - get: /api/health
thresholds:
  - p95 < baseline + 20%
  - error_rate < 5%
"""


# --until-decided: one endpoint, so that a slowdown of it decides every
# relative check (the endpoint's and ALL's) as FAIL at once
ONE_ENDPOINT = PROFILE.replace("      - get: /api/health\n", "")


class AbTest(TempDirCase):
    def setUp(self):
        super().setUp()
        self.profile = self.write("ab.yaml", PROFILE)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()
        super().tearDown()

    def serve(self, *extra):
        s = DemoServer(*extra)
        self.servers.append(s)
        return s

    def ab(self, a, b, *extra, profile=None):
        return run("ab", profile or self.profile, "--a", a.url, "--b", b.url,
                   "--out-a", self.path("a.json"), "--out-b",
                   self.path("b.json"), "--junit", self.path("junit.xml"),
                   *extra)

    def test_slowed_b_fails_naming_the_endpoint(self):
        a = self.serve()
        b = self.serve("--slow", "GET /api/agents=60")
        rc, out, err = self.ab(a, b)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("GET /api/agents", out)
        validate_junit(self, self.path("junit.xml"))
        with open(self.path("junit.xml"), encoding="utf-8") as f:
            self.assertIn("loadgate.regression", f.read())
        ra, rb = load_json(self.path("a.json")), load_json(self.path("b.json"))
        # each side measured its own target, with the full load
        self.assertGreater(endpoint(rb, "GET /api/agents")["p95_response_time_ms"],
                           endpoint(ra, "GET /api/agents")["p95_response_time_ms"])

    def test_a_a_passes(self):
        a = self.serve()
        b = self.serve()
        rc, out, err = self.ab(a, b)
        self.assertEqual(rc, 0, out + err)
        for side in ("a.json", "b.json"):
            self.assertTrue(os.path.exists(self.path(side)), side)
            self.assertGreater(load_json(self.path(side))["total_requests"],
                               0)
        validate_junit(self, self.path("junit.xml"))

    def test_until_decided_stops_early_on_a_clear_slowdown(self):
        a = self.serve()
        b = self.serve("--slow", "GET /api/agents=60")
        one = self.write("one.yaml", ONE_ENDPOINT)
        rc, out, err = self.ab(a, b, "--until-decided", "20s", profile=one)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("GET /api/agents", out)
        m = re.search(r"decided after (\d+) s of 20 s", out)
        self.assertTrue(m, out + err)
        self.assertLess(int(m.group(1)), 19, out)
        self.assertIn("decided after", err)
        validate_junit(self, self.path("junit.xml"))

    def test_until_decided_stops_at_the_first_regression(self):
        # without MAX: up to the profile's duration (20 s); a tolerance of
        # 0 % never lets GET /api/health be shown inside it, so only the
        # regression on GET /api/agents can end the run before MAX: the
        # build fails at once, the undecided check is INCONCLUSIVE
        a = self.serve()
        b = self.serve("--slow", "GET /api/agents=60")
        zero = self.write("zero.yaml", PROFILE.replace(
            "duration: 8s", "duration: 20s").replace(
            "p95 < baseline + 20%", "p95 < baseline"))
        rc, out, err = run("ab", "--until-decided", zero, "--a", a.url, "--b",
                           b.url, "--format", "json")
        self.assertEqual(rc, 1, out + err)
        m = re.search(r"decided after (\d+) s of 20 s", err)
        self.assertTrue(m, out + err)
        self.assertLess(int(m.group(1)), 19, err)
        checks = {(c["endpoint"], c["check"]): c
                  for c in json.loads(out)["checks"]}
        # the slowed endpoint, or ALL which holds its requests, failed
        # first; the other may be undecided then
        failed = {e for (e, _), c in checks.items() if c["status"] == "fail"}
        self.assertTrue(failed & {"GET /api/agents", "ALL"}, out)
        self.assertNotIn("GET /api/health", failed)
        health = checks[("GET /api/health", "p95 < baseline")]
        self.assertEqual(health["status"], "inconclusive")
        self.assertIn("undecided when the run stopped", health["message"])

    def test_until_decided_a_a_passes_within_max(self):
        # A/A: never FAIL; it stops once every check is shown inside its
        # tolerance, else at MAX
        a = self.serve()
        b = self.serve()
        rc, out, err = self.ab(a, b, "--until-decided", "20s")
        self.assertEqual(rc, 0, out + err)
        m = re.search(r"decided after (\d+) s of 20 s", out)
        self.assertTrue(m, out + err)
        self.assertLessEqual(int(m.group(1)), 21, out)
        self.assertLessEqual(load_json(self.path("b.json"))["test_duration_seconds"],
                             21)

    def test_run_until_decided_against_a_baseline(self):
        a = self.serve()
        b = self.serve("--slow", "GET /api/agents=60")
        prof_a = self.write("a.yaml", ONE_ENDPOINT.replace(
            "http://127.0.0.1:1", a.url))
        prof_b = self.write("b.yaml", ONE_ENDPOINT.replace(
            "http://127.0.0.1:1", b.url))
        rc, out, err = run("run", prof_a, "--out", self.path("base.json"))
        self.assertEqual(rc, 0, out + err)
        rc, out, err = run("run", prof_b, "--baseline",
                           self.path("base.json"), "--allow-profile-change",
                           "--until-decided", "20s")
        self.assertEqual(rc, 1, out + err)
        m = re.search(r"decided after (\d+) s of 20 s", out)
        self.assertTrue(m, out + err)
        self.assertLess(int(m.group(1)), 19, out)

    def test_until_decided_usage_errors(self):
        rc, out, err = run("run", self.profile, "--shard", "1/2",
                           "--until-decided", "10s")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("not a shard", err)
        rc, out, err = run("run", self.profile, "--until-decided", "1s")
        self.assertEqual(rc, 2, out + err)
        staged = self.write("staged.yaml", PROFILE.replace(
            "  users: 20\n  duration: 8s\n",
            "  stages:\n    - {duration: 5s, rate: 10/s}\n"))
        rc, out, err = run("ab", staged, "--a", "http://127.0.0.1:1", "--b",
                           "http://127.0.0.1:2", "--until-decided", "10s")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("duration only", err)

    def test_needs_both_targets(self):
        rc, out, err = run("ab", self.profile, "--a", "http://127.0.0.1:1")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("--b", err)


if __name__ == "__main__":
    unittest.main()
