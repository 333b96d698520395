#!/usr/bin/env python3
"""Fake RKE2 supervisor for edgectl tests. NOT part of RKE2.

serve  --port P --cert C --key K --ca CA --ca-key CAKEY --token-file T --ready-file R
    HTTPS on 0.0.0.0:P with the certificate C (signed by CA). Endpoints:
      GET /cacerts                   the cluster CA PEM, byte for byte (its sha256 is in the token)
      GET /ping                      "pong"
      GET /v1-rke2/server-bootstrap  Basic auth server:<password> -> JSON with the CA cert and key
                                     (a joining server needs them, as with real RKE2)
      GET /v1-rke2/connect           Basic auth node:<password> or server:<password> -> "ok"
      PUT /v1-rke2/token             Basic auth server:<password>, body {"newToken": "..."}: rotate
                                     the server token as RKE2 does (an empty newToken makes a random
                                     one) and rewrite the token file T as K10<ca hash>::server:<new>
    The password is read from the token file on every request, so a rotation takes effect at
    once. R is written once the socket listens.

fetch URL OUT
    GET URL without verifying TLS (as RKE2 does for /cacerts before pinning) and write the body.

auth-get URL USER OUT
    GET URL with Basic auth USER:<password>; the password is read from stdin, never argv.
    Exit 2 on 401/403, 1 on other failures.

auth-put URL USER
    PUT URL with Basic auth USER:<password> and a JSON body; stdin holds the password on its
    first line and the body on the second (secrets never in argv). Exit codes as auth-get.

notify PID STATE
    sd_notify for the fake rke2 (bash cannot send a datagram): send STATE (e.g. READY=1) to
    $NOTIFY_SOCKET with SCM_CREDENTIALS naming PID, the service's main process, as the sender.
    systemd (NotifyAccess=main, the default of Type=notify) accepts a message only from the
    main PID; root may name another process of its own in the credentials, which is what
    `systemd-notify --pid` relies on too. Without $NOTIFY_SOCKET (not under systemd) it does
    nothing.
"""
import base64
import hashlib
import hmac
import secrets
import http.server
import json
import os
import socket
import socketserver
import ssl
import struct
import sys
import urllib.error
import urllib.request


def token_password(path):
    try:
        with open(path, encoding="utf-8") as f:
            token = f.read().strip()
    except OSError:
        return None
    marker = "::server:"
    if token.startswith("K10") and marker in token:
        return token.split(marker, 1)[1]
    return token or None


def serve(args):
    opts = dict(zip(args[::2], args[1::2]))
    port = int(opts["--port"])
    with open(opts["--ca"], "rb") as f:
        ca_pem = f.read()
    with open(opts["--ca-key"], "rb") as f:
        ca_key = f.read()
    token_file = opts["--token-file"]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            sys.stderr.write("fake-supervisor: %s %s\n" % (self.address_string(), fmt % a))

        def reply(self, code, body, ctype="text/plain"):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def authorized(self, users):
            password = token_password(token_file)
            header = self.headers.get("Authorization", "")
            if password is None or not header.startswith("Basic "):
                return False
            try:
                user, _, given = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return False
            return user in users and hmac.compare_digest(given, password)

        def do_GET(self):  # noqa: N802 (http.server API)
            if self.path == "/cacerts":
                self.reply(200, ca_pem)
            elif self.path == "/ping":
                self.reply(200, b"pong")
            elif self.path == "/v1-rke2/server-bootstrap":
                if not self.authorized({"server"}):
                    self.reply(401, b"unauthorized")
                    return
                body = json.dumps({"ca.crt": ca_pem.decode(), "ca.key": ca_key.decode()})
                self.reply(200, body.encode(), "application/json")
            elif self.path == "/v1-rke2/connect":
                if not self.authorized({"server", "node"}):
                    self.reply(401, b"unauthorized")
                    return
                self.reply(200, b"ok")
            else:
                self.reply(404, b"not found")

        def do_PUT(self):  # noqa: N802 (http.server API)
            if self.path != "/v1-rke2/token":
                self.reply(404, b"not found")
                return
            if not self.authorized({"server"}):
                self.reply(401, b"unauthorized")
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self.reply(400, b"bad request body")
                return
            new = request.get("newToken") or ""
            ca_hash = hashlib.sha256(ca_pem).hexdigest()
            if new.startswith("K10") and "::" in new:
                if new[3:].split("::", 1)[0] != ca_hash:
                    self.reply(400, b"the new token's CA hash does not match this cluster")
                    return
                new = new.split("::", 1)[1].split(":", 1)[-1]
            if not new:
                new = secrets.token_hex(16)
            if any(c.isspace() for c in new):
                self.reply(400, b"the new token must not contain whitespace")
                return
            tmp = token_file + ".rotate"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write("K10%s::server:%s\n" % (ca_hash, new))
            os.replace(tmp, token_file)
            self.reply(200, b"")

    class Server(http.server.ThreadingHTTPServer):
        def server_bind(self):
            # HTTPServer.server_bind resolves the host name (getfqdn), which waits for DNS
            # timeouts on a simulated host with a route but no resolver.
            socketserver.TCPServer.server_bind(self)
            self.server_name = "fake-rke2"
            self.server_port = self.server_address[1]

    httpd = Server(("0.0.0.0", port), Handler)
    httpd.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(opts["--cert"], opts["--key"])
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    with open(opts["--ready-file"], "w", encoding="utf-8") as f:
        f.write("%d\n" % os.getpid())
    httpd.serve_forever()


def insecure_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def fetch(url, out, headers=None, method="GET", data=None):
    req = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(req, context=insecure_context(), timeout=3) as resp:
            body = resp.read()
    except urllib.error.HTTPError as e:
        sys.stderr.write("fake-supervisor: %s: HTTP %d\n" % (url, e.code))
        return 2 if e.code in (401, 403) else 1
    except (urllib.error.URLError, OSError, socket.timeout) as e:
        sys.stderr.write("fake-supervisor: %s: %s\n" % (url, e))
        return 1
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(body)
    return 0


def notify(pid, state):
    path = os.environ.get("NOTIFY_SOCKET", "")
    if not path:
        return 0
    if path.startswith("@"):
        path = "\0" + path[1:]
    creds = struct.pack("3i", pid, os.getuid(), os.getgid())
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(path)
        sock.sendmsg([state.encode()], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, creds)])
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "notify":
        return notify(int(argv[2]), argv[3])
    if len(argv) >= 2 and argv[1] == "serve":
        serve(argv[2:])
        return 0
    if len(argv) == 4 and argv[1] == "fetch":
        return fetch(argv[2], argv[3])
    if len(argv) == 5 and argv[1] == "auth-get":
        password = sys.stdin.read().strip()
        cred = base64.b64encode(("%s:%s" % (argv[3], password)).encode()).decode()
        return fetch(argv[2], argv[4], {"Authorization": "Basic " + cred})
    if len(argv) == 4 and argv[1] == "auth-put":
        password = sys.stdin.readline().strip()
        body = sys.stdin.readline().strip().encode()
        cred = base64.b64encode(("%s:%s" % (argv[3], password)).encode()).decode()
        headers = {"Authorization": "Basic " + cred, "Content-Type": "application/json"}
        return fetch(argv[2], os.devnull, headers, "PUT", body)
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
