"""grpc: steps (gRPC unary calls over HTTP/2) end to end, on loopback only,
against a real gRPC server (grpcserver.py, python3-grpcio, raw bytes):
h2c by prior knowledge on the fast engine, h2 over TLS (a self-signed
certificate trusted through target.ca_file) on both engines.  The
results' grpc error class and grpc_status counts must equal what the
server answered; an error_rate threshold fails the gate (exit 1).  Every
run is bounded by a request count."""
import base64
import json
import os
import subprocess
import tempfile
import time
import unittest

import lgtest

HERE = os.path.dirname(os.path.abspath(__file__))


GRPC_PYTHON = lgtest.python_with("grpc")  # python3-grpcio

# a protobuf message (field 1, string "world") as its bytes
HELLO = b"\x0a\x05world"
HELLO_B64 = base64.b64encode(HELLO).decode()


class GrpcServer:
    """grpcserver.py in the background; stop() returns what it saw."""

    def __init__(self, tmp, tls=None):
        self.portfile = os.path.join(tmp, "grpc.port")
        self.statsfile = os.path.join(tmp, "grpc.stats")
        args = [GRPC_PYTHON, os.path.join(HERE, "grpcserver.py"),
                self.portfile, self.statsfile] + list(tls or [])
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while not os.path.exists(self.portfile):
            if self.proc.poll() is not None or time.time() > deadline:
                self.proc.kill()
                raise RuntimeError("grpcserver.py did not start: " +
                                   self.proc.stderr.read())
            time.sleep(0.05)
        with open(self.portfile) as f:
            self.port = int(f.read())

    def stop(self):
        lgtest.stop_process(self.proc, timeout=20)
        with open(self.statsfile) as f:
            return json.load(f)


def profile(target, steps, extra="", load="{users: 4, requests: 60}",
            thresholds="  - error_rate <= 100%\n"):
    return ("version: 1\ntarget: %s\nhttp: 2\n%sload: %s\n"
            "scenarios:\n  - steps:\n%sthresholds:\n%s" %
            (target, extra, load, steps, thresholds))


def by_name(results):
    return {"%s %s" % (e["method"], e["endpoint"]): e
            for e in results["metrics"]}


@unittest.skipUnless(GRPC_PYTHON, "python3-grpcio is not importable "
                     "(scripts/setup installs it): no gRPC server to test "
                     "against")
class Grpc(lgtest.TempDirCase):
    def run_profile(self, name, text, code=0, gate=False):
        prof = self.write(name + ".yaml", text)
        out = self.path(name + ".json")
        args = ["run", prof, "-q", "--out", out]
        if not gate:
            args.append("--no-gate")
        got, stdout, err = lgtest.run(*args, timeout=120)
        self.assertEqual(got, code, stdout + err)
        return lgtest.load_json(out), stdout + err

    def test_h2c_counts_match_the_server(self):
        with open(self.path("hello.bin"), "wb") as f:
            f.write(HELLO)
        srv = GrpcServer(self.tmp)
        try:
            res, _ = self.run_profile("h2c", profile(
                "http://127.0.0.1:%d" % srv.port,
                "      - grpc: /test.Echo/Echo\n"
                "        message: {file: hello.bin}\n"
                "        metadata: {x-tenant: acme}\n"
                "        timeout: 5s\n"
                "      - grpc: /test.Echo/Flaky\n"
                "        message: {base64: \"%s\"}\n"
                "      - grpc: /test.Echo/Nope\n"
                "      - grpc: /test.Echo/Down\n"
                "        name: GRPC down as expected\n"
                "        expect: {grpc_status: [OK, 14]}\n" % HELLO_B64,
                # defaults.headers go out too (their Content-Type and TE
                # give way to the call's: tests/loader/test_grpc.c)
                extra="defaults: {headers: {Content-Type: text/plain, "
                      "TE: gzip}}\n"))
        finally:
            stats = srv.stop()
        eps = by_name(res)
        echo, flaky = eps["GRPC /test.Echo/Echo"], eps["GRPC /test.Echo/Flaky"]
        nope, down = eps["GRPC /test.Echo/Nope"], eps["GRPC down as expected"]
        self.assertEqual(res["total_requests"], 60)
        # every answer counted once, by its grpc-status
        self.assertEqual(echo["grpc_status"], {"OK": echo["sample_size"]})
        self.assertEqual(echo["errors"], {})
        self.assertEqual(echo["sample_size"], stats["calls"]["Echo"])
        self.assertEqual(flaky["sample_size"], stats["calls"]["Flaky"])
        # every 4th call of Flaky was UNAVAILABLE: a grpc error each
        bad = flaky["sample_size"] // 4
        self.assertGreater(bad, 0)
        self.assertEqual(flaky["grpc_status"],
                         {"OK": flaky["sample_size"] - bad, "UNAVAILABLE": bad})
        self.assertEqual(flaky["errors"], {"grpc": bad})
        self.assertEqual(nope["grpc_status"],
                         {"UNIMPLEMENTED": nope["sample_size"]})
        self.assertEqual(nope["errors"], {"grpc": nope["sample_size"]})
        # UNAVAILABLE expected there: no error
        self.assertEqual(down["grpc_status"],
                         {"UNAVAILABLE": down["sample_size"]})
        self.assertEqual(down["errors"], {})
        self.assertEqual(stats["unavailable"], bad + down["sample_size"])
        for ep in eps.values():
            self.assertEqual(ep["status_codes"], {"200": ep["sample_size"]})
        # the message's bytes from the file and from base64, the metadata,
        # and a deadline only where the step has a timeout
        # (Down's step has no message: an empty one)
        self.assertEqual(set(stats["messages"]), {HELLO.hex(), ""})
        self.assertEqual(stats["tenants"], ["acme"])
        self.assertEqual(stats["with_deadline"], stats["calls"]["Echo"])
        # the whole run's errors: Flaky's and Nope's
        self.assertAlmostEqual(res["summary"]["overall_error_rate"],
                               (bad + nope["sample_size"]) / 60, places=3)

    def test_error_rate_threshold_fails_the_gate(self):
        srv = GrpcServer(self.tmp)
        try:
            res, out = self.run_profile("gate", profile(
                "http://127.0.0.1:%d" % srv.port,
                "      - grpc: /test.Echo/Flaky\n"
                "        message: {base64: \"%s\"}\n" % HELLO_B64,
                load="{users: 2, requests: 40}",
                thresholds="  - error_rate < 5%\n"), code=1, gate=True)
        finally:
            stats = srv.stop()
        flaky = by_name(res)["GRPC /test.Echo/Flaky"]
        self.assertEqual(flaky["errors"], {"grpc": 10})
        self.assertEqual(stats["unavailable"], 10)
        self.assertIn("error_rate", out)

    def test_tls_both_engines(self):
        crt, key = self.path("crt.pem"), self.path("key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", key, "-out", crt, "-days", "1",
                        "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        srv = GrpcServer(self.tmp, tls=(crt, key))
        try:
            for engine in ("fast", "curl"):
                res, _ = self.run_profile("tls-" + engine, profile(
                    "{url: https://127.0.0.1:%d, ca_file: crt.pem}" % srv.port,
                    "      - grpc: /test.Echo/Flaky\n"
                    "        message: {base64: \"%s\"}\n" % HELLO_B64,
                    extra="engine: %s\n" % engine,
                    load="{users: 2, requests: 20}"))
                flaky = by_name(res)["GRPC /test.Echo/Flaky"]
                self.assertEqual(flaky["sample_size"], 20, engine)
                self.assertEqual(flaky["grpc_status"],
                                 {"OK": 15, "UNAVAILABLE": 5}, engine)
                self.assertEqual(flaky["errors"], {"grpc": 5}, engine)
        finally:
            stats = srv.stop()
        self.assertEqual(stats["calls"]["Flaky"], 40)

    @unittest.skipUnless(os.path.exists(lgtest.NGINX),
                         "nginx is not installed (scripts/setup installs it)")
    def test_http_auto_without_h2_cannot_run(self):
        # an https server that offers HTTP/1.1 only: http: auto falls back,
        # and gRPC cannot go over HTTP/1.1 (exit 3, could not run)
        ports = {"tls": lgtest.free_port(), "plain": lgtest.free_port()}
        nginx = lgtest.Nginx("""
    ssl_certificate %%(cert)s;
    ssl_certificate_key %%(key)s;
    server {
        listen 127.0.0.1:%(tls)d ssl;
        listen 127.0.0.1:%(plain)d;
        location / { return 200 "ok\\n"; }
    }""" % ports, "http://127.0.0.1:%d/" % ports["plain"])
        try:
            with open(nginx.cert) as src, open(self.path("ca.pem"), "w") as f:
                f.write(src.read())
            prof = self.write("auto.yaml", profile(
                "{url: https://127.0.0.1:%d, ca_file: ca.pem}" % ports["tls"],
                "      - grpc: /test.Echo/Echo\n",
                load="{users: 1, requests: 1}").replace("http: 2",
                                                        "http: auto"))
            got, _, err = lgtest.run("run", prof, "-q", "--no-gate", "--out",
                                     self.path("auto.json"), timeout=60)
        finally:
            nginx.stop()
        self.assertEqual(got, 3, err)
        self.assertIn("did not offer h2", err)

    def test_grpc_without_http2_is_a_profile_error(self):
        prof = self.write("h1.yaml", profile(
            "http://127.0.0.1:1", "      - grpc: /test.Echo/Echo\n").replace(
                "http: 2\n", ""))
        got, _, err = lgtest.run("validate", prof)
        self.assertEqual(got, 2, err)
        self.assertIn("h1.yaml:6:", err)
        self.assertIn("grpc: needs HTTP/2", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
