"""`loadgate demo` end to end: the bundled service at 1000 users, the
bundled profile and baseline; a slowed endpoint must fail the gate."""
import json
import re
import xml.etree.ElementTree as ET

from lgtest import (DEMO_BASE_MS, TempDirCase, endpoint, load_json, run,
                    validate_junit)


class DemoTest(TempDirCase):
    def test_demo_passes_and_measures_the_service(self):
        out, junit, md = (self.path("r.json"), self.path("j.xml"),
                          self.path("s.md"))
        rc, stdout, stderr = run("demo", "--out", out, "--junit", junit,
                                 "--markdown", md)
        self.assertEqual(rc, 0, stderr + stdout)
        r = load_json(out)
        self.assertEqual(r["schema"], "loadgate/results/v1")
        self.assertFalse(r["partial"])
        self.assertEqual(r["concurrent_users"], 1000)
        self.assertEqual(len(r["metrics"]), len(DEMO_BASE_MS))
        # 1000 users thinking 0.5-1.5 s for 12 s: several thousand requests
        self.assertGreater(r["total_requests"], 4000)
        self.assertEqual(r["total_requests"],
                         sum(m["sample_size"] for m in r["metrics"]))
        for name, base in DEMO_BASE_MS.items():
            m = endpoint(r, name)
            self.assertEqual(m["error_rate"], 0.0, name)
            # the service's own latency, plus a little for the client
            self.assertGreater(m["p50_response_time_ms"], base * 0.7, name)
            self.assertLess(m["p50_response_time_ms"], base * 1.5 + 5, name)
            self.assertLessEqual(m["p50_response_time_ms"],
                                 m["p95_response_time_ms"])
            self.assertLessEqual(m["p95_response_time_ms"],
                                 m["p99_response_time_ms"])
            self.assertTrue(m["histogram"])
            self.assertGreater(len(m["timeline"]), 5)
        # captures worked: the query endpoint got real agent ids (no 404)
        q = endpoint(r, "POST /api/agents/{id}/query")
        self.assertEqual(q["status_codes"], {"200": q["sample_size"]})
        # the stream: every one whole, 16 tokens each (the usage chunk's
        # count), timed as the service draws them
        s = endpoint(r, "POST /api/agents/{id}/query/stream")["stream"]
        self.assertGreater(s["streams"], 300)
        self.assertEqual(s["stream_errors"], 0)
        self.assertEqual(s["tokens"], 16 * s["streams"])
        self.assertEqual(s["tokens_from_usage"], s["streams"])
        self.assertEqual(s["good"], s["streams"])
        self.assertGreater(s["ttft_p50_ms"], 150 * 0.8)
        self.assertLess(s["ttft_p50_ms"], 150 * 1.3 + 5)
        self.assertGreater(s["itl_p50_ms"], 20 * 0.8)
        self.assertLess(s["itl_p50_ms"], 20 * 1.3 + 2)
        self.assertIn("ttft_histogram", s)
        self.assertIn("Streams", stdout)
        # reports
        validate_junit(self, junit)
        suite = ET.parse(junit).getroot().find("testsuite")
        self.assertEqual(suite.get("name"), "loadgate.demo")
        self.assertEqual(suite.get("failures"), "0")
        self.assertEqual(int(suite.get("tests")),
                         len(suite.findall("testcase")))
        self.assertIn("Endpoint Performance", stdout)
        self.assertIn("POST /api/agents/{id}/query", stdout)
        with open(md, encoding="utf-8") as f:
            self.assertIn("PASS", f.readline())
        self.assertRegex(stderr, r"loadgate: PASS")

    def test_slowed_endpoint_fails_and_is_named(self):
        out, junit = self.path("r.json"), self.path("j.xml")
        rc, stdout, stderr = run("demo", "--slow", "GET /api/agents=100",
                                 "--out", out, "--junit", junit, "-q")
        self.assertEqual(rc, 1, stderr + stdout)
        self.assertIn("GET /api/agents", stderr)
        r = load_json(out)
        m = endpoint(r, "GET /api/agents")
        # twice as slow as the service's usual 25 ms
        self.assertGreater(m["p50_response_time_ms"], 40)
        validate_junit(self, junit)
        suite = ET.parse(junit).getroot().find("testsuite")
        failed = [tc for tc in suite.findall("testcase")
                  if tc.find("failure") is not None]
        self.assertTrue(failed)
        classes = {tc.get("classname") for tc in failed}
        self.assertIn("loadgate.GET /api/agents", classes)
        # only the slowed endpoint (and perhaps the whole run) regressed
        self.assertLessEqual(classes, {"loadgate.GET /api/agents",
                                       "loadgate.ALL"})
        text = failed[0].find("failure").text
        self.assertTrue(re.search(r"baseline", text), text)


    def test_slowed_stream_fails_on_its_first_token(self):
        out = self.path("r.json")
        rc, stdout, stderr = run(
            "demo", "--slow", "POST /api/agents/{id}/query/stream ttft=100",
            "--out", out, "--format", "json")
        self.assertEqual(rc, 1, stderr)
        v = json.loads(stdout)
        failed = {(c["endpoint"], c["check"]) for c in v["checks"]
                  if c["status"] == "fail"}
        name = "POST /api/agents/{id}/query/stream"
        self.assertIn((name, "ttft p95 < baseline + 25%"), failed)
        # the gaps were not slowed
        self.assertNotIn((name, "itl p99 < baseline + 25%"), failed)
        (s,) = [x for x in v["streams"] if x["endpoint"] == name]
        self.assertGreater(s["ttft_p50_ms"], 250)
        self.assertLess(s["itl_p50_ms"], 30)


if __name__ == "__main__":
    import unittest
    unittest.main()
