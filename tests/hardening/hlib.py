"""Shared helpers of the hardening suite: the binary under test (the one
CTest passes in $LOADGATE, so the ASan build is exercised too), runs with
a wall-clock bound and the child's peak memory, output checks."""
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import lgtest  # noqa: E402  (run helpers and JUnit schema validation)
import hostile  # noqa: E402

LOADGATE = lgtest.LOADGATE
validate_junit = lgtest.validate_junit

_as_limit_works = None


def _address_space_limit_works(limit):
    """A sanitizer build reserves terabytes of shadow memory and cannot
    start under RLIMIT_AS; detect that once and fall back on measuring
    the peak RSS only."""
    global _as_limit_works
    if _as_limit_works is None:
        def lim():
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        p = subprocess.run([LOADGATE, "--version"], capture_output=True,
                           preexec_fn=lim)
        _as_limit_works = p.returncode == 0
    return _as_limit_works


class Run:
    """One finished loadgate process: code, stdout, stderr, wall seconds,
    peak RSS in KiB and CPU seconds (the last two when measured)."""

    def __init__(self, code, out, err, wall, maxrss_kib, cpu_s=0.0):
        self.code, self.out, self.err = code, out, err
        self.wall, self.maxrss_kib, self.cpu_s = wall, maxrss_kib, cpu_s

    def __repr__(self):
        return "exit %d after %.1f s, %d KiB peak; stderr:\n%s" % (
            self.code, self.wall, self.maxrss_kib, self.err)


def run(args, timeout=60, env=None, mem_cap=None, cwd=None, nofile=None,
        measure=False):
    """Runs loadgate with args, killed after timeout seconds. mem_cap (in
    bytes) becomes RLIMIT_AS when the build allows it (a sanitizer build
    cannot start under one); nofile sets the soft RLIMIT_NOFILE. Returns a
    Run with the peak RSS of loadgate itself (through launch.py) when
    measure, mem_cap or nofile is given, else 0."""
    e = dict(os.environ)
    for k in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        e.pop(k, None)
    if env:
        e.update(env)
    cap = "-"
    if mem_cap is not None and _address_space_limit_works(mem_cap):
        cap = str(mem_cap)
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe, \
            tempfile.NamedTemporaryFile("r") as rss:
        argv = [LOADGATE, *args]
        if measure or mem_cap is not None or nofile is not None:
            argv = [sys.executable, os.path.join(HERE, "launch.py"),
                    rss.name, cap, "-" if nofile is None else str(nofile),
                    *argv]
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=fo, stderr=fe, env=e, cwd=cwd,
                             start_new_session=True)
        code = _wait(p, timeout)
        wall = time.monotonic() - t0
        fo.seek(0)
        fe.seek(0)
        text = rss.read().split()
        return Run(code, fo.read().decode("utf-8", "replace"),
                   fe.read().decode("utf-8", "replace"), wall,
                   int(text[0]) if text else 0,
                   float(text[1]) if len(text) > 1 else 0.0)


def _wait(p, timeout):
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        # the launcher leads a session of its own: loadgate is in it
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise AssertionError("loadgate did not finish within %s s" %
                             timeout)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def errors_by_class(results):
    """{class: count} summed over every endpoint of a results document."""
    total = {}
    for m in results["metrics"]:
        for k, v in m.get("errors", {}).items():
            total[k] = total.get(k, 0) + v
    return total


def profile(target, duration="2s", users=4, timeout="500ms", extra="",
            step_extra="", engine=None):
    """A small closed-model profile against target."""
    return ("version: 1\ntarget: %s\n%sdefaults:\n  timeout: %s\n"
            "load:\n  users: %d\n  duration: %s\n%s"
            "scenarios:\n  - name: s\n    steps:\n      - get: /x\n%s" %
            (target, "engine: %s\n" % engine if engine else "", timeout,
             users, duration, extra, step_extra))


class Case(lgtest.TempDirCase):
    def assert_valid_json(self, path):
        try:
            return load_json(path)
        except (OSError, ValueError) as e:
            self.fail("%s is not valid JSON: %s" % (path, e))

    def assert_no_temp_files(self, folder):
        left = [n for n in os.listdir(folder)
                if n.startswith(".") or "tmp" in n.lower() or "~" in n]
        self.assertEqual(left, [], "temporary files left in %s" % folder)


class ServerCase(Case):
    """A Case with one HostileServer("ok") for the whole class: cls.srv."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = hostile.HostileServer("ok")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        super().tearDownClass()
