"""HTTP/2 (`http: 2`, `http: auto`) and the fast engine's TLS end to end,
on loopback only.

Against a private nginx: h2 over TLS (a self-signed certificate trusted
through target.ca_file) and h2c by prior knowledge, through both
transports, checked in nginx's own log ($server_protocol, $connection);
http: auto choosing h2 or HTTP/1.1 by ALPN; captures over HTTP/2; the
open model.

Against a small hostile server (h2server.py, python3-h2): GOAWAY mid-run
and REFUSED_STREAM (the streams the server did not process go out again,
no request is lost), a SETTINGS_MAX_CONCURRENT_STREAMS of 2 (kept), a
stream reset, a malformed response and a connection error (counted in
their classes), a request body larger than the server's window (flow
control), a 1 MiB response (window updates, max_body) and timeouts.
Every run is bounded by a request count or a few seconds."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

import lgtest

HERE = os.path.dirname(os.path.abspath(__file__))


H2_PYTHON = lgtest.python_with("h2.connection")  # python3-h2


def profile(target, http, load, steps, extra=""):
    return ("version: 1\ntarget: %s\nhttp: %s\nload: %s\n%s"
            "scenarios:\n  - steps:\n%s"
            "thresholds:\n  - error_rate <= 100%%\n" %
            (target, http, load, extra, steps))


class RunMixin:
    def run_profile(self, name, text, timeout=120, code=0):
        """Runs the profile text; returns its results (or, when code is not
        0, the error output)."""
        prof = self.write(name + ".yaml", text)
        out = self.path(name + ".json")
        got, _, err = lgtest.run("run", prof, "-q", "--no-gate", "--out", out,
                                 timeout=timeout)
        self.assertEqual(got, code, err)
        return lgtest.load_json(out) if code == 0 else err


def curl_h2c_broken():
    """libcurl before 8.0 cannot reuse h2c connections (curl issue
    10634): loadgate refuses h2c through it."""
    p = subprocess.run(["curl", "--version"], capture_output=True, text=True)
    v = p.stdout.split()[1] if p.returncode == 0 else "0"
    return int(v.split(".")[0]) < 8


@unittest.skipUnless(os.path.exists(lgtest.NGINX),
                     "nginx is not installed (scripts/setup installs it)")
class NginxH2(RunMixin, lgtest.TempDirCase):
    @classmethod
    def setUpClass(cls):
        cls.ports = {k: lgtest.free_port()
                     for k in ("h2", "h2c", "tls11", "http11", "other")}
        # a certificate for another name, trusted as the first one is not
        cls._other = tempfile.TemporaryDirectory(prefix="loadgate-other-")
        cls.ports["other_crt"] = os.path.join(cls._other.name, "crt.pem")
        cls.ports["other_key"] = os.path.join(cls._other.name, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", cls.ports["other_key"],
                        "-out", cls.ports["other_crt"], "-days", "1",
                        "-subj", "/CN=elsewhere.test",
                        "-addext", "subjectAltName=DNS:elsewhere.test"],
                       check=True, capture_output=True, timeout=60)
        cls.nginx = lgtest.Nginx("""
    log_format p "$server_protocol $connection $request_method $request_uri "
                 "$ssl_session_reused";
    access_log %%(d)s/logs/access.log p;
    ssl_certificate %%(cert)s;
    ssl_certificate_key %%(key)s;
    server {
        listen 127.0.0.1:%(h2)d ssl http2;
        listen 127.0.0.1:%(h2c)d http2;
        listen 127.0.0.1:%(tls11)d ssl;
        listen 127.0.0.1:%(http11)d;
        location / {
            add_header X-Token tok42;
            return 200 "hello over $server_protocol\\n";
        }
        location /close {
            keepalive_timeout 0;
            return 200 "closing\\n";
        }
    }
    server {
        listen 127.0.0.1:%(other)d ssl http2;
        ssl_certificate %(other_crt)s;
        ssl_certificate_key %(other_key)s;
        location / { return 200 "elsewhere\\n"; }
    }""" % cls.ports, "http://127.0.0.1:%d/" % cls.ports["http11"])
        cls.cert = cls.nginx.cert
        cls.log = os.path.join(cls.nginx.dir, "logs", "access.log")
        # the log line of that request may come after its answer: the
        # tests count lines from here on
        deadline = time.time() + 20
        while not os.path.getsize(cls.log) and time.time() < deadline:
            time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        cls._other.cleanup()

    def target(self, port_name):
        if port_name in ("h2", "tls11", "other"):
            return ("\n  url: https://127.0.0.1:%d\n  ca_file: %s" %
                    (self.ports[port_name], self.cert))
        return "http://127.0.0.1:%d" % self.ports[port_name]

    def settled_size(self):
        """The log's size once nginx has stopped adding to it: it writes a
        line as each request ends, which may be after the client had its
        answer (later still on a busy machine)."""
        size, deadline = -1, time.time() + 10
        while time.time() < deadline:
            now = os.path.getsize(self.log)
            if now == size:
                break
            size = now
            time.sleep(0.25)
        return size

    def logged(self, fn):
        """Runs fn(); returns the access log lines it caused."""
        start = self.settled_size()
        res = fn()
        end = self.settled_size()
        with open(self.log, encoding="utf-8") as f:
            f.seek(start)
            return res, [l.split() for l in f.read(end - start).splitlines()]

    def test_h2_and_h2c_both_transports(self):
        for port in ("h2", "h2c"):
            for engine in ("fast", "curl"):
                with self.subTest(port=port, engine=engine):
                    text = profile(self.target(port),
                                   "{version: 2, connections: 4}",
                                   "{users: 20, requests: 3000}",
                                   "      - get: /hello\n",
                                   "engine: %s\n" % engine)
                    if engine == "curl" and port == "h2c" and \
                            curl_h2c_broken():
                        err = self.run_profile("p-h2c-curl", text, code=3)
                        self.assertIn("h2c) needs the fast engine", err)
                        continue
                    res, lines = self.logged(lambda: self.run_profile(
                        "p-%s-%s" % (port, engine), text))
                    ep = lgtest.endpoint(res, "GET /hello")
                    self.assertEqual(res["total_requests"], 3000)
                    self.assertEqual(ep["errors"], {})
                    self.assertEqual(ep["status_codes"], {"200": 3000})
                    self.assertEqual(len(lines), 3000)
                    self.assertEqual({l[0] for l in lines}, {"HTTP/2.0"})
                    if engine == "fast":
                        # 20 users over 4 connections, as asked
                        self.assertEqual(len({l[1] for l in lines}), 4)
                        t = ep["timing"]
                        self.assertGreater(t["connect_p50_ms"], 0)
                        if port == "h2":
                            self.assertGreater(t["tls_p50_ms"], 0)
                        self.assertGreater(t["ttfb_p50_ms"], 0)

    def test_auto_follows_alpn(self):
        for port, proto in (("h2", "HTTP/2.0"), ("tls11", "HTTP/1.1"),
                            ("http11", "HTTP/1.1")):
            with self.subTest(port=port):
                text = profile(self.target(port), "auto",
                               "{users: 5, requests: 200}",
                               "      - get: /auto\n")
                res, lines = self.logged(lambda: self.run_profile(
                    "auto-" + port, text))
                self.assertEqual(res["total_requests"], 200)
                self.assertEqual(
                    lgtest.endpoint(res, "GET /auto")["errors"], {})
                self.assertEqual({l[0] for l in lines}, {proto})

    def test_h2_refused_by_a_server_without_it(self):
        # http: 2 insists: a TLS server without h2 in ALPN fails every
        # connection's setup (class tls: the target could not be reached
        # over HTTP/2, exit 3), and nothing is sent
        text = profile(self.target("tls11"), "2",
                       "{users: 2, requests: 10}", "      - get: /no\n")
        err, lines = self.logged(lambda: self.run_profile("no-h2", text,
                                                          code=3))
        self.assertIn("all 10 requests failed (tls: 10)", err)
        self.assertEqual(lines, [])

    def test_capture_and_expect_over_h2(self):
        steps = ("      - get: /first\n"
                 "        capture: {tok: {header: X-Token}}\n"
                 "        expect: {body_contains: HTTP/2.0}\n"
                 "      - get: /second/{{tok}}\n")
        text = profile(self.target("h2"), "2", "{users: 4, iterations: 20}",
                       steps)
        res, lines = self.logged(lambda: self.run_profile("capture", text))
        self.assertEqual(res["total_requests"], 40)
        for name in ("GET /first", "GET /second/{{tok}}"):
            self.assertEqual(lgtest.endpoint(res, name)["errors"], {}, name)
        self.assertEqual(sum(1 for l in lines if l[3] == "/second/tok42"), 20)

    def test_wait_for_setup_teardown_speak_h2c(self):
        # a prior-knowledge-only port answers no HTTP/1.1: the unmeasured
        # steps speak the profile's HTTP version too
        steps = "      - get: /load/{{t}}\n"
        extra = ("wait_for: {get: /health, timeout: 5s}\n"
                 "setup:\n  - get: /login\n"
                 "    capture: {t: {header: X-Token}}\n"
                 "  - get: /again\n"
                 "teardown:\n  - get: /logout/{{t}}\n")
        text = profile(self.target("h2c"), "2", "{users: 2, requests: 10}",
                       steps, extra)
        res, lines = self.logged(lambda: self.run_profile("steps", text))
        self.assertEqual(res["total_requests"], 10)
        uris = [l[3] for l in lines]
        for uri in ("/health", "/login", "/again", "/logout/tok42"):
            self.assertIn(uri, uris)
        self.assertEqual(uris.count("/load/tok42"), 10)
        self.assertEqual({l[0] for l in lines}, {"HTTP/2.0"})

    def test_certificate_names_are_checked(self):
        # the fast engine's TLS (OpenSSL's, not libcurl's) checks the
        # certificate's names as libcurl did: a certificate for another
        # name fails every connection as tls (exit 3) on both HTTP
        # versions, unless insecure
        for http in ("1.1", "2"):
            with self.subTest(http=http):
                text = profile(self.target("other"), http,
                               "{users: 2, requests: 6}",
                               "      - get: /name\n")
                err = self.run_profile("name-" + http, text, code=3)
                self.assertIn("all 6 requests failed (tls: 6)", err)
                insecure = profile(
                    "\n  url: https://127.0.0.1:%d\n  insecure: true" %
                    self.ports["other"], http, "{users: 2, requests: 6}",
                    "      - get: /name\n")
                res = self.run_profile("insecure-" + http, insecure)
                self.assertEqual(res["metrics"][0]["errors"], {})

    def test_tls_sessions_are_resumed(self):
        # a server that closes every connection: each request opens one,
        # and resumes the TLS session of the last (the fast engine keeps
        # an origin's latest session, as libcurl's shared cache did)
        text = profile(self.target("tls11"), "1.1",
                       "{users: 1, requests: 20}", "      - get: /close\n")
        res, lines = self.logged(lambda: self.run_profile("resume", text))
        self.assertEqual(res["metrics"][0]["errors"], {})
        self.assertEqual(len({l[1] for l in lines}), 20)  # connections
        self.assertGreaterEqual(sum(1 for l in lines if l[4] == "r"), 18)

    def test_open_model(self):
        text = profile(self.target("h2c"), "2",
                       "{rate: 200/s, duration: 2s, max_in_flight: 50}",
                       "      - get: /open\n")
        res = self.run_profile("open", text)
        ep = lgtest.endpoint(res, "GET /open")
        self.assertEqual(ep["errors"], {})
        self.assertEqual(res["meta"]["model"], "open")
        # arrivals on a timeline: 400 due in 2 s, none dropped
        self.assertGreaterEqual(res["total_requests"], 380)
        self.assertLessEqual(res["total_requests"], 401)
        self.assertEqual(res["meta"]["dropped"], 0)

    def test_quick_speaks_h2(self):
        # quick's --http, --connections and --max-streams: h2load's
        # "-c 4 -m 5" without a profile, over h2c and h2 with TLS
        url = "http://127.0.0.1:%d/quick" % self.ports["h2c"]
        out = self.path("quick.json")
        res, lines = self.logged(lambda: lgtest.run(
            "quick", url, "-n", "400", "-c", "20", "--http", "2",
            "--connections", "4", "--max-streams", "5", "-q", "--out", out,
            "-t", "error_rate <= 100%"))
        self.assertEqual(res[0], 0, res[2])
        got = lgtest.load_json(out)
        self.assertEqual(got["total_requests"], 400)
        self.assertEqual({l[0] for l in lines}, {"HTTP/2.0"})
        self.assertEqual(len({l[1] for l in lines}), 4)
        # the counts without HTTP/2, and a version that is none: exit 2
        for args, msg in ((["--max-streams", "5"], "are for HTTP/2"),
                          (["--http", "3"], "--http is 1.1, 2 or auto")):
            got, _, err = lgtest.run("quick", url, "-n", "10", *args)
            self.assertEqual(got, 2, err)
            self.assertIn(msg, err)

    def test_thousand_users_over_hundred_connections(self):
        text = profile(self.target("h2"), "{version: 2, max_streams: 10}",
                       "{users: 1000, duration: 2s, warmup: 1s}",
                       "      - get: /many\n")
        res, lines = self.logged(lambda: self.run_profile("many", text))
        self.assertEqual(lgtest.endpoint(res, "GET /many")["errors"], {})
        self.assertGreaterEqual(res["total_requests"], 1000)
        self.assertEqual(len({l[1] for l in lines}), 100)


@unittest.skipUnless(H2_PYTHON, "python3-h2 is not installed "
                     "(scripts/setup installs it)")
class HostileH2(RunMixin, lgtest.TempDirCase):
    def server(self, opts):
        """Starts h2server.py with opts; returns (target, stop) where
        stop() ends it and returns what it saw."""
        portfile = self.path("port")
        statsfile = self.path("stats.json")
        for f in (portfile, statsfile):
            if os.path.exists(f):
                os.remove(f)
        proc = subprocess.Popen(
            [H2_PYTHON, os.path.join(HERE, "h2server.py"), portfile,
             statsfile, json.dumps(dict(opts, lifetime=120))],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while not os.path.exists(portfile):
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError("h2server.py did not start: " +
                                   proc.stderr.read().decode(errors="replace"))
            time.sleep(0.05)
        with open(portfile) as f:
            port = int(f.read())

        def stop():
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            err = proc.stderr.read().decode(errors="replace")
            proc.stderr.close()
            self.assertTrue(os.path.exists(statsfile), err)
            return lgtest.load_json(statsfile)

        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        return "http://127.0.0.1:%d" % port, stop

    def run_against(self, opts, http, load, steps, extra=""):
        target, stop = self.server(opts)
        res = self.run_profile("h", profile(target, http, load, steps, extra))
        return res, stop()

    def test_goaway_mid_run_loses_nothing(self):
        res, seen = self.run_against({"goaway_every": 50},
                                     "{version: 2, connections: 2}",
                                     "{users: 10, requests: 1000}",
                                     "      - get: /x\n")
        ep = lgtest.endpoint(res, "GET /x")
        self.assertEqual(ep["errors"], {})
        self.assertEqual(ep["status_codes"], {"200": 1000})
        self.assertEqual(seen["requests"], 1000)
        # a connection per 50 answers at least: GOAWAY was obeyed
        self.assertGreaterEqual(seen["connections"], 20)

    def test_refused_streams_go_out_again(self):
        # distinct paths: the server refuses each one once at most
        for method, steps in (("GET", "      - get: /x/${vu}/${iteration}\n"),
                              ("POST", "      - post: /echo/${vu}/${iteration}\n"
                                       "        body: hello\n")):
            with self.subTest(method=method):
                res, seen = self.run_against({"refuse_every": 5}, "2",
                                             "{users: 8, requests: 400}",
                                             steps)
                ep = res["metrics"][0]
                self.assertEqual(ep["errors"], {})
                self.assertEqual(res["total_requests"], 400)
                # every fifth one received, bar the retries of refused ones
                self.assertGreaterEqual(seen["refused"], 50)
                self.assertLessEqual(seen["refused"], 100)
                self.assertEqual(seen["requests"], 400)

    def test_max_concurrent_streams_is_kept(self):
        res, seen = self.run_against({"max_streams": 2, "delay_ms": 5},
                                     "{version: 2, connections: 1}",
                                     "{users: 10, requests: 300}",
                                     "      - get: /x\n")
        self.assertEqual(res["metrics"][0]["errors"], {})
        self.assertEqual(seen["requests"], 300)
        self.assertLessEqual(seen["max_open"], 2)
        # only streams sent before the client had the server's SETTINGS
        # may have been refused: then it kept to two
        self.assertLessEqual(seen["refused"], 8)

    def test_latency_is_the_servers_time(self):
        # the loop naps while answers are due, and a response ends at the
        # kernel's receive time: the latency is the server's 20 ms, never
        # less (a receive time mapped wrong) nor much more (a nap counted)
        res, seen = self.run_against({"delay_ms": 20},
                                     "{version: 2, connections: 2}",
                                     "{users: 8, requests: 200}",
                                     "      - get: /x\n")
        ep = lgtest.endpoint(res, "GET /x")
        self.assertEqual(ep["errors"], {})
        self.assertEqual(seen["requests"], 200)
        self.assertGreaterEqual(ep["min_response_time_ms"], 19.5)
        self.assertLess(ep["p50_response_time_ms"], 30.0)
        self.assertGreaterEqual(ep["timing"]["ttfb_p50_ms"], 19.5)

    def test_error_classes(self):
        for path, method, cls in (("/reset", "get", "stream_reset"),
                                  ("/bad", "get", "h2_protocol"),
                                  ("/proto", "get", "h2_protocol"),
                                  ("/goaway", "post", "goaway")):
            with self.subTest(path=path):
                res, _ = self.run_against({}, "2",
                                          "{users: 2, requests: 10}",
                                          "      - %s: %s\n" % (method, path))
                self.assertEqual(res["metrics"][0]["errors"], {cls: 10})

    def test_bodies_and_flow_control(self):
        big = "y" * 200000  # over the server's 64 KiB window
        self.write("big.txt", big)
        steps = ("      - post: /echo\n"
                 "        body: \"@big.txt\"\n"
                 "        expect: {body_contains: \"200000\"}\n"
                 "      - get: /big\n"
                 "        capture: {t: {header: x-token}}\n"
                 "        expect: {body_contains: END}\n"
                 "      - get: /after/{{t}}\n")
        res, seen = self.run_against({}, "2", "{users: 3, iterations: 12}",
                                     steps)
        for ep in res["metrics"]:
            self.assertEqual(ep["errors"], {}, ep["endpoint"])
        self.assertEqual(res["total_requests"], 36)
        self.assertEqual(seen["body_lengths"], [200000] * 12)
        self.assertEqual(seen["paths"].get("/after/abc"), 12)

    def test_stream_over_h2(self):
        # a stream: step's events come from HTTP/2 DATA frames as well
        res, _ = self.run_against({}, "2", "{users: 2, requests: 6}",
                                  "      - get: /sse\n"
                                  "        stream: sse\n")
        m = res["metrics"][0]
        self.assertEqual(m["errors"], {})
        self.assertEqual(m["stream"]["streams"], 6)
        self.assertEqual(m["stream"]["stream_errors"], 0)
        self.assertEqual(m["stream"]["tokens"], 18)

    def test_max_body(self):
        res, _ = self.run_against({}, "2", "{users: 2, requests: 6}",
                                  "      - get: /big\n",
                                  "defaults: {max_body: 100KB}\n")
        self.assertEqual(res["metrics"][0]["errors"], {"body_too_large": 6})

    def test_timeout(self):
        t0 = time.time()
        res, _ = self.run_against({"delay_ms": 3000}, "2",
                                  "{users: 2, requests: 4}",
                                  "      - get: /slow\n",
                                  "defaults: {timeout: 300ms}\n")
        self.assertEqual(res["metrics"][0]["errors"], {"timeout": 4})
        self.assertLess(time.time() - t0, 20)


if __name__ == "__main__":
    unittest.main()
