"""loadgate ab: one profile against two demo services at the same time,
B judged against A over paired windows."""
import os
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

    def ab(self, a, b, *extra):
        return run("ab", self.profile, "--a", a.url, "--b", b.url,
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

    def test_needs_both_targets(self):
        rc, out, err = run("ab", self.profile, "--a", "http://127.0.0.1:1")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("--b", err)


if __name__ == "__main__":
    unittest.main()
