"""A whole congress through the OpenAI Batch API: half the price, answers within the day.

Articles are fetched (and stored runs reused) first. Then rounds: each pending article's
pipeline runs with the answers so far; a model request without an answer is held back
(agent.llm.Deferred) and collected; the round's requests go out as one batch; the next round
runs again with the answers. The extraction is round 1, the summary round 2, and a re-ask
after an answer fails validation is one round more. The store keeps each batch's id before the
wait and its answers after it, so a run interrupted while it waited picks the batch up, and no
answer is paid for twice. Each answer passes the same validation
and checks as a direct call, and each finished article is stored as it finishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from agent.backends.base import Backend
from agent.config import Settings
from agent.errors import TrialbriefError, UsageError
from agent.fetch import FetchSettings, fetch
from agent.llm import BatchRound, Deferred, batch_round
from agent.newsroom.digest import Digested, cache_key, run_and_keep, stored
from agent.schema import Article
from agent.store import Store

log = logging.getLogger("trialbrief.batch")
MAX_ROUNDS = 4
"""Extraction, summary, and a re-ask of each: more means a model that never validates."""


@dataclass
class _Pending:
    source: str
    article: Article
    key: str


def digest_batched(store: Store, sources: Sequence[str], settings: Settings, backend: Backend,
                   *, congress: str | None = None, force: bool = False, jobs: int = 4,
                   poll: float = 60.0, fetch_settings: FetchSettings | None = None,
                   on_result: Callable[[Digested], None] | None = None) -> list[Digested]:
    if not backend.batch_api:
        raise UsageError(f"--openai-batch needs the openai backend, not {backend.info.name}",
                         hint="use --backend openai, or leave out --openai-batch")
    done: list[Digested] = []

    def finish(result: Digested) -> None:
        done.append(result)
        if on_result is not None:
            on_result(result)

    pending = _fetched(store, sources, settings, backend, force, jobs, fetch_settings, finish)
    answers: dict[str, dict[str, object]] = {}
    for round_number in range(1, MAX_ROUNDS + 1):
        batch = BatchRound(answers)
        pending = [p for p in pending if not _advance(store, p, settings, backend, batch,
                                                      congress, finish)]
        if not batch.requests:
            break
        log.warning("batch round %d: %d requests for %d articles", round_number,
                    len(batch.requests), len(pending))
        answers.update(_answers(store, backend, batch.requests, poll))
    for left in pending:
        finish(Digested(left.source, "failed", 4, error=f"no complete answer after {MAX_ROUNDS} "
                        "batch rounds (a model whose answers never validate?)"))
    return done


def _answers(store: Store, backend: Backend, requests: dict[str, dict[str, Any]],
             poll: float) -> dict[str, dict[str, Any]]:
    """Answers to `requests`: those the store already holds, then a batch the store says was
    sent and never collected (a run interrupted while it waited), else a new batch."""
    keys = list(requests)
    answers = store.batch_answers(keys)
    missing = [key for key in keys if key not in answers]
    if not missing:
        return answers
    batch_id = store.running_batch(missing)
    if batch_id is None:
        batch_id = backend.start_batch({key: requests[key] for key in missing})
        store.add_batch(batch_id, missing)  # before the wait: an interrupted run resumes it
    else:
        log.warning("picking up batch %s, sent by an earlier run", batch_id)
    got = backend.finish_batch(batch_id, missing, poll=poll)
    store.close_batch(batch_id, got)
    return {**answers, **got}


def _fetched(store: Store, sources: Sequence[str], settings: Settings, backend: Backend,
             force: bool, jobs: int, fetch_settings: FetchSettings | None,
             finish: Callable[[Digested], None]) -> list[_Pending]:
    """Fetch every source at once; a reused run or a failed fetch is finished here."""
    def one(source: str) -> Article | Digested:
        try:
            return fetch(source, settings=fetch_settings)
        except TrialbriefError as exc:
            return Digested(source, "failed", exc.exit_code, error=exc.one_line())

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        fetched = list(pool.map(one, sources))
    pending: list[_Pending] = []
    for source, got in zip(sources, fetched, strict=True):
        if isinstance(got, Digested):
            finish(got)
            continue
        key = cache_key(got, backend, settings)
        reused = None if force else stored(store, source, key)
        if reused is not None:
            finish(reused)
        else:
            pending.append(_Pending(source, got, key))
    return pending


def _advance(store: Store, item: _Pending, settings: Settings, backend: Backend,
             batch: BatchRound, congress: str | None,
             finish: Callable[[Digested], None]) -> bool:
    """Run the article's pipeline as far as the answers go; True when it is finished."""
    try:
        with batch_round(batch):
            result = run_and_keep(store, item.source, item.article, item.key, settings,
                                  backend, congress=congress)
    except Deferred:
        return False
    finish(result)
    return True
