#!/usr/bin/python3
"""A recording remote-write receiver for the benchmark: TLS on loopback, answers 204 to every POST and
counts exactly what each contestant sent.

For every request it records the arrival time, the HTTP bytes (request line, header lines and body as
they came over the TLS connection), the body bytes (snappy), the samples and metadata entries in the
decoded WriteRequest (protobuf wire format read here, independent of the agent's encoder) and the
oldest and newest sample timestamp. Unsigned requests are accepted: Debian's prometheus 2.42 never signs
(it ignores `sigv4:`), so both contestants push unsigned and pay the same (no) signing bytes.

--down-until EPOCH_SECONDS keeps the port closed until then (an outage); --stats FILE gets the JSON
record on SIGTERM or at --max-seconds. Loopback only; bounded by --max-seconds.
"""
import argparse
import json
import os
import signal
import sys
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import snappy

# The protobuf wire-format reader of the store-and-forward tests' receiver (no .pyc left in the tree).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from fault_receiver import fields  # noqa: E402


def decode(body):
    """(samples, metadata entries, oldest ts ms, newest ts ms, its distinct timestamps) of a snappy WriteRequest."""
    raw = snappy.uncompress(body)
    samples = metadata = 0
    lo = hi = None
    stamps = set()
    for num, wt, v in fields(raw):
        if num == 1 and wt == 2:  # TimeSeries
            for n2, w2, v2 in fields(v):
                if n2 == 2 and w2 == 2:  # Sample {double value = 1; int64 timestamp = 2}
                    samples += 1
                    for n3, w3, v3 in fields(v2):
                        if n3 == 2 and w3 == 0:
                            stamps.add(v3)
                            lo = v3 if lo is None else min(lo, v3)
                            hi = v3 if hi is None else max(hi, v3)
        elif num == 3 and wt == 2:
            metadata += 1
    return samples, metadata, lo, hi, sorted(stamps)


class State:
    lock = threading.Lock()
    requests = []
    bad = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        # The bytes as sent: request line, each header line as received, the blank line, the body.
        head = len(self.raw_requestline) + 2
        for k, v in self.headers.raw_items():
            head += len(k) + 2 + len(v) + 2
        # Decoded only when the stats are written, so that decoding in Python does not slow the answers
        # (the backlog drain is timed by the arrivals).
        with State.lock:
            State.requests.append({"t": time.time(), "http": head + n, "body": n, "raw": body})
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--down-until", type=float, default=0)
    a = ap.parse_args()
    start = time.time()
    while time.time() < a.down_until:
        time.sleep(0.01)
    up = time.time()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)

    def dump(*_):
        with State.lock:
            reqs = list(State.requests)
        bad = 0
        for r in reqs:
            if "raw" not in r:
                continue
            try:
                r["samples"], r["metadata"], r["min_ts"], r["max_ts"], r["stamps"] = decode(r.pop("raw"))
            except Exception:  # a body we cannot read is counted, not fatal
                bad += 1
                r["samples"], r["metadata"], r["min_ts"], r["max_ts"], r["stamps"] = 0, 0, None, None, []
        State.bad += bad
        out = {"start": start, "up": up, "bad_bodies": State.bad, "requests": reqs}
        with open(a.stats + ".tmp", "w") as f:
            json.dump(out, f)
        os.replace(a.stats + ".tmp", a.stats)

    def stop(*_):
        dump()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGUSR1, dump)
    timer = threading.Timer(max(1.0, a.max_seconds - (up - start)), stop)
    timer.daemon = True
    timer.start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
