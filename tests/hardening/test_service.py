"""The baseline service (`loadgate serve`) against hostile clients: many
idle connections from one address, request heads that never end, kept-alive
connections left idle, and bodies over the size limit, chunked or with a
declared length. Raw sockets: the point is to send what a well-behaved
client never would."""
import json
import os
import re
import resource
import select
import signal
import socket
import subprocess
import time
import unittest

import hlib

# The service's limits, as README.md and SECURITY.md state them.
HEAD_TIMEOUT_S = 5
PER_CLIENT = 32
MAX_BODY = 16 * 1024 * 1024
INFO = b"GET /api/load-test/info HTTP/1.1\r\nHost: 127.0.0.1\r\n"


class Service:
    """`loadgate serve` on 127.0.0.1 and an ephemeral port, over store."""

    def __init__(self, store, token=None):
        env = dict(os.environ)
        env.pop("LOADGATE_TOKEN", None)
        if token:
            env["LOADGATE_TOKEN"] = token
        self.proc = subprocess.Popen(
            [hlib.LOADGATE, "serve", "--store", store, "--listen",
             "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, start_new_session=True)
        line = self.proc.stdout.readline()
        m = re.search(r"port (\d+)", line)
        if m is None:
            self.proc.kill()
            raise AssertionError("serve did not start: %r %s" %
                                 (line, self.proc.communicate()[1]))
        self.port = int(m.group(1))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.communicate()
            raise AssertionError("serve did not stop on SIGTERM")
        return self.proc.returncode, err


def connect(port, source="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s


def read_answer(s, timeout=10):
    """(status, {lower-case header: value}, body) of one answer on s;
    status 0 when the connection ended before a whole head."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return 0, {}, data
            data += chunk
    except ConnectionResetError:
        return 0, {}, data
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    while len(body) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def readable(s, timeout):
    """select() without its limit of 1024 descriptors."""
    p = select.poll()
    p.register(s, select.POLLIN)
    return bool(p.poll(timeout * 1000))


def is_closed(s, timeout):
    """True when the peer closed s (EOF or reset) within timeout."""
    if not readable(s, timeout):
        return False
    try:
        return s.recv(65536, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def upload(s, head, body_pieces):
    """Sends head, then body_pieces as long as the server does not answer
    (a client that reads while it sends, as libcurl does); returns how
    many bytes of body were sent."""
    s.sendall(head)
    sent = 0
    for piece in body_pieces:
        if readable(s, 0):
            break  # an answer before the end of the body
        try:
            s.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(piece)
    return sent


def chunked(total, size=65536):
    block = b"x" * size
    while total > 0:
        n = min(size, total)
        yield b"%x\r\n" % n + block[:n] + b"\r\n"
        total -= n
    yield b"0\r\n\r\n"


def plain(total, size=65536):
    block = b"x" * size
    while total > 0:
        n = min(size, total)
        yield block[:n]
        total -= n


class ServiceHostileClients(hlib.Case):
    def setUp(self):
        super().setUp()
        self.srv = Service(self.path("store"))

    def tearDown(self):
        code, err = self.srv.stop()
        self.assertEqual(code, 0, err)
        super().tearDown()

    def assert_error_json(self, body, fragment):
        try:
            doc = json.loads(body)
        except ValueError:
            self.fail("not JSON: %r" % body[:200])
        self.assertIn(fragment, doc.get("error", ""), doc)

    def get_info(self):
        """Seconds it took to get a 200 for /info on a new connection."""
        t0 = time.monotonic()
        with connect(self.srv.port) as s:
            s.sendall(INFO + b"\r\n")
            status, _, body = read_answer(s, timeout=10)
        self.assertEqual(status, 200, body)
        return time.monotonic() - t0

    def test_idle_connections_from_one_address_leave_others_served(self):
        """1200 connections from 127.0.0.2 that send nothing or half a
        request head (more than libmicrohttpd's default limit of 1020,
        which they once filled, keeping everyone else waiting 30 s): the
        service keeps PER_CLIENT of them and answers 127.0.0.1 at once."""
        n = 1200
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < n + 100:
            self.skipTest("hard file limit %d too low" % hard)
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.2", 0))
        except OSError as e:
            self.skipTest("cannot bind 127.0.0.2: %s" % e)
        if soft != resource.RLIM_INFINITY and soft < n + 100:
            resource.setrlimit(resource.RLIMIT_NOFILE, (n + 100, hard))
        held = []
        try:
            for i in range(n):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                held.append(s)
                s.bind(("127.0.0.2", 0))
                s.settimeout(2)
                try:
                    s.connect(("127.0.0.1", self.srv.port))
                    if i % 2:
                        s.sendall(INFO)  # no empty line: never complete
                except OSError:
                    pass  # refused or closed: the service's choice
            for _ in range(3):
                took = self.get_info()
                self.assertLess(took, 1.0, "a client waited behind idle "
                                "connections of another address")
            # the service closed all but PER_CLIENT of them
            deadline = time.monotonic() + 3
            open_ = list(held)
            while time.monotonic() < deadline:
                open_ = [s for s in open_ if not is_closed(s, 0)]
                if len(open_) <= PER_CLIENT:
                    break
                time.sleep(0.1)
            self.assertLessEqual(len(open_), PER_CLIENT)
            self.assertGreater(len(open_), 0, "no connection kept at all")
            self.get_info()
        finally:
            for s in held:
                s.close()
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    def test_idle_connections_are_closed_after_the_head_timeout(self):
        """Silent, half a head, and kept alive after an answer: closed
        after HEAD_TIMEOUT_S; a request whose head is in waits longer for
        its body."""
        port = self.srv.port
        started = {}
        silent = connect(port)
        started[silent] = time.monotonic()
        half = connect(port)
        half.sendall(INFO)
        started[half] = time.monotonic()
        kept = connect(port)
        kept.sendall(INFO + b"\r\n")
        status, headers, _ = read_answer(kept)
        self.assertEqual(status, 200)
        self.assertNotEqual(headers.get("connection", "").lower(), "close")
        started[kept] = time.monotonic()
        body_due = connect(port)
        body_due.sendall(b"POST /api/load-test/baseline HTTP/1.1\r\n"
                         b"Host: 127.0.0.1\r\nContent-Length: 2\r\n\r\n")
        names = {silent: "silent", half: "half a head", kept: "kept alive",
                 body_due: "body due"}
        closed = {}
        t0 = time.monotonic()
        try:
            while time.monotonic() < t0 + HEAD_TIMEOUT_S + 2.5:
                for s in [s for s in names if s not in closed]:
                    if is_closed(s, 0):
                        closed[s] = time.monotonic()
                time.sleep(0.05)
            for s in (silent, half, kept):
                self.assertTrue(s in closed, "%s: still open after %.1f s" %
                                (names[s], time.monotonic() - started[s]))
                idle = closed[s] - started[s]
                self.assertGreater(idle, HEAD_TIMEOUT_S - 0.5, names[s])
                self.assertLess(idle, HEAD_TIMEOUT_S + 2.5, names[s])
            self.assertFalse(body_due in closed, "closed while its body "
                             "was due")
            body_due.sendall(b"{}")
            status, _, body = read_answer(body_due)
            self.assertEqual(status, 400, body)
            self.assert_error_json(body, "baseline_name")
        finally:
            for s in names:
                s.close()

    def test_bodies_over_the_limit_get_413(self):
        """Chunked bodies over the limit were dropped without an answer
        once; declared lengths over it were refused with 413 already."""
        post = (b"POST /api/load-test/baseline HTTP/1.1\r\n"
                b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n")
        cases = {
            "chunked, a little over": (
                post + b"Transfer-Encoding: chunked\r\n\r\n",
                chunked(MAX_BODY + 65536), True),
            "chunked, far over": (
                post + b"Transfer-Encoding: chunked\r\n\r\n",
                chunked(MAX_BODY + 8 * 1024 * 1024), True),
            "length, a little over": (
                post + b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 1),
                plain(MAX_BODY + 1), False),
            "length, far over": (
                post + b"Content-Length: %d\r\n\r\n" % (3 * MAX_BODY),
                plain(3 * MAX_BODY), True),
        }
        for name, (head, body, closes) in cases.items():
            with self.subTest(name):
                with connect(self.srv.port) as s:
                    upload(s, head, body)
                    status, headers, answer = read_answer(s)
                    self.assertEqual(status, 413, answer)
                    self.assertEqual(headers.get("content-type"),
                                     "application/json")
                    self.assert_error_json(
                        answer, "over the limit of %d bytes" % MAX_BODY)
                    if closes:
                        self.assertTrue(is_closed(s, 5), "left open")
        self.get_info()

    def test_nul_in_a_path_does_not_end_a_name(self):
        """'%00' once ended the name: fine%00x was looked up as 'fine'."""
        with connect(self.srv.port) as s:
            s.sendall(b"GET /api/load-test/baselines/fine%00x HTTP/1.1\r\n"
                      b"Host: 127.0.0.1\r\n\r\n")
            status, _, body = read_answer(s)
        self.assertEqual(status, 400, body)
        self.assert_error_json(body, "invalid baseline name 'fine%00x'")


class ServiceWithToken(hlib.Case):
    def test_chunked_push_without_the_token_gets_401(self):
        """Refused on its head, a chunked body is answered at once too
        (it was read up to the limit and then dropped without a word)."""
        srv = Service(self.path("store"), token="t0ken-for-tests")
        try:
            with connect(srv.port) as s:
                upload(s, b"POST /api/load-test/baseline HTTP/1.1\r\n"
                       b"Host: 127.0.0.1\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n",
                       chunked(MAX_BODY + 4 * 1024 * 1024))
                status, headers, answer = read_answer(s)
                self.assertEqual(status, 401, answer)
                self.assertIn("Bearer", headers.get("www-authenticate", ""))
                self.assertIn("error", json.loads(answer))
                self.assertTrue(is_closed(s, 5), "left open")
        finally:
            code, err = srv.stop()
        self.assertEqual(code, 0, err)


if __name__ == "__main__":
    unittest.main()
