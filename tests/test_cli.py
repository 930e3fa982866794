"""The command line end to end: outputs, exit codes, messages, nothing written half."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent import cli
from agent.backends.openai_compat import OpenAIBackend
from agent.config import load_settings
from evals.cases import Case, gold_record
from evals.faults import faults_of
from tests.conftest import FakeModel, completion


def run(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.argv", ["trialbrief", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    return int(done.value.code or 0)


def write_article(tmp_path: Path, case: Case, suffix: str = ".txt") -> Path:
    path = tmp_path / f"{case.id}{suffix}"
    path.write_text(case.text, encoding="utf-8")
    return path


def test_digest_rules_gives_the_json_contract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              case_by_id: Callable[[str], Case],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    article = write_article(tmp_path, case_by_id("e01"))
    code = run(monkeypatch, "digest", str(article), "--backend", "rules")
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["status"] == "verified"
    assert set(out) >= {"source", "backend", "record", "checks", "summary", "status"}
    assert out["backend"] == {"name": "rules", "model": None}
    text = out["source"]["text"]
    for check in out["checks"]:
        assert set(check) >= {"field", "text", "status", "span", "severity", "message"}
        if check["kind"] == "grounding" and check["status"] == "grounded":
            assert text[slice(*check["span"])] == check["text"]
    assert out["summary"]["reading_grade"] is not None
    assert out["record"]["n_total"]["span"] is not None


@pytest.mark.parametrize(("fmt", "marker"), [("markdown", "# ALTERA-HF"), ("html", "<mark")])
def test_digest_writes_other_formats_atomically(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                case_by_id: Callable[[str], Case], fmt: str,
                                                marker: str) -> None:
    article = write_article(tmp_path, case_by_id("e01"))
    target = tmp_path / "out" / f"brief.{fmt}"
    assert run(monkeypatch, "digest", str(article), "--backend", "rules", "--format", fmt,
               "--out", str(target)) == 0
    assert marker in target.read_text(encoding="utf-8")
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_an_article_without_a_trial_is_a_valid_record(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case_by_id: Callable[[str], Case],
        capsys: pytest.CaptureFixture[str]) -> None:
    article = write_article(tmp_path, case_by_id("e13"))
    # Not "verified" (exit 0): there is no trial for the word to vouch for.
    assert run(monkeypatch, "digest", str(article), "--backend", "rules") == 1
    out = json.loads(capsys.readouterr().out)
    assert out["record"]["is_trial_report"] is False and out["record"]["results"] == []
    assert out["status"] == "not_a_trial"


def test_the_html_page_of_a_web_article(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        case_by_id: Callable[[str], Case]) -> None:
    case = case_by_id("e23")
    assert case.html_path is not None
    target = tmp_path / "page.html"
    assert run(monkeypatch, "digest", str(case.html_path), "--backend", "rules", "--format",
               "html", "--out", str(target)) == 0
    page = target.read_text(encoding="utf-8")
    assert "dalcoprestat" in page
    assert "2,310" not in page  # a number of the page's "Most read" box, not of the article


def test_missing_file_is_an_input_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, "digest", str(tmp_path / "nope.txt"), "--backend", "rules") == 2
    assert "nope.txt" in capsys.readouterr().err


def test_unknown_option_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(monkeypatch, "digest", "x.txt", "--frobnicate") == 2


def _client_for(handler: Callable[[httpx.Request], httpx.Response]) -> Callable[..., Any]:
    def make(*_args: Any, **_kwargs: Any) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(handler))

    return make


@pytest.mark.parametrize(("handler", "words"), [
    (lambda r: httpx.Response(404, text="gone"), "404"),
    (lambda r: httpx.Response(200, content=b"%PDF-1.7 binary", headers={
        "content-type": "application/pdf"}), "pdf"),
    (lambda r: httpx.Response(200, text="<html><body></body></html>", headers={
        "content-type": "text/html"}), "no article text"),
])
def test_fetch_failures_exit_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str],
                               handler: Callable[[httpx.Request], httpx.Response],
                               words: str) -> None:
    monkeypatch.setattr("agent.fetch.make_client", _client_for(handler))
    monkeypatch.setattr("agent.fetch.sleep", lambda _s: None)
    out = tmp_path / "out.json"
    code = run(monkeypatch, "digest", "https://news.example.org/a", "--backend", "rules",
               "--out", str(out))
    assert code == 3
    assert words.lower() in capsys.readouterr().err.lower()
    assert not out.exists()  # nothing to save: no article was fetched


def test_timeouts_exit_3(monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    monkeypatch.setattr("agent.fetch.make_client", _client_for(slow))
    monkeypatch.setattr("agent.fetch.sleep", lambda _s: None)
    assert run(monkeypatch, "digest", "https://news.example.org/a", "--backend", "rules") == 3


def _fake_backend(monkeypatch: pytest.MonkeyPatch, model: FakeModel) -> None:
    def open_fake(settings: Any) -> OpenAIBackend:
        fake = load_settings(env={}, base_url="http://127.0.0.1:9/v1", model="fake",
                             structured_mode="json_object_schema",
                             extract_mode=settings.extract_mode)
        return OpenAIBackend(fake, http_client=model.client(), sleep=lambda _s: None)

    monkeypatch.setattr(cli, "open_backend", open_fake)


def test_malformed_model_output_exits_4_and_saves_the_partial_result(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case_by_id: Callable[[str], Case],
        fake_model: Callable[[list[Any]], FakeModel],
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRIALBRIEF_EXTRACT_MODE", "record")
    _fake_backend(monkeypatch, fake_model([completion("not json"), completion("{broken")]))
    article = write_article(tmp_path, case_by_id("e01"))
    out = tmp_path / "out.json"
    assert run(monkeypatch, "digest", str(article), "--backend", "openai", "--out",
               str(out)) == 4
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["status"] == "failed" and saved["record"] is None
    assert "no valid extract" in saved["error"]
    assert len(saved["usage"]) == 2
    assert "error:" in capsys.readouterr().err


def test_malformed_labels_leave_the_rules_reading_with_a_note(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case_by_id: Callable[[str], Case],
        fake_model: Callable[[list[Any]], FakeModel]) -> None:
    _fake_backend(monkeypatch, fake_model([completion("not json"), completion("{broken")]))
    article = write_article(tmp_path, case_by_id("e01"))
    out = tmp_path / "out.json"
    assert run(monkeypatch, "digest", str(article), "--backend", "openai", "--no-summary",
               "--out", str(out)) in (0, 2)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["status"] != "failed" and saved["record"]["results"]
    assert any("labels were not usable" in n for n in saved["record"]["notes"])
    assert [u["outcome"] for u in saved["usage"]][:2] == ["invalid", "invalid"]


def test_refusal_exits_4(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                         case_by_id: Callable[[str], Case],
                         fake_model: Callable[[list[Any]], FakeModel]) -> None:
    _fake_backend(monkeypatch, fake_model([completion(None, refusal="I cannot help.")]))
    article = write_article(tmp_path, case_by_id("e01"))
    assert run(monkeypatch, "digest", str(article), "--backend", "openai") == 4


def test_openai_backend_without_key_or_url_is_a_config_error(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case_by_id: Callable[[str], Case],
        capsys: pytest.CaptureFixture[str]) -> None:
    article = write_article(tmp_path, case_by_id("e01"))
    assert run(monkeypatch, "digest", str(article), "--backend", "openai") == 2
    assert "OPENAI_API_KEY" in capsys.readouterr().err


def test_llamacpp_without_a_model_says_how_to_get_one(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case_by_id: Callable[[str], Case],
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("agent.backends.llamacpp_installed", lambda: True)
    article = write_article(tmp_path, case_by_id("e01"))
    assert run(monkeypatch, "digest", str(article), "--backend", "llamacpp") == 4
    err = capsys.readouterr().err
    assert "no local GGUF model" in err and "local-model" in err


def test_check_exits_0_on_a_faithful_record_and_1_with_a_list_on_a_fault(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case_by_id: Callable[[str], Case],
        capsys: pytest.CaptureFixture[str]) -> None:
    case = case_by_id("e02")
    article = write_article(tmp_path, case)
    record = gold_record(case)
    good = tmp_path / "good.json"
    good.write_text(record.model_dump_json(), encoding="utf-8")
    assert run(monkeypatch, "check", str(article), str(good)) == 0
    capsys.readouterr()
    fault = next(f for f in faults_of(record) if f.kind == "digit"
                 and "/results/" in next(iter(f.fields)))
    bad = tmp_path / "bad.json"
    bad.write_text(fault.record.model_dump_json(), encoding="utf-8")
    assert run(monkeypatch, "check", str(article), str(bad)) == 1
    err = capsys.readouterr().err
    (field,) = fault.fields
    assert f"error {field}" in err


def test_check_accepts_a_whole_digest_output_and_refuses_another_text(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case_by_id: Callable[[str], Case],
        capsys: pytest.CaptureFixture[str]) -> None:
    article = write_article(tmp_path, case_by_id("e03"))
    output = tmp_path / "digest.json"
    run(monkeypatch, "digest", str(article), "--backend", "rules", "--out", str(output))
    assert run(monkeypatch, "check", str(article), str(output)) == 0
    other = write_article(tmp_path, case_by_id("e04"))
    assert run(monkeypatch, "check", str(other), str(output)) == 2
    assert "different text" in capsys.readouterr().err


def test_check_refuses_a_broken_record(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       case_by_id: Callable[[str], Case]) -> None:
    article = write_article(tmp_path, case_by_id("e03"))
    broken = tmp_path / "broken.json"
    broken.write_text('{"results": [{"estimate": 3}]}', encoding="utf-8")
    assert run(monkeypatch, "check", str(article), str(broken)) == 2


def test_batch_never_stops_on_a_failed_article(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               case_by_id: Callable[[str], Case]) -> None:
    good = write_article(tmp_path, case_by_id("e01"))
    trap = write_article(tmp_path, case_by_id("e14"))
    listing = tmp_path / "congress.list"
    listing.write_text(f"{good}\n{tmp_path / 'missing.txt'}\n{trap}\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    code = run(monkeypatch, "batch", str(listing), "--out-dir", str(out_dir), "--backend",
               "rules")
    index = json.loads((out_dir / "index.json").read_text(encoding="utf-8"))
    assert [row["status"] for row in index] == ["verified", "failed", "verified"]
    assert code == 2  # the worst: the missing file
    assert len(list(out_dir.glob("*.json"))) == 3  # two outputs and the index
