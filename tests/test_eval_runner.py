"""`trialbrief eval`: the runner, its reports, the gate in both directions, and cassette replay
that refuses to replay an answer to a prompt that has changed."""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

import agent.rules
from agent import prompts, summarise
from agent.cli import app
from agent.draft import DraftRecord
from evals import runner
from evals.cases import CASES_DIR, Case, gold_draft, load_cases
from evals.gate import (
    BASELINE_PATH,
    Baseline,
    cases_hash,
    check_gate,
    load_baseline,
    pin_value,
    update_pins,
)
from evals.record import CassetteOutOfDate, fingerprint, recorded_answers, write_meta
from evals.runner import run_cli
from scripts.stub_openai import labels_answer

THREE = ("e01-altera-hf.json", "e13-late-breaker-reporting-debate.json",
         "e14-quillon-uc-trap.json")


@pytest.fixture
def cases_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    for name in THREE:
        shutil.copy(CASES_DIR / name, folder / name)
    return folder


@pytest.fixture
def as_project(cases_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The three cases stand in for the project's own (the gate only holds for those)."""
    monkeypatch.setattr(runner, "CASES_DIR", cases_dir)
    return cases_dir


def eval_args(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "backends": ["rules"], "cases": None, "record": False,
        "report": tmp_path / "out" / "eval.html", "json_out": tmp_path / "out" / "eval.json",
        "gate": True, "update_baseline": False, "allow_lower": False,
        "console": Console(file=StringIO(), width=120),
        "baseline_path": tmp_path / "baseline.json", "cassettes": tmp_path / "cassettes",
    }
    args.update(overrides)
    return args


def printed(args: dict[str, Any]) -> str:
    console = args["console"]
    assert isinstance(console.file, StringIO)
    return " ".join(console.file.getvalue().split())  # rich wraps long lines


def scores(args: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(Path(args["json_out"]).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write_baseline(path: Path, cases_hash: str, pins: dict[str, dict[str, float]]) -> None:
    path.write_text(json.dumps({"cases_hash": cases_hash, "pins": pins}), encoding="utf-8")


# -- running and reporting --------------------------------------------------------------------

def test_rules_run_writes_json_and_html(tmp_path: Path, cases_dir: Path) -> None:
    args = eval_args(tmp_path, cases=cases_dir)
    assert run_cli(**args) == 0  # an external folder is reported, never gated
    data = scores(args)
    rules = data["backends"]["rules"]
    assert [c["case_id"] for c in rules["cases"]] == [n.removesuffix(".json") for n in THREE]
    assert rules["metrics"]["cases"] == 3
    assert rules["metrics"]["trap_recall"] == 1.0
    assert rules["metrics"]["unflagged_ungrounded"] == 0
    assert 0 < rules["metrics"]["results_recall"] <= 1
    assert "HR" in rules["recall_by_measure"]
    assert data["verifier"]["metrics"]["gold_records"] == 3
    assert data["gate"] is None and data["project_cases"] is False
    page = Path(args["report"]).read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "e14-quillon-uc-trap" in page
    assert "Results by measure" in page and "not gated: external cases" in page
    assert "http" not in page.split("<body>")[0]  # self-contained: no external stylesheet
    assert "rules: per case" in printed(args)


def test_unknown_backend_is_a_usage_error(tmp_path: Path, cases_dir: Path) -> None:
    from agent.errors import UsageError

    with pytest.raises(UsageError, match="unknown backend"):
        run_cli(**eval_args(tmp_path, cases=cases_dir, backends=["gpt"]))


# -- the gate ---------------------------------------------------------------------------------

def test_gate_passes_at_the_pins_and_fails_above_them(tmp_path: Path, as_project: Path) -> None:
    args = eval_args(tmp_path, update_baseline=True)
    assert run_cli(**args) == 0  # pins the current scores
    pinned = load_baseline(args["baseline_path"])
    assert pinned.cases_hash == cases_hash(as_project)
    assert pinned.pins["rules"]["max_unflagged_ungrounded"] == 0
    assert run_cli(**eval_args(tmp_path)) == 0

    recall = pinned.pins["rules"]["results_recall"]
    pins = {**pinned.pins, "rules": {**pinned.pins["rules"], "results_recall": recall + 0.01}}
    write_baseline(args["baseline_path"], pinned.cases_hash or "", pins)
    failing = eval_args(tmp_path)
    assert run_cli(**failing) == 1
    assert "rules: results_recall" in printed(failing)
    assert scores(failing)["gate"]["passed"] is False


def test_gate_fails_when_a_maximum_is_exceeded() -> None:
    baseline = Baseline("h", {"rules": {"max_false_alarm_rate": 0.1, "results_recall": 0.9}})
    outcome = check_gate(baseline, {"rules": {"false_alarm_rate": 0.125,
                                              "results_recall": 0.95}}, "h")
    assert outcome.failures == ["rules: false_alarm_rate 0.1250 > pin max_false_alarm_rate 0.1"]
    missing = check_gate(baseline, {"rules": {"false_alarm_rate": 0.1,
                                              "results_recall": None}}, "h")
    assert missing.failures == ["rules: results_recall no value < pin results_recall 0.9"]


def test_unflagged_ungrounded_numbers_fail_every_column_pinned_or_not() -> None:
    baseline = Baseline("h", {"rules": {"results_recall": 0.9}})
    outcome = check_gate(baseline, {"rules": {"results_recall": 0.95},
                                    "llamacpp-m": {"unflagged_ungrounded": 2}}, "h")
    assert outcome.failures == ["llamacpp-m: unflagged_ungrounded 2 > 0 (a hard limit, "
                                "whatever the pins)"]


def test_gate_lists_pinned_backends_it_did_not_run() -> None:
    baseline = Baseline("h", {"rules": {"results_recall": 0.9},
                              "llamacpp-m": {"results_recall": 0.5}})
    outcome = check_gate(baseline, {"rules": {"results_recall": 0.95}}, "h")
    assert outcome.passed and outcome.checked == ["rules"] and outcome.not_run == ["llamacpp-m"]


def test_changed_cases_fail_the_gate(tmp_path: Path, as_project: Path) -> None:
    args = eval_args(tmp_path, update_baseline=True)
    assert run_cli(**args) == 0
    (as_project / THREE[0]).write_text(
        (CASES_DIR / THREE[0]).read_text(encoding="utf-8").replace("ALTERA", "ALTERRA"),
        encoding="utf-8")
    changed = eval_args(tmp_path)
    assert run_cli(**changed) == 1
    assert "cases changed" in printed(changed)
    assert "re-pin with: trialbrief eval --update-baseline" in printed(changed)


def test_no_baseline_fails_the_gate(tmp_path: Path, as_project: Path) -> None:
    args = eval_args(tmp_path)
    assert run_cli(**args) == 1
    assert "no baseline pinned" in printed(args)


def test_update_refuses_to_lower_a_pin_without_allow_lower(tmp_path: Path,
                                                          as_project: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, cases_hash(as_project), {"rules": {"results_recall": 1.5}})
    before = path.read_text(encoding="utf-8")
    refused = eval_args(tmp_path, update_baseline=True)
    assert run_cli(**refused) == 1
    assert "refused to lower pins" in printed(refused)
    assert "results_recall 1.5 ->" in printed(refused)
    assert path.read_text(encoding="utf-8") == before

    assert run_cli(**eval_args(tmp_path, update_baseline=True, allow_lower=True)) == 0
    assert load_baseline(path).pins["rules"]["results_recall"] <= 1.0


def test_update_raises_pins_and_keeps_other_backends() -> None:
    baseline = Baseline("old", {"rules": {"results_recall": 0.5, "max_failed_runs": 3},
                                "llamacpp-m": {"results_recall": 0.4}})
    update = update_pins(baseline, {"rules": {"results_recall": 0.61234, "failed_runs": 0}},
                         "new", allow_lower=False)
    assert update.refused == []
    assert update.baseline.cases_hash == "new"
    assert update.baseline.pins["rules"]["results_recall"] == 0.6123
    assert update.baseline.pins["rules"]["max_failed_runs"] == 0
    assert update.baseline.pins["llamacpp-m"] == {"results_recall": 0.4}
    assert "rules: results_recall 0.5 -> 0.6123" in update.raised


def test_update_refuses_to_drop_a_pin_whose_score_has_no_value() -> None:
    baseline = Baseline("h", {"rules": {"trap_recall": 1.0}})
    update = update_pins(baseline, {"rules": {"trap_recall": None}}, "h", allow_lower=False)
    assert update.refused and update.baseline is baseline


def test_update_refuses_to_drop_a_pin_of_a_score_no_longer_gated() -> None:
    baseline = Baseline("h", {"rules": {"results_recall": 0.5, "old_score": 0.9}})
    update = update_pins(baseline, {"rules": {"results_recall": 0.6}}, "h", allow_lower=False)
    assert update.refused == ["rules: old_score 0.9 would be dropped (no longer scored)"]
    dropped = update_pins(baseline, {"rules": {"results_recall": 0.6}}, "h", allow_lower=True)
    assert dropped.baseline.pins["rules"] == {"results_recall": 0.6}


def test_a_baseline_that_is_not_one_says_how_to_re_pin(tmp_path: Path) -> None:
    from agent.errors import ConfigError

    path = tmp_path / "baseline.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not a baseline") as caught:
        load_baseline(path)
    assert "trialbrief eval --update-baseline" in caught.value.one_line()


def test_pins_round_towards_passing() -> None:
    assert pin_value("results_recall", 0.95705) == 0.957
    assert pin_value("results_recall", 1 - 1e-12) == 1.0  # float noise, not a lower score
    assert pin_value("false_alarm_rate", 0.03331) == 0.0334


def test_update_baseline_is_for_the_project_cases_only(tmp_path: Path, cases_dir: Path) -> None:
    from agent.errors import UsageError

    with pytest.raises(UsageError, match="project's own cases"):
        run_cli(**eval_args(tmp_path, cases=cases_dir, update_baseline=True))


# -- the committed baseline (the CI gate) -----------------------------------------------------

def test_rules_on_the_project_cases_pass_the_committed_baseline(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--backend", "rules",
                                      "--json", str(tmp_path / "eval.json"),
                                      "--report", str(tmp_path / "eval.html")])
    assert result.exit_code == 0, result.output
    gate = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))["gate"]
    assert gate["passed"] and "rules" in gate["checked"] and "verifier" in gate["checked"]


def test_a_broken_parser_fails_the_committed_baseline(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    extract_draft = agent.rules.extract_draft

    def drops_results(text: str) -> DraftRecord:
        draft = extract_draft(text)
        return draft.model_copy(update={"results": draft.results[::2]})

    monkeypatch.setattr(agent.rules, "extract_draft", drops_results)
    args = eval_args(tmp_path, baseline_path=BASELINE_PATH, cassettes=None)
    before = BASELINE_PATH.read_text(encoding="utf-8")
    assert run_cli(**args) == 1
    assert "rules: results_recall" in printed(args)
    assert BASELINE_PATH.read_text(encoding="utf-8") == before


# -- cassettes --------------------------------------------------------------------------------

MODEL = "tiny-test-model"


def fake_folder(base: Path, **changes: Any) -> Path:
    folder = base / f"llamacpp-{MODEL}"
    write_meta(folder, "llamacpp", MODEL, "json_object_schema")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta.update(changes)
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def test_a_changed_prompt_makes_the_cassettes_out_of_date(tmp_path: Path,
                                                          cases_dir: Path) -> None:
    prompts_now = fingerprint(MODEL, "json_object_schema", "llamacpp")["prompts"]
    old = {**prompts_now, "labels": {**prompts_now["labels"], "sha256": "0" * 64}}
    fake_folder(tmp_path / "cassettes", prompts=old)
    for backends in (["llamacpp"], None):  # named, and found by default
        with pytest.raises(CassetteOutOfDate, match="cassette out of date: prompts changed"
                           ) as caught:
            run_cli(**eval_args(tmp_path, cases=cases_dir, backends=backends))
        assert caught.value.exit_code == 4
        assert "re-record with: trialbrief eval --backend llamacpp" in caught.value.one_line()
        assert "--record" in caught.value.one_line()


def test_other_server_options_make_the_llamacpp_cassettes_out_of_date(
        tmp_path: Path, cases_dir: Path) -> None:
    """Flash attention on or off changes some of the model's tokens: cassettes recorded with
    other server options no longer stand for what the backend answers."""
    fake_folder(tmp_path / "cassettes", server_options=["--flash_attn", "true"])
    with pytest.raises(CassetteOutOfDate, match="server_options changed"):
        run_cli(**eval_args(tmp_path, cases=cases_dir, backends=["llamacpp"]))


def test_the_recorded_answers_of_a_cassette_are_its_completions_in_order(tmp_path: Path
                                                                          ) -> None:
    def completion(text: str, tokens: int) -> dict[str, Any]:
        body = {"choices": [{"message": {"content": text}}],
                "usage": {"completion_tokens": tokens}}
        return {"request": {"method": "POST", "uri": "http://127.0.0.1:1/v1/chat/completions",
                            "body": "{}"},
                "response": {"status": {"code": 200}, "body": {"string": json.dumps(body)}}}

    probe = {"request": {"method": "GET", "uri": "http://127.0.0.1:2/v1/models", "body": ""},
             "response": {"status": {"code": 200}, "body": {"string": "{}"}}}
    cassette = tmp_path / "case.yaml"
    cassette.write_text(yaml.safe_dump({"interactions": [
        completion('{"candidates": {}}', 12), probe, completion('{"headline": "A"}', 5)]}),
        encoding="utf-8")
    assert recorded_answers(cassette) == [('{"candidates": {}}', 12), ('{"headline": "A"}', 5)]
    assert recorded_answers(tmp_path / "none.yaml") == []


def test_a_missing_cassette_is_an_error_not_a_skip(tmp_path: Path, cases_dir: Path) -> None:
    fake_folder(tmp_path / "cassettes")
    with pytest.raises(CassetteOutOfDate, match="no cassette for case e01-altera-hf"):
        run_cli(**eval_args(tmp_path, cases=cases_dir, backends=None))


def test_a_cassette_without_todays_request_names_the_cheapest_re_recording(
        tmp_path: Path, cases_dir: Path) -> None:
    folder = fake_folder(tmp_path / "cassettes")
    for case in sorted(cases_dir.glob("*.json")):
        (folder / f"{case.stem}.yaml").write_text("interactions: []\nversion: 1\n",
                                                  encoding="utf-8")
    with pytest.raises(CassetteOutOfDate, match="has no answer for today's request") as caught:
        run_cli(**eval_args(tmp_path, cases=cases_dir, backends=["llamacpp"]))
    hint = caught.value.one_line()
    assert f"--cases {cases_dir} --record-step summary" in hint
    assert "--record-step labels" in hint and hint.rstrip(")").endswith("--record")


def test_a_backend_without_cassettes_names_the_record_command(tmp_path: Path,
                                                              cases_dir: Path) -> None:
    with pytest.raises(CassetteOutOfDate, match="no cassettes for openai") as caught:
        run_cli(**eval_args(tmp_path, cases=cases_dir, backends=["openai"]))
    assert "trialbrief eval --backend openai" in caught.value.one_line()


def test_a_pinned_backend_without_cassettes_fails(tmp_path: Path, as_project: Path) -> None:
    write_baseline(tmp_path / "baseline.json", cases_hash(as_project),
                   {"rules": {}, f"llamacpp-{MODEL}": {"results_recall": 0.1}})
    with pytest.raises(CassetteOutOfDate, match=f"no cassettes for llamacpp \\({MODEL}\\)"):
        run_cli(**eval_args(tmp_path, backends=None))


# -- the recorded llama.cpp cassettes ---------------------------------------------------------

LLAMACPP = runner.cassette_base(CASES_DIR)


def recorded_llamacpp() -> Path:
    folders = [p for p in runner.recorded_folders(LLAMACPP) if p.name.startswith("llamacpp-")]
    if not folders or not (folders[0] / "meta.json").exists():
        pytest.skip("no llama.cpp cassettes recorded (trialbrief eval --backend llamacpp "
                    "--record)")
    missing = [p.stem for p in sorted(CASES_DIR.glob("*.json"))
               if not (folders[0] / f"{p.stem}.yaml").exists()]
    if missing:
        pytest.skip(f"llama.cpp cassettes still missing for {len(missing)} cases")
    return folders[0]


@pytest.fixture
def edited_prompts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of prompts/ whose extraction prompt says one thing more."""
    root = tmp_path / "prompts"
    shutil.copytree(prompts.prompts_root(), root)
    path = root / "labels" / "v1.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("content: |\n", "content: |\n      Be brief.\n", 1),
                    encoding="utf-8")
    assert path.read_text(encoding="utf-8") != text
    monkeypatch.setattr(prompts, "prompts_root", lambda: root)
    prompts.load.cache_clear()
    yield root
    prompts.load.cache_clear()


def test_llamacpp_replay_passes_the_committed_baseline(tmp_path: Path) -> None:
    folder = recorded_llamacpp()
    if folder.name not in load_baseline(BASELINE_PATH).pins:
        pytest.skip(f"{folder.name} is not pinned yet (trialbrief eval --update-baseline)")
    args = eval_args(tmp_path, backends=[folder.name], baseline_path=BASELINE_PATH,
                     cassettes=None)
    assert run_cli(**args) == 0, printed(args)


def test_a_changed_prompt_fails_the_llamacpp_eval(tmp_path: Path, edited_prompts: Path) -> None:
    folders = [p for p in runner.recorded_folders(LLAMACPP) if (p / "meta.json").exists()
               and p.name.startswith("llamacpp-")]
    if not folders:
        pytest.skip("no llama.cpp cassettes recorded")
    with pytest.raises(CassetteOutOfDate, match="cassette out of date: prompts changed"):
        run_cli(**eval_args(tmp_path, backends=["llamacpp"], cassettes=None,
                            baseline_path=BASELINE_PATH))


# -- recording and replaying an OpenAI-compatible server --------------------------------------

class FakeServer:
    """An OpenAI-compatible server on a loopback port that answers each case with its gold
    draft (and a summary without numbers): what --record talks to."""

    def __init__(self, cases: list[Case]) -> None:
        self.drafts = {case.title: gold_draft(case).model_dump_json() for case in cases}
        self.calls = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                payload = json.dumps(server.answer(body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        text = json.dumps(body["messages"])
        tool = body["tools"][0]["function"]["name"]
        if tool == "Labels":
            ids = re.findall(r"^(C\d+):", body["messages"][-1]["content"], re.M)
            arguments = json.dumps(labels_answer(ids))
        elif tool == "DraftRecord":
            (arguments,) = [d for title, d in self.drafts.items() if json.dumps(title)[1:-1]
                            in text]
        else:
            arguments = json.dumps({
                "headline": "A new drug was tested", "standfirst": "A drug was tested.",
                "tested": "A drug was tested.",
                "participants": "Adults took part.", "findings": "The article gives the results.",
                "meaning": "The results have not yet been peer-reviewed."})
        call = {"id": f"call_{self.calls}", "type": "function",
                "function": {"name": tool, "arguments": arguments}}
        return {"id": f"chatcmpl-{self.calls}", "object": "chat.completion", "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "tool_calls",
                             "message": {"role": "assistant", "content": None,
                                         "tool_calls": [call]}}],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 200,
                          "total_tokens": 1200}}

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_record_then_replay_offline(tmp_path: Path, cases_dir: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cases = load_cases(cases_dir)
    trials = [c for c in cases if c.kind == "trial-report"]  # e13 is a review
    with FakeServer(cases) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        recorded = eval_args(tmp_path, cases=cases_dir, backends=["openai"], record=True)
        assert run_cli(**recorded) == 0
        # extraction and summary, once each; an article that reports no trial (e13) gets the
        # template's statement, with no summary call
        assert server.calls == 2 * len(trials) + len(cases) - len(trials)
    monkeypatch.delenv("OPENAI_BASE_URL")
    folder = tmp_path / "cassettes" / "openai-gpt-4o-mini"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*(f"{c.id}.yaml" for c in cases), "meta.json", "timings.json"])

    # a cassette that still answers today's requests is not recorded again
    timings = json.loads((folder / "timings.json").read_text(encoding="utf-8"))
    again = eval_args(tmp_path, cases=cases_dir, backends=["openai"], record_step="summary")
    with FakeServer(cases) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert run_cli(**again) == 0
        assert server.calls == 0
    # a change of the summary's input re-records the summaries only; the extractions replay
    facts_text = summarise.facts_text
    monkeypatch.setattr(summarise, "facts_text",
                        lambda facts, **kw: facts_text(facts, **kw) + "\n(new)")
    with FakeServer(cases) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert run_cli(**again) == 0
        assert server.calls == len(trials)
    monkeypatch.delenv("OPENAI_BASE_URL")
    after = json.loads((folder / "timings.json").read_text(encoding="utf-8"))
    for case in trials:
        assert after[case.id]["steps"]["summary"]["attempts"] == 1
        # recorded whole, the case has no split: its total is unknown, not old plus new
        assert timings[case.id]["seconds"] is not None and after[case.id]["seconds"] is None

    # the record step drafted again re-records its summary too, and both steps' figures are kept
    monkeypatch.setattr("evals.record._replays", lambda *args: False)
    with FakeServer(cases) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert run_cli(**{**again, "record_step": "labels"}) == 0
        assert server.calls == 2 * len(trials) + len(cases) - len(trials)
    monkeypatch.delenv("OPENAI_BASE_URL")
    steps = json.loads((folder / "timings.json").read_text(encoding="utf-8"))[trials[0].id]
    assert set(steps["steps"]) == {"labels", "summary"}
    assert steps["steps"]["summary"]["attempts"] == 1

    replayed = eval_args(tmp_path, cases=cases_dir, backends=None)  # the server is gone
    assert run_cli(**replayed) == 0
    columns = scores(replayed)["backends"]
    assert list(columns) == ["rules", "openai-gpt-4o-mini"]
    metrics = columns["openai-gpt-4o-mini"]["metrics"]
    assert metrics["results_recall"] == 1.0 and metrics["results_precision"] == 1.0
    assert metrics["trap_recall"] == 1.0 and metrics["failed_runs"] == 0
    calls = 2 * len(trials) + len(cases) - len(trials)
    assert metrics["attempts_per_article"] == pytest.approx(calls / len(cases))
    assert metrics["prompt_tokens_per_article"] == pytest.approx(1000 * calls / len(cases))
    assert metrics["seconds_per_article"] is not None  # as recorded in timings.json
    assert "openai-gpt-4o-mini" in Path(replayed["report"]).read_text(encoding="utf-8")


def test_recording_openai_needs_an_endpoint(tmp_path: Path, cases_dir: Path) -> None:
    from agent.errors import ConfigError

    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        run_cli(**eval_args(tmp_path, cases=cases_dir, backends=["openai"], record=True))


def test_record_needs_a_named_llm_backend(tmp_path: Path, cases_dir: Path) -> None:
    from agent.errors import UsageError

    with pytest.raises(UsageError, match="--record needs the LLM backend"):
        run_cli(**eval_args(tmp_path, cases=cases_dir, backends=None, record=True))
