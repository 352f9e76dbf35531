#!/usr/bin/python3
"""A TLS proxy that checks each request's AWS SigV4 signature with botocore before passing it on.

It stands in for AMP's front door in amp-agent's integration tests: an independent implementation
(botocore.auth.SigV4Auth) recomputes the signature of every incoming request from its method, path,
query, the headers its SignedHeaders list names, its X-Amz-Date and its body, and compares it with the
request's Authorization header.

  valid signature   -> the body and the Content-Encoding, Content-Type and
                       X-Prometheus-Remote-Write-Version headers are POSTed to --upstream (always to
                       that URL's path, whatever the incoming path), and upstream's status and body
                       are returned (502 when upstream cannot be reached).
  bad or missing    -> 403 with a one-line text/plain reason; nothing is forwarded.

Also refused with 403, as AMP would: a credential scope for another access key, region or service; a
signed Host ending in ":443"; X-Amz-Date more than --max-skew-seconds from the proxy's clock; a
missing or unsigned X-Amz-Security-Token when a session token is configured (or one present when none
is); an x-amz-content-sha256 that is not the body's hash. Bodies must carry Content-Length (411
otherwise) and be at most 1 MiB, AMP's limit (413 otherwise).

The secret key and the optional session token come only from the environment variables
AMP_VERIFY_SECRET_KEY and AMP_VERIFY_SESSION_TOKEN, never from the command line, and are never
printed. HTTP/1.1 keep-alive is supported; every answer carries Content-Length.

With --credentials-file (repeatable), the accepted credentials are instead every set listed in those
JSON files ([{"access_key", "secret_key", "session_token", "expiration"}], expiration in epoch seconds),
re-read whenever a file changes, as temporary credentials rotate: a set past its expiration is refused
with AWS's "The security token included in the request is expired", an unknown access key with
"The security token included in the request is invalid". The stats then count verified requests per key.

Must run under /usr/bin/python3 with Debian's python3-botocore.
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

PROG = "sigv4_verify_proxy"
MAX_BODY = 1048576  # AMP's request body limit
FORWARDED_HEADERS = ("Content-Encoding", "Content-Type", "X-Prometheus-Remote-Write-Version")
IDLE_TIMEOUT = 30  # seconds a keep-alive connection may sit idle


def log(msg):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


class _AllHeadersSigV4(SigV4Auth):
    """botocore's signer, made to sign exactly the headers given to it.

    botocore never signs User-Agent, Expect or X-Amzn-Trace-Id, but AWS accepts signatures that
    cover them; the request handed in here holds only the headers the client's SignedHeaders names.
    """

    def headers_to_sign(self, request):
        header_map = HTTPHeaders()
        for name, value in request.headers.items():
            header_map[name.lower()] = value
        return header_map


class Rejection(Exception):
    """A request that must not be forwarded; the message is the one-line reason sent back."""


def _as_utf8(text):
    """http.server decodes the request line and headers as Latin-1; a client signs the raw bytes,
    which for non-ASCII text are UTF-8. Re-read them so botocore (which encodes to UTF-8) agrees."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _parse_authorization(value):
    prefix = "AWS4-HMAC-SHA256 "
    if not value.startswith(prefix):
        raise Rejection("Authorization is not AWS4-HMAC-SHA256")
    fields = {}
    for part in value[len(prefix):].split(","):
        key, sep, val = part.strip().partition("=")
        if not sep or key in fields:
            raise Rejection("malformed Authorization header")
        fields[key] = val
    if set(fields) != {"Credential", "SignedHeaders", "Signature"}:
        raise Rejection("Authorization needs exactly Credential, SignedHeaders and Signature")
    scope = fields["Credential"].split("/")
    if len(scope) != 5:
        raise Rejection("malformed Credential scope")
    return scope, fields["SignedHeaders"], fields["Signature"]


class CredentialFiles:
    """Credential sets from JSON files written by the test's credential servers, re-read on change."""

    def __init__(self, paths):
        self.paths = paths
        self.seen = {}
        self.sets = {}
        self.lock = threading.Lock()

    def lookup(self, access_key):
        with self.lock:
            for path in self.paths:
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
                if self.seen.get(path) != stamp:
                    try:
                        with open(path, encoding="ascii") as f:
                            for entry in json.load(f):
                                self.sets[entry["access_key"]] = entry
                        self.seen[path] = stamp
                    except (OSError, ValueError, KeyError, TypeError):
                        pass  # a file being replaced: read it at the next request
            return self.sets.get(access_key)


class Verifier:
    def __init__(self, access_key, secret_key, session_token, region, service, max_skew, credential_files=None):
        self.access_key = access_key
        self.secret_key = secret_key
        self.session_token = session_token or None
        self.region = region
        self.service = service
        self.max_skew = max_skew
        self.credential_files = credential_files

    def _credentials(self, access_key):
        """(secret, token) for the access key, or a Rejection as AWS words it."""
        if self.credential_files is None:
            if access_key != self.access_key:
                raise Rejection("unknown access key")
            return self.secret_key, self.session_token
        entry = self.credential_files.lookup(access_key)
        if entry is None:
            raise Rejection("The security token included in the request is invalid")
        if time.time() > entry["expiration"]:
            raise Rejection("The security token included in the request is expired")
        return entry["secret_key"], entry.get("session_token") or None

    def verify(self, method, raw_target, headers, body):
        """Raises Rejection unless the request is correctly signed. `headers` is a list of (name, value)."""
        def all_of(name):
            return [v for k, v in headers if k.lower() == name]

        auth = all_of("authorization")
        if not auth:
            raise Rejection("missing Authorization header")
        if len(auth) > 1:
            raise Rejection("more than one Authorization header")
        scope, signed_text, given_sig = _parse_authorization(auth[0])
        access_key, scope_date, region, service, terminator = scope
        secret_key, session_token = self._credentials(access_key)
        if region != self.region or service != self.service or terminator != "aws4_request":
            raise Rejection(f"credential scope is for {region}/{service}, expected {self.region}/{self.service}")

        dates = all_of("x-amz-date")
        if len(dates) != 1:
            raise Rejection("need exactly one X-Amz-Date header")
        amz_date = dates[0].strip()
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise Rejection("malformed X-Amz-Date") from None
        if scope_date != amz_date[:8]:
            raise Rejection("Credential date does not match X-Amz-Date")
        if self.max_skew > 0 and abs(time.time() - when.timestamp()) > self.max_skew:
            raise Rejection(f"X-Amz-Date {amz_date} is more than {self.max_skew} s from the server's clock")

        signed = signed_text.split(";")
        if any(not n or n != n.lower() or n.strip() != n for n in signed) or signed != sorted(set(signed)):
            raise Rejection("SignedHeaders must be lowercase, sorted and unique")
        for required in ("host", "x-amz-date"):
            if required not in signed:
                raise Rejection(f"{required} is not signed")
        present = {k.lower() for k, _ in headers}
        for name in signed:
            if name not in present:
                raise Rejection(f"signed header {name} is missing")
        hosts = all_of("host")
        if len(hosts) != 1:
            raise Rejection("need exactly one Host header")
        if hosts[0].strip().endswith(":443"):
            raise Rejection("signed Host carries :443, which AMP refuses")
        tokens = all_of("x-amz-security-token")
        if session_token is not None:
            if "x-amz-security-token" not in signed:
                raise Rejection("X-Amz-Security-Token missing or not signed")
            if len(tokens) != 1 or not hmac.compare_digest(tokens[0].strip().encode(), session_token.encode()):
                raise Rejection("X-Amz-Security-Token does not match")
        elif tokens:
            raise Rejection("X-Amz-Security-Token sent but no session token is expected")
        content_sha = all_of("x-amz-content-sha256")
        if content_sha and content_sha[0].strip() != hashlib.sha256(body).hexdigest():
            raise Rejection("x-amz-content-sha256 does not match the body")

        url = "https://" + _as_utf8(hosts[0].strip()) + _as_utf8(raw_target)
        request = AWSRequest(method=method, url=url, data=body)
        for name, value in headers:
            if name.lower() in signed:
                request.headers[name] = _as_utf8(value)
        request.context["timestamp"] = amz_date
        signer = _AllHeadersSigV4(Credentials(access_key, secret_key, session_token), self.service, self.region)
        try:
            canonical = signer.canonical_request(request)
            string_to_sign = signer.string_to_sign(request, canonical)
            expected = signer.signature(string_to_sign, request)
        except Exception as exc:  # botocore on a malformed URL or header: a client error, not ours
            raise Rejection(f"cannot canonicalise the request ({type(exc).__name__})") from None
        if signer.signed_headers(signer.headers_to_sign(request)) != signed_text:
            raise Rejection("SignedHeaders does not match the headers sent")
        if not hmac.compare_digest(expected.encode(), given_sig.encode()):
            shown = canonical
            if session_token:
                shown = shown.replace(session_token, "<session token>")
            log("signature mismatch; canonical request as botocore sees it:\n" + shown)
            raise Rejection("signature mismatch")


class Stats:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.verified = 0
        self.rejected = 0
        self.keys = {}
        self.reasons = {}
        self._write()

    def count(self, verified, key=None, reason=None):
        with self.lock:
            if verified:
                self.verified += 1
                if key:
                    self.keys[key] = self.keys.get(key, 0) + 1
            else:
                self.rejected += 1
                if reason:
                    self.reasons[reason] = self.reasons.get(reason, 0) + 1
            self._write()

    def _write(self):
        if not self.path:
            return
        tmp = f"{self.path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="ascii") as f:
            json.dump({"verified": self.verified, "rejected": self.rejected, "keys": self.keys,
                       "reasons": self.reasons}, f)
            f.write("\n")
        os.replace(tmp, self.path)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sigv4-verify-proxy"
    timeout = IDLE_TIMEOUT

    def handle(self):
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            log(f"TLS handshake with {self.client_address[0]} failed: {exc}")
            return
        super().handle()

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        log(f"{self.client_address[0]} " + (format % args))

    def _answer(self, status, body, content_type="text/plain; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _refuse(self, status, reason):
        self.server.stats.count(False, reason=reason)
        log(f"refused {self.command} {self.path}: {status} {reason}")
        self._answer(status, (reason + "\n").encode())

    def do_POST(self):  # noqa: N802 (http.server's naming)
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower() or \
                self.headers.get("Content-Length") is None:
            self.close_connection = True
            self._refuse(411, "Content-Length required")
            return
        try:
            length = int(self.headers["Content-Length"])
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._refuse(400, "malformed Content-Length")
            return
        if length > MAX_BODY:
            self.close_connection = True  # the body is left unread
            self._refuse(413, f"body of {length} bytes is over {MAX_BODY}")
            return
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return
        try:
            self.server.verifier.verify(self.command, self.path, list(self.headers.items()), body)
        except Rejection as exc:
            self._refuse(403, f"SigV4 verification failed: {exc}")
            return
        self.server.stats.count(True, key=self._access_key())
        self._forward(body)

    def _access_key(self):
        try:
            return _parse_authorization(self.headers.get("Authorization", ""))[0][0]
        except Rejection:
            return None

    def _forward(self, body):
        up = self.server.upstream
        headers = {h: self.headers[h] for h in FORWARDED_HEADERS if self.headers.get(h) is not None}
        if up.scheme == "https":
            conn = http.client.HTTPSConnection(up.hostname, up.port or 443, timeout=30,
                                               context=self.server.upstream_tls)
        else:
            conn = http.client.HTTPConnection(up.hostname, up.port or 80, timeout=30)
        try:
            conn.request("POST", self.server.upstream_target, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            content_type = resp.getheader("Content-Type", "text/plain; charset=utf-8")
        except (OSError, http.client.HTTPException) as exc:
            status, data, content_type = 502, f"upstream unreachable: {exc}\n".encode(), "text/plain; charset=utf-8"
        finally:
            conn.close()
        self._answer(status, data, content_type)

    def _not_allowed(self):
        self.close_connection = True
        self._refuse(405, f"method {self.command} not allowed")

    do_GET = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _not_allowed  # noqa: N815


class TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, tls_context, **attrs):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)
        self.tls_context = tls_context
        for key, value in attrs.items():
            setattr(self, key, value)

    def get_request(self):
        sock, addr = self.socket.accept()
        # The handshake runs in the connection's own thread (Handler.handle), so one slow client
        # cannot hold up accept().
        return self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog=PROG,
        description="HTTPS proxy that verifies each request's AWS SigV4 signature with botocore and forwards "
                    "correctly signed remote-write requests to a plain-HTTP receiver; anything else gets "
                    "403 and a one-line reason.",
        epilog="Environment: AMP_VERIFY_SECRET_KEY (required) is the secret access key; AMP_VERIFY_SESSION_TOKEN "
               "(optional) is the session token every request must carry and sign in X-Amz-Security-Token. "
               "Neither is ever printed. Forwarded: the body and Content-Encoding, Content-Type, "
               "X-Prometheus-Remote-Write-Version, POSTed to the --upstream URL; upstream's status and body "
               "come back (502 when it cannot be reached). Example: AMP_VERIFY_SECRET_KEY=... "
               "/usr/bin/python3 sigv4_verify_proxy.py --listen-host 127.0.0.1 --listen-port 8443 "
               "--cert c.pem --key k.pem --upstream http://127.0.0.1:9090/api/v1/write --region us-east-1 "
               "--service aps --access-key AKIDEXAMPLE --max-seconds 120 --pidfile p --stats s.json")
    ap.add_argument("--listen-host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--listen-port", type=int, required=True, help="TCP port to listen on (0: any free port)")
    ap.add_argument("--cert", required=True, help="PEM server certificate (chain) file")
    ap.add_argument("--key", required=True, help="PEM private key file of the certificate")
    ap.add_argument("--upstream", required=True,
                    help="http:// or https:// URL of the real receiver, e.g. http://127.0.0.1:9090/api/v1/write")
    ap.add_argument("--upstream-ca", help="PEM CA file that verifies an https:// upstream (default: the system's)")
    ap.add_argument("--region", required=True, help="region the credential scope must name, e.g. us-east-1")
    ap.add_argument("--service", default="aps", help="service the credential scope must name (default aps)")
    ap.add_argument("--access-key", help="access key id the credential scope must name")
    ap.add_argument("--max-seconds", type=float, default=0,
                    help="exit by itself after this many seconds (default 0: run until SIGTERM/SIGINT)")
    ap.add_argument("--max-skew-seconds", type=int, default=300,
                    help="refuse an X-Amz-Date further than this from the local clock, as AWS does "
                         "(default 300; 0 turns the check off)")
    ap.add_argument("--pidfile", help="write the process id here once listening; removed on exit")
    ap.add_argument("--stats", help='JSON file rewritten after every request: {"verified": n, "rejected": m, '
                                    '"keys": {access key: n}, "reasons": {reason: n}}')
    ap.add_argument("--credentials-file", action="append", default=[],
                    help="JSON list of accepted credential sets, re-read when it changes (repeatable); "
                         "replaces --access-key and AMP_VERIFY_SECRET_KEY")
    args = ap.parse_args(argv)
    if not args.credentials_file and not args.access_key:
        ap.error("--access-key or --credentials-file is required")
    up = urllib.parse.urlsplit(args.upstream)
    if up.scheme not in ("http", "https") or not up.hostname:
        ap.error("--upstream must be an http:// or https:// URL")
    if not 0 <= args.listen_port <= 65535:
        ap.error("--listen-port must be 0..65535")
    return args, up


def main(argv=None):
    args, upstream = parse_args(sys.argv[1:] if argv is None else argv)
    secret = os.environ.get("AMP_VERIFY_SECRET_KEY", "")
    if not secret and not args.credentials_file:
        log("AMP_VERIFY_SECRET_KEY is not set")
        return 2
    token = os.environ.get("AMP_VERIFY_SESSION_TOKEN", "")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(args.cert, args.key)
    except (OSError, ssl.SSLError) as exc:
        log(f"cannot load --cert/--key: {exc}")
        return 2

    target = upstream.path or "/"
    if upstream.query:
        target += "?" + upstream.query
    try:
        server = TLSServer((args.listen_host, args.listen_port), context,
                           verifier=Verifier(args.access_key, secret, token, args.region, args.service,
                                             args.max_skew_seconds,
                                             CredentialFiles(args.credentials_file) if args.credentials_file else None),
                           stats=Stats(args.stats), upstream=upstream, upstream_target=target,
                           upstream_tls=ssl.create_default_context(cafile=args.upstream_ca))
    except OSError as exc:
        log(f"cannot listen on {args.listen_host}:{args.listen_port}: {exc}")
        return 2

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    worker = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    worker.start()
    if args.pidfile:
        with open(args.pidfile, "w", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
    host, port = server.server_address[:2]
    log(f"listening on https://{host}:{port}, forwarding to {args.upstream}"
        f"{' (session token required)' if token else ''}")
    try:
        if args.max_seconds > 0:
            stop.wait(args.max_seconds)
        else:
            while not stop.wait(3600):
                pass
    finally:
        server.shutdown()
        server.server_close()
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except OSError:
                pass
    log(f"stopping: {server.stats.verified} verified, {server.stats.rejected} rejected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
