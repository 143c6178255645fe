"""Secrets never leak: header values from defaults.headers, Authorization
and Cookie headers and ${ENV} values are sent to the target but appear in
no results, report, JUnit, Markdown, HTML, annotation, log line or error
message, whether the run passes, fails, is refused or cannot run."""
import os
import unittest

import hlib
import hostile

TOKEN = "tok-S3CR3T-a1"      # ${API_TOKEN}, in Authorization
TEAM = "team-S3CR3T-b2"      # literal value of a defaults.headers entry
COOKIE = "session=S3CR3T-c3"  # literal Cookie header of a step
TRACE = "S3CR3T-d4"          # ${TRACE_ID} in an ordinary step header
BODYVAR = "S3CR3T-e5"        # ${BODY_SECRET} in a request body
USERPW = "S3CR3T-f6"         # ${USERPW} as the target URL's password
PATHVAR = "S3CR3T-g7"        # ${PATH_SECRET} in a step's path
QUERYVAR = "S3CR3T-h8"       # ${QUERY_SECRET} in a step's query: value
ENV = {"API_TOKEN": TOKEN, "TRACE_ID": TRACE, "BODY_SECRET": BODYVAR,
       "USERPW": USERPW, "PATH_SECRET": PATHVAR, "QUERY_SECRET": QUERYVAR}
MARK = "S3CR3T"


def profile(url, extra=""):
    return """version: 1
target: %s
defaults:
  headers: { Authorization: "Bearer ${API_TOKEN}", X-Team: "%s" }
  timeout: 2s
load:
  users: 2
  duration: 1s
scenarios:
  - name: s
    steps:
      - post: /x
        headers: { Cookie: "%s", X-Trace: "${TRACE_ID}" }
        json: { note: "${BODY_SECRET}" }
%s""" % (url, TEAM, COOKIE, extra)


class Secrets(hlib.Case):
    def outputs(self, tag):
        d = self.path(tag)
        os.mkdir(d)
        return d, ["--out", d + "/r.json", "--junit", d + "/j.xml",
                   "--markdown", d + "/s.md", "--html", d + "/h.html",
                   "--gitlab-load-performance", d + "/gl.json",
                   "--format", "json"]

    def assert_clean(self, what, r, d):
        env = dict(ENV)
        texts = {"stdout": r.out, "stderr": r.err}
        for top, _, names in os.walk(d):  # a baseline store too
            for name in names:
                path = os.path.join(top, name)
                with open(path, "rb") as f:
                    texts[os.path.relpath(path, d)] = \
                        f.read().decode("utf-8", "replace")
        for where, text in texts.items():
            self.assertNotIn(MARK, text, "%s: a secret in %s" % (what, where))
            for v in env.values():
                self.assertNotIn(v, text, "%s: %s leaked" % (what, where))

    def run_profile(self, tag, url, extra="", args=()):
        d, out = self.outputs(tag)
        prof = self.write(tag + ".yaml", profile(url, extra))
        summary = os.path.join(d, "step-summary.md")
        r = hlib.run(["run", prof, *out, *args], timeout=60,
                     env=dict(ENV, GITHUB_ACTIONS="true",
                              GITHUB_STEP_SUMMARY=summary))
        return d, r

    def assert_sent(self, srv):
        """The secrets did reach the target: the test can fail."""
        self.assertTrue(srv.heads, "no request reached the target")
        head = srv.heads[0].decode("latin-1")
        for v in ("Bearer " + TOKEN, TEAM, COOKIE, TRACE):
            self.assertIn(v, head)

    def run_hostile(self, mode, tag, extra="", tls_context=None):
        """run_profile(tag) against a HostileServer(mode), stopped after:
        the server (its heads kept), the output folder and the result."""
        srv = hostile.HostileServer(mode, tls_context)
        try:
            d, r = self.run_profile(tag, srv.url, extra)
        finally:
            srv.stop()
        return srv, d, r

    def test_passing_run(self):
        srv, d, r = self.run_hostile("ok", "pass")
        self.assertEqual(r.code, 0, repr(r))
        self.assert_sent(srv)
        self.assert_clean("passing run", r, d)

    def test_failing_target_echoing_secrets(self):
        srv, d, r = self.run_hostile("echo500", "echo",
                                     "thresholds:\n  - error_rate < 5%\n")
        self.assertEqual(r.code, 1, repr(r))
        self.assert_sent(srv)
        self.assert_clean("5xx echoing the request", r, d)

    def test_unreachable_target_with_password(self):
        url = "http://user:${USERPW}@127.0.0.1:%d" % hostile.refused_port()
        d, r = self.run_profile("refused", url)
        self.assertEqual(r.code, 3, repr(r))
        self.assert_clean("refused target", r, d)

    def test_tls_failure(self):
        import tempfile
        with tempfile.TemporaryDirectory() as cd:
            _, d, r = self.run_hostile(
                "ok", "tls", tls_context=hostile.self_signed_context(cd))
        self.assertEqual(r.code, 3, repr(r))
        self.assert_clean("TLS failure", r, d)

    def test_profile_errors(self):
        # each bad value comes from a secret-bearing ${ENV} or sits next
        # to a secret header
        cases = {
            "bad_think_time": "  think_time: ${API_TOKEN}\n",
            "bad_target": None,
            "bad_header_name": None,
            "unknown_key": "extra: ${API_TOKEN}\n",
        }
        for name, extra in cases.items():
            with self.subTest(name):
                d, out = self.outputs(name)
                text = profile("http://127.0.0.1:9")
                if name == "bad_think_time":
                    text = text.replace("  duration: 1s\n",
                                        "  duration: 1s\n" + extra)
                elif name == "bad_target":
                    text = text.replace("http://127.0.0.1:9",
                                        "${API_TOKEN}")
                elif name == "bad_header_name":
                    text = text.replace('X-Trace: "${TRACE_ID}"',
                                        '"X Trace ${TRACE_ID}": "${TRACE_ID}"')
                else:
                    text += extra
                prof = self.write(name + ".yaml", text)
                for cmd in (["validate", prof], ["run", prof, *out]):
                    r = hlib.run(cmd, env=ENV, timeout=30)
                    self.assertEqual(r.code, 2, repr(r))
                    self.assertIn(prof, r.err)
                    self.assert_clean(name, r, d)

    # An ${ENV} value in the profile's baseline URL once reached the error
    # line and the JUnit <error>; cmd now names the profile line instead.
    def test_baseline_url_from_env(self):
        d, r = self.run_profile(
            "baseline_url", "http://127.0.0.1:%d" % hostile.refused_port(),
            "baseline: http://127.0.0.1:%d/api/load-test/baselines/"
            "${TRACE_ID}\n" % hostile.refused_port())
        self.assertEqual(r.code, 3, repr(r))
        self.assert_clean("baseline URL from ${ENV}", r, d)

    # A ${ENV} value in a step's path once became the endpoint's name
    # ("POST /x?token=<value>") in the results, every report, stdout and
    # the saved baseline.  Names keep the profile's text; the request
    # still carries the value.
    def test_env_in_path_and_query(self):
        extra = ('      - get: /x?token=${PATH_SECRET}\n'
                 '      - get: /y/${PATH_SECRET}\n'
                 '        query: { k: "${QUERY_SECRET}" }\n'
                 'thresholds:\n'
                 '  - endpoint: "GET /x?token=${PATH_SECRET}"\n'
                 '    check: p95 < 5s\n')
        srv = hostile.HostileServer("ok")
        try:
            d, r = self.run_profile(
                "path", srv.url, extra,
                ("--save-baseline", "main", "--store",
                 self.path("path") + "/store"))
            self.assertEqual(r.code, 0, repr(r))
            self.assert_clean("${ENV} in a path, saving a baseline", r, d)
            # again against that baseline, with the text report on stdout
            d2 = self.path("path2")
            os.mkdir(d2)
            prof = self.path("path.yaml")
            r2 = hlib.run(["run", prof, "--baseline", "main", "--store",
                           d + "/store", "--junit", d2 + "/j.xml",
                           "--markdown", d2 + "/s.md"],
                          timeout=60, env=ENV)
        finally:
            srv.stop()
        self.assertEqual(r2.code, 0, repr(r2))
        self.assert_clean("${ENV} in a path, against the baseline", r2, d2)
        heads = b"".join(srv.heads).decode("latin-1")
        self.assertIn("GET /x?token=%s " % PATHVAR, heads)
        self.assertIn("GET /y/%s?k=%s " % (PATHVAR, QUERYVAR), heads)
        # the endpoints carry the profile's text
        names = {m["method"] + " " + m["endpoint"]
                 for m in hlib.load_json(d + "/r.json")["metrics"]}
        self.assertIn("GET /x?token=${PATH_SECRET}", names)
        self.assertIn("GET /y/${PATH_SECRET}", names)
        self.assertIn("GET /x?token=${PATH_SECRET}", r2.out)

    def test_quick_headers_from_the_command_line(self):
        srv = hostile.HostileServer("echo500")
        d, out = self.outputs("quick")
        try:
            r = hlib.run(["quick", srv.url + "/x", "50", "2", "-H",
                          "Authorization: Bearer " + TOKEN, "-H",
                          "Cookie: " + COOKIE, *out], timeout=60)
        finally:
            srv.stop()
        self.assertIn(r.code, (1, 3), repr(r))
        self.assertIn(TOKEN, srv.heads[0].decode("latin-1"))
        self.assert_clean("quick -H", r, d)


if __name__ == "__main__":
    unittest.main()
