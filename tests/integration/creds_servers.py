#!/usr/bin/python3
"""Loopback stand-ins for the credential sources amp-agent reads, for tests/integration/creds.sh.

  imds       EC2 instance metadata, IMDSv2 only: PUT /latest/api/token (with the TTL header) gives a
             token; every GET without a valid token gets 401. Credentials rotate as EC2's do: a new set
             is issued once the current one has less than --rotate-before seconds left. Optionally goes
             dark (closes every connection unanswered) for --outage-seconds once the set number
             --outage-set has --outage-at seconds left.
  container  ECS / Greengrass token exchange service: GET --path with an Authorization header equal to
             the content of --token-file (read at every request), else 401.
  iot        AWS IoT Core credentials provider over mutual TLS: the client must present a certificate
             signed by --client-ca; GET /role-aliases/<--role-alias>/credentials with
             x-amzn-iot-thingname: <--thing-name>, else 403.

Every set issued is written (atomically) to --credentials-file as a JSON list of
{"access_key", "secret_key", "session_token", "expiration"} (epoch seconds), which
sigv4_verify_proxy.py --credentials-file reads. Statistics go to --stats after every request.
Secrets are never printed. Bounded by --max-seconds; loopback only. Runs under /usr/bin/python3.
"""

import argparse
import datetime
import http.server
import json
import os
import secrets
import signal
import socket
import ssl
import sys
import threading
import time

PROG = "creds_servers"


def log(msg):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


def iso(t):
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_json(path, data):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as f:
        json.dump(data, f)
        f.write("\n")
    os.replace(tmp, path)


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.sets = []
        self.tokens = {}
        self.dark_until = 0.0
        self.dark_done = False
        self.stats = {"token_puts": 0, "tokenless_rejected": 0, "bad_token_rejected": 0, "credentials_served": 0,
                      "refused": 0, "dropped_while_dark": 0, "sets_issued": 0}

    def save(self):
        write_json(self.args.credentials_file, self.sets)
        if self.args.stats:
            write_json(self.args.stats, self.stats)

    def current(self):
        """The set in force, issuing a new one when the last has less than --rotate-before left."""
        now = time.time()
        if not self.sets or self.sets[-1]["expiration"] - now < self.args.rotate_before:
            n = len(self.sets) + 1
            self.sets.append({
                "access_key": f"{self.args.key_prefix}{n:04d}",
                "secret_key": secrets.token_urlsafe(30),
                "session_token": "IQoJ" + secrets.token_urlsafe(600),
                "expiration": int(now + self.args.lifetime),
            })
            self.stats["sets_issued"] = n
            log(f"issued credential set {n}, expiring {iso(self.sets[-1]['expiration'])}")
        return self.sets[-1]

    def tick(self):
        """Starts the outage on time (called every 50 ms, not only when a request comes)."""
        a = self.args
        now = time.time()
        if a.outage_set and not self.dark_done and len(self.sets) == a.outage_set and \
                self.sets[-1]["expiration"] - now <= a.outage_at:
            self.dark_done = True
            self.dark_until = now + a.outage_seconds
            log(f"going dark for {a.outage_seconds} s (set {a.outage_set} has {self.sets[-1]['expiration'] - now:.1f} s left)")

    def is_dark(self):
        self.tick()
        return time.time() < self.dark_until


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "creds-test-server"
    timeout = 10

    def log_message(self, format, *args):  # noqa: A002
        log(f"{self.server.kind}: " + (format % args))

    def handle(self):
        if self.server.kind == "iot":
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                log(f"iot: TLS handshake failed: {exc}")
                return
        with self.server.state.lock:
            dark = self.server.state.is_dark()
            if dark:
                self.server.state.stats["dropped_while_dark"] += 1
                self.server.state.save()
        if dark:
            return  # closed unanswered: an unreachable metadata service
        super().handle()

    def answer(self, status, body, content_type="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, status, message):
        with self.server.state.lock:
            self.server.state.stats["refused"] += 1
            self.server.state.save()
        self.answer(status, json.dumps({"message": message}), "application/json")

    def serve_creds(self, doc):
        with self.server.state.lock:
            self.server.state.stats["credentials_served"] += 1
            self.server.state.save()
        self.answer(200, json.dumps(doc, indent=2), "application/json")

    def aws_doc(self):
        with self.server.state.lock:
            s = self.server.state.current()
        return {"Code": "Success", "LastUpdated": iso(time.time()), "Type": "AWS-HMAC", "AccessKeyId": s["access_key"],
                "SecretAccessKey": s["secret_key"], "Token": s["session_token"], "Expiration": iso(s["expiration"])}

    def do_PUT(self):  # noqa: N802
        st = self.server.state
        length = int(self.headers.get("Content-Length", "0") or "0")
        if length:
            self.rfile.read(length)
        if self.server.kind != "imds" or self.path != "/latest/api/token":
            self.refuse(404, "not found")
            return
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= 21600:
            self.refuse(400, "X-aws-ec2-metadata-token-ttl-seconds must be 1..21600")
            return
        token = "AQAE" + secrets.token_urlsafe(40)
        with st.lock:
            st.tokens[token] = time.time() + ttl
            st.stats["token_puts"] += 1
            st.save()
        self.answer(200, token)

    def do_GET(self):  # noqa: N802
        kind = self.server.kind
        a = self.server.args
        st = self.server.state
        if kind == "imds":
            token = self.headers.get("X-aws-ec2-metadata-token")
            with st.lock:
                valid = token is not None and st.tokens.get(token, 0) > time.time()
                if not valid:
                    st.stats["tokenless_rejected" if token is None else "bad_token_rejected"] += 1
                    st.save()
            if not valid:
                self.answer(401, "")
                return
            base = "/latest/meta-data/iam/security-credentials/"
            if self.path == base:
                self.answer(200, a.role)
            elif self.path == base + a.role:
                self.serve_creds(self.aws_doc())
            else:
                self.answer(404, "Not Found")
        elif kind == "container":
            with open(a.token_file, encoding="ascii") as f:
                want = f.read().strip()
            if self.path != a.path:
                self.refuse(404, "not found")
            elif self.headers.get("Authorization") != want:
                self.refuse(401, "invalid authorization token")
            else:
                self.serve_creds(self.aws_doc())
        else:
            if self.path != f"/role-aliases/{a.role_alias}/credentials":
                self.refuse(404, "Role alias does not exist")
            elif self.headers.get("x-amzn-iot-thingname") != a.thing_name:
                self.refuse(403, "Access Denied: the thing name does not match the certificate")
            else:
                d = self.aws_doc()
                self.serve_creds({"credentials": {"accessKeyId": d["AccessKeyId"], "secretAccessKey": d["SecretAccessKey"],
                                                  "sessionToken": d["Token"], "expiration": d["Expiration"]}})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, kind, args, tls):
        super().__init__(address, Handler)
        self.kind = kind
        self.args = args
        self.tls = tls
        self.state = State(args)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=["imds", "container", "iot"])
    ap.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    ap.add_argument("--credentials-file", required=True)
    ap.add_argument("--stats")
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--lifetime", type=float, default=3600, help="seconds each credential set is valid")
    ap.add_argument("--rotate-before", type=float, default=900, help="issue a new set when the current has less left")
    ap.add_argument("--key-prefix", default="ASIATEST")
    ap.add_argument("--role", default="amp-test-role")
    ap.add_argument("--outage-set", type=int, default=0)
    ap.add_argument("--outage-at", type=float, default=0)
    ap.add_argument("--outage-seconds", type=float, default=0)
    ap.add_argument("--path", default="/2016-11-01/credentialprovider/")
    ap.add_argument("--token-file")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--client-ca")
    ap.add_argument("--role-alias", default="amp-gateway")
    ap.add_argument("--thing-name", default="gw-001")
    args = ap.parse_args()
    tls = None
    if args.kind == "iot":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.minimum_version = ssl.TLSVersion.TLSv1_2
        tls.load_cert_chain(args.cert, args.key)
        tls.load_verify_locations(args.client_ca)
        tls.verify_mode = ssl.CERT_REQUIRED
    if args.kind == "container" and not args.token_file:
        ap.error("container needs --token-file")
    server = Server(("127.0.0.1", args.port), args.kind, args, tls)
    with server.state.lock:
        server.state.save()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()

    def ticker():
        while not stop.wait(0.05):
            with server.state.lock:
                server.state.tick()
    threading.Thread(target=ticker, daemon=True).start()
    log(f"{args.kind} listening on 127.0.0.1:{args.port}")
    stop.wait(args.max_seconds)
    server.shutdown()
    server.server_close()
    log(f"{args.kind} stopping: {json.dumps(server.state.stats)}")
    return 0


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    sys.exit(main())
