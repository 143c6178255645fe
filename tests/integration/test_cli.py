"""The command line against the real demo service on loopback: exit codes,
errors with positions, baselines, gate, compare, quick, interruption."""
import json
import os
import re
import signal
import socket
import subprocess
import time
import xml.etree.ElementTree as ET

from lgtest import (LOADGATE, SOURCE, DemoCase, endpoint, free_port,
                    load_json, run, validate_junit)

PROFILE = """\
version: 1
target: {target}
defaults:
  timeout: 5s
  headers:
    Authorization: "Bearer ${{SECRET_TOKEN:-s3cr3t-value-never-shown}}"
load:
  users: 40
  duration: 4s
  warmup: 1s
  think_time: 50ms..150ms
scenarios:
  - name: ask
    steps:
      - post: /api/agents/register
        json: {{ name: "agent-${{vu}}" }}
        capture: {{ agent: /agent_id }}
        expect: {{ status: 201 }}
      - post: /api/agents/{{{{agent}}}}/query
        name: "POST /api/agents/{{id}}/query"
        json: {{ query: "SELECT 1" }}
      - get: /api/health
thresholds:
  - p95 < 1s
  - error_rate < 5%
{extra}
"""


def line_of(path, text):
    """The 1-based number of the first line of path holding text."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if text in line:
                return n
    raise KeyError(text)


class CliTest(DemoCase):
    def profile(self, extra="", target=None, name="p.yaml"):
        return self.write(name, PROFILE.format(
            target=target or self.demo.url, extra=extra))

    # -- usage and profile errors: exit 2 before anything runs -------------

    def test_usage_errors(self):
        self.assertEqual(run()[0], 2)
        rc, _, err = run("frobnicate")
        self.assertEqual(rc, 2)
        self.assertIn("not a loadgate command", err)
        self.assertEqual(run("run")[0], 2)
        self.assertEqual(run("quick", "http://127.0.0.1:1/", "-c", "x")[0], 2)
        rc, out, _ = run("help", "run")
        self.assertEqual(rc, 0)
        self.assertIn("usage: loadgate run", out)

    def test_validate(self):
        rc, out, err = run("validate", self.profile())
        self.assertEqual(rc, 0, err)
        self.assertIn("OK", out)

    def test_profile_errors_have_positions(self):
        bad = self.write("bad.yaml", "version: 1\ntarget: http://x\n"
                         "thresolds: []\n")
        rc, _, err = run("validate", bad)
        self.assertEqual(rc, 2)
        self.assertRegex(err, re.escape(bad) + r":3:1: .*thresholds")
        rc, _, err = run("run", bad, "--junit", self.path("j.xml"))
        self.assertEqual(rc, 2)
        validate_junit(self, self.path("j.xml"))
        # the JUnit names the profile that failed, not "results"
        suite = ET.parse(self.path("j.xml")).getroot().find("testsuite")
        self.assertEqual(suite.get("name"), "loadgate.bad")
        self.assertEqual(suite.find(
            "properties/property[@name='loadgate.profile']").get("value"),
            "bad")
        self.assertIn(":3:1:", suite.find("testcase/error").get("message"))
        rc, _, err = run("gate", self.path("none.json"), "--profile", bad,
                         "--junit", self.path("g.xml"))
        self.assertEqual(rc, 2, err)
        self.assertEqual(ET.parse(self.path("g.xml")).getroot()
                         .find("testsuite").get("name"), "loadgate.bad")
        # a threshold that does not parse, with the profile's position
        p = self.profile(extra="  - p95 < banana")
        rc, _, err = run("validate", p)
        self.assertEqual(rc, 2)
        self.assertRegex(err, re.escape(p) + r":\d+:\d+: threshold")
        # a pattern matching a profile endpoint is fine
        p = self.profile(extra='  - endpoint: "POST /api/agents/*"\n'
                         '    check: p95 < 1s')
        rc, _, err = run("validate", p)
        self.assertEqual(rc, 0, err)
        # a threshold naming an endpoint the profile lacks
        p = self.profile(extra='  - endpoint: "GET /nope"\n'
                         '    check: p95 < 1s')
        rc, _, err = run("validate", p)
        self.assertEqual(rc, 2)
        self.assertIn("GET /api/health", err)

    # -- a real run through the whole pipeline -----------------------------

    def test_run_captures_reports_and_hides_secrets(self):
        out, junit, md = (self.path("r.json"), self.path("j.xml"),
                          self.path("s.md"))
        rc, stdout, stderr = run("run", self.profile(), "--out", out,
                                 "--junit", junit, "--markdown", md)
        self.assertEqual(rc, 0, stderr)
        r = load_json(out)
        self.assertEqual(r["concurrent_users"], 40)
        q = endpoint(r, "POST /api/agents/{id}/query")
        reg = endpoint(r, "POST /api/agents/register")
        self.assertGreater(q["sample_size"], 100)
        # every query used a captured id: no 404 from the service
        self.assertEqual(q["error_rate"], 0.0)
        self.assertEqual(reg["status_codes"].get("201"), reg["sample_size"])
        h = endpoint(r, "GET /api/health")
        self.assertGreater(h["p50_response_time_ms"], 6)
        self.assertLess(h["p50_response_time_ms"], 20)
        validate_junit(self, junit)
        for path in (out, junit, md):
            with open(path, encoding="utf-8") as f:
                self.assertNotIn("s3cr3t-value-never-shown", f.read())
        self.assertNotIn("s3cr3t-value-never-shown", stdout + stderr)

    def test_dead_target_is_exit_3_with_junit_error(self):
        port = free_port()
        junit, out = self.path("j.xml"), self.path("r.json")
        rc, _, err = run("run", self.profile(
            target="http://127.0.0.1:%d" % port), "--junit", junit,
            "--out", out)
        self.assertEqual(rc, 3, err)
        self.assertIn("no response", err)
        validate_junit(self, junit)
        suite = ET.parse(junit).getroot().find("testsuite")
        self.assertGreaterEqual(int(suite.get("errors")), 1)
        r = load_json(out)
        self.assertGreater(r["total_requests"], 0)
        m = r["metrics"][0]
        self.assertEqual(m["errors"].get("connect"), m["sample_size"])

    def test_output_not_writable_is_exit_3(self):
        rc, _, err = run("quick", self.demo.url + "/api/health", "50", "5",
                         "--out", self.path("missing/dir/r.json"))
        self.assertEqual(rc, 3)
        self.assertIn("cannot write", err)

    def assert_reports_say(self, why, junit, md):
        """The JUnit and Markdown written after a failed write carry the
        reason of exit code 3, never a PASS."""
        validate_junit(self, junit)
        suite = ET.parse(junit).getroot().find("testsuite")
        self.assertEqual(suite.get("errors"), "1")
        self.assertEqual(int(suite.get("tests")),
                         len(suite.findall("testcase")))
        errors = suite.findall("testcase/error")
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0].get("type"), "loadgate.error")
        self.assertIn(why, errors[0].get("message"))
        self.assertEqual(suite.find(
            "properties/property[@name='loadgate.exit_code']").get("value"),
            "3")
        with open(md, encoding="utf-8") as f:
            summary = f.read()
        # (a check that passed still says so in its row)
        self.assertNotIn("loadgate: PASS", summary)
        headline = summary.splitlines()[0]
        self.assertNotIn("PASS", headline)
        self.assertIn("loadgate: ERROR", headline)
        self.assertIn("could not judge: " + why, headline)

    def test_unwritable_output_is_in_every_report(self):
        why = "cannot write results to "
        junit, md, html, lp = (self.path("j.xml"), self.path("m.md"),
                               self.path("r.html"), self.path("lp.json"))
        # checks that can be judged: the only error is the write
        rc, out, err = run("quick", self.demo.url + "/api/health", "50", "5",
                           "-t", "error_rate < 5%",
                           "--out", "/nonexistent-dir/x.json", "--junit",
                           junit, "--markdown", md, "--html", html,
                           "--gitlab-load-performance", lp, "--format",
                           "json")
        self.assertEqual(rc, 3, err)
        self.assertEqual(err.count(why), 1, err)  # said once
        self.assert_reports_say(why, junit, md)
        verdict = json.loads(out)
        self.assertEqual(verdict["verdict"], "error")
        self.assertEqual(verdict["exit_code"], 3)
        self.assertIn(why, verdict["error"])
        with open(html, encoding="utf-8") as f:
            self.assertIn(why, f.read())
        self.assertEqual(load_json(lp)["metrics"]["http_reqs"]["count"], 50)
        # run: the same, and the text report on stdout says so too
        p = self.write("tiny.yaml", """version: 1
target: %s
load: {users: 5, duration: 1s}
scenarios: [{name: a, steps: [{get: /api/health}]}]
thresholds: [error_rate < 5%%]
""" % self.demo.url)
        rc, out, err = run("run", p, "--out", "/nonexistent-dir/x.json",
                           "--junit", junit, "--markdown", md)
        self.assertEqual(rc, 3, err)
        self.assert_reports_say(why, junit, md)
        self.assertIn("Verdict: ERROR", out)
        self.assertIn("Error: " + why, out)
        # a baseline that cannot be saved is such a reason too
        store = self.write("store", "a file, not a folder")
        rc, _, err = run("run", p, "-q",
                         "--save-baseline", "main", "--store", store,
                         "--junit", junit, "--markdown", md)
        self.assertEqual(rc, 3, err)
        self.assert_reports_say("cannot save baseline 'main': ", junit, md)

    def test_missing_required_baseline_is_exit_3(self):
        rc, _, err = run("run", self.profile(), "--baseline", "nope",
                         "--store", self.path("store"), "--require-baseline")
        self.assertEqual(rc, 3)
        self.assertIn("nope", err)

    # -- quick, baselines, gate, compare -----------------------------------

    def quick(self, n=600, c=30):
        out = self.path("q.json")
        rc, stdout, stderr = run("quick", self.demo.url + "/api/health",
                                 str(n), str(c), "--out", out)
        self.assertEqual(rc, 0, stderr)
        return out, stdout

    def test_quick_counts_exactly(self):
        out, stdout = self.quick()
        r = load_json(out)
        self.assertEqual(r["total_requests"], 600)
        self.assertEqual(r["concurrent_users"], 30)
        h = endpoint(r, "GET /api/health")
        self.assertEqual(h["sample_size"], 600)
        self.assertEqual(h["status_codes"], {"200": 600})
        self.assertIn("GET", stdout)

    def test_quick_reads_the_profiles_units(self):
        # --rate takes what a profile's rate: takes, per hour included
        out = self.path("h.json")
        url = self.demo.url + "/api/health"
        rc, _, err = run("quick", url, "--rate", "10/h", "-n", "1",
                         "-t", "errors < 1", "--out", out, "-q")
        self.assertEqual(rc, 0, err)
        r = load_json(out)
        self.assertEqual(r["total_requests"], 1)
        self.assertAlmostEqual(r["meta"]["target_rps"], 10 / 3600, places=9)
        # what strtod took and a profile refuses is refused, saying why
        for opt, bad, why in (("-d", "1e3", "exponents are not supported"),
                              ("-d", "0x10", "unknown unit 'x'"),
                              ("-d", "5 minutes", "unknown unit 'minutes'"),
                              ("--rate", "inf", "expected a number"),
                              ("--rate", "5/sec", "'/s', '/m' or '/h'"),
                              ("--rate", "2000000000/s", "out of range")):
            with self.subTest(opt=opt, value=bad):
                rc, _, err = run("quick", url, opt, bad, "-n", "1",
                                 "-t", "errors < 1", "-q")
                self.assertEqual(rc, 2, err)
                self.assertIn("%s wants a " % opt, err)
                self.assertIn(why, err)

    def test_quick_body_that_cannot_be_read(self):
        # a folder opens but does not read: refused, not sent as ""
        for body in (self.path("missing"), self.tmp):
            with self.subTest(body=body):
                rc, _, err = run("quick", "http://127.0.0.1:1/", "--body",
                                 body, "-n", "1")
                self.assertEqual(rc, 2, err)
                self.assertIn("cannot read --body '%s'" % body, err)

    def test_results_say_where_they_ran(self):
        # host, and commit and branch from the first CI variable set
        names = ("GITHUB_SHA", "CI_COMMIT_SHA", "GIT_COMMIT",
                 "GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME",
                 "GIT_BRANCH")
        env = dict.fromkeys(names, "")
        env.update(CI_COMMIT_SHA="c0ffee1", GIT_COMMIT="later",
                   GITHUB_REF_NAME="feature/x", GIT_BRANCH="later")
        out = self.path("w.json")
        url = self.demo.url + "/api/health"
        for env, sha, branch in ((env, "c0ffee1", "feature/x"),
                                 (dict.fromkeys(names, ""), None, None)):
            rc, _, err = run("quick", url, "-n", "5", "-c", "1",
                             "-t", "errors < 1", "--out", out, "-q", env=env)
            self.assertEqual(rc, 0, err)
            meta = load_json(out)["meta"]
            self.assertEqual(meta["git_sha"], sha)
            self.assertEqual(meta["git_branch"], branch)
            self.assertEqual(meta["host"], socket.gethostname())

    def test_baseline_lifecycle(self):
        out, _ = self.quick()
        store = self.path("store")
        rc, o, e = run("baseline", "save", out, "--name", "main",
                       "--store", store)
        self.assertEqual(rc, 0, e)
        self.assertTrue(os.path.exists(os.path.join(store, "main.json")))
        rc, o, _ = run("baseline", "list", "--store", store)
        self.assertEqual(rc, 0)
        self.assertIn("main", o)
        rc, o, _ = run("baseline", "show", "main", "--json", "--store", store)
        self.assertEqual(rc, 0)
        doc = json.loads(o)
        self.assertEqual(doc["baseline_id"], "main")
        self.assertEqual(doc["total_requests"], 600)
        rc, o, _ = run("baseline", "show", "main", "--store", store)
        self.assertIn("Baseline ID: main", o)
        self.assertEqual(run("baseline", "save", out, "--name", "../evil",
                             "--store", store)[0], 2)
        self.assertEqual(run("baseline", "rm", "main", "--store", store)[0], 0)
        self.assertEqual(run("baseline", "rm", "main", "--store", store)[0], 3)

    def test_gate_verdicts_and_codes(self):
        out, _ = self.quick()
        self.assertEqual(run("gate", out, "--threshold", "p95 < 10s")[0], 0)
        rc, _, err = run("gate", out, "--threshold", "p50 < 1ms",
                         "--junit", self.path("j.xml"))
        self.assertEqual(rc, 1, err)
        validate_junit(self, self.path("j.xml"))
        # p99.9 of 600 requests is not a statistic: inconclusive, exit 3
        self.assertEqual(run("gate", out, "--threshold", "p99.9 < 1s")[0], 3)
        self.assertEqual(run("gate", out, "--threshold", "p95 <")[0], 2)
        # against itself as baseline: no regression
        rc, _, err = run("gate", out, "--baseline", out,
                         "--threshold", "p95 < baseline + 10%")
        self.assertEqual(rc, 0, err)
        bad = self.write("bad.json", '{"schema": "loadgate/results/v1", ')
        rc, _, err = run("gate", bad)
        self.assertEqual(rc, 3)
        self.assertIn("bad.json", err)
        rc, o, _ = run("compare", out, out)
        self.assertEqual(rc, 0)
        self.assertIn("GET /api/health", o)

    def test_ci_outputs(self):
        out, _ = self.quick()
        html, lp, summary = (self.path("r.html"), self.path("lp.json"),
                             self.path("summary.md"))
        rc, stdout, stderr = run(
            "gate", out, "--baseline", out, "-t", "p50 < 1ms",
            "-t", "p95 < baseline + 10%", "--html", html,
            "--gitlab-load-performance", lp, "--format", "json",
            env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary})
        self.assertEqual(rc, 1, stderr)
        verdict = json.loads(stdout)  # stdout stays pure JSON
        self.assertEqual(verdict["verdict"], "fail")
        self.assertEqual(verdict["exit_code"], 1)
        failed = [c for c in verdict["checks"] if c["status"] == "fail"]
        self.assertTrue(failed)
        self.assertTrue(all(c["check"] == "p50 < 1ms" for c in failed))
        # GitHub: an error annotation per failed check, the verdict notice
        self.assertRegex(stderr, r"(?m)^::error title=GET /api/health%3A "
                         r"p50 < 1ms::p50 = ")
        self.assertRegex(stderr, r"(?m)^::notice title=loadgate::")
        with open(summary, encoding="utf-8") as f:
            self.assertIn("FAIL", f.readline())
        # GitLab's Load Performance widget keys; its TTFB is the time to
        # the first byte, which comes before the whole response
        d = load_json(lp)["metrics"]
        self.assertEqual(d["http_reqs"]["count"], 600)
        self.assertGreater(d["http_req_waiting"]["p(95)"], 0)
        self.assertLessEqual(d["http_req_waiting"]["p(95)"],
                             d["http_req_duration"]["p(95)"] * 1.01)
        self.assertGreater(d["checks"]["fails"], 0)
        # imported results measured no TTFB: none is written (a JTL has
        # every response time, which is no TTFB)
        rc, _, err = run("report", "--from", "jmeter", os.path.join(
            SOURCE, "tests", "importer", "fixtures", "jmeter_full.jtl"),
            "--gitlab-load-performance", lp, "-q")
        self.assertEqual(rc, 0, err)
        d = load_json(lp)["metrics"]
        self.assertNotIn("http_req_waiting", d)
        self.assertGreater(d["http_req_duration"]["p(95)"], 0)
        # the HTML report is one self-contained file with the numbers
        with open(html, encoding="utf-8") as f:
            page = f.read()
        self.assertIn("GET /api/health", page)
        self.assertIn("<svg", page)
        self.assertIsNone(re.search(r'(src|href)="https?://', page))
        self.assertEqual(run("gate", out, "--format", "yaml")[0], 2)
        # report renders the same files but exits 0 whatever the verdict
        rc, _, err = run("report", out, "-t", "p50 < 1ms", "--html",
                         self.path("r2.html"), "-q")
        self.assertEqual(rc, 0, err)
        self.assertTrue(os.path.getsize(self.path("r2.html")) > 1000)

    def test_github_annotations_point_into_the_workspace(self):
        out, _ = self.quick()
        perf = self.path("perf")
        os.mkdir(perf)
        text = PROFILE.format(target=self.demo.url, extra="  - p50 < 1ms")
        line = text.splitlines().index("  - p50 < 1ms") + 1
        with open(os.path.join(perf, "p.yaml"), "w", encoding="utf-8") as f:
            f.write(text)
        # a job with working-directory: perf, run from the workspace's root
        env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": self.tmp}
        rc, stdout, err = run("gate", out, "--profile", "p.yaml", cwd=perf,
                              env=env)
        self.assertEqual(rc, 1, err)
        self.assertRegex(stdout, r"(?m)^::error file=perf/p\.yaml,line=%d,"
                         r"title=GET /api/health%%3A p50 < 1ms::" % line)
        # outside the workspace: the absolute path
        env["GITHUB_WORKSPACE"] = self.path("elsewhere")
        rc, stdout, err = run("gate", out, "--profile", "p.yaml", cwd=perf,
                              env=env)
        self.assertEqual(rc, 1, err)
        self.assertIn("::error file=%s,line=%d," % (os.path.realpath(
            os.path.join(perf, "p.yaml")), line), stdout)

    def test_baseline_history_rollback_and_profile_diff(self):
        store = self.path("store")
        p = self.profile()
        for _ in range(2):
            rc, _, err = run("run", p, "-q", "--save-baseline", "main",
                             "--store", store, "--keep", "3")
            self.assertEqual(rc, 0, err)
        rc, out, err = run("baseline", "history", "main", "--store", store)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out.strip().splitlines()), 2)  # header + 1
        self.assertEqual(run("baseline", "rollback", "main", "--store",
                             store)[0], 0)
        # a baseline of another profile is refused, saying what differs
        other = self.write("other.yaml",
                           open(p, encoding="utf-8").read()
                           .replace("users: 40", "users: 30"))
        rc, _, err = run("run", other, "-q", "--baseline", "main",
                         "--store", store)
        self.assertEqual(rc, 3)
        self.assertIn("users 40 → 30", err)

    def test_sustained_breach_aborts_the_run(self):
        p = self.write("abort.yaml", """\
version: 1
target: %s
load: {users: 20, duration: 60s, think_time: 20ms..60ms}
scenarios: [{name: a, steps: [{get: /api/agents}]}]
thresholds:
  - check: p50 < 5ms
    for: 3s
    abort: true
""" % self.demo.url)
        started = time.time()
        rc, _, err = run("run", p, "-q", "--out", self.path("r.json"),
                         "--junit", self.path("j.xml"))
        self.assertEqual(rc, 1, err)   # a verdict, not an interruption
        self.assertLess(time.time() - started, 20)
        self.assertIn("aborted early", err)
        r = load_json(self.path("r.json"))
        self.assertTrue(r["partial"])
        self.assertTrue(any("aborted early" in x
                            for x in r["recommendations"]))
        validate_junit(self, self.path("j.xml"))

    def test_calibrate_prints_noise_and_tolerances(self):
        p = self.write("cal.yaml", """\
version: 1
target: %s
load: {users: 20, duration: 2s, warmup: 500ms, think_time: 20ms..60ms}
scenarios: [{name: a, steps: [{get: /api/health}]}]
""" % self.demo.url)
        rc, out, err = run("calibrate", p, "--runs", "2", "-q")
        self.assertEqual(rc, 0, err)
        self.assertIn("GET /api/health", out)
        self.assertRegex(out, r"p50 < baseline \+ \d+%")
        self.assertEqual(run("calibrate", p, "--runs", "1")[0], 2)

    # -- how checks are chosen and judged ----------------------------------

    def test_given_thresholds_keep_the_default_error_rate_check(self):
        # every request fails (404): p99 < 200ms alone once passed, exit 0
        url = self.demo.url + "/api/nope"
        out = self.path("q.json")
        rc, _, err = run("quick", url, "-t", "p99 < 200ms", "-q",
                         "--out", out)
        self.assertEqual(rc, 1, err)
        self.assertIn("error_rate < 5%", err)
        # gate with its own threshold: the default stays there too
        rc, _, err = run("gate", out, "-t", "p95 < 10s", "-q")
        self.assertEqual(rc, 1, err)
        # ... and in a profile without an error_rate check
        p = self.write("noerr.yaml", """\
version: 1
target: %s
load: {users: 5, requests: 200}
scenarios: [{name: a, steps: [{get: /api/nope}]}]
thresholds:
  - p95 < 10s
""" % self.demo.url)
        rc, _, err = run("run", p, "-q")
        self.assertEqual(rc, 1, err)
        # turned off explicitly: an error_rate check of one's own
        rc, _, err = run("quick", url, "-t", "p99 < 200ms",
                         "-t", "error_rate <= 100%", "-q")
        self.assertEqual(rc, 0, err)

    def test_an_override_never_removes_a_blocking_check(self):
        # min: the whole run's is the fastest endpoint's, so ALL passes
        # while POST /graphql (35 ms, never under 15 ms) fails its own
        p = self.write("ov.yaml", """\
version: 1
target: %s
load: {users: 10, requests: 400}
scenarios:
  - name: a
    steps:
      - get: /api/health
      - post: /graphql
        json: {query: "{ agents { id } }"}
thresholds:
  - min < 12ms
  - p95 < baseline + 20%%
  - endpoint: "POST /graphql"
    check: min < 1s
    severity: warn
  - endpoint: "GET /api/health"
    check: p95 < baseline + 50%%
""" % self.demo.url)
        rc, out, err = run("validate", p)
        self.assertEqual(rc, 0, err)
        # a map's line is its "- endpoint:" line, the one before check:
        at = {k: "%s:%d" % (re.escape(p), line_of(p, k) - d)
              for k, d in (("min < 12ms", 0), ("+ 20%", 0),
                           ("min < 1s", 1), ("+ 50%", 1))}
        block = out.split("  POST /graphql\n")[1].split("\n  ALL")[0]
        self.assertRegex(block, r"min < 12ms +%s\n" % at["min < 12ms"])
        self.assertRegex(block, r"p95 < baseline \+ 20%% +%s\n" % at["+ 20%"])
        self.assertRegex(block, r"min < 1s +%s \[warn only\]" %
                         at["min < 1s"])
        self.assertRegex(block, r"error_rate < 5% +default")
        health = out.split("  GET /api/health\n")[1].split("\n  POST")[0]
        # a blocking override of the same kind replaces it, and says so
        self.assertRegex(health, r"p95 < baseline \+ 50%% +%s; replaces "
                         r"'p95 < baseline \+ 20%%' \(%s\) here"
                         % (at["+ 50%"], at["+ 20%"]))
        self.assertNotRegex(health, r"(?m)^    p95 < baseline \+ 20%")
        self.assertRegex(health, r"(?m)^    min < 12ms")
        rc, _, err = run("run", p, "-q")
        self.assertEqual(rc, 1, err)
        self.assertIn("POST /graphql min < 12ms", err)

    def test_gate_and_report_judge_with_the_runs_own_thresholds(self):
        p = self.profile(extra="  - p50 < 1ms\n  - endpoint: GET /api/health\n"
                         "    check: p99 < 5s\n    severity: warn")
        out = self.path("r.json")
        rc, _, err = run("run", p, "--no-gate", "-q", "--out", out)
        self.assertEqual(rc, 0, err)
        r = load_json(out)
        checks = [(t["check"], t["endpoint"], t["severity"], t["line"])
                  for t in r["thresholds"]]
        self.assertEqual(checks, [
            ("p95 < 1s", None, "error", line_of(p, "p95 < 1s")),
            ("error_rate < 5%", None, "error", line_of(p, "error_rate <")),
            ("p50 < 1ms", None, "error", line_of(p, "p50 < 1ms")),
            ("p99 < 5s", "GET /api/health", "warn",
             line_of(p, "endpoint: GET /api/health"))])
        self.assertEqual(r["thresholds"][0]["file"], p)
        # gate without --profile judged with the defaults: PASS, exit 0
        rc, _, err = run("gate", out, "-q")
        self.assertEqual(rc, 1, err)
        self.assertIn("p50 < 1ms", err)
        rc, stdout, err = run("report", out)
        self.assertEqual(rc, 0, err)
        self.assertIn("FAIL", stdout)
        self.assertIn("p50 < 1ms", stdout)
        # --threshold still replaces them
        self.assertEqual(run("gate", out, "-t", "p95 < 10s", "-q")[0], 0)
        # older results without "thresholds": the defaults
        del r["thresholds"]
        old = self.write("old.json", json.dumps(r))
        self.assertEqual(run("gate", old, "-q")[0], 0)

    def test_baseline_that_cannot_be_found(self):
        out, _ = self.quick()
        store, empty = self.path("store"), self.path("empty")
        self.assertEqual(run("baseline", "save", out, "--name", "main",
                             "--store", store)[0], 0)
        rel = ("-t", "p95 < baseline + 50%", "-q")
        rc, _, err = run("gate", out, "--baseline", "main", "--store",
                         store, *rel)
        self.assertEqual(rc, 0, err)
        # a typo in a store that holds other names
        rc, _, err = run("gate", out, "--baseline", "mian", "--store",
                         store, *rel)
        self.assertEqual(rc, 3, err)
        self.assertIn("did you mean 'main'?", err)
        # a file that does not exist
        rc, _, err = run("gate", out, "--baseline", "./nope.json", *rel)
        self.assertEqual(rc, 3, err)
        self.assertIn("nope.json", err)
        # an empty (or missing) store: the first run on a branch
        rc, _, err = run("gate", out, "--baseline", "main", "--store",
                         empty, *rel)
        self.assertEqual(rc, 0, err)
        self.assertIn("relative checks are skipped", err)
        # a baseline service: 404 for the name skips, a wrong path is 3
        port = free_port()
        srv = subprocess.Popen([LOADGATE, "serve", "--store", store,
                                "--listen", "127.0.0.1:%d" % port],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            srv.stdout.readline()  # listening
            base = "http://127.0.0.1:%d" % port
            rc, _, err = run("gate", out, "--baseline",
                             base + "/api/load-test/baselines/main", *rel)
            self.assertEqual(rc, 0, err)
            rc, _, err = run("gate", out, "--baseline",
                             base + "/api/load-test/baselines/nope", *rel)
            self.assertEqual(rc, 0, err)
            self.assertIn("relative checks are skipped", err)
            for wrong in (base + "/api/load-test/baseline/main",
                          base + "/baselines/main",
                          self.demo.url + "/api/load-test/baselines/main"):
                rc, _, err = run("gate", out, "--baseline", wrong, *rel)
                self.assertEqual(rc, 3, wrong + err)
                self.assertIn("404", err)
        finally:
            srv.send_signal(signal.SIGTERM)
            srv.communicate(timeout=10)

    def test_per_endpoint_rps_in_the_closed_model_is_warned(self):
        p = self.profile(extra="  - rps > baseline - 20%")
        rc, _, err = run("validate", p)
        self.assertEqual(rc, 0, err)
        self.assertIn("closed model users are shared", err)
        self.assertIn("open model", err)
        p = self.profile(extra="  - endpoint: ALL\n"
                         "    check: rps > baseline - 20%")
        rc, _, err = run("validate", p)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("closed model", err)

    def test_compare_takes_a_stored_name(self):
        out, _ = self.quick()
        store = self.path("store")
        self.assertEqual(run("baseline", "save", out, "--name", "main",
                             "--store", store)[0], 0)
        rc, o, err = run("compare", "main", out, "--store", store)
        self.assertEqual(rc, 0, err)
        self.assertIn("GET /api/health", o)
        rc, _, err = run("compare", "mian", out, "--store", store)
        self.assertEqual(rc, 3, err)
        self.assertIn("did you mean 'main'?", err)

    def test_one_error_line_per_problem(self):
        for args in (("run", "--frob", "x.yaml"), ("gate", "r.json", "-Z"),
                     ("quick", "http://127.0.0.1:1/", "--nope"),
                     ("compare", "--x", "a", "b")):
            rc, _, err = run(*args)
            self.assertEqual(rc, 2, args)
            lines = [l for l in err.splitlines()
                     if not l.startswith("usage:")]
            self.assertEqual(len(lines), 1, err)
            self.assertRegex(lines[0], r"^loadgate: error: unknown option "
                             r"'(--frob|-Z|--nope|--x)'$")
        rc, _, err = run("run", "x.yaml", "--out")
        self.assertIn("option '--out' needs a value", err)
        # an unwritable output names its path once
        bad = "/nonexistent/loadgate-x"
        rc, _, err = run("quick", self.demo.url + "/api/health", "50", "5",
                         "-q", "--out", bad + ".json", "--junit",
                         bad + ".xml", "--gitlab-load-performance",
                         bad + ".lp.json")
        self.assertEqual(rc, 3)
        for ext in (".json", ".xml", ".lp.json"):
            line = [l for l in err.splitlines() if bad + ext + "'" in l]
            self.assertEqual(len(line), 1, err)
            self.assertEqual(line[0].count(bad), 1, line[0])

    def test_help_lists_every_option_parsed(self):
        """Each option 'help CMD' lists (made from the command's option
        table) reaches the command's parser: with a value where it takes
        one, it is never an unknown option, one without a value or one
        that takes none; the command stops on its arguments (or on the
        value), before doing anything."""
        option = re.compile(r"^  (?:-(\w), |    )--([a-z-]+)( \S+)?", re.M)
        seen = set()
        for cmd in ("run", "quick", "gate", "report", "compare", "baseline",
                    "calibrate", "merge", "demo", "serve"):
            rc, out, _ = run("help", cmd)
            self.assertEqual(rc, 0)
            opts = option.findall(out)
            self.assertTrue(opts, cmd)
            for short, name, value in opts:
                seen.add(name)
                for flag in ["--" + name] + (["-" + short] if short else []):
                    # demo and serve take no arguments: one stops them
                    args = [cmd, flag] + (["x"] if value else [])
                    if cmd in ("demo", "serve"):
                        args.append("no-such-argument")
                    rc, _, err = run(*args, timeout=30)
                    self.assertEqual(rc, 2, (args, err))
                    self.assertNotRegex(err, r"unknown option|needs a value|"
                                        r"takes no value", args)
        self.assertIn("gitlab-load-performance", seen)

    def complete(self, *words):
        """What the committed bash completion offers for the command line
        words (the last one being completed), in self.tmp."""
        script = os.path.join(SOURCE, "completions", "loadgate.bash")
        p = subprocess.run(
            ["bash", "-c", 'source "$1"; shift; COMP_WORDS=("$@"); '
             'COMP_CWORD=$(($# - 1)); _loadgate; '
             'printf "%s\\n" "${COMPREPLY[@]}"', "bash", script,
             "loadgate"] + list(words),
            cwd=self.tmp, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return sorted(p.stdout.split())

    def test_bash_completion(self):
        os.makedirs(os.path.join(self.tmp, ".loadgate", "baselines"))
        self.write(".loadgate/baselines/main.json", "{}")
        os.makedirs(os.path.join(self.tmp, "sub"))
        self.write("p.yaml", "")
        self.assertEqual(self.complete("ca"), ["calibrate"])
        self.assertEqual(self.complete("run", "--form"), ["--format"])
        self.assertEqual(self.complete("run", "--format", ""),
                         ["json", "text"])
        self.assertEqual(self.complete("gate", "--from", "j"), ["jmeter"])
        self.assertEqual(self.complete("quick", "--engine", ""),
                         ["curl", "fast"])
        self.assertEqual(self.complete("baseline", "h"), ["history"])
        self.assertEqual(self.complete("run", "--baseline", "m"), ["main"])
        self.assertEqual(self.complete("gate", "r.json", "-b", "m"),
                         ["main"])
        self.assertEqual(self.complete("compare", "m"), ["main"])
        # folders only (hidden ones too: compgen -d)
        self.assertEqual(self.complete("run", "--store", ""),
                         [".loadgate", "sub"])
        self.assertEqual(self.complete("run", "p"), ["p.yaml"])
        self.assertEqual(self.complete("run", "--keep", ""), [])
        self.assertEqual(self.complete("quick", "-H", ""), [])
        self.assertEqual(self.complete("quick", "--bo"), ["--body"])
        self.assertEqual(self.complete("help", "se"), ["serve"])

    def test_sigint_writes_partial_results(self):
        out = self.path("r.json")
        p = subprocess.Popen([LOADGATE, "quick", self.demo.url +
                              "/api/health", "-d", "60s", "-c", "20",
                              "--out", out, "-q"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        time.sleep(3)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 130, err)
        r = load_json(out)
        self.assertTrue(r["partial"])
        self.assertGreater(r["total_requests"], 0)
        self.assertLess(r["test_duration_seconds"], 30)


if __name__ == "__main__":
    import unittest
    unittest.main()
