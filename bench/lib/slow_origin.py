#!/usr/bin/env python3
"""bench/lib/slow_origin.py PORT DELAY_MS: a tiny origin for bench/run's cold-key case.

GET /cold/ANYTHING sleeps DELAY_MS, then answers 200 with 4096 bytes of JSON and
`Cache-Control: public, max-age=3600`, and counts the request by path (query ignored).
GET /__count?path=/cold/X answers the number of requests seen for that path (as text).
Threaded (one thread per connection), HTTP/1.1 keep-alive, no access log. Loopback only.
"""
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

PORT = int(sys.argv[1])
DELAY = int(sys.argv[2]) / 1000.0
BODY = (b'{"cold":true,"pad":"' + b"x" * (4096 - 22) + b'"}')
assert len(BODY) == 4096
counts = {}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path == "/__count":
            path = parse_qs(parts.query).get("path", [""])[0]
            with lock:
                body = str(counts.get(path, 0)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            return
        with lock:
            counts[parts.path] = counts.get(parts.path, 0) + 1
        time.sleep(DELAY)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.send_header("Cache-Control", "public, max-age=3600")
        self.end_headers()
        self.wfile.write(BODY)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


Server(("127.0.0.1", PORT), Handler).serve_forever()
