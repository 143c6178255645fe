"""A small HTTP/2 server (h2c by prior knowledge, 127.0.0.1 only) built on
python3-h2, for the tests of loadgate's HTTP/2 path: it answers on the
paths below and misbehaves on demand.

    h2server.py PORTFILE STATSFILE [OPTIONS-JSON]

Writes its port into PORTFILE once listening; on SIGTERM writes what it saw
into STATSFILE (requests answered, connections, streams refused, the most
streams open at once, request body lengths, limits the client broke) and
exits.  It exits by itself after "lifetime" seconds (default 120).

Options: max_streams (SETTINGS_MAX_CONCURRENT_STREAMS, enforced: a stream
beyond it is refused with REFUSED_STREAM, as before the client has seen
the setting), delay_ms (each answer waits that long), goaway_every (after
that many answers on a connection: GOAWAY with the last answered stream,
later streams left unanswered, the connection closed once the rest is
answered), refuse_every (every Nth request the server receives is refused
with REFUSED_STREAM, each path at most once: give requests distinct paths).

Paths: /reset (RST_STREAM INTERNAL_ERROR), /bad (a response header with
an upper-case name: a malformed response), /proto (a DATA frame on stream
0: a connection error), /goaway (GOAWAY naming this stream as the last,
then the connection closes without an answer), /big (1 MiB ending in
"END"), /echo (the request body's length), anything else 200 "ok" with
x-token: abc.
"""
import heapq
import json
import selectors
import signal
import socket
import sys
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

OPTS = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
MAX_STREAMS = OPTS.get("max_streams")
DELAY = OPTS.get("delay_ms", 0) / 1000.0
GOAWAY_EVERY = OPTS.get("goaway_every", 0)
REFUSE_EVERY = OPTS.get("refuse_every", 0)
LIFETIME = OPTS.get("lifetime", 120)

stats = {"requests": 0, "connections": 0, "refused": 0, "max_open": 0,
         "violations": 0, "body_lengths": [], "paths": {}}
sel = selectors.DefaultSelector()
timers = []  # (due, seq, conn, stream_id)
seq = 0
stopping = False
received = [0]
refused_paths = set()


class Conn:
    def __init__(self, sock):
        self.sock = sock
        cfg = h2.config.H2Configuration(client_side=False,
                                        header_encoding="utf-8",
                                        validate_outbound_headers=False,
                                        normalize_outbound_headers=False)
        self.h2 = h2.connection.H2Connection(config=cfg)
        self.h2.initiate_connection()
        if MAX_STREAMS:
            self.h2.update_settings(
                {h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_STREAMS})
        self.open = set()        # streams being answered
        self.reqs = {}           # stream -> [method, path, body length]
        self.pending = {}        # stream -> body bytes still to send
        self.served = 0
        self.goaway_last = None  # set once GOAWAY went out
        self.closed = False
        self.flush()

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            try:
                self.sock.sendall(data)
            except OSError:
                self.close()

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                sel.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.sock.close()

    def done_with(self, sid):
        self.open.discard(sid)
        self.pending.pop(sid, None)
        if (self.goaway_last is not None and
                not any(s <= self.goaway_last for s in self.open)):
            self.flush()
            self.close()

    def on_readable(self):
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.close()
            return
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError:
            stats["violations"] += 1
            self.flush()
            self.close()
            return
        for ev in events:
            self.on_event(ev)
        self.flush()

    def on_event(self, ev):
        global seq
        if isinstance(ev, h2.events.RequestReceived):
            hdr = dict(ev.headers)
            sid = ev.stream_id
            if self.goaway_last is not None and sid > self.goaway_last:
                return  # not processed: the client sends it again
            received[0] += 1
            path = hdr.get(":path")
            if ((MAX_STREAMS and len(self.open) >= MAX_STREAMS) or
                    (REFUSE_EVERY and received[0] % REFUSE_EVERY == 0 and
                     path not in refused_paths)):
                # the same path is refused once: its retry goes through
                refused_paths.add(path)
                stats["refused"] += 1
                self.h2.reset_stream(sid, h2.errors.ErrorCodes.REFUSED_STREAM)
                return
            self.open.add(sid)
            stats["max_open"] = max(stats["max_open"], len(self.open))
            self.reqs[sid] = [hdr.get(":method"), hdr.get(":path"), 0]
        elif isinstance(ev, h2.events.DataReceived):
            if ev.stream_id in self.reqs:
                self.reqs[ev.stream_id][2] += len(ev.data)
            self.h2.acknowledge_received_data(ev.flow_controlled_length,
                                              ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            if ev.stream_id in self.open:
                seq += 1
                heapq.heappush(timers, (time.monotonic() + DELAY, seq, self,
                                        ev.stream_id))
        elif isinstance(ev, h2.events.StreamReset):
            self.done_with(ev.stream_id)
        elif isinstance(ev, h2.events.WindowUpdated):
            for sid in list(self.pending):
                self.send_body(sid)

    def send_body(self, sid):
        body = self.pending.get(sid)
        if body is None:
            return
        while body:
            n = min(len(body), self.h2.local_flow_control_window(sid),
                    self.h2.max_outbound_frame_size)
            if n <= 0:
                self.pending[sid] = body
                return
            self.h2.send_data(sid, body[:n], end_stream=(n == len(body)))
            body = body[n:]
        self.answered(sid)

    def answered(self, sid):
        stats["requests"] += 1
        self.served += 1
        if (GOAWAY_EVERY and self.goaway_last is None and
                self.served % GOAWAY_EVERY == 0):
            self.goaway_last = sid
            self.h2.close_connection(last_stream_id=sid)
        self.done_with(sid)

    def respond(self, sid):
        if self.closed or sid not in self.open:
            return
        method, path, blen = self.reqs.pop(sid)
        stats["paths"][path] = stats["paths"].get(path, 0) + 1
        if method == "POST":
            stats["body_lengths"].append(blen)
        if path == "/reset":
            self.h2.reset_stream(sid, h2.errors.ErrorCodes.INTERNAL_ERROR)
            self.done_with(sid)
        elif path == "/bad":
            self.h2.send_headers(sid, [(":status", "200"), ("X-Upper", "1")],
                                 end_stream=True)
            self.answered(sid)
        elif path == "/proto":
            self.flush()
            try:  # DATA on stream 0: a connection error
                self.sock.sendall(b"\x00\x00\x01\x00\x00\x00\x00\x00\x00x")
            except OSError:
                pass
            self.done_with(sid)
        elif path == "/goaway":
            self.h2.close_connection(last_stream_id=sid)
            self.flush()
            self.close()
        else:
            if path == "/big":
                body = b"x" * (1 << 20)
                body = body[:-3] + b"END"
            elif path == "/echo":
                body = str(blen).encode()
            elif path == "/sse":  # three events and the end, in one DATA
                body = b"data: a\n\ndata: b\n\ndata: c\n\ndata: [DONE]\n\n"
            else:
                body = b"ok"
            self.h2.send_headers(sid, [(":status", "200"),
                                       ("content-length", str(len(body))),
                                       ("x-token", "abc")])
            self.pending[sid] = body
            self.send_body(sid)
        self.flush()


def on_term(*_):
    global stopping
    stopping = True


def main():
    signal.signal(signal.SIGTERM, on_term)
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(512)
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, None)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(lsock.getsockname()[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    end = time.monotonic() + LIFETIME
    while not stopping and time.monotonic() < end:
        wait = 0.1
        if timers:
            wait = max(0.0, min(wait, timers[0][0] - time.monotonic()))
        for key, _ in sel.select(wait):
            if key.data is None:
                try:
                    s, _ = lsock.accept()
                except OSError:
                    continue
                s.setblocking(True)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                stats["connections"] += 1
                c = Conn(s)
                sel.register(s, selectors.EVENT_READ, c)
            else:
                key.data.on_readable()
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            _, _, c, sid = heapq.heappop(timers)
            c.respond(sid)
    with open(sys.argv[2], "w") as f:
        json.dump(stats, f)


if __name__ == "__main__":
    main()
