"""Digest into the store: fetch, reuse a stored run of the same text, or run and keep it.

A run is reused when its cache key matches: the source text's hash, the backend and model, the
prompts (name, version and content hash) and the settings that change a draft. Reuse makes no
model call; `force` runs again (the new run is kept beside the old one).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from dataclasses import dataclass, replace
from typing import Any

import httpx

from agent.backends.base import Backend
from agent.config import Settings
from agent.errors import TrialbriefError
from agent.fetch import FetchSettings, fetch
from agent.llm import Deferred
from agent.output import SCHEMA_VERSION, Output
from agent.pipeline import digest_article
from agent.schema import Article
from agent.store import RunMeta, Store
from agent.store.models import utcnow


@dataclass(frozen=True)
class Digested:
    """What became of one source: a run in the store (new or reused), or a failure."""

    source: str
    status: str
    exit_code: int
    run_id: int | None = None
    output: Output | None = None
    reused: bool = False
    error: str | None = None

    @property
    def model_calls(self) -> int:
        return 0 if self.reused or self.output is None else len(self.output.usage)

    @property
    def tokens(self) -> int:
        if self.reused or self.output is None:
            return 0
        return sum(u.prompt_tokens + u.completion_tokens for u in self.output.usage)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def settings_snapshot(settings: Settings) -> dict[str, Any]:
    """The settings that change a draft (and that the review app needs to re-run checks)."""
    return {"summary": settings.summary, "language": settings.language,
            "house_style": str(settings.house_style) if settings.house_style else None,
            "temperature": settings.temperature, "seed": settings.seed}


def cache_key(article: Article, backend: Backend, settings: Settings) -> str:
    style = settings.house_style.read_bytes() if settings.house_style else b""
    key = {"text": article.sha256, "backend": backend.info.name, "model": backend.info.model,
           "prompts": backend.prompt_ids(), "settings": settings_snapshot(settings),
           "house_style": hashlib.sha256(style).hexdigest(), "schema": SCHEMA_VERSION}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def digest_into(store: Store, source: str, settings: Settings, backend: Backend, *,
                congress: str | None = None, force: bool = False,
                fetch_settings: FetchSettings | None = None,
                http_client: httpx.Client | None = None) -> Digested:
    """Digest `source` into `store`. Never raises a TrialbriefError: a failure is returned (and,
    when the article was fetched, kept as a failed run with whatever was done)."""
    try:
        article = fetch(source, settings=fetch_settings, client=http_client)
    except TrialbriefError as exc:
        return Digested(source, "failed", exc.exit_code, error=exc.one_line())
    key = cache_key(article, backend, settings)
    reused = None if force else stored(store, source, key)
    return reused or run_and_keep(store, source, article, key, settings, backend,
                                  congress=congress)


def stored(store: Store, source: str, key: str) -> Digested | None:
    """The stored run with this key, as a result that made no model call."""
    run_id = store.cached_run(key)
    if run_id is None:
        return None
    view = store.view(run_id)
    return Digested(source, view.output.status, view.output.exit_code, run_id, view.output,
                    reused=True)


def run_and_keep(store: Store, source: str, article: Article, key: str, settings: Settings,
                 backend: Backend, *, congress: str | None = None) -> Digested:
    """Run the pipeline on a fetched article and store the run (a failed one too, with what
    was done). A request held back for the Batch API (Deferred) goes up to the caller."""
    meta = RunMeta(cache_key=key, settings=settings_snapshot(settings), started_at=utcnow(),
                   seconds=0.0, congress=congress, worker=worker_name())
    clock = time.monotonic()
    try:
        output = digest_article(article, settings, backend)
    except Deferred:
        raise
    except TrialbriefError as exc:
        partial = exc.partial if isinstance(exc.partial, Output) else None
        run_id = store.save_run(partial, _timed(meta, clock)) if partial is not None else None
        return Digested(source, "failed", exc.exit_code, run_id, partial, error=exc.one_line())
    run_id = store.save_run(output, _timed(meta, clock))
    return Digested(source, output.status, output.exit_code, run_id, output)


def _timed(meta: RunMeta, clock: float) -> RunMeta:
    return replace(meta, seconds=time.monotonic() - clock)
