#!/usr/bin/env python3
"""Labels mode with the embedded llama.cpp model: seconds, tokens, calls and prompt-cache hits
per article.

The backend's servers kept for the whole run (as a batch keeps them: one for the record, one
for the summary), the record step only (labels mode; no summary), or with --summary the whole
article: record, checks and summary. Prints a line per article and the medians; the cache hit
rate is read from the servers' logs ('N prefix-match hit, ...'): the share of all prompt
tokens a server did not evaluate again because its previous request began alike.

    .venv/bin/python scripts/bench_labels.py [--cases DIR] [--limit N] [--mode labels|record]
                                             [--summary] [--compare CASSETTES]

--compare also checks each model answer against the one recorded in a llamacpp cassette folder
of the same cases (with --summary for a whole-article recording): where every answer is the
same, the cassettes stand for the backend as it runs now and need no re-recording (after a
change to the server, its options or llama-cpp-python). The cases run in name order, as
`trialbrief eval` records them, so each server's prompt cache is in the state it was then.

Needs the `local` extra and a GGUF model (../shared/tools/local-model qwen1.5b). Time it on an
idle machine: two heavy processes on 2 cores double each other's times.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from agent.backends.llamacpp import LlamaCppBackend
from agent.config import load_settings
from agent.errors import BackendError
from agent.extract import extract
from agent.pipeline import digest_article
from evals.cases import CASES_DIR, load_cases
from evals.record import article_of, recorded_answers
from evals.replay import make_vcr

_PREFIX = re.compile(r"(\d+) prefix-match hit, remaining (\d+) prompt tokens to eval")


def reused_tokens(backend: LlamaCppBackend, seen: dict[str, int]) -> int:
    """Prompt tokens the servers took from their cache since the last call (their logs after
    the `seen` characters of each): a request that shares no prefix logs nothing."""
    reused = 0
    for server in backend.servers:
        name = server.log_file.name
        server.log_file.flush()
        text = Path(name).read_text(errors="replace")
        reused += sum(int(m.group(1)) for m in _PREFIX.finditer(text, seen.get(name, 0)))
        seen[name] = len(text)
    return reused


def compared(live: Path, recorded: Path) -> str:
    now, then = recorded_answers(live), recorded_answers(recorded)
    if now == then:
        return f"  {len(now)} answers as recorded"
    return (f"  DIFFERS from the recording: output tokens {[n for _, n in then]} recorded, "
            f"{[n for _, n in now]} now")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=Path, default=CASES_DIR)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--mode", choices=["labels", "record"], default="labels")
    parser.add_argument("--summary", action="store_true",
                        help="time the whole article: record, checks and summary")
    parser.add_argument("--compare", type=Path, metavar="CASSETTES",
                        help="check each answer against this llamacpp cassette folder")
    args = parser.parse_args()
    cases = sorted(load_cases(args.cases), key=lambda case: case.id)
    if args.limit:
        cases = cases[:args.limit]
    settings = load_settings(backend="llamacpp", summary=args.summary, extract_mode=args.mode)
    started = time.monotonic()
    backend = LlamaCppBackend(settings)
    print(f"server ready in {time.monotonic() - started:.1f} s; {len(cases)} articles, "
          f"{args.mode} mode{', with the summary' if args.summary else ''}")
    seen: dict[str, int] = {}
    rows: list[tuple[float, int, int, int]] = []
    reused_all = 0
    tapes = tempfile.TemporaryDirectory(prefix="trialbrief-bench-")  # the live answers
    try:
        for case in cases:
            tape = Path(tapes.name) / f"{case.id}.yaml"
            t0 = time.monotonic()
            with ExitStack() as stack:
                if args.compare:
                    stack.enter_context(make_vcr("all").use_cassette(str(tape)))
                try:
                    if args.summary:
                        output = digest_article(article_of(case), settings, backend)
                        usage, error = output.usage, output.error or ""
                    else:
                        usage, error = extract(article_of(case), backend).usage, ""
                except BackendError as exc:
                    usage, error = exc.usage, exc.one_line()
                seconds = time.monotonic() - t0
            if args.compare:
                error += compared(tape, args.compare / f"{case.id}.yaml")
            reused = reused_tokens(backend, seen)
            reused_all += reused
            prompt = sum(u.prompt_tokens for u in usage)
            completion = sum(u.completion_tokens for u in usage)
            rows.append((seconds, prompt, completion, len(usage)))
            print(f"{case.id:42} {seconds:6.1f} s  prompt {prompt:5d}  output {completion:4d}  "
                  f"calls {len(usage)}  {reused:5d} prompt tokens from the cache"
                  f"{'  ' + error if error else ''}", flush=True)
    finally:
        backend.close()
        tapes.cleanup()
    if not rows:
        return
    med = [statistics.median(col) for col in zip(*rows, strict=True)]
    prompt_all = sum(row[1] for row in rows)
    hit = reused_all / prompt_all if prompt_all else 0.0
    print(f"median: {med[0]:.1f} s, {med[1]:.0f} prompt tokens, {med[2]:.0f} output tokens, "
          f"{med[3]:.0f} calls per article; prompt-cache hit rate {hit:.1%} "
          f"({reused_all} of {prompt_all} prompt tokens reused)")


if __name__ == "__main__":
    main()
