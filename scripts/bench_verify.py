#!/usr/bin/env python3
"""Benchmark: time to parse and verify articles of 5k, 50k and 200k characters, and a record
of 3,000 results (targets: the 5k article under 20 ms; the time per 1,000 characters within
1.5x across sizes, i.e. linear).

Prints figures; asserts nothing (speed targets are never timed tests). The articles are made
of the project's own eval cases, repeated and cut at a paragraph break; the record is the rules
extractor's, so verification has a realistic number of fields to ground and check. Caches are
cleared before every run: each run parses the text from scratch.

    python scripts/bench_verify.py            # all sizes
    python scripts/bench_verify.py 5000       # one size
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent import numbers, rules
from agent.anchor import anchor_record
from agent.document import analyse
from agent.verify import verify
from evals.cases import load_cases

SIZES = (5_000, 50_000, 200_000)
RESULTS = 3_000


def article(chars: int) -> str:
    cases = [c.text for c in load_cases() if c.group != "trap"]
    text = ""
    while len(text) < chars:
        for case in cases:
            text += case + "\n\n"
            if len(text) >= chars:
                break
    cut = text.rfind("\n\n", 0, chars)
    return text[:cut if cut > 0 else chars]


def clear() -> None:
    analyse.cache_clear()
    numbers._tokenize.cache_clear()
    numbers._token_index.cache_clear()


def timed(record: Any, text: str, runs: int) -> tuple[float, int]:
    timings, checks = [], 0
    for _ in range(runs):
        clear()
        start = time.perf_counter()
        checks = len(verify(record, text).checks)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), checks


def bench_size(chars: int) -> None:
    text = article(chars)
    clear()
    record = anchor_record(rules.extract_draft(text), text)
    runs = 30 if chars <= 5_000 else 3 if chars <= 50_000 else 1
    seconds, checks = timed(record, text, runs)
    print(f"{len(text):>8,} characters, {len(record.results):>5} results, {checks:>6} checks: "
          f"{seconds * 1000:9.1f} ms, {seconds * 1e6 / len(text):7.1f} ms per 1,000 characters"
          + ("  (target < 20 ms)" if chars <= 5_000 else ""))


def bench_many_results() -> None:
    """`check` of a record with 3,000 results: the grounding of each against one article."""
    text = article(50_000)
    clear()
    record = anchor_record(rules.extract_draft(text), text)
    results = record.results
    record.results = [results[i % len(results)].model_copy() for i in range(RESULTS)]
    seconds, checks = timed(record, text, 1)
    print(f"record of {len(record.results):,} results on {len(text):,} characters, "
          f"{checks} checks: {seconds:.2f} s")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or list(SIZES)
    for chars in sizes:
        bench_size(chars)
    if not sys.argv[1:]:
        bench_many_results()


if __name__ == "__main__":
    main()
