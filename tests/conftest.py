"""Test harness: no test reaches the network, none sees the developer's settings or models,
and a scripted fake model fails on an unexpected or a leftover call."""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import pytest

from evals.cases import CASES_DIR, Case, load_cases

ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in _LOOPBACK and self.family != socket.AF_UNIX:
        raise RuntimeError(f"test tried to reach the network ({address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "TRIALBRIEF_BACKEND", "TRIALBRIEF_MODEL",
                "TRIALBRIEF_MODEL_PATH", "TRIALBRIEF_MODEL_DIR", "TRIALBRIEF_CONFIG",
                "TRIALBRIEF_STRUCTURED_MODE", "TRIALBRIEF_CONTEXT_WINDOW", "TRIALBRIEF_THREADS",
                "TRIALBRIEF_DB", "TRIALBRIEF_EXTRACT_MODE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the default store
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def cases() -> list[Case]:
    return load_cases(CASES_DIR)


@pytest.fixture(scope="session")
def case_by_id(cases: list[Case]) -> Callable[[str], Case]:
    def find(prefix: str) -> Case:
        (found,) = [c for c in cases if c.id.startswith(prefix)]
        return found

    return find


def shared_corpus() -> list[Case]:
    return load_cases(SHARED_CORPUS) if SHARED_CORPUS.is_dir() else []


class FakeModel:
    """A scripted OpenAI-compatible server: answers chat completions in order.

    Each script entry is a JSON body (a chat completion) or (status, body, headers). An
    unexpected request (script exhausted) fails the test; `assert_done` fails on leftovers.
    """

    def __init__(self, script: list[Any]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content or b"{}")
        self.requests.append(body)
        if not self.script:
            raise AssertionError(f"unexpected model call #{len(self.requests)}")
        entry = self.script.pop(0)
        status, payload, headers = (entry if isinstance(entry, tuple) else (200, entry, {}))
        return httpx2.Response(status, json=payload, headers=headers)

    def client(self) -> httpx2.Client:
        return httpx2.Client(transport=httpx2.MockTransport(self.handler))

    def assert_done(self) -> None:
        assert not self.script, f"{len(self.script)} scripted answers were never asked for"


def completion(content: str | None, *, finish_reason: str = "stop", refusal: str | None = None,
               prompt_tokens: int = 100, completion_tokens: int = 50) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "fake",
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": content, "refusal": refusal}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


@pytest.fixture
def fake_model() -> Iterator[Callable[[list[Any]], FakeModel]]:
    made: list[FakeModel] = []

    def make(script: list[Any]) -> FakeModel:
        model = FakeModel(script)
        made.append(model)
        return model

    yield make
    for model in made:
        model.assert_done()


# -- the newsroom: stores on SQLite and PostgreSQL, and a loopback web site ------------------

REQUIRE_SERVICES = os.environ.get("TRIALBRIEF_REQUIRE_SERVICES") == "1"
"""Set by .ci/run: a test that needs PostgreSQL or chromium fails instead of skipping."""


def service_missing(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is not available (run `eval \"$(.ci/services)\"` first)")
    pytest.skip(f"{what} is not available; `eval \"$(.ci/services)\"` starts it")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database (TRIALBRIEF_TEST_PG)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin = os.environ.get("TRIALBRIEF_TEST_PG")
    if not admin:
        service_missing("PostgreSQL (TRIALBRIEF_TEST_PG)")
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"tb_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


class Site:
    """A loopback web site: path -> (content type, body); counts the requests per path."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.hits: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits[self.path] += 1
                found = site.pages.get(self.path)
                if found is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", found[0])
                self.send_header("Content-Length", str(len(found[1])))
                self.end_headers()
                self.wfile.write(found[1])

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def add(self, path: str, body: str, content_type: str = "text/html; charset=utf-8") -> str:
        self.pages[path] = (content_type, body.encode("utf-8"))
        return self.url(path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    try:
        yield served
    finally:
        served.close()
