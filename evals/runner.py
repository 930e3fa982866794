"""`trialbrief eval`: run every case through each backend, score it, report, and gate.

Backends: `rules` runs live (deterministic, no model); LLM backends (`llamacpp`, `openai`)
replay their cassettes, one folder per backend and model (cassettes/evals/<backend>-<model>),
so the eval is offline and deterministic. A missing or out-of-date cassette stops the run with
the command that re-records it (CassetteOutOfDate, exit 4): a backend is never skipped quietly.

The gate (evals/gate.py, evals/baseline.json) holds only for the project's own cases: a score
below its pin, or changed cases, fails the run (exit 1). Other case folders are reported without
it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean
from typing import Any, Literal

from rich.console import Console
from rich.markup import escape

from agent.backends.base import Backend
from agent.backends.rules import RulesBackend
from agent.config import Settings
from agent.errors import ConfigError, UsageError
from agent.files import write_atomic
from agent.numbers import comma_decimal_locale
from agent.verify import verify
from evals.cases import CASES_DIR, Case, gold_record, load_cases
from evals.faults import faults_of, flagged_fields
from evals.gate import (
    BASELINE_PATH,
    VERIFIER,
    Baseline,
    GateOutcome,
    Metrics,
    PinUpdate,
    baseline_json,
    cases_hash,
    check_gate,
    load_baseline,
    update_pins,
)
from evals.record import (
    STEP_SCHEMAS,
    CassetteOutOfDate,
    Run,
    cassette_dir,
    check_meta,
    eval_settings,
    record_cases,
    record_command,
    rerecord_step,
    run_live,
    run_replay,
)
from evals.scorers import (
    Cost,
    FieldsScore,
    GroundingScore,
    IdentityScore,
    ResultsScore,
    SummaryScore,
    Tally,
    TrapScore,
    VerifierScore,
    add_tallies,
    merge_by_key,
    primary_met_correct,
    score_cost,
    score_fault,
    score_fields,
    score_grounding,
    score_identity,
    score_results,
    score_summary,
    score_traps,
    score_verifier,
    verified_incomplete,
)

ROOT = Path(__file__).resolve().parent.parent
BackendKind = Literal["rules", "llamacpp", "openai"]
KINDS: tuple[BackendKind, ...] = ("rules", "llamacpp", "openai")
_LLM_KINDS: dict[str, BackendKind] = {"llamacpp": "llamacpp", "openai": "openai"}
LLAMACPP_MODE = "json_object_schema"


# -- backends ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackendSpec:
    """One column of the eval: a backend, and for LLM backends the model and its cassettes."""

    kind: BackendKind
    model: str | None = None
    folder: Path | None = None
    structured_mode: str | None = None

    @property
    def key(self) -> str:
        return self.kind if self.model is None else f"{self.kind}-{self.model}"


def cassette_base(cases_dir: Path) -> Path:
    """The folder that holds one <backend>-<model> folder per recorded backend."""
    return cassette_dir("x", "y", _external(cases_dir)).parent


def _external(cases_dir: Path) -> Path | None:
    return None if is_project_cases(cases_dir) else cases_dir


def is_project_cases(cases_dir: Path) -> bool:
    return cases_dir.resolve() == CASES_DIR.resolve()


def _read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ConfigError(f"{path} does not hold a JSON object")
    return data


def replay_spec(folder: Path, cases_dir: Path) -> BackendSpec:
    """The backend a cassette folder was recorded with; its meta.json must match today's
    prompts, schemas and model, or the run stops with the re-record command."""
    kind = _LLM_KINDS.get(folder.name.split("-", 1)[0])
    if kind is None:
        raise UsageError(f"{folder} is not a cassette folder of an LLM backend",
                         hint="cassette folders are named llamacpp-<model> or openai-<model>")
    meta_path = folder / "meta.json"
    meta = _read_json(meta_path) if meta_path.exists() else {}
    model = str(meta.get("model") or folder.name.split("-", 1)[-1])
    # llama.cpp has one structured mode that works; an OpenAI-compatible server was recorded
    # in the mode it supports, which meta.json keeps.
    mode = LLAMACPP_MODE if kind == "llamacpp" else str(meta.get("structured_mode", "tools"))
    check_meta(folder, kind, model, mode, _external(cases_dir))
    return BackendSpec(kind, model, folder, mode)


def recorded_folders(base: Path) -> list[Path]:
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir()
                  if p.is_dir() and p.name.split("-", 1)[0] in _LLM_KINDS)


def choose_backends(names: Sequence[str] | None, cases_dir: Path, base: Path,
                    pinned: Iterable[str] = ()) -> list[BackendSpec]:
    """`rules` plus every recorded backend (and every pinned one, whose cassettes must then
    exist) by default; or the named backends: a kind, or a kind-model column key."""
    if not names:
        keys = {p.name for p in recorded_folders(base)}
        keys |= {k for k in pinned if k not in ("rules", VERIFIER)}
        return [BackendSpec("rules"), *(replay_spec(base / k, cases_dir) for k in sorted(keys))]
    specs: list[BackendSpec] = []
    for name in dict.fromkeys(names):
        specs += _named(name, cases_dir, base)
    return specs


def _named(name: str, cases_dir: Path, base: Path) -> list[BackendSpec]:
    if name == "rules":
        return [BackendSpec("rules")]
    kind = name.split("-", 1)[0]
    if kind not in KINDS:
        raise UsageError(f"unknown backend {name!r}",
                         hint="use rules, llamacpp, openai, or a column such as llamacpp-<model>")
    folders = [base / name] if "-" in name else [
        p for p in recorded_folders(base) if p.name.startswith(f"{kind}-")]
    if not folders or not folders[0].is_dir():
        again = record_command(kind, _external(cases_dir))
        raise CassetteOutOfDate(f"no cassettes for {name} in {base}",
                                hint=f"record them with: {again}")
    return [replay_spec(f, cases_dir) for f in folders]


# -- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRun:
    run: Run
    seconds: float | None
    """Wall time of the article: measured (rules), or as recorded (LLM backends)."""


def recorded_seconds(folder: Path) -> dict[str, float]:
    path = folder / "timings.json"
    if not path.exists():
        return {}
    return {case_id: float(t["seconds"]) for case_id, t in _read_json(path).items()
            if isinstance(t, dict) and t.get("seconds") is not None}


# The per-case rows of the report say how each run went; these loggers would repeat it for every
# replayed case (instructor logs every exhausted retry as an error). -v shows them.
_CHATTY = ("instructor", "trialbrief.extract", "trialbrief.llm")


@contextmanager
def _quiet_replays() -> Iterator[None]:
    if logging.getLogger().isEnabledFor(logging.INFO):
        yield
        return
    loggers = [logging.getLogger(name) for name in _CHATTY]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def run_backend(spec: BackendSpec, cases: Sequence[Case], cases_dir: Path,
                summary: bool = True) -> list[CaseRun]:
    with _quiet_replays():
        return _run_backend(spec, cases, cases_dir, summary)


def _run_backend(spec: BackendSpec, cases: Sequence[Case], cases_dir: Path,
                 summary: bool = True) -> list[CaseRun]:
    if spec.kind == "rules":
        settings = eval_settings("rules", summary=summary)
        return [_timed(run_live(case, settings, RulesBackend())) for case in cases]
    assert spec.folder is not None and spec.model is not None and spec.structured_mode
    settings = eval_settings(spec.kind, summary=summary)
    timings = recorded_seconds(spec.folder)
    return [CaseRun(run_replay(case, settings, spec.folder, spec.kind, spec.model,
                               spec.structured_mode, _external(cases_dir)),
                    timings.get(case.id)) for case in cases]


def _timed(run: Run) -> CaseRun:
    return CaseRun(run, run.seconds)


def record_backend(kind: str, cases: Sequence[Case], cases_dir: Path, base: Path,
                   progress: Callable[[Run], None] | None = None,
                   step: str | None = None, summary: bool = True) -> Path:
    """Re-record every case against the configured endpoint into base/<kind>-<model> (only
    `step`'s exchanges, the others replayed, when a step is given); returns that folder."""
    if kind == "llamacpp":
        from agent.backends.llamacpp import LlamaCppBackend

        settings = eval_settings("llamacpp", summary=summary)
        with LlamaCppBackend(settings) as backend:
            assert backend.info.model is not None
            folder = base / f"llamacpp-{backend.info.model}"
            _record_into(folder, cases, backend, settings, LLAMACPP_MODE, cases_dir, progress,
                         step)
        return folder
    if kind == "openai":
        return _record_openai(cases, cases_dir, base, progress, step, summary)
    raise UsageError(f"--record applies to LLM backends, not {kind!r}",
                     hint="the rules backend runs live on every eval")


def _record_into(folder: Path, cases: Sequence[Case], backend: Backend, settings: Settings,
                 mode: str, cases_dir: Path, progress: Callable[[Run], None] | None,
                 step: str | None) -> None:
    if step is None:
        record_cases(list(cases), backend, settings, folder, mode, _external(cases_dir),
                     progress)
        return
    if step not in STEP_SCHEMAS:
        raise UsageError(f"unknown step {step!r}", hint=f"choose one of {', '.join(STEP_SCHEMAS)}")
    missing = [c.id for c in cases if not (folder / f"{c.id}.yaml").exists()]
    if missing:
        raise UsageError(f"--record-step needs every case's cassette; missing: "
                         f"{', '.join(missing[:5])}", hint="record them whole with --record")
    rerecord_step(list(cases), step, backend, settings, folder, mode, _external(cases_dir),
                  progress)


def _record_openai(cases: Sequence[Case], cases_dir: Path, base: Path,
                   progress: Callable[[Run], None] | None, step: str | None = None,
                   summary: bool = True) -> Path:
    from agent.backends.openai_compat import OpenAIBackend
    from agent.llm import resolve_mode

    base_url, api_key = os.environ.get("OPENAI_BASE_URL"), os.environ.get("OPENAI_API_KEY")
    if not base_url and not api_key:
        raise ConfigError("recording the openai backend needs OPENAI_API_KEY (api.openai.com) "
                          "or OPENAI_BASE_URL (another OpenAI-compatible server)",
                          hint="set one and run the command again")
    settings = eval_settings("openai", base_url=base_url, api_key=api_key,
                             model=os.environ.get("TRIALBRIEF_MODEL"), summary=summary)
    mode = resolve_mode(settings.structured_mode, settings.base_url, "openai")
    with OpenAIBackend(settings) as backend:
        assert backend.info.model is not None
        folder = base / f"openai-{backend.info.model}"
        _record_into(folder, cases, backend, settings, mode, cases_dir, progress, step)
    return folder


# -- scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseScore:
    case_id: str
    group: str
    kind: str
    traps: tuple[str, ...]
    status: str
    error: str | None
    identity: IdentityScore
    primary_met: bool
    results: ResultsScore
    fields: FieldsScore
    verified_incomplete: bool
    grounding: GroundingScore
    trap: TrapScore
    summary: SummaryScore | None
    cost: Cost
    seconds_known: bool


def score_case(case: Case, case_run: CaseRun) -> CaseScore:
    run, output = case_run.run, case_run.run.output
    record = output.record if output is not None else None
    checks = output.checks if output is not None else []
    comma = comma_decimal_locale(case.text)
    status = "failed" if run.error or output is None else output.status
    return CaseScore(
        case_id=case.id, group=case.group, kind=case.kind, traps=tuple(sorted(case.trap_kinds)),
        status=status, error=run.error,
        identity=score_identity(record, case.gold, comma),
        primary_met=primary_met_correct(record, case.gold),
        results=score_results(record, case.gold.get("results", []), comma),
        fields=score_fields(record, case.gold, case.kind, comma),
        verified_incomplete=verified_incomplete(status, record, case.gold),
        grounding=score_grounding(record, checks, case.text, comma),
        trap=score_traps(case.trap_kinds, checks),
        summary=score_summary(output, gold_record(case)),
        cost=score_cost(output, case_run.seconds or 0.0),
        seconds_known=case_run.seconds is not None,
    )


def _share(flags: Iterable[bool]) -> float | None:
    return add_tallies(Tally.of(f) for f in flags).rate


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return mean(known) if known else None


def metrics_of(cases: Sequence[CaseScore]) -> Metrics:
    """The backend's scores over all cases: counts added up (micro-averaged), then divided."""
    summaries = [c.summary for c in cases if c.summary is not None]
    clean = [c for c in cases if not c.traps]
    return {
        "cases": len(cases),
        "failed_runs": sum(1 for c in cases if c.status == "failed"),
        "verified": sum(1 for c in cases if c.status == "verified"),
        "verified_incomplete": sum(1 for c in cases if c.verified_incomplete),
        "trial_names_accuracy": _share(c.identity.trial_names for c in cases),
        "registry_ids_accuracy": _share(c.identity.registry_ids for c in cases),
        "n_total_accuracy": _share(c.identity.n_total for c in cases),
        "primary_met_accuracy": _share(c.primary_met for c in cases),
        "results_recall": add_tallies(c.results.recall for c in cases).rate,
        "results_precision": add_tallies(c.results.precision for c in cases).rate,
        "safety_recall": add_tallies(c.results.safety_recall for c in cases).rate,
        "safety_precision": add_tallies(c.results.safety_precision for c in cases).rate,
        "measure_agreement": add_tallies(c.results.measure_agrees for c in cases).rate,
        "endpoint_label_agreement": add_tallies(c.results.label_agrees for c in cases).rate,
        "primary_endpoint_named": _share(c.fields.primary_endpoint for c in cases),
        "arms_recall": add_tallies(c.fields.arms for c in cases).rate,
        "population_present": _share(c.fields.population for c in cases
                                     if c.fields.population is not None),
        "intervention_present": _share(c.fields.intervention for c in cases
                                       if c.fields.intervention is not None),
        "results_via_safety": sum(c.results.via_safety for c in cases),
        "grounded_share": add_tallies(c.grounding.grounded for c in cases).rate,
        "unflagged_ungrounded": sum(len(c.grounding.unflagged_ungrounded) for c in cases),
        "trap_recall": add_tallies(c.trap.detected for c in cases).rate,
        "false_alarm_rate": _share(c.trap.false_alarm for c in clean),
        "false_alarms": sum(1 for c in clean if c.trap.false_alarm),
        "trap_unrelated_findings": sum(len(c.trap.unrelated) for c in cases),
        "summary_numbers_grounded": add_tallies(s.numbers_grounded for s in summaries).rate,
        "spin_flags": sum(s.spin_flags for s in summaries),
        "summary_content": add_tallies(s.content for s in summaries).rate,
        "summary_direction_agreement": _share(
            d for s in summaries if (d := s.direction_agrees) is not None),
        "summary_unclear_misused": sum(1 for s in summaries if s.unclear_misused),
        "reading_grade": _mean(s.reading_grade for s in summaries),
        "summary_model_whole": _share(s.replaced_sections == 0 for s in summaries
                                      if s.replaced_sections is not None),
        "summary_sections_replaced": _mean(float(s.replaced_sections) for s in summaries
                                           if s.replaced_sections is not None),
        "summary_model_sections": _mean(float(s.model_sections) for s in summaries
                                        if s.model_sections is not None),
        "summary_words": _mean(float(s.words) for s in summaries),
        "prompt_tokens_per_article": _mean(float(c.cost.prompt_tokens) for c in cases),
        "completion_tokens_per_article": _mean(float(c.cost.completion_tokens) for c in cases),
        "attempts_per_article": _mean(float(c.cost.attempts) for c in cases),
        "retries": sum(c.cost.retries for c in cases),
        "seconds_per_article": _mean(c.cost.seconds for c in cases if c.seconds_known),
        "seconds_total": sum(c.cost.seconds for c in cases if c.seconds_known),
    }


@dataclass(frozen=True)
class BackendScores:
    spec: BackendSpec
    cases: list[CaseScore]
    metrics: Metrics
    recall_by_measure: dict[str, Tally]
    precision_by_measure: dict[str, Tally]


def score_backend(spec: BackendSpec, cases: Sequence[Case], runs: Sequence[CaseRun]
                  ) -> BackendScores:
    scores = [score_case(case, run) for case, run in zip(cases, runs, strict=True)]
    return BackendScores(
        spec, scores, metrics_of(scores),
        merge_by_key(c.results.recall_by_measure for c in scores),
        merge_by_key(c.results.precision_by_measure for c in scores),
    )


def verifier_score(cases: Sequence[Case]) -> VerifierScore:
    """Seeded faults in every gold record, and the unmodified gold records: does `verify`
    flag each fault, and stay silent on correct records?"""
    outcomes = []
    clean_flagged = []
    for case in cases:
        gold = gold_record(case)
        clean_errors = flagged_fields(verify(gold, case.text))
        clean_flagged.append(bool(clean_errors))
        outcomes += [score_fault(f, verify(f.record, case.text), clean_errors)
                     for f in faults_of(gold)]
    return score_verifier(outcomes, clean_flagged)


def verifier_metrics(score: VerifierScore) -> Metrics:
    return {"faults": score.recall.total, "gold_records": score.false_flags.total,
            "fault_recall": score.recall.rate, "fault_exactness": score.exact.rate,
            "false_flag_rate": score.false_flags.rate}


# -- the whole run ----------------------------------------------------------------------------


@dataclass
class EvalResult:
    cases_dir: Path
    cases_hash: str
    project_cases: bool
    backends: list[BackendScores]
    verifier: VerifierScore
    generated_at: datetime
    gate: GateOutcome | None = None
    notes: list[str] = field(default_factory=list)

    def current(self) -> dict[str, Metrics]:
        scores: dict[str, Metrics] = {b.spec.key: b.metrics for b in self.backends}
        scores[VERIFIER] = verifier_metrics(self.verifier)
        return scores


NOTES = [
    "Scores add up counts over all cases (micro-averaged) before dividing.",
    "A result matches a gold result when its values (estimate, CI bounds, read with the "
    "project's parser) are equal, its endpoint shares a word with the gold's (words such as "
    "'primary endpoint' aside) and its P is the same where both give one. Gold results about "
    "harm (adverse events, discontinuation, infections ...) are scored apart as safety: the "
    "record's safety findings may match them; results recall and precision are efficacy only.",
    "Primary endpoint named: the record names one exactly when the gold does, sharing a word. "
    "Arms found: gold arms with a label word in common and the same n. Population / arms "
    "present: single-trial reports whose record says in whom / names an arm.",
    "Grounded share: record numbers whose grounding check says grounded. Unflagged ungrounded: "
    "numbers whose cited span does not hold their value (recomputed here, independently of the "
    "verifier) that carry no error or warning; it must be 0.",
    "Traps: a declared trap kind among the checks (significance_claim_ci_crosses_null may also "
    "show as primary_met_mismatch). False alarms: clean cases with a consistency finding about "
    "the article itself (origin 'article').",
    "Verifier: seeded faults (evals/faults.py) in the gold records; recall = every changed field "
    "has an error; exact = no other field gained one; false flags = gold records with an error.",
    "Cost: tokens and attempts from the run's usage, retries and re-asks included; seconds per "
    "article are measured for rules and as recorded (timings.json) for replayed backends.",
]


def evaluate(backends: Sequence[str] | None = None, cases_dir: Path | None = None, *,
             record: bool = False, cassettes: Path | None = None,
             baseline: Baseline | None = None, console: Console | None = None,
             record_step: str | None = None, summary: bool = True) -> EvalResult:
    """`summary=False`: records only, no summary step (for a quick look at extraction on
    external cases; cassettes recorded that way replay only that way)."""
    cases_dir = cases_dir or CASES_DIR
    cases = load_cases(cases_dir)
    if not cases:
        raise UsageError(f"no cases in {cases_dir}", hint="pass a folder of case .json files")
    base = cassettes or cassette_base(cases_dir)
    if record or record_step:
        _record(backends, cases, cases_dir, base, console, record_step, summary)
    pinned = baseline.pins if baseline and is_project_cases(cases_dir) else {}
    specs = choose_backends(backends, cases_dir, base, pinned)
    scored = []
    for spec in specs:
        start = time.monotonic()
        scored.append(score_backend(spec, cases, run_backend(spec, cases, cases_dir, summary)))
        _say(console, f"[dim]{spec.key}: {len(cases)} cases in "
                      f"{time.monotonic() - start:.1f} s[/dim]")
    return EvalResult(cases_dir, cases_hash(cases_dir), is_project_cases(cases_dir), scored,
                      verifier_score(cases), datetime.now(UTC), notes=list(NOTES))


def _record(backends: Sequence[str] | None, cases: Sequence[Case], cases_dir: Path,
            base: Path, console: Console | None, step: str | None = None,
            summary: bool = True) -> None:
    kinds = [b.split("-", 1)[0] for b in backends or [] if b != "rules"]
    if not kinds:
        raise UsageError("--record needs the LLM backend to record",
                         hint="e.g. trialbrief eval --backend llamacpp --record")
    for kind in dict.fromkeys(kinds):
        def progress(run: Run, kind: str = kind) -> None:
            _say(console, escape(f"  recorded {kind} {run.case.id}: {run.seconds:.0f} s"
                                 + (f" ({run.error})" if run.error else "")))

        folder = record_backend(kind, cases, cases_dir, base, progress, step, summary)
        _say(console, escape(f"recorded {len(cases)} cassettes in {folder}"))


def _say(console: Console | None, text: str) -> None:
    if console is not None:
        console.print(text)


def run_cli(*, backends: list[str] | None, cases: Path | None, record: bool,
            record_step: str | None = None,
            report: Path | None, json_out: Path | None, gate: bool, update_baseline: bool,
            allow_lower: bool, console: Console, baseline_path: Path = BASELINE_PATH,
            cassettes: Path | None = None, summary: bool = True) -> int:
    """The `trialbrief eval` command. Returns the exit code: 0 passed (or not gated),
    1 below a pin, cases changed, or a refused lowering. Errors raise (the CLI's exit codes)."""
    from evals.report import print_tables, render_html, to_json

    cases_dir = cases or CASES_DIR
    if (update_baseline or allow_lower) and not is_project_cases(cases_dir):
        raise UsageError("the baseline pins the project's own cases only",
                         hint="drop --cases to update the baseline")
    if allow_lower and not update_baseline:
        raise UsageError("--allow-lower only applies with --update-baseline")
    if update_baseline and not summary:
        raise UsageError("the baseline pins summary scores too", hint="drop --no-summary")
    baseline = load_baseline(baseline_path)
    result = evaluate(backends, cases_dir, record=record, cassettes=cassettes, baseline=baseline,
                      console=console, record_step=record_step, summary=summary)
    update = None
    if update_baseline:
        update = update_pins(baseline, result.current(), result.cases_hash, allow_lower)
    elif gate and not summary:
        result.notes.append("Not gated: --no-summary leaves the summary scores out.")
    elif gate and result.project_cases:
        result.gate = check_gate(baseline, result.current(), result.cases_hash)
    elif gate:
        result.notes.append(f"Not gated: {cases_dir} is not the project's cases folder.")
    # Pins hold for the project's cases: other cases are shown without them.
    shown = baseline if result.project_cases else Baseline()
    print_tables(result, shown, console)
    # Reports go only where the user asked: an eval run leaves no files behind by itself.
    if json_out is not None:
        write_atomic(json_out, json.dumps(to_json(result, shown), indent=2) + "\n")
        console.print(escape(f"wrote {json_out}"))
    if report is not None:
        write_atomic(report, render_html(result, shown))
        console.print(escape(f"wrote {report}"))
    if update is not None:
        return _apply_update(baseline_path, baseline, update, result, allow_lower, console)
    return 0 if result.gate is None or result.gate.passed else 1


def _apply_update(path: Path, baseline: Baseline, update: PinUpdate, result: EvalResult,
                  allow_lower: bool, console: Console) -> int:
    if update.refused and not allow_lower:
        console.print("[red]refused to lower pins[/red] (pass --allow-lower to do it on purpose):")
        for line in update.refused:
            console.print(f"  {escape(line)}")
        return 1
    for line in update.refused:
        console.print(f"  [yellow]lowered[/yellow] {escape(line)}")
    for line in update.raised:
        console.print(f"  [green]pinned[/green] {escape(line)}")
    stale = [k for k in baseline.pins if k not in result.current()]
    if stale and baseline.cases_hash != result.cases_hash:
        console.print(f"[yellow]not re-measured on the changed cases:[/yellow] "
                      f"{', '.join(stale)}")
    write_atomic(path, baseline_json(update.baseline))
    changed = len(update.raised) + len(update.refused)
    console.print(escape(f"baseline {path} updated ({changed} pins changed)"))
    return 0
