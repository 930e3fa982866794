"""The benchmark's stub model (scripts/stub_openai.py) is a model the openai backend accepts:
a batch through the real digest path, on loopback, with no re-ask and no failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.store import Store
from evals.cases import Case
from scripts.stub_openai import StubOpenAI, completion
from tests.test_cli import run, write_article


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubOpenAI]:
    with StubOpenAI(latency=0.0) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "stub")
        yield server


@pytest.mark.parametrize("mode", ["auto", "json"])
def test_a_batch_against_the_stub_stores_a_run_per_article(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stub: StubOpenAI, cases: list[Case],
        mode: str) -> None:
    monkeypatch.setenv("TRIALBRIEF_STRUCTURED_MODE", mode)  # auto: tools, for this URL
    listing = tmp_path / "articles.list"
    listing.write_text("\n".join(str(write_article(tmp_path, case)) for case in cases[:3]),
                       encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    batch = ("batch", str(listing), "--backend", "openai", "--jobs", "2", "--db", db)

    run(monkeypatch, *batch, "--out-dir", str(tmp_path / "out"))

    rows = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    assert [row["status"] in ("verified", "needs_review") for row in rows] == [True] * 3
    assert stub.calls == 6  # an extraction and a summary an article, neither re-asked
    with Store.open(db) as store:
        usage = [store.view(row["run_id"]).output.usage for row in rows]
    assert [[u.outcome for u in used] for used in usage] == [["ok", "ok"]] * 3

    stub.reset()
    run(monkeypatch, *batch)
    assert stub.calls == 0  # the same texts again: reused from the store


def test_the_stub_answers_the_step_it_is_asked_for() -> None:
    article = {"role": "user", "content": "<article>\nThe HR was 0.75. It helped.\n</article>"}
    tools = [{"type": "function", "function": {"name": "DraftRecord"}}]

    asked = completion({"messages": [article], "tools": tools})["choices"][0]
    summary = completion({"messages": [{"role": "user", "content": "facts"}]})["choices"][0]

    call = asked["message"]["tool_calls"][0]["function"]
    assert call["name"] == "DraftRecord"
    assert json.loads(call["arguments"])["results"][0] == {
        "endpoint": "the first reported value", "measure": "other", "estimate": "0.75",
        "quote": "The HR was 0.75"}
    assert set(json.loads(summary["message"]["content"])) >= {"headline", "findings"}
