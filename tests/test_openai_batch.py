"""--openai-batch: every model request of a congress goes through the Batch API in rounds
(extraction, then summary, then any re-ask), each answer checked like a direct one.

The Batch API here is scripted from OpenAI's API reference (files, batches, output JSONL):
no real batch can be recorded on these machines. A direct chat completion fails the test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx2
import pytest

from agent.backends.openai_compat import OpenAIBackend
from agent.backends.rules import RulesBackend
from agent.errors import BackendError, UsageError
from agent.newsroom.openai_batch import digest_batched
from agent.store import Store
from tests.conftest import completion
from tests.test_llm import ARTICLE, draft_json, settings, summary_json


class FakeBatchAPI:
    """Files and batches endpoints; answers each batch's requests from `script`, in order."""

    def __init__(self, script: list[str]) -> None:
        self.script = list(script)
        self.batches: list[list[dict[str, Any]]] = []
        self.files: dict[str, str] = {}
        self.polls = 0
        self.down = False
        """Answer every look at a batch with 503: a run waiting on it ends."""

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if path.endswith("/chat/completions"):
            raise AssertionError("a direct model call in a batch run")
        if path.endswith("/files") and request.method == "POST":
            lines = re.findall(rb'^\{"custom_id".*$', request.content, re.M)
            file_id = f"file-in-{len(self.files)}"
            self.files[file_id] = b"\n".join(lines).decode()
            return httpx2.Response(200, json={
                "id": file_id, "object": "file", "bytes": len(request.content), "created_at": 0,
                "filename": "trialbrief-batch.jsonl", "purpose": "batch", "status": "processed"})
        if path.endswith("/batches") and request.method == "POST":
            body = json.loads(request.content)
            requests = [json.loads(line) for line in self.files[body["input_file_id"]].split("\n")]
            self.batches.append(requests)
            return httpx2.Response(200, json=self._batch("validating"))
        if "/batches/" in path:
            self.polls += 1
            if self.down:
                return httpx2.Response(503, json={"error": {"message": "unavailable"}})
            return httpx2.Response(200, json=self._batch("completed"))
        if path.endswith("/content"):
            return httpx2.Response(200, text=self._output())
        raise AssertionError(f"unexpected request {request.method} {path}")

    def _batch(self, status: str) -> dict[str, Any]:
        number = len(self.batches)
        return {"id": f"batch_{number}", "object": "batch", "endpoint": "/v1/chat/completions",
                "input_file_id": f"file-in-{number - 1}", "completion_window": "24h",
                "status": status, "created_at": 0,
                "output_file_id": f"file-out-{number}" if status == "completed" else None}

    def _output(self) -> str:
        lines = []
        for request in self.batches[-1]:
            answer = completion(self.script.pop(0))
            lines.append(json.dumps({"id": "r", "custom_id": request["custom_id"], "error": None,
                                     "response": {"status_code": 200, "body": answer}}))
        return "\n".join(lines)


def backend_of(api: FakeBatchAPI, **overrides: Any) -> OpenAIBackend:
    return OpenAIBackend(settings(**overrides),
                         http_client=httpx2.Client(transport=httpx2.MockTransport(api.handler)),
                         sleep=lambda _s: None)


def articles(tmp_path: Path, count: int) -> list[str]:
    paths = []
    for n in range(count):
        path = tmp_path / f"alpha-{n}.txt"
        path.write_text(ARTICLE + f"\nSession {n}.\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def test_extraction_and_summary_go_out_as_two_batches(tmp_path: Path) -> None:
    api = FakeBatchAPI([draft_json()] * 3 + [summary_json("Events were about 25% lower.")])
    backend = backend_of(api, summary=True)
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        done = digest_batched(store, articles(tmp_path, 3), settings(summary=True), backend,
                              poll=0)
        # three texts, three extractions; their records are alike, so the three summary
        # requests are the very same request, sent once
        assert [len(b) for b in api.batches] == [3, 1]
        assert all(d.status == "verified" and d.output and d.output.summary for d in done)
        assert all([u.step for u in d.output.usage] == ["extract", "summary"]
                   for d in done if d.output)
        assert store.counts()["runs"] == 3
        # the same texts again: stored runs are reused and no batch goes out
        again = digest_batched(store, articles(tmp_path, 3), settings(summary=True), backend,
                               poll=0)
        assert all(d.reused for d in again) and len(api.batches) == 2


def test_a_rejected_answer_is_reasked_in_the_next_round(tmp_path: Path) -> None:
    invented = draft_json(quote="HR 0.75 (0.60 to 0.94)")  # not how the article prints it
    api = FakeBatchAPI([invented, draft_json()])
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        (done,) = digest_batched(store, articles(tmp_path, 1), settings(), backend_of(api),
                                 poll=0)
    assert len(api.batches) == 2 and done.output is not None
    assert [u.outcome for u in done.output.usage] == ["invalid", "ok"]
    reask = api.batches[1][0]["body"]["messages"][-1]["content"]
    assert "is not in the article" in reask and done.status == "verified"


def test_a_request_the_batch_failed_is_a_failed_article_not_a_stopped_batch(
        tmp_path: Path) -> None:
    api = FakeBatchAPI([draft_json()])
    failing = api._output

    def one_error() -> str:
        lines = failing().split("\n")
        first = json.loads(lines[0])
        first["response"] = {"status_code": 500, "body": {"error": {"message": "overloaded"}}}
        return "\n".join([json.dumps(first), *lines[1:]])

    api.script = [draft_json(), draft_json()]
    api._output = one_error  # type: ignore[method-assign]
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        done = digest_batched(store, articles(tmp_path, 2), settings(), backend_of(api), poll=0)
    statuses = sorted(d.status for d in done)
    assert statuses == ["failed", "verified"]
    (failed,) = [d for d in done if d.status == "failed"]
    assert "overloaded" in (failed.error or "")


def test_only_the_openai_backend_batches(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store, \
            pytest.raises(UsageError, match="needs the openai backend"):
        digest_batched(store, [str(Path(__file__).parent / "fixtures" / "articles"
                                   / "kestrel-af.txt")], settings(), RulesBackend(), poll=0)


def test_a_run_interrupted_while_it_waits_picks_its_batch_up(tmp_path: Path) -> None:
    api = FakeBatchAPI([draft_json(), draft_json()])
    api.down = True
    sources = articles(tmp_path, 2)
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        with pytest.raises(BackendError):
            digest_batched(store, sources, settings(), backend_of(api), poll=0)
        assert len(api.batches) == 1 and store.counts()["runs"] == 0
        api.down = False
        done = digest_batched(store, sources, settings(), backend_of(api), poll=0)
        assert len(api.batches) == 1  # the batch sent before, not a second one
        assert [d.status for d in done] == ["verified", "verified"]


def test_an_answer_is_never_paid_for_twice(tmp_path: Path) -> None:
    api = FakeBatchAPI([draft_json()])
    sources = articles(tmp_path, 1)
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        digest_batched(store, sources, settings(), backend_of(api), poll=0)
        forced = digest_batched(store, sources, settings(), backend_of(api), poll=0, force=True)
        assert len(api.batches) == 1 and not forced[0].reused
        assert store.counts()["runs"] == 2
