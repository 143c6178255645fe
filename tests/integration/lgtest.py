"""Shared helpers for the integration tests: run the real loadgate binary,
start the bundled demo service or a private nginx on a free loopback port,
validate JUnit."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

LOADGATE = os.environ.get("LOADGATE", "build/loadgate")
SOURCE = os.environ.get("LOADGATE_SOURCE_DIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMAS = os.environ.get("LOADGATE_SCHEMA_DIR",
                         os.path.join(SOURCE, "tests", "schemas"))

# The demo service's routes and typical latencies (demo/src), in ms.
DEMO_BASE_MS = {
    "GET /api/health": 10,
    "POST /api/agents/register": 20,
    "GET /api/agents": 25,
    "POST /api/agents/{id}/query": 50,
    "POST /api/agents/{id}/nl-query": 120,
    "GET /api/cost/dashboard": 40,
    "GET /api/failover/stats": 15,
    "POST /graphql": 35,
    # a stream: 150 ms to the first token, then 15 gaps of 20 ms
    "POST /api/agents/{id}/query/stream": 450,
}


def run(*args, env=None, timeout=300, cwd=None):
    """Runs loadgate with args; returns (exit code, stdout, stderr)."""
    e = dict(os.environ)
    e.pop("GITHUB_ACTIONS", None)
    e.pop("GITHUB_STEP_SUMMARY", None)
    if env:
        e.update(env)
    p = subprocess.run([LOADGATE, *args], capture_output=True, text=True,
                       env=e, timeout=timeout, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def wait_http(url, proc=None, seconds=20, ok=None):
    """Waits until url answers 2xx (and ok(body), when given) while proc,
    if any, runs; returns the body, or None when proc exited or the
    seconds passed."""
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                body = r.read()
            if ok is None or ok(body):
                return body
        except OSError:
            pass
        if time.time() > deadline or (proc is not None and
                                      proc.poll() is not None):
            return None
        time.sleep(0.1)


def python_with(module):
    """An interpreter that can import module (Debian's python3 once its
    package is installed; a virtualenv's may not have it), or None."""
    for exe in (sys.executable, "/usr/bin/python3"):
        if exe and os.path.exists(exe) and subprocess.run(
                [exe, "-c", "import " + module],
                capture_output=True).returncode == 0:
            return exe
    return None


def stop_process(proc, timeout=10):
    """SIGTERM, then SIGKILL after timeout seconds; closes its pipes."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe:
            pipe.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DemoServer:
    """`loadgate demo --serve PORT` in the background, for the test's
    lifetime."""

    def __init__(self, *extra):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = subprocess.Popen(
            [LOADGATE, "demo", "--serve", str(self.port), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if wait_http(self.url + "/api/health", self.proc, 20) is not None:
            return
        if self.proc.poll() is not None:
            raise RuntimeError("demo --serve exited: " +
                               self.proc.stderr.read())
        self.stop()
        raise RuntimeError("demo --serve did not answer in 20 s")

    def stop(self):
        stop_process(self.proc)
        return self.proc.returncode


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """A private nginx on loopback (one worker, in a temporary folder, with
    a self-signed certificate for 127.0.0.1 in .cert and .key): http is the
    inside of its http {} block, formatted with d (the folder), cert and
    key; it is up once probe_url answers."""

    def __init__(self, http, probe_url):
        self._dir = tempfile.TemporaryDirectory(prefix="loadgate-nginx-")
        d = self.dir = self._dir.name
        self.cert = os.path.join(d, "crt.pem")
        self.key = os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", self.key, "-out", self.cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        os.mkdir(os.path.join(d, "logs"))
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write("""daemon off;
worker_processes 1;
worker_rlimit_nofile 8192;
pid %(d)s/nginx.pid;
error_log %(d)s/logs/error.log;
events { worker_connections 4096; }
http {
    keepalive_requests 100000;
    client_body_temp_path %(d)s;
    proxy_temp_path %(d)s;
    fastcgi_temp_path %(d)s;
    uwsgi_temp_path %(d)s;
    scgi_temp_path %(d)s;
%(http)s
}
""" % {"d": d, "http": http % {"d": d, "cert": self.cert, "key": self.key}})
        self.proc = subprocess.Popen(
            [NGINX, "-p", d, "-c", os.path.join(d, "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if wait_http(probe_url, self.proc, 20) is None:
            self.proc.kill()
            err = self.proc.stderr.read().decode(errors="replace")
            self._dir.cleanup()
            raise RuntimeError("nginx did not start: " + err)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stderr.close()
        self._dir.cleanup()


def validate_junit(testcase, path):
    """Asserts that path is valid against both JUnit schemas."""
    for xsd in ("JUnit.xsd", "junit-10.xsd"):
        p = subprocess.run(["xmllint", "--noout", "--schema",
                            os.path.join(SCHEMAS, xsd), path],
                           capture_output=True, text=True)
        testcase.assertEqual(p.returncode, 0,
                             "%s invalid against %s:\n%s" %
                             (path, xsd, p.stderr))


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def endpoint(results, name):
    """The metrics[] entry of results whose "METHOD path" is name."""
    for m in results["metrics"]:
        if "%s %s" % (m["method"], m["endpoint"]) == name:
            return m
    raise KeyError("no endpoint %r in %s" % (
        name, ["%s %s" % (m["method"], m["endpoint"])
               for m in results["metrics"]]))


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="loadgate-it-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return p


class DemoCase(TempDirCase):
    """A TempDirCase with one DemoServer for the whole class: cls.demo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo = DemoServer()

    @classmethod
    def tearDownClass(cls):
        cls.demo.stop()
        super().tearDownClass()
