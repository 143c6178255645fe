"""Misbehaving HTTP servers on loopback, for the hardening tests.

Each server is a thread around a listening socket that answers every
connection the same hostile way (its `mode`).  Plain sockets, no
http.server: the point is to send what a well-behaved server never would.
"""
import os
import socket
import ssl
import subprocess
import threading
import time

OK_BODY = b'{"ok":true}'


def _read_request(conn):
    """Reads one request head (and a Content-Length body); b"" on EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v.strip())
            while len(rest) < n:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                rest += chunk
    return head


def _response(status=b"200 OK", body=OK_BODY, extra=b""):
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n" + extra +
            b"\r\n" + body)


class HostileServer:
    """Serves `mode` on 127.0.0.1:<ephemeral port> until stop().

    Modes: ok, ok_close (answers, then closes the connection), idle_close
    (keeps a connection alive 0.1 s after each answer, then closes it),
    reset (RST after part of the response), close (close before any
    response), garbage (a status line that is not HTTP), stall
    (never answer), trickle (a byte of body every 0.2 s), big (a 10 MB
    body), big_chunked (10 MB in 64 KiB chunks, no length), short_cl (Content-Length larger than the body, then close),
    long_cl (more body than Content-Length announces), 5xx (503 always),
    echo500 (500 whose body is the request head, secrets included).
    Every mode records the request heads it saw in `heads`.
    """

    def __init__(self, mode, tls_context=None):
        self.mode = mode
        self.heads = []
        self.tls = tls_context
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        # a deep backlog: a dropped SYN is retried after 1 s, then 3 s,
        # and would show up as a loadgate timeout
        self.sock.listen(4096)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        scheme = "https" if tls_context else "http"
        self.url = "%s://127.0.0.1:%d" % (scheme, self.port)
        self._stop = threading.Event()
        self._threads = []
        self._accept = threading.Thread(target=self._loop, daemon=True)
        self._accept.start()

    def _loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            t = threading.Thread(target=self._serve, args=(conn,),
                                 daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, conn):
        try:
            conn.settimeout(30)
            if self.tls:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    return
            self._serve_http(conn)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _serve_http(self, conn):
        m = self.mode
        while not self._stop.is_set():
            head = _read_request(conn)
            if not head:
                return
            self.heads.append(head)
            if m == "ok":
                conn.sendall(_response())
            elif m == "idle_close":
                conn.sendall(_response())
                conn.settimeout(0.1)  # _serve closes it on the timeout
            elif m == "ok_close":
                conn.sendall(_response(extra=b"Connection: close\r\n"))
                return
            elif m == "echo500":
                conn.sendall(_response(b"500 Internal Server Error", head))
            elif m == "5xx":
                conn.sendall(_response(b"503 Service Unavailable",
                                       b'{"error":"overloaded"}'))
            elif m == "close":
                return
            elif m == "reset":
                conn.sendall(_response(body=b"x" * 1000)[:60])
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return
            elif m == "garbage":
                conn.sendall(b"SPLAT 9000 \x01\x02 what\r\n\r\n")
                return
            elif m == "stall":
                self._stop.wait(30)
                return
            elif m == "trickle":
                body = b"y" * 100
                conn.sendall(_response(body=body)[:-len(body)])
                for i in range(len(body)):
                    if self._stop.wait(0.2):
                        return
                    conn.sendall(body[i:i + 1])
            elif m == "big":
                body = b"z" * (10 * 1024 * 1024)
                conn.sendall(_response(body=body))
            elif m == "big_chunked":
                chunk = b"z" * 65536
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain"
                             b"\r\nTransfer-Encoding: chunked\r\n\r\n")
                for _ in range(160):
                    conn.sendall(b"10000\r\n" + chunk + b"\r\n")
                conn.sendall(b"0\r\n\r\n")
            elif m == "short_cl":
                conn.sendall(_response(body=b"abc")
                             .replace(b"Content-Length: 3",
                                      b"Content-Length: 300"))
                return
            elif m == "long_cl":
                conn.sendall(_response(body=b"abcdefghij")
                             .replace(b"Content-Length: 10",
                                      b"Content-Length: 2"))
            else:
                raise ValueError(m)

    def stop(self):
        self._stop.set()
        self._accept.join(5)
        self.sock.close()
        for t in self._threads:
            t.join(5)


def self_signed_context(tmpdir):
    """An ssl server context with a fresh self-signed certificate for
    127.0.0.1 (openssl req), which no client trusts."""
    key = os.path.join(tmpdir, "key.pem")
    crt = os.path.join(tmpdir, "crt.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", crt, "-days", "1",
                    "-subj", "/CN=127.0.0.1"], check=True,
                   capture_output=True, timeout=60)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    return ctx


def refused_port():
    """A loopback port with nothing listening (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
