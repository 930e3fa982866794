"""The openai backend replaying real exchanges with the local 1.5B model (vcrpy cassettes).

The cassettes were recorded through llama.cpp's OpenAI-compatible server (see README:
`trialbrief eval --backend llamacpp --record`, `python scripts/record_retry_cassette.py`).
Replay matches method, path and JSON body; nothing here reaches a server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from agent.backends.openai_compat import OpenAIBackend
from agent.config import load_settings
from agent.extract import extract
from agent.render import render
from evals.cases import Case, load_cases
from evals.record import article_of, cassette_dir, eval_settings
from evals.replay import CASSETTES_DIR, REPLAY_BASE_URL, make_vcr, replay_backend

MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
FOLDER = cassette_dir("llamacpp", MODEL)
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "articles"
DIGEST_CASE = "e05"
REASK_CASE = "e03"  # both summary answers failed a validator (see test below)


def case(prefix: str) -> Case:
    (found,) = [c for c in load_cases() if c.id.startswith(prefix)]
    return found


def replay_digest(found: Case) -> object:
    from agent.pipeline import digest_article

    backend = replay_backend("openai", MODEL, "json_object_schema")
    with make_vcr("none").use_cassette(str(FOLDER / f"{found.id}.yaml")):
        return digest_article(article_of(found), eval_settings("openai"), backend)


def test_openai_backend_digest_replayed_gives_the_json_contract() -> None:
    output = replay_digest(case(DIGEST_CASE))
    data = json.loads(render(output, "json"))  # type: ignore[arg-type]
    assert data["backend"] == {"name": "openai", "model": MODEL}
    assert data["record"]["results"] and data["summary"]["text"]
    text = data["source"]["text"]
    flagged = {c["field"] for c in data["checks"] if c["severity"] != "ok"}
    for check in data["checks"]:
        if check["kind"] == "grounding":
            assert check["status"] == "grounded" or check["field"] in flagged
            if check["status"] == "grounded":
                assert text[slice(*check["span"])] == check["text"]
    assert [u["step"] for u in data["usage"]] == ["extract", "summary"]
    assert all(u["prompt_tokens"] > 0 for u in data["usage"])


def test_a_real_reask_sends_the_validator_message_back_and_flags_what_is_kept() -> None:
    """e03: the model put a number that is not in the facts into its summary, twice. The second
    request carries the validator's message; the last answer is kept, and its number flagged."""
    output = replay_digest(case(REASK_CASE))
    outcomes = [(u.step, u.outcome) for u in output.usage]  # type: ignore[attr-defined]
    assert [o for s, o in outcomes if s == "summary"] == ["invalid", "invalid"]
    requests = [json.loads(i["request"]["body"]) for i in yaml.safe_load(
        (FOLDER / f"{case(REASK_CASE).id}.yaml").read_text(encoding="utf-8"))["interactions"]]
    reask = requests[-1]["messages"]
    assert [m["role"] for m in reask[-2:]] == ["assistant", "user"]
    assert "is not in the facts" in reask[-1]["content"]
    data = json.loads(render(output, "json"))  # type: ignore[arg-type]
    assert data["status"] == "needs_review"
    assert any(c["field"].startswith("/summary/numbers/") and c["severity"] == "error"
               for c in data["checks"])


def test_429_then_200_honours_retry_after() -> None:
    text = (FIXTURES / "kestrel-af.txt").read_text(encoding="utf-8")
    found = Case(id="kestrel-af", group="other", kind="trial-report",
                 title=text.split("\n")[0], text=text, gold={})
    slept: list[float] = []
    settings = load_settings(env={}, backend="openai", model=MODEL, base_url=REPLAY_BASE_URL,
                             structured_mode="json_object_schema", summary=False)
    backend = OpenAIBackend(settings, sleep=slept.append)
    with make_vcr("none").use_cassette(str(CASSETTES_DIR / "openai" / "retry-429.yaml")):
        extraction = extract(article_of(found), backend)
    assert slept == [1.0]
    assert [u.outcome for u in extraction.usage][:2] == ["error", "ok"]
    assert extraction.record.results


def test_a_changed_prompt_does_not_replay_an_old_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    from agent import prompts
    from agent.errors import BackendError

    original = prompts.load("extract")
    edited = original.__class__(original.name, original.version, original.variables,
                                ((original.messages[0][0], original.messages[0][1] + " Be brief."),
                                 *original.messages[1:]), original.sha256)
    monkeypatch.setattr("agent.extract.prompts.load", lambda *_a, **_k: edited)
    with pytest.raises(BackendError):
        replay_digest(case(DIGEST_CASE))


SECRET = re.compile(r"sk-[A-Za-z0-9_-]{20,}|authorization:|bearer\s+[A-Za-z0-9]|"
                    r"openai-organization:|set-cookie:|api[_-]?key[\"']?\s*:\s*[\"']?\w{16,}",
                    re.I)


def test_committed_cassettes_hold_no_secret() -> None:
    files = list(CASSETTES_DIR.rglob("*.yaml")) + list(CASSETTES_DIR.rglob("*.json"))
    assert files
    for path in files:
        assert not SECRET.search(path.read_text(encoding="utf-8")), path
