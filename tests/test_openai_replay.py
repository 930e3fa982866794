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
from evals.record import article_of, eval_settings
from evals.replay import CASSETTES_DIR, REPLAY_BASE_URL, make_vcr, replay_backend

MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
FOLDER = CASSETTES_DIR / "openai" / "record-mode"
"""Exchanges of the record mode (the model writes the whole record, prompt extract/v1)."""
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "articles"
DIGEST_CASE = "e05"
SPIN_REASK_CASE = "e02"  # the summary check's spin error went back to the model
REASK_PASSED_CASE = "e22"  # the first extraction failed a validator, the re-ask passed


def case(prefix: str) -> Case:
    (found,) = [c for c in load_cases() if c.id.startswith(prefix)]
    return found


def replay_digest(found: Case) -> object:
    from agent.pipeline import digest_article

    backend = replay_backend("openai", MODEL, "json_object_schema", extract_mode="record")
    with make_vcr("none").use_cassette(str(FOLDER / f"{found.id}.yaml")):
        return digest_article(article_of(found), eval_settings("openai", extract_mode="record"),
                              backend)


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


def test_a_real_summary_reask_lists_what_the_summary_checks_found() -> None:
    """e02: the model's summary said the drug reduced kidney failure where verification doubts
    the benefit; the spin error went back to the model with the sentence it was found in, and
    the re-ask is the first request again, sampled warmer."""
    output = replay_digest(case(SPIN_REASK_CASE))
    requests = [json.loads(i["request"]["body"]) for i in yaml.safe_load(
        (FOLDER / f"{case(SPIN_REASK_CASE).id}.yaml").read_text(encoding="utf-8"))["interactions"]]
    first, reask = requests[-2], requests[-1]
    added = reask["messages"][-1]["content"].removeprefix(first["messages"][-1]["content"])
    assert "An earlier answer was rejected" in added and "claims a benefit" in added
    assert [m["role"] for m in reask["messages"]] == [m["role"] for m in first["messages"]]
    assert (first["temperature"], reask["temperature"]) == (0.0, 0.4)
    data = json.loads(render(output, "json"))  # type: ignore[arg-type]
    # neither answer passed: the sections with the claim got the template's wording
    assert not any(c["kind"] == "summary_spin" for c in data["checks"])
    assert "claims a benefit" in data["summary"]["notes"][-1]
    assert data["summary"]["template_sections"]
    summary_steps = [u["outcome"] for u in data["usage"] if u["step"] == "summary"]
    assert summary_steps == ["invalid", "invalid"]


def test_a_real_reask_whose_second_answer_passes() -> None:
    """e22: the 1.5B model gave a serious-adverse-event rate of 18.2% with a quote that has no
    number ("No serious adverse event was considered related to pelumavir."). The validator
    rejected it; re-asked with that message, the model dropped the invented rate and the second
    answer validated."""
    found = case(REASK_PASSED_CASE)
    output = replay_digest(found)
    extract_outcomes = [u.outcome for u in output.usage  # type: ignore[attr-defined]
                        if u.step == "extract"]
    assert extract_outcomes == ["invalid", "ok"]
    requests = [json.loads(i["request"]["body"]) for i in yaml.safe_load(
        (FOLDER / f"{found.id}.yaml").read_text(encoding="utf-8"))["interactions"]]
    first, reask = requests[0], requests[1]
    added = reask["messages"][-1]["content"].removeprefix(first["messages"][-1]["content"])
    assert "safety value '18.2%' is not in its quote" in added
    data = json.loads(render(output, "json"))  # type: ignore[arg-type]
    record = data["record"]
    assert not record["notes"]  # nothing had to be kept after a failed validation
    assert "18.2%" not in [s["value"]["text"] for s in record["safety"] if s["value"]]
    text = data["source"]["text"]
    for finding in record["safety"]:
        value = finding["value"]
        assert value is not None and text[slice(*value["span"])] == value["text"]


def test_429_then_200_honours_retry_after() -> None:
    text = (FIXTURES / "kestrel-af.txt").read_text(encoding="utf-8")
    found = Case(id="kestrel-af", group="other", kind="trial-report",
                 title=text.split("\n")[0], text=text, gold={})
    slept: list[float] = []
    settings = load_settings(env={}, backend="openai", model=MODEL, base_url=REPLAY_BASE_URL,
                             structured_mode="json_object_schema", summary=False,
                             extract_mode="record")
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
