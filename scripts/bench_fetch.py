#!/usr/bin/env python3
"""Benchmark: hostile servers against agent.fetch, on loopback (nothing leaves the machine).

Prints, per scenario, how the fetch ended, the wall time and the peak memory (the process's
maximum resident set, and how far it rose over the fetch). Asserts nothing.

    gzip-bomb-2x   `Content-Encoding: gzip, gzip`, BOMB_MB of zeros (about 1.8 KB on the wire
                   for 1000 MB)
    gzip-bomb-1x   `Content-Encoding: gzip`, BOMB_MB of zeros (about 1 MB on the wire)
    slow-body      headers at once, then the body one byte every INTERVAL s
    slow-headers   the status line and headers one byte every INTERVAL s

Each scenario runs in a fresh process, so that one's peak memory does not hide the next's,
and is killed after --limit seconds. --src points at another copy of the code (a checkout of
an older commit) to measure it the same way; settings it does not know (deadline) are left out.

    .venv/bin/python scripts/bench_fetch.py [--bomb-mb 1000] [--deadline 3] [--src DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import socket
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("gzip-bomb-2x", "gzip-bomb-1x", "slow-body", "slow-headers")
TRICKLE_BYTES = 40  # body length of the slow scenarios: INTERVAL * 40 s to send in full


def gzip_zeros(megabytes: int) -> bytes:
    """gzip of MEGABYTES MB of zeros, built a megabyte at a time (never the whole in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1_000_000)
    parts = [packer.compress(block) for _ in range(megabytes)]
    return b"".join(parts) + packer.flush()


def gzip_once(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def serve(response: bytes, interval: float, trickle_from: int) -> str:
    """Serve RESPONSE once on loopback, sending bytes from TRICKLE_FROM on one at a time."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def run() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        try:
            conn.sendall(response[:trickle_from])
            for index in range(trickle_from, len(response)):
                time.sleep(interval)
                conn.sendall(response[index:index + 1])
        except OSError:
            pass  # the client gave up
        finally:
            conn.close()
            listener.close()

    threading.Thread(target=run, daemon=True).start()
    return f"http://127.0.0.1:{port}/article"


def http_response(body: bytes, headers: dict[str, str]) -> bytes:
    lines = ["HTTP/1.1 200 OK", "Content-Type: text/html; charset=utf-8",
             f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def scenario_url(name: str, args: argparse.Namespace) -> tuple[str, int]:
    """The URL of a server playing NAME, and the bytes it puts on the wire."""
    if name.startswith("gzip-bomb"):
        body = gzip_zeros(args.bomb_mb)
        encoding = "gzip"
        if name == "gzip-bomb-2x":
            body, encoding = gzip_once(body), "gzip, gzip"
        return serve(http_response(body, {"Content-Encoding": encoding}), 0, 10**12), len(body)
    page = b"<p>" + b"x" * (TRICKLE_BYTES - 7) + b"</p>"
    response = http_response(page, {})
    start = len(response) - len(page) if name == "slow-body" else 0
    return serve(response, args.interval, start), len(response)


def rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def run_one(name: str, args: argparse.Namespace) -> dict[str, Any]:
    from agent.errors import TrialbriefError
    from agent.fetch import FetchSettings, fetch

    known = {field.name for field in dataclasses.fields(FetchSettings)}
    options = {"retries": 0, "deadline": args.deadline}
    settings = FetchSettings(**{k: v for k, v in options.items() if k in known})
    url, wire = scenario_url(name, args)
    before = rss_kb()
    start = time.perf_counter()
    try:
        fetch(url, settings=settings)
        outcome = "fetched"
    except TrialbriefError as exc:
        outcome = f"{type(exc).__name__}: {exc.one_line()}"
    except Exception as exc:  # what the old code let through
        outcome = f"RAW {type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    return {"scenario": name, "wire_bytes": wire, "seconds": round(seconds, 2),
            "peak_rss_mb": round(peak / 1024, 1), "rise_mb": round((peak - before) / 1024, 1),
            "outcome": outcome[:160], "deadline": "deadline" in known}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bomb-mb", type=int, default=1000)
    parser.add_argument("--deadline", type=float, default=3.0)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--limit", type=float, default=120.0)
    parser.add_argument("--src", type=Path, default=ROOT)
    parser.add_argument("--scenario", choices=SCENARIOS)
    args = parser.parse_args()
    if args.scenario:  # the child
        sys.path.insert(0, str(args.src.resolve()))
        print(json.dumps(run_one(args.scenario, args)))
        return
    print(f"code: {args.src.resolve()}; deadline {args.deadline:g} s where supported; "
          f"bombs of {args.bomb_mb} MB; trickle every {args.interval:g} s")
    for name in SCENARIOS:
        command = [sys.executable, __file__, "--scenario", name, "--src", str(args.src),
                   "--bomb-mb", str(args.bomb_mb), "--deadline", str(args.deadline),
                   "--interval", str(args.interval)]
        start = time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=args.limit)
        except subprocess.TimeoutExpired:
            print(f"{name:13} killed after {time.perf_counter() - start:.0f} s (--limit)")
            continue
        if done.returncode != 0:
            print(f"{name:13} crashed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:13} {result['seconds']:7.2f} s  peak RSS {result['peak_rss_mb']:7.1f} MB "
              f"(+{result['rise_mb']:.1f} MB)  wire {result['wire_bytes']} B  "
              f"{result['outcome']}")


if __name__ == "__main__":
    main()
