#!/usr/bin/env python3
"""Benchmark: `trialbrief batch` against a loopback OpenAI-compatible stub (issue 12).

Serves ARTICLES article pages (the project's own eval cases as HTML, each page with a sentence
of its own so that no two share a text hash) and the stub model of scripts/stub_openai.py with
a fixed LATENCY per call, both on 127.0.0.1; nothing leaves the machine. Prints figures and
asserts nothing (speed targets are never timed tests):

  1. `trialbrief batch URLS --backend openai --jobs N --db sqlite:///fresh --out-dir D`, run
     in this process as the command line runs it, once per --jobs level, each on a fresh
     SQLite store (a stored run of the same text would be reused with no model call): wall
     seconds, articles a minute, the speedup over the first level (target: 6x or more at
     --jobs 8 over --jobs 1), the chat completions the stub answered, and failed articles;
  2. the same batch again on the last level's store, without --force: every article reused,
     0 model calls;
  3. the store's overhead per article: the rules backend's digest of every page with
     agent.pipeline.digest (no store) and with agent.newsroom.digest.digest_into (a fresh
     store each round), in ms per article, the median of --rounds rounds.

The stub answers every step with a valid draft (2 calls an article, no re-asks), so an
article at --jobs 1 takes about 2 x LATENCY plus the pipeline's own time. The work folder keeps
each level's store: `sqlite3 jobs-8.sqlite "select seconds, started_at from runs"` shows the
waves of N articles, and how much longer the first wave takes (the process's cold start).

    .venv/bin/python scripts/bench_newsroom.py [--latency 2.0] [--articles 40] [--jobs 1,4,8]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent import cli
from agent.backends import open_backend
from agent.config import load_settings
from agent.newsroom.digest import digest_into
from agent.pipeline import digest
from agent.store import Store
from evals.cases import load_cases
from scripts.stub_openai import LoopbackServer, StubOpenAI


def pages(count: int) -> dict[str, bytes]:
    """COUNT article pages by path, the eval cases in turn; the closing sentence of each is
    its own, so every page has a distinct text (and text hash)."""
    cases = load_cases()
    made: dict[str, bytes] = {}
    for index in range(count):
        case = cases[index % len(cases)]
        paragraphs = [p for p in case.text.split("\n\n") if p.strip()]
        paragraphs.append(f"This report is dispatch {index + 1} of the congress newsroom.")
        body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        made[f"/news/{index + 1:03d}-{case.id}.html"] = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(case.title)}"
            f"</title></head><body><article><h1>{escape(case.title)}</h1>\n{body}"
            "</article></body></html>").encode()
    return made


class _PageHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages: dict[str, bytes]

    def do_GET(self) -> None:
        page = self.pages.get(self.path)
        self.send_response(200 if page is not None else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page or b"")))
        self.end_headers()
        self.wfile.write(page or b"")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def page_server(served: dict[str, bytes]) -> LoopbackServer:
    return LoopbackServer(LoopbackServer.bind(_PageHandler, pages=served))


@dataclass(frozen=True)
class BatchRun:
    jobs: int
    seconds: float
    calls: int
    failed: int
    reused: int


def run_batch(urls: list[str], stub: StubOpenAI, jobs: int, db: Path, work: Path) -> BatchRun:
    """`trialbrief batch` at JOBS on the store DB, in a child process: the batch has the
    interpreter to itself (the servers' threads here would take turns with its threads), and
    every level starts as cold as the first (imports aside: the child times the batch only)."""
    listing = work / "articles.list"
    listing.write_text("\n".join(urls) + "\n", encoding="utf-8")
    out_dir = work / f"out-{jobs}-{time.time_ns()}"
    argv = ["batch", str(listing), "--backend", "openai", "--jobs", str(jobs),
            "--db", f"sqlite:///{db}", "--out-dir", str(out_dir)]
    stub.reset()
    done = subprocess.run([sys.executable, __file__, "--log", str(work / "batch.log"),
                           "--child", *argv], capture_output=True, text=True, check=True)
    timing = json.loads(done.stdout.strip().splitlines()[-1])
    rows = json.loads((out_dir / "index.json").read_text(encoding="utf-8"))
    return BatchRun(jobs, timing["seconds"], stub.calls,
                    sum(r["status"] == "failed" for r in rows),
                    sum(bool(r["reused"]) for r in rows))


def child(argv: list[str], log_path: Path) -> None:
    """Run `trialbrief ARGV` as `main()` runs it and print its wall time; its own output goes
    to LOG_PATH (a table of 40 rows would hide the figures)."""
    sys.argv = ["trialbrief", *argv]
    started = time.perf_counter()
    # The batch exits with its worst article's code; the index tells each article's status.
    with open(log_path, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log), contextlib.suppress(SystemExit):
        cli.main()
    print(json.dumps({"seconds": time.perf_counter() - started}))


def print_batches(runs: list[BatchRun], articles: int) -> None:
    base = runs[0].seconds
    print(f"{'jobs':>4} {'wall s':>8} {'art/min':>8} {'speedup':>8} {'calls':>6} "
          f"{'failed':>6} {'reused':>6}")
    for run in runs:
        print(f"{run.jobs:>4} {run.seconds:>8.1f} {articles / run.seconds * 60:>8.1f} "
              f"{base / run.seconds:>7.2f}x {run.calls:>6} {run.failed:>6} {run.reused:>6}")


def seconds_of(digest_one: Callable[[str], object], url: str) -> float:
    started = time.perf_counter()
    digest_one(url)
    return time.perf_counter() - started


def store_overhead(urls: list[str], work: Path, rounds: int) -> None:
    """The rules backend's digest of each article without and then with a store (a fresh one
    each round). The two alternate article by article, so that what else the machine does
    weighs on both alike; a first untimed pass warms what they share (imports, caches)."""
    settings = load_settings(backend="rules")
    with open_backend(settings) as backend:
        plain = partial(digest, settings=settings, backend=backend)
        for url in urls:
            plain(url)
        without, within, opening = [], [], []
        for index in range(rounds):
            started = time.perf_counter()
            with Store.open(f"sqlite:///{work / f'overhead-{index}.sqlite'}") as store:
                opening.append(time.perf_counter() - started)
                kept = partial(digest_into, store, settings=settings, backend=backend)
                pairs = [(seconds_of(plain, url), seconds_of(kept, url)) for url in urls]
            without.append(sum(p for p, _ in pairs) / len(urls))
            within.append(sum(k for _, k in pairs) / len(urls))
    plain_ms, store_ms = statistics.median(without) * 1000, statistics.median(within) * 1000
    print(f"rules digest, median of {rounds} rounds over {len(urls)} articles:")
    print(f"  without a store  {plain_ms:8.1f} ms/article")
    print(f"  into a store     {store_ms:8.1f} ms/article  (SQLite, a fresh file each round)")
    print(f"  overhead         {store_ms - plain_ms:8.1f} ms/article; opening and migrating "
          f"the store {statistics.median(opening) * 1000:.0f} ms once")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=2.0, help="seconds a model call")
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--jobs", default="1,4,8", help="comma-separated --jobs levels")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the store overhead")
    parser.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.log)
        return
    levels = [int(j) for j in args.jobs.split(",") if j.strip()]
    work = Path(tempfile.mkdtemp(prefix="bench-newsroom-"))
    # The developer's config file and settings must not change what is measured.
    os.environ.update({"TRIALBRIEF_CONFIG": str(work / "no-config.toml"),
                       "OPENAI_API_KEY": "stub", "TRIALBRIEF_MODEL": "stub"})
    served = pages(args.articles)
    with page_server(served) as site, StubOpenAI(args.latency) as stub:
        os.environ["OPENAI_BASE_URL"] = stub.url
        urls = [site.origin + path for path in served]
        print(f"{len(urls)} articles, stub model at {args.latency:g} s a call; "
              f"work files and the batch log in {work}")
        runs = [run_batch(urls, stub, jobs, work / f"jobs-{jobs}.sqlite", work)
                for jobs in levels]
        print_batches(runs, len(urls))
        again = run_batch(urls, stub, levels[-1], work / f"jobs-{levels[-1]}.sqlite", work)
        print(f"again on the --jobs {levels[-1]} store (no --force): {again.seconds:.2f} s, "
              f"{again.calls} model calls, {again.reused} of {len(urls)} reused, "
              f"{again.failed} failed")
        store_overhead(urls, work, args.rounds)


if __name__ == "__main__":
    main()
