#!/usr/bin/env python3
"""A tiny upstream for tests/checks/targets.sh, on 127.0.0.1 only.

    status-stub.py PORT DIR

GET /status/NNN answers status NNN with the body "stub NNN\\n" (an app answering an error
itself); any other path is served from DIR as a plain file server (Traefik's pages
service). Stopped by its pid.
"""
import http.server
import os
import sys

PORT, ROOT = int(sys.argv[1]), os.path.abspath(sys.argv[2])


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, *a, **kw):
        super().__init__(*a, directory=ROOT, **kw)

    def do_GET(self):
        parts = self.path.split("?")[0].split("/")
        if len(parts) == 3 and parts[1] == "status" and parts[2].isdigit():
            code = int(parts[2])
            body = f"stub {code}\n".encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *a):
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hangs up early is not the test's business


Server(("127.0.0.1", PORT), Handler).serve_forever()
