"""Many digests at once: bounded concurrency, one shared backend, a progress bar that counts.

Digests are I/O-bound (the model server, the article's site), so threads suffice; the backend's
client is shared, and with it the provider's Retry-After (agent.llm.RateGate). A job that fails
in an unexpected way is a failed result, never the end of the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from threading import Event, Lock
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from agent.errors import redact
from agent.newsroom.digest import Digested

log = logging.getLogger("trialbrief.newsroom")
T = TypeVar("T")


@dataclass
class Tally:
    done: int = 0
    flagged: int = 0
    failed: int = 0
    reused: int = 0
    model_calls: int = 0
    tokens: int = 0
    _lock: Lock = field(default_factory=Lock, repr=False)

    def add(self, result: Digested) -> None:
        with self._lock:
            self.done += 1
            self.failed += result.status == "failed"
            self.flagged += result.status == "needs_review"
            self.reused += result.reused
            self.model_calls += result.model_calls
            self.tokens += result.tokens

    def line(self) -> str:
        return (f"flagged {self.flagged}  failed {self.failed}  reused {self.reused}  "
                f"tokens {self.tokens:,}")


def run_jobs(items: Sequence[T], work: Callable[[T], Digested], *, jobs: int = 1,
             console: Console | None = None, on_result: Callable[[Digested], None] | None = None,
             label: Callable[[T], str] = str) -> tuple[list[Digested], Tally]:
    """Run `work` on every item with at most `jobs` at once; results in the items' order.
    Interrupted (Ctrl-C), the articles under way are finished and kept, the rest not begun."""
    tally = Tally()
    results: list[Digested | None] = [None] * len(items)
    with _progress(console) as progress, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        task = progress.add_task("digesting", total=len(items), tally="")
        futures: dict[Future[Digested], int] = {
            pool.submit(_guarded, work, item, label(item)): i for i, item in enumerate(items)}
        try:
            for future in as_completed(futures):
                result = future.result()
                results[futures[future]] = result
                tally.add(result)
                if on_result is not None:
                    on_result(result)
                progress.update(task, advance=1, tally=tally.line())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [r for r in results if r is not None], tally


def run_claimed(claim: Callable[[], T | None], work: Callable[[T], Digested], *, jobs: int = 1,
                expected: int | None = None, console: Console | None = None,
                label: Callable[[T], str] = str,
                stop: Event | None = None) -> tuple[list[Digested], Tally]:
    """Each of `jobs` threads claims an item, digests it, and claims the next until `claim`
    has none or `stop` is set: items are taken one at a time, so workers elsewhere share the
    queue fairly. Interrupted (Ctrl-C), each thread finishes its article and claims no more."""
    stop = stop or Event()
    tally = Tally()
    results: list[Digested] = []
    lock = Lock()
    with _progress(console) as progress:
        task = progress.add_task("digesting", total=expected, tally="")

        def loop() -> None:
            while not stop.is_set() and (item := claim()) is not None:
                result = _guarded(work, item, label(item))
                tally.add(result)
                with lock:
                    results.append(result)
                    progress.update(task, advance=1, tally=tally.line())

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            try:
                for future in [pool.submit(loop) for _ in range(max(1, jobs))]:
                    future.result()
            except BaseException:
                stop.set()
                raise
    return results, tally


def _guarded(work: Callable[[T], Digested], item: T, name: str) -> Digested:
    try:
        return work(item)
    except Exception as exc:  # the boundary of one job: a bug in one never stops the batch
        log.exception("digest of %s failed unexpectedly", name)
        detail = redact(str(exc).strip().splitlines()[0][:200]) if str(exc).strip() else ""
        return Digested(name, "failed", 2, error=f"unexpected {type(exc).__name__}"
                        + (f": {detail}" if detail else "") + " (please report it)")


def _progress(console: Console | None) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[tally]}"), TimeElapsedColumn(),
                    TextColumn("ETA"), TimeRemainingColumn(),
                    console=console or Console(stderr=True), transient=False,
                    disable=console is None)
