#!/usr/bin/env python3
"""A reverse proxy on 127.0.0.1 that injects faults, for the mirror tests and benchmarks.

--rules is a ';'-separated list of KIND:REGEX:COUNT[:ARG]. A rule applies to the next
COUNT requests whose path matches REGEX (COUNT 0 = every one), first rule first:
  drop      send half the body, then close the connection (a dropped link)
  truncate  declare the full length, send half, close (a torn response)
  corrupt   flip one byte in the middle of the body
  status    answer with HTTP ARG (default 503) and no body from upstream
  slow      wait ARG seconds (default 2) before answering
  trickle   send the body in 1 KiB pieces, ARG seconds apart
  drip      send the body at ARG bytes per second (default 3: a slowloris upstream),
            one piece every 1/ARG s; stops when the client hangs up
  norange   drop the Range and If-Range headers (a server that ignores Range)
  long      send ARG (default 4096) more bytes than the file has
--delay MS adds latency to every request (a slow link for benchmarks).
Each fault is logged as one line "KIND PATH" to --log.
"""
import argparse
import http.client
import re
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}


class Rules:
    def __init__(self, text):
        self.rules = []
        self.lock = threading.Lock()
        for item in filter(None, (t.strip() for t in (text or "").split(";"))):
            parts = item.split(":")
            kind, regex, count = parts[0], re.compile(parts[1]), int(parts[2])
            arg = parts[3] if len(parts) > 3 else None
            self.rules.append({"kind": kind, "re": regex, "left": count if count > 0 else -1, "arg": arg})

    def take(self, path):
        with self.lock:
            for r in self.rules:
                if r["left"] != 0 and r["re"].search(path):
                    if r["left"] > 0:
                        r["left"] -= 1
                    return r["kind"], r["arg"]
        return None, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else delayed ACKs add ~40 ms to every response

    def log_message(self, *args):
        pass

    def log_fault(self, kind):
        with self.server.log_lock:
            with open(self.server.log, "a") as f:
                f.write(f"{kind} {self.path}\n")

    def upstream(self):
        conn = getattr(self.server.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.server.local.conn = conn
        return conn

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head=False):
        if self.server.delay:
            time.sleep(self.server.delay)
        kind, arg = self.server.rules.take(self.path)
        if kind:
            self.log_fault(kind)
        if kind == "slow":
            time.sleep(float(arg or 2))
        if kind == "status":
            code = int(arg or 503)
            body = b"fault injected\n"
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "host"}
        if kind == "norange":
            headers = {k: v for k, v in headers.items() if k.lower() not in ("range", "if-range")}
        for attempt in range(2):
            try:
                conn = self.upstream()
                conn.request("HEAD" if head else "GET", self.path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                break
            except (ConnectionError, http.client.HTTPException, OSError):
                self.server.local.conn = None
                if attempt:
                    raise
        if kind == "corrupt" and body:
            i = len(body) // 2
            body = body[:i] + bytes([body[i] ^ 0xFF]) + body[i + 1:]
        if kind == "long":
            body = body + b"X" * int(arg or 4096)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() in HOP or k.lower() == "content-length":
                continue
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        if kind in ("drop", "truncate"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if kind == "trickle":
            for i in range(0, len(body), 1024):
                self.wfile.write(body[i:i + 1024])
                self.wfile.flush()
                time.sleep(float(arg or 0.5))
            return
        if kind == "drip":
            per_second = max(1, int(arg or 3))
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(1.0 / per_second)
            except OSError:
                self.close_connection = True
            return
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up (a killed sync) are part of the tests


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--upstream", type=int, required=True)
    p.add_argument("--rules", default="")
    p.add_argument("--delay", type=float, default=0.0, help="milliseconds added to every request")
    p.add_argument("--log", default="/dev/null")
    a = p.parse_args()
    srv = Server(("127.0.0.1", a.listen), Handler)
    srv.upstream_port = a.upstream
    srv.rules = Rules(a.rules)
    srv.delay = a.delay / 1000.0
    srv.log = a.log
    srv.log_lock = threading.Lock()
    srv.local = threading.local()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
