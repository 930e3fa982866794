"""Watch congress listings and work the queue: the newsroom's loop.

`watch` reads each listing (feeds.py), queues URLs that are new or whose stamp moved, then works
the queue. `work_queue` is what `trialbrief worker` runs on each machine: threads claim one item
at a time from the store (SKIP LOCKED on PostgreSQL), digest it, and record the outcome; a
failure is kept with its reason and tried again after a backoff, never stopping the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx
from rich.console import Console

from agent.backends.base import Backend
from agent.config import Settings
from agent.errors import TrialbriefError
from agent.fetch import FetchSettings
from agent.newsroom.digest import Digested, digest_into, worker_name
from agent.newsroom.feeds import discover
from agent.newsroom.runner import Tally, run_claimed
from agent.store import Item, Store

log = logging.getLogger("trialbrief.watch")


@dataclass
class Pass:
    """One watch pass: what the listings gave and what became of the queue."""

    listed: int = 0
    new: int = 0
    changed: int = 0
    known: int = 0
    listing_errors: dict[str, str] = field(default_factory=dict)
    results: list[Digested] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)


@dataclass(frozen=True)
class Digesting:
    """How queued items are digested (the same for every item of a pass)."""

    settings: Settings
    backend: Backend
    jobs: int = 1
    force: bool = False
    fetch_settings: FetchSettings | None = None
    http_client: httpx.Client | None = None
    console: Console | None = None


def watch(store: Store, sources: Sequence[str], how: Digesting, *, congress: str | None = None,
          depth: int = 3, every: float | None = None, once: bool = False,
          sleep: Callable[[float], None] = time.sleep,
          on_pass: Callable[[Pass], None] | None = None) -> Pass:
    """Watch until interrupted (or one pass with `once`); returns the last pass."""
    while True:
        done = watch_once(store, sources, how, congress=congress, depth=depth)
        if on_pass is not None:
            on_pass(done)
        if once or every is None:
            return done
        sleep(every)


def watch_once(store: Store, sources: Sequence[str], how: Digesting, *,
               congress: str | None = None, depth: int = 3) -> Pass:
    result = Pass()
    for source in sources:
        try:
            listing = discover(source, depth=depth, settings=how.fetch_settings,
                               client=how.http_client)
        except TrialbriefError as exc:  # one unreadable listing never stops the others
            log.warning("cannot read %s: %s", source, exc.one_line())
            result.listing_errors[source] = exc.one_line()
            continue
        result.listed += len(listing.entries)
        for entry in listing.entries:
            outcome = store.enqueue(entry.url, feed=source, congress=congress, stamp=entry.stamp)
            setattr(result, outcome, getattr(result, outcome) + 1)
    result.results, result.tally = work_queue(store, how)
    return result


def work_queue(store: Store, how: Digesting, *,
               worker: str | None = None) -> tuple[list[Digested], Tally]:
    """Digest every due item of the queue with `how.jobs` threads; returns when none is due."""
    worker = worker or worker_name()

    def claim() -> Item | None:
        claimed = store.claim(worker, 1)
        return claimed[0] if claimed else None

    def work(item: Item) -> Digested:
        result = digest_into(store, item.url, how.settings, how.backend, congress=item.congress,
                             force=how.force, fetch_settings=how.fetch_settings,
                             http_client=how.http_client)
        if result.status == "failed":
            store.fail(item.id, result.error or "failed")
        else:
            store.finish(item.id, result.run_id)
        return result

    return run_claimed(claim, work, jobs=how.jobs, expected=store.due() or None,
                       console=how.console,
                       label=lambda item: item.url)


def work_forever(store: Store, how: Digesting, *, poll: float = 30.0, once: bool = False,
                 sleep: Callable[[float], None] = time.sleep,
                 on_round: Callable[[Tally], None] | None = None) -> Tally:
    """`trialbrief worker`: work the queue, wait `poll` seconds when it is empty, repeat."""
    total = Tally()
    while True:
        results, tally = work_queue(store, how)
        for result in results:
            total.add(result)
        if on_round is not None and results:
            on_round(tally)
        if once:
            return total
        sleep(poll)
