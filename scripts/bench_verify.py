#!/usr/bin/env python3
"""Benchmark: median time to parse and verify a 5,000-character article (target < 20 ms).

Prints figures; asserts nothing (speed targets are never timed tests). The article is made of
the project's own eval cases, cut to 5,000 characters at a paragraph break; the record is the
rules extractor's, so verification has a realistic number of fields to ground and check.
Caches are cleared before every run: each run parses the text from scratch.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent import numbers, rules
from agent.anchor import anchor_record
from agent.document import analyse
from agent.verify import verify
from evals.cases import load_cases

TARGET_CHARS = 5000
RUNS = 50


def article() -> str:
    text = ""
    for case in load_cases():
        if case.group == "trap":
            continue
        text += case.text + "\n"
        if len(text) >= TARGET_CHARS:
            break
    cut = text.rfind("\n\n", 0, TARGET_CHARS)
    return text[:cut if cut > 0 else TARGET_CHARS]


def clear() -> None:
    analyse.cache_clear()
    numbers._tokenize.cache_clear()


def main() -> None:
    text = article()
    clear()
    record = anchor_record(rules.extract_draft(text), text)
    timings = []
    for _ in range(RUNS):
        clear()
        start = time.perf_counter()
        report = verify(record, text)
        timings.append((time.perf_counter() - start) * 1000)
    print(f"article: {len(text)} characters, {len(record.results)} results, "
          f"{len(report.checks)} checks")
    print(f"parse + verify, {RUNS} runs: median {statistics.median(timings):.1f} ms, "
          f"min {min(timings):.1f} ms, max {max(timings):.1f} ms (target < 20 ms)")


if __name__ == "__main__":
    main()
