#!/usr/bin/python3
"""An HTTP proxy that only tunnels (RFC 9110 CONNECT), for tests of the agent behind an enterprise proxy.

Each CONNECT host:port is logged as one line "CONNECT host:port" to --log, answered 200 and relayed both
ways until either side closes; anything else is answered 405. Loopback only; exits after --max-seconds.
"""
import argparse
import os
import select
import socket
import sys
import threading


def relay(a, b):
    socks = [a, b]
    try:
        while True:
            ready, _, _ = select.select(socks, [], [], 30)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        return
    finally:
        a.close()
        b.close()


def handle(conn, log):
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 8192:
        chunk = conn.recv(1)
        if not chunk:
            conn.close()
            return
        head += chunk
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    if len(parts) != 3 or parts[0] != "CONNECT":
        conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        conn.close()
        return
    target = parts[1]
    with open(log, "a") as f:
        f.write("CONNECT %s\n" % target)
    host, _, port = target.rpartition(":")
    host = host.strip("[]")
    try:
        up = socket.create_connection((host, int(port)), timeout=10)
    except OSError:
        conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        conn.close()
        return
    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    relay(conn, up)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--max-seconds", type=float, default=120)
    args = ap.parse_args()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(16)
    threading.Timer(args.max_seconds, lambda: os._exit(0)).start()
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, args.log), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
