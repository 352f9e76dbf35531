#!/usr/bin/python3
"""A remote-write receiver for store-and-forward tests that records every sample it accepts and injects
faults on command.

Data port (--port): POST <any path> with a snappy-compressed WriteRequest. The body is decoded here by
a small protobuf wire-format reader (independent of the agent's nanopb encoder). Accepted samples are kept
per series; an identical (series, timestamp, value) sent again is a duplicate, counted and ignored, as
Prometheus drops identical duplicates; a different value at a known timestamp is a conflict.

Control port (--control-port), JSON over HTTP:
  POST /fault {"status": 503, "count": N, "retry_after": S}   answer the next N requests with status
                                                              (400-class answers are recorded as refused)
  POST /fault {"close": "request"|"response", "count": N}     drop the connection mid-request (body half
                                                              read, nothing ingested) or mid-response
                                                              (body ingested, answer cut)
  POST /fault {"slow": SECONDS, "count": N}                   ingest, then answer after SECONDS
  POST /down {"seconds": S}                                   stop listening and cut open connections for S
  GET  /samples   {"series": [{"labels": {...}, "samples": [[ts, value], ...]}, ...],
                   "duplicates": n, "conflicts": n, "refused_samples": n, "requests": [...]}
Bounded by --max-seconds; loopback only.
"""
import argparse
import json
import math
import os
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import snappy


def varint(buf, pos):
    shift = 0
    value = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(buf):
    """Yields (field number, wire type, value) of one protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, pos = varint(buf, pos)
        elif wt == 1:
            v = buf[pos:pos + 8]
            pos += 8
        elif wt == 2:
            n, pos = varint(buf, pos)
            v = buf[pos:pos + n]
            pos += n
        elif wt == 5:
            v = buf[pos:pos + 4]
            pos += 4
        else:
            raise ValueError("wire type %d" % wt)
        if pos > len(buf):
            raise ValueError("truncated field")
        yield num, wt, v


def decode_write_request(body):
    """[(labels dict, [(ts, value bits, value)])] of a WriteRequest."""
    out = []
    for num, wt, ts_msg in fields(body):
        if num != 1 or wt != 2:
            continue
        labels, samples = {}, []
        for n2, w2, v2 in fields(ts_msg):
            if n2 == 1 and w2 == 2:
                name = value = ""
                for n3, w3, v3 in fields(v2):
                    if n3 == 1:
                        name = v3.decode()
                    elif n3 == 2:
                        value = v3.decode()
                labels[name] = value
            elif n2 == 2 and w2 == 2:
                bits, ts = 0, 0
                for n3, w3, v3 in fields(v2):
                    if n3 == 1 and w3 == 1:
                        bits = struct.unpack("<Q", v3)[0]
                    elif n3 == 2 and w3 == 0:
                        ts = v3 - (1 << 64) if v3 >= 1 << 63 else v3
                samples.append((ts, bits))
        out.append((labels, samples))
    return out


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.series = {}      # key -> {"labels", "samples": [(ts, bits)], "seen": {ts: bits}}
        self.duplicates = 0
        self.conflicts = 0
        self.refused_samples = 0
        self.requests = []
        self.faults = []      # list of dicts with "count"

    def next_fault(self):
        with self.lock:
            while self.faults and self.faults[0]["count"] <= 0:
                self.faults.pop(0)
            if not self.faults:
                return None
            self.faults[0]["count"] -= 1
            return dict(self.faults[0])

    def ingest(self, decoded):
        with self.lock:
            for labels, samples in decoded:
                key = tuple(sorted(labels.items()))
                s = self.series.setdefault(key, {"labels": labels, "samples": [], "seen": {}})
                for ts, bits in samples:
                    if ts in s["seen"]:
                        if s["seen"][ts] == bits:
                            self.duplicates += 1
                        else:
                            self.conflicts += 1
                        continue
                    s["seen"][ts] = bits
                    s["samples"].append((ts, bits))

    def snapshot(self):
        with self.lock:
            series = []
            for s in self.series.values():
                samples = []
                for ts, bits in s["samples"]:
                    v = struct.unpack("<d", struct.pack("<Q", bits))[0]
                    samples.append([ts, "stale" if bits == 0x7FF0000000000002 else
                                    ("NaN" if math.isnan(v) else v)])
                series.append({"labels": s["labels"], "samples": samples})
            return {"series": series, "duplicates": self.duplicates, "conflicts": self.conflicts,
                    "refused_samples": self.refused_samples, "requests": list(self.requests)}


STATE = State()
OPEN = set()
OPEN_LOCK = threading.Lock()


class Write(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        with OPEN_LOCK:
            OPEN.add(self.connection)

    def finish(self):
        with OPEN_LOCK:
            OPEN.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def answer(self, status, text, extra=None):
        data = (text + "\n").encode()
        self.send_response(status)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        fault = STATE.next_fault()
        if fault and fault.get("close") == "request":
            self.rfile.read(length // 2)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            STATE.requests.append({"t": time.time(), "fault": "close-request"})
            return
        body = self.rfile.read(length)
        try:
            decoded = decode_write_request(snappy.uncompress(body))
        except Exception as exc:  # a bad body is the agent's bug: answer 400 and say so
            STATE.requests.append({"t": time.time(), "status": 400, "error": str(exc)})
            self.answer(400, "cannot decode: %s" % exc)
            return
        n = sum(len(s) for _, s in decoded)
        if fault and "status" in fault:
            status = fault["status"]
            if 400 <= status < 500 and status not in (401, 403, 408, 429):
                with STATE.lock:
                    STATE.refused_samples += n
            STATE.requests.append({"t": time.time(), "status": status, "samples": n})
            extra = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else None
            self.answer(status, "injected %d" % status, extra)
            return
        STATE.ingest(decoded)
        if fault and fault.get("close") == "response":
            STATE.requests.append({"t": time.time(), "fault": "close-response", "samples": n})
            self.wfile.write(b"HTTP/1.1 20")
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault and "slow" in fault:
            time.sleep(fault["slow"])
        STATE.requests.append({"t": time.time(), "status": 204, "samples": n})
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Data:
    def __init__(self, port):
        self.port = port
        self.server = None
        self.thread = None
        self.up()

    def up(self):
        ThreadingHTTPServer.allow_reuse_address = True
        ThreadingHTTPServer.daemon_threads = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Write)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def down(self, seconds):
        self.server.shutdown()
        self.server.server_close()
        with OPEN_LOCK:
            for c in list(OPEN):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        STATE.requests.append({"t": time.time(), "fault": "down", "seconds": seconds})
        threading.Timer(seconds, self.up).start()


DATA = None


class Control(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, obj):
        data = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(STATE.snapshot())

    def do_POST(self):
        obj = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if self.path == "/down":
            DATA.down(float(obj["seconds"]))
        else:
            obj.setdefault("count", 1)
            with STATE.lock:
                STATE.faults.append(obj)
        self.reply({"ok": True})


def main():
    global DATA
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--control-port", type=int, required=True)
    ap.add_argument("--max-seconds", type=float, default=300)
    args = ap.parse_args()
    DATA = Data(args.port)
    ctl = ThreadingHTTPServer(("127.0.0.1", args.control_port), Control)
    threading.Thread(target=ctl.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait(args.max_seconds)
    os._exit(0)


if __name__ == "__main__":
    main()
