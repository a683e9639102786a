#!/usr/bin/env python3
"""measure-loopback-latency.py - real first-byte latencies of HTTP requests
over the loopback interface, for gilsim's empirical distribution.

A tiny HTTP server runs in a thread on 127.0.0.1 (an ephemeral port).  The
main thread then makes COUNT requests one after the other: each opens a new
TCP connection, sends a small HTTP GET and waits for the first byte of the
response.  The time from just before connect() to the arrival of that byte
(time.perf_counter_ns) is one sample: connection setup, the request, the
server's wake-up and its first write, as a download's first-byte latency
includes them.  Samples are written one per line, in microseconds, after a
header of '#' comments saying what, how, where and when, which is the format
scenario files read with

    latency = { dist = "empirical"; file = "../data/latency/FILE"; unit = "us"; };

Only the standard library is used, and nothing leaves the machine: the
server binds 127.0.0.1 and the client connects only to it.  Every socket
operation has a timeout, so a stuck run ends instead of hanging.

    scripts/measure-loopback-latency.py                     (500 samples to stdout)
    scripts/measure-loopback-latency.py --count 500 \\
        --output data/latency/loopback-first-byte.txt
"""

import argparse
import datetime
import platform
import socket
import sys
import threading
import time

TIMEOUT_S = 5.0
RESPONSE = (b"HTTP/1.1 200 OK\r\n"
            b"Content-Type: text/plain\r\n"
            b"Content-Length: 3\r\n"
            b"Connection: close\r\n"
            b"\r\n"
            b"ok\n")


def serve(listener, stop):
    """Answer each connection's request with RESPONSE, one at a time (the
    client makes one request at a time, so a thread per connection would
    only add noise)."""
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        except OSError:
            return  # the listener was closed
        with conn:
            conn.settimeout(TIMEOUT_S)
            try:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(RESPONSE)
            except OSError:
                pass


def one_request(port, request):
    """First-byte latency of one request, in ns."""
    t0 = time.perf_counter_ns()
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S) as s:
        s.sendall(request)
        first = s.recv(1)
        t1 = time.perf_counter_ns()
        if not first:
            raise RuntimeError("the server closed the connection without answering")
        while s.recv(4096):  # drain the rest so the server can close cleanly
            pass
    return t1 - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=500, help="requests to time (default 500)")
    ap.add_argument("--output", help="file to write (default: standard output)")
    args = ap.parse_args()
    if not 1 <= args.count <= 1000000:
        ap.error("--count: expected an integer from 1 to 1000000")

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)  # so that the server thread notices `stop`
    port = listener.getsockname()[1]
    stop = threading.Event()
    server = threading.Thread(target=serve, args=(listener, stop), daemon=True)
    server.start()

    request = (b"GET /image.jpg HTTP/1.1\r\n"
               b"Host: 127.0.0.1:" + str(port).encode() + b"\r\n"
               b"User-Agent: measure-loopback-latency\r\n"
               b"Connection: close\r\n"
               b"\r\n")
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        samples = [one_request(port, request) for _ in range(args.count)]
    finally:
        stop.set()
        listener.close()
        server.join(timeout=TIMEOUT_S)

    argv = " ".join(["scripts/measure-loopback-latency.py"] + sys.argv[1:])
    lines = [
        "# First-byte latency of HTTP GET requests over loopback (127.0.0.1), measured:",
        "# from just before connect() to the first response byte (time.perf_counter_ns),",
        "# a new TCP connection per request, %d requests one after the other, against a" % args.count,
        "# one-thread Python server on the same host.",
        "# how: %s" % argv,
        "# host: %s (%s %s, Python %s)" % (socket.gethostname(), platform.system(), platform.release(),
                                           platform.python_version()),
        "# date: %s" % started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "# unit: us (one sample per line)",
    ]
    lines += ["%.3f" % (ns / 1000.0) for ns in samples]
    text = "\n".join(lines) + "\n"
    if args.output:
        with open(args.output, "w", encoding="ascii") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
