"""A small gRPC server (python3-grpcio, 127.0.0.1 only) for the tests of
loadgate's grpc: steps.  No protoc: one generic handler with raw bytes
(no serializers), so a request message is whatever bytes came.

    grpcserver.py PORTFILE STATSFILE [CERT KEY]

Cleartext (h2c) without CERT and KEY, TLS (ALPN h2) with them.  Writes its
port into PORTFILE once listening; on SIGTERM writes what it saw into
STATSFILE and exits; it exits by itself after 120 s.

Methods of service test.Echo:
  Echo   answers the request's bytes;
  Flaky  every 4th call fails with UNAVAILABLE, the others echo;
  Down   always UNAVAILABLE;
  Slow   echoes after 300 ms;
anything else: UNIMPLEMENTED (grpcio's answer for an unknown method).

Stats: calls per method, UNAVAILABLE answers, the request messages (hex)
and x-tenant metadata values seen, and how many calls came with a
deadline (grpc-timeout)."""
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

PORTFILE, STATSFILE = sys.argv[1], sys.argv[2]
TLS = sys.argv[3:5] if len(sys.argv) >= 5 else None

lock = threading.Lock()
stats = {"calls": {}, "unavailable": 0, "messages": [], "tenants": [],
         "with_deadline": 0}


def seen(method, request, context):
    md = dict(context.invocation_metadata())
    with lock:
        n = stats["calls"].get(method, 0) + 1
        stats["calls"][method] = n
        hexed = request.hex()
        if hexed not in stats["messages"]:
            stats["messages"].append(hexed)
        if md.get("x-tenant") and md["x-tenant"] not in stats["tenants"]:
            stats["tenants"].append(md["x-tenant"])
        # grpcio reports years of time left for a call without one
        left = context.time_remaining()
        if left is not None and left < 3600:
            stats["with_deadline"] += 1
    return n


def unavailable(context):
    with lock:
        stats["unavailable"] += 1
    context.abort(grpc.StatusCode.UNAVAILABLE, "try again later")


def echo(request, context):
    seen("Echo", request, context)
    return request


def flaky(request, context):
    if seen("Flaky", request, context) % 4 == 0:
        unavailable(context)
    return request


def down(request, context):
    seen("Down", request, context)
    unavailable(context)


def slow(request, context):
    seen("Slow", request, context)
    time.sleep(0.3)
    return request


def main():
    handler = grpc.method_handlers_generic_handler("test.Echo", {
        name: grpc.unary_unary_rpc_method_handler(fn)
        for name, fn in (("Echo", echo), ("Flaky", flaky), ("Down", down),
                         ("Slow", slow))})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((handler,))
    if TLS:
        with open(TLS[0], "rb") as f:
            cert = f.read()
        with open(TLS[1], "rb") as f:
            key = f.read()
        port = server.add_secure_port(
            "127.0.0.1:0", grpc.ssl_server_credentials([(key, cert)]))
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    done = threading.Event()

    def stop(*_):
        done.set()

    signal.signal(signal.SIGTERM, stop)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    done.wait(120)
    server.stop(0)
    with lock, open(STATSFILE, "w") as f:
        json.dump(stats, f)


if __name__ == "__main__":
    main()
