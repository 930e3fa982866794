"""Running one case through a backend, live (recording a cassette) or from its cassette.

Layout: cassettes/evals/<backend>-<model>/<case id>.yaml, one cassette per case, plus
meta.json (the prompts and schemas the cassettes were recorded with) and timings.json (the
wall time and tokens each case took when recorded). A cassette is tied to its prompt version
and model: when they change without re-recording, replay stops with "cassette out of date".
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from agent import prompts
from agent.backends.base import Backend
from agent.backends.llamacpp import SERVER_OPTIONS
from agent.config import Settings
from agent.draft import DraftRecord
from agent.errors import BackendError, TrialbriefError
from agent.extract import PROMPTS
from agent.labels import CandidateLabel, TrialLabels
from agent.llm import resolve_summary_mode
from agent.output import Output
from agent.pipeline import digest_article
from agent.schema import Article
from agent.summarise import PROMPTS as SUMMARY_PROMPTS
from agent.summary_draft import SummaryDraft, SummaryLead
from evals.cases import CASES_DIR, Case
from evals.replay import CASSETTES_DIR, is_replay_miss, make_vcr, replay_backend

FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)


class CassetteOutOfDate(TrialbriefError):
    """Recorded exchanges no longer match the prompts, schemas or model."""

    exit_code = 4


def record_command(backend: str, cases_dir: Path | None = None, step: str | None = None) -> str:
    where = "" if cases_dir in (None, CASES_DIR) else f" --cases {cases_dir}"
    how = f"--record-step {step}" if step else "--record"
    return f"trialbrief eval --backend {backend}{where} {how}"


def rerecord_hint(backend: str, cases_dir: Path | None = None) -> str:
    """What to run when a cassette no longer answers: the cheapest first."""
    return (f"re-record the cases that no longer replay with: "
            f"{record_command(backend, cases_dir, 'summary')} (a summary's request changed) or "
            f"{record_command(backend, cases_dir, 'labels')} (the record's; its summary too), "
            f"or everything with: {record_command(backend, cases_dir)}")


EVAL_EXTRACT_MODE = Settings().extract_mode
"""Evals run the default way of drafting a record (eval_settings leaves it as it is)."""


def fingerprint(model: str, structured_mode: str, backend: str) -> dict[str, Any]:
    """What a recorded request depends on, besides the article."""
    def schema_hash(model_cls: type[Any]) -> str:
        text = json.dumps(model_cls.model_json_schema(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    summary_mode = resolve_summary_mode(None, backend)
    summary_shape = SummaryLead if summary_mode == "lead" else SummaryDraft
    return {
        "model": model,
        "structured_mode": structured_mode,
        "extract_mode": EVAL_EXTRACT_MODE,
        "summary_mode": summary_mode,
        "prompts": {name: {"id": prompts.load(name).id, "sha256": prompts.load(name).sha256}
                    for name in (PROMPTS[EVAL_EXTRACT_MODE], SUMMARY_PROMPTS[summary_mode])},
        "schemas": {"Labels": schema_hash(TrialLabels), "CandidateLabel": schema_hash(
                    CandidateLabel), summary_shape.__name__: schema_hash(summary_shape)},
        "server_options": list(SERVER_OPTIONS) if backend == "llamacpp" else [],
    }


def cassette_dir(backend: str, model: str, cases_dir: Path | None = None) -> Path:
    base = CASSETTES_DIR / "evals"
    if cases_dir is not None and cases_dir.resolve() != CASES_DIR.resolve():
        # Cassettes of external articles hold their text: they stay out of the repository.
        base = CASSETTES_DIR / "external" / cases_dir.resolve().name
    return base / f"{backend}-{model}"


def check_meta(folder: Path, backend: str, model: str, structured_mode: str,
               cases_dir: Path | None = None) -> None:
    meta_path = folder / "meta.json"
    again = record_command(backend, cases_dir)
    if not meta_path.exists():
        raise CassetteOutOfDate(f"no cassettes for {backend} ({model}) in {folder}",
                                hint=f"record them with: {again}")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    current = fingerprint(model, structured_mode, backend)
    for key in ("model", "structured_mode", "extract_mode", "summary_mode", "prompts",
                "schemas", "server_options"):
        if meta.get(key) != current[key]:
            raise CassetteOutOfDate(
                f"cassette out of date: {key} changed since {folder.name} was recorded",
                hint=f"re-record with: {again}")


def write_meta(folder: Path, backend: str, model: str, structured_mode: str,
               cases_dir: Path | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"backend": backend, **fingerprint(model, structured_mode, backend),
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "record_command": record_command(backend, cases_dir)}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def article_of(case: Case) -> Article:
    return Article(path=f"{case.id}.txt", title=case.title, text=case.text,
                   fetched_at=FIXED_TIME,
                   sha256=hashlib.sha256(case.text.encode("utf-8")).hexdigest())


@dataclass
class Run:
    """One case through one backend: the output, or the error that stopped it."""

    case: Case
    output: Output | None
    error: str | None
    seconds: float


def run_live(case: Case, settings: Settings, backend: Backend,
             cassette: Path | None = None) -> Run:
    """Run a case against a live backend; with `cassette`, record the exchanges there."""
    start = time.monotonic()
    try:
        if cassette is None:
            output = digest_article(article_of(case), settings, backend)
        else:
            cassette.parent.mkdir(parents=True, exist_ok=True)
            cassette.unlink(missing_ok=True)
            with make_vcr("all").use_cassette(str(cassette)):
                output = digest_article(article_of(case), settings, backend)
    except TrialbriefError as exc:
        return Run(case, exc.partial, exc.one_line(), time.monotonic() - start)
    return Run(case, output, None, time.monotonic() - start)


def run_replay(case: Case, settings: Settings, folder: Path, backend_name: str, model: str,
               structured_mode: str, cases_dir: Path | None = None) -> Run:
    cassette = folder / f"{case.id}.yaml"
    if not cassette.exists():
        raise CassetteOutOfDate(f"no cassette for case {case.id} in {folder}",
                                hint=f"record it with: {record_command(backend_name, cases_dir)}")
    backend = replay_backend(backend_name, model, structured_mode)
    start = time.monotonic()
    try:
        with make_vcr("none").use_cassette(str(cassette)):
            output = digest_article(article_of(case), settings, backend)
    except BackendError as exc:
        if is_replay_miss(exc):
            raise CassetteOutOfDate(
                f"cassette out of date: {cassette.name} has no answer for today's request",
                hint=rerecord_hint(backend_name, cases_dir)) from exc
        return Run(case, exc.partial, exc.one_line(), time.monotonic() - start)
    finally:
        backend.close()
    return Run(case, output, None, time.monotonic() - start)


def write_timings(folder: Path, runs: list[Run], *, keep_steps: bool = False) -> None:
    """Each run's totals as recorded; `keep_steps`: beside the steps' own figures already
    there (a re-record of every step of a case)."""
    path = folder / "timings.json"
    existing = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for run in runs:
        usage = run.output.usage if run.output else []
        steps = existing.get(run.case.id, {}).get("steps") if keep_steps else None
        existing[run.case.id] = {
            "seconds": round(run.seconds, 1), "attempts": len(usage),
            "prompt_tokens": sum(u.prompt_tokens for u in usage),
            "completion_tokens": sum(u.completion_tokens for u in usage),
            "error": run.error, **({"steps": steps} if steps else {}),
        }
    path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def eval_settings(backend: str, **overrides: Any) -> Settings:
    """The settings every eval run uses: the defaults, unaffected by the caller's environment
    or config file, so that replay sends exactly the requests that were recorded."""
    from agent.config import load_settings

    return load_settings(env={}, config_path=Path("/nonexistent"), backend=backend, **overrides)


def record_cases(cases: list[Case], backend: Backend, settings: Settings, folder: Path,
                 structured_mode: str, cases_dir: Path | None = None,
                 progress: Any = None) -> list[Run]:
    """Run every case live against `backend`, recording one cassette per case."""
    assert backend.info.model is not None
    write_meta(folder, backend.info.name, backend.info.model, structured_mode, cases_dir)
    runs = []
    for case in cases:
        run = run_live(case, settings, backend, cassette=folder / f"{case.id}.yaml")
        write_timings(folder, [run])
        if progress is not None:
            progress(run)
        runs.append(run)
    return runs


STEP_SCHEMAS = {"extract": (DraftRecord.__name__,), "labels": ("Labels",),
                "summary": (SummaryDraft.__name__, SummaryLead.__name__)}
"""Which recorded requests belong to a step: the titles of the schemas they ask for."""


DOWNSTREAM = {"extract": ("summary",), "labels": ("summary",)}
"""The steps whose requests are made from a step's answer: the summary is drafted from the
record, so a re-recorded record step re-records the summary too."""


def drop_step(cassette: Path, step: str) -> int:
    """Remove the exchanges of one step from a cassette; returns how many were removed."""
    data = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    titles = STEP_SCHEMAS[step]
    kept = [i for i in data["interactions"] if _schema_title(i) not in titles]
    removed = len(data["interactions"]) - len(kept)
    data["interactions"] = kept
    cassette.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
    return removed


def recorded_answers(cassette: Path) -> list[tuple[str, int]]:
    """Each chat completion's answer in a cassette, in order: its text and output tokens (what
    a live run is compared with; the servers' readiness probes are left out)."""
    if not cassette.exists():
        return []
    data = yaml.safe_load(cassette.read_text(encoding="utf-8")) or {}
    answers = []
    for exchange in data.get("interactions", []):
        if exchange["request"]["uri"].endswith("/chat/completions"):
            body = json.loads(exchange["response"]["body"]["string"])
            answers.append((body["choices"][0]["message"]["content"],
                            int(body["usage"]["completion_tokens"])))
    return answers


def _schema_title(interaction: dict[str, Any]) -> str | None:
    try:
        body = json.loads(interaction["request"]["body"])
    except (KeyError, TypeError, ValueError):
        return None
    tools = body.get("tools") or []
    if tools and isinstance(tools[0], dict):  # tools mode: the function is named by the schema
        return str(tools[0].get("function", {}).get("name"))
    schema = (body.get("response_format") or {}).get("schema") or {}
    return schema.get("title") if isinstance(schema, dict) else None


def rerecord_step(cases: list[Case], step: str, backend: Backend, settings: Settings,
                  folder: Path, structured_mode: str, cases_dir: Path | None = None,
                  progress: Any = None) -> list[Run]:
    """Re-record one step (after its prompt, schema or input changed) while the other steps
    replay from the cassette: a summary prompt change costs the summary calls, not the
    extractions. A case whose cassette still replays whole is left as it is (its answers stand
    for today's requests). The replayed steps must still match today's requests (else:
    re-record everything)."""
    assert backend.info.model is not None
    runs = []
    for case in cases:
        cassette = folder / f"{case.id}.yaml"
        if _replays(case, settings, backend, cassette):
            continue
        for dropped in (step, *DOWNSTREAM.get(step, ())):
            drop_step(cassette, dropped)
        start = time.monotonic()
        try:
            with make_vcr("new_episodes").use_cassette(str(cassette)):
                output = digest_article(article_of(case), settings, backend)
            run = Run(case, output, None, time.monotonic() - start)
        except TrialbriefError as exc:
            run = Run(case, exc.partial, exc.one_line(), time.monotonic() - start)
        recorded = (step, *DOWNSTREAM.get(step, ()))
        for name in recorded:
            _write_step_timing(folder, run, name)
        if {u.step for u in (run.output.usage if run.output else [])} <= set(recorded):
            write_timings(folder, [run], keep_steps=True)  # every call of the case is new
        if progress is not None:
            progress(run)
        runs.append(run)
    write_meta(folder, backend.info.name, backend.info.model, structured_mode, cases_dir)
    return runs


def _replays(case: Case, settings: Settings, backend: Backend, cassette: Path) -> bool:
    """Whether today's run of the case is answered by its cassette, every exchange used. A
    request the cassette lacks may not raise (a failed labels step leaves the rules' reading),
    so an exchange left unplayed says it too."""
    if not cassette.exists():
        return False
    try:
        with make_vcr("none").use_cassette(str(cassette)) as played:
            digest_article(article_of(case), settings, backend)
            return bool(played.all_played)
    except Exception:  # any failure to replay means: record this case again
        return False


def _write_step_timing(folder: Path, run: Run, step: str) -> None:
    """Timings of a re-recorded step, kept beside the case's totals. The totals are corrected by
    the difference when the step's earlier figures are known; for a case recorded whole there
    is no split, so its totals become unknown (None), not a sum of old and new calls."""
    path = folder / "timings.json"
    timings = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    entry = timings.setdefault(run.case.id, {"seconds": 0.0, "attempts": 0, "prompt_tokens": 0,
                                             "completion_tokens": 0, "error": None})
    usage = [u for u in (run.output.usage if run.output else []) if u.step == step]
    new: dict[str, float] = {
        "seconds": round(sum(u.seconds for u in usage), 1), "attempts": len(usage),
        "prompt_tokens": sum(u.prompt_tokens for u in usage),
        "completion_tokens": sum(u.completion_tokens for u in usage)}
    old = entry.get("steps", {}).get(step)
    for key, value in new.items():
        known = old is not None and entry.get(key) is not None
        entry[key] = round(entry[key] - old[key] + value, 1) if known else None
    entry.setdefault("steps", {})[step] = new
    entry["error"] = run.error
    path.write_text(json.dumps(timings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
