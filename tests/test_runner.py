"""Many digests at once: an interrupted run finishes what is under way and begins no more."""

from __future__ import annotations

import threading
import time

import pytest

from agent.newsroom.digest import Digested
from agent.newsroom.runner import run_claimed, run_jobs


def digested(name: str) -> Digested:
    time.sleep(0.02)  # long enough for the other threads to be busy too
    return Digested(name, "verified", 0)


def test_claimed_work_stops_when_asked() -> None:
    queue = [f"a{n}" for n in range(10)]
    stop = threading.Event()

    def work(item: str) -> Digested:
        stop.set()
        return digested(item)

    results, tally = run_claimed(lambda: queue.pop(0) if queue else None, work, jobs=1,
                                 stop=stop)
    assert [r.source for r in results] == ["a0"] and len(queue) == 9 and tally.done == 1


def test_an_interrupt_ends_the_claims_of_every_thread() -> None:
    queue = [f"a{n}" for n in range(40)]
    lock = threading.Lock()
    claims = 0

    def claim() -> str | None:
        nonlocal claims
        with lock:
            claims += 1
            if claims == 3:
                raise KeyboardInterrupt
            return queue.pop(0) if queue else None

    with pytest.raises(KeyboardInterrupt):
        run_claimed(claim, digested, jobs=2)
    assert len(queue) > 30  # the other thread stopped claiming, the queue is left for later


def test_an_interrupted_batch_begins_no_more_articles() -> None:
    started: list[str] = []

    def work(item: str) -> Digested:
        started.append(item)
        return digested(item)

    def interrupt(_result: Digested) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_jobs([f"a{n}" for n in range(40)], work, jobs=2, on_result=interrupt)
    assert len(started) < 10
