"""The engine against a private nginx on loopback, over http and over https
with a self-signed certificate (trusted through target.ca_file): both
transports send exactly the requests asked for, without an error, and
agree; 1000 users hold their concurrency."""
import os
import unittest

import lgtest

BODY = "hello from nginx, a small body for the load generator\n"


@unittest.skipUnless(os.path.exists(lgtest.NGINX),
                     "nginx is not installed (scripts/setup installs it)")
class Nginx(lgtest.TempDirCase):
    @classmethod
    def setUpClass(cls):
        cls.http_port = lgtest.free_port()
        cls.https_port = lgtest.free_port()
        cls.nginx = lgtest.Nginx("""    access_log off;
    server {
        listen 127.0.0.1:%(http)d;
        listen 127.0.0.1:%(https)d ssl;
        ssl_certificate %%(cert)s;
        ssl_certificate_key %%(key)s;
        location / { return 200 "%(body)s"; }
    }""" % {"http": cls.http_port, "https": cls.https_port,
            "body": BODY.replace("\n", "\\n")},
            "http://127.0.0.1:%d/" % cls.http_port)
        cls.cert = cls.nginx.cert

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()

    def run_profile(self, scheme, engine, load):
        if scheme == "https":
            target = ("\n  url: https://127.0.0.1:%d\n  ca_file: %s" %
                      (self.https_port, self.cert))
        else:
            target = "http://127.0.0.1:%d" % self.http_port
        prof = self.write("p-%s-%s.yaml" % (scheme, engine),
                          "version: 1\ntarget: %s\nengine: %s\n"
                          "load: %s\nscenarios:\n  - steps:\n"
                          "      - get: /hello\n"
                          "thresholds:\n  - error_rate < 1%%\n" %
                          (target, engine, load))
        out = self.path("r-%s-%s.json" % (scheme, engine))
        code, _, err = lgtest.run("run", prof, "-q", "--out", out,
                                  timeout=120)
        self.assertEqual(code, 0, err)
        res = lgtest.load_json(out)
        return res, lgtest.endpoint(res, "GET /hello")

    def test_both_transports_agree(self):
        for scheme in ("http", "https"):
            p50 = {}
            for engine in ("fast", "curl"):
                with self.subTest(scheme=scheme, engine=engine):
                    res, ep = self.run_profile(
                        scheme, engine, "{users: 20, requests: 3000}")
                    self.assertEqual(res["total_requests"], 3000)
                    self.assertEqual(ep["errors"], {})
                    self.assertEqual(ep["status_codes"], {"200": 3000})
                    p50[engine] = ep["p50_response_time_ms"]
            # loopback and a static answer: both well under 50 ms at the
            # median, whatever the runner's load
            for engine, v in p50.items():
                self.assertLess(v, 50, "%s %s p50 %.1f ms" %
                                (scheme, engine, v))

    def test_thousand_users_hold(self):
        res, ep = self.run_profile("http", "fast",
                                   "{users: 1000, duration: 2s, "
                                   "warmup: 1s}")
        self.assertEqual(res["concurrent_users"], 1000)
        self.assertEqual(ep["errors"], {})
        # every user kept sending through the measured window: at least
        # one request each
        self.assertGreaterEqual(res["total_requests"], 1000)


if __name__ == "__main__":
    unittest.main()
