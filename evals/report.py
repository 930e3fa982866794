"""Presenting an eval: rich tables on the console, the JSON scores, and a self-contained HTML page.

Pure apart from printing: renderers read an `EvalResult` and never change it.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evals.gate import VERIFIER, Baseline, Metrics, holds, pin_name
from evals.runner import BackendScores, CaseScore, EvalResult, verifier_metrics
from evals.scorers import Tally

# (metric, label): the order of the score tables.
METRIC_ROWS: tuple[tuple[str, str], ...] = (
    ("cases", "cases"),
    ("failed_runs", "failed runs"),
    ("verified", "records verified"),
    ("verified_incomplete", "verified, yet missing a stated primary endpoint or n"),
    ("trial_names_accuracy", "identity: trial names"),
    ("registry_ids_accuracy", "identity: registry ids"),
    ("n_total_accuracy", "identity: n total"),
    ("primary_endpoint_named", "primary endpoint named"),
    ("primary_met_accuracy", "primary endpoint met"),
    ("arms_recall", "arms found"),
    ("population_present", "population present (single trials)"),
    ("intervention_present", "arms present (single trials)"),
    ("results_recall", "results recall (efficacy)"),
    ("results_precision", "results precision"),
    ("safety_recall", "safety results recall"),
    ("safety_precision", "safety findings precision"),
    ("measure_agreement", "measure agrees (matched)"),
    ("endpoint_label_agreement", "endpoint label agrees (values found)"),
    ("results_via_safety", "matched via safety findings"),
    ("grounded_share", "grounding: share grounded"),
    ("unflagged_ungrounded", "grounding: unflagged ungrounded"),
    ("trap_recall", "traps detected"),
    ("false_alarm_rate", "false alarm rate (clean cases)"),
    ("false_alarms", "false alarms"),
    ("trap_unrelated_findings", "unrelated findings on traps"),
    ("summary_numbers_grounded", "summary: numbers grounded"),
    ("spin_flags", "summary: spin flags"),
    ("reading_grade", "summary: reading grade (target ≤ 8)"),
    ("summary_words", "summary: words"),
    ("summary_model_whole", "summary: model's draft published whole"),
    ("summary_sections_replaced", "summary: model sections replaced by the template"),
    ("summary_model_sections", "summary: sections published in the model's words"),
    ("summary_content", "summary: content told (arms, n, primary, caveat)"),
    ("summary_direction_agreement", "summary: verdict and direction agree with gold"),
    ("summary_unclear_misused", "summary: 'not yet clear' despite a primary result"),
    ("prompt_tokens_per_article", "cost: prompt tokens / article"),
    ("completion_tokens_per_article", "cost: completion tokens / article"),
    ("attempts_per_article", "cost: model calls / article"),
    ("retries", "cost: retries (all articles)"),
    ("seconds_per_article", "cost: seconds / article"),
    ("seconds_total", "cost: seconds (all articles)"),
)
VERIFIER_ROWS: tuple[tuple[str, str], ...] = (
    ("gold_records", "gold records"),
    ("faults", "seeded faults"),
    ("fault_recall", "fault recall"),
    ("fault_exactness", "fault exactness"),
    ("false_flag_rate", "false flag rate (gold records)"),
)
_ONE_DECIMAL = frozenset({"reading_grade", "summary_words", "summary_sections_replaced",
                          "summary_model_sections",
                          "seconds_per_article",
                          "seconds_total", "prompt_tokens_per_article",
                          "completion_tokens_per_article", "attempts_per_article"})
_COUNTS = frozenset({"cases", "failed_runs", "verified", "verified_incomplete",
                     "results_via_safety", "unflagged_ungrounded",
                     "false_alarms", "trap_unrelated_findings", "spin_flags", "retries",
                     "gold_records", "faults"})


def fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    if metric == "seconds_per_article":
        return f"{value:.2f}"
    if metric in _ONE_DECIMAL:
        return f"{value:.1f}"
    if metric in _COUNTS:
        return f"{value:.0f}"
    return f"{value:.3f}"


@dataclasses.dataclass(frozen=True)
class Cell:
    text: str
    verdict: bool | None
    """True: holds its pin; False: below it; None: not pinned."""


def cell(key: str, metric: str, metrics: Metrics, baseline: Baseline) -> Cell:
    value = metrics.get(metric)
    pin = baseline.pins.get(key, {}).get(pin_name(metric))
    if pin is None:
        return Cell(fmt(metric, value), None)
    sign = "≤" if pin_name(metric) != metric else "≥"
    return Cell(f"{fmt(metric, value)} ({sign}{pin:g})", holds(metric, value, pin))


def columns(result: EvalResult) -> list[tuple[str, Metrics]]:
    return [(b.spec.key, b.metrics) for b in result.backends]


# -- console ----------------------------------------------------------------------------------

_MARK = {True: "[green]✓[/green] ", False: "[red]✗[/red] ", None: ""}
MIN_WIDTH = 120
_STATUS = {"verified": "ok", "needs_review": "review", "not_a_trial": "no trial",
           "failed": "[red]FAILED[/red]"}


def print_tables(result: EvalResult, baseline: Baseline, console: Console) -> None:
    wide = _wide(console)
    for backend in result.backends:
        wide.print(case_table(backend))
    wide.print(score_table(result, baseline))
    wide.print(verifier_table(result, baseline))
    _print_gate(result, console)


def _wide(console: Console) -> Console:
    """The same output, at least MIN_WIDTH wide: a CI log is no terminal, and rich would
    squeeze the tables into 80 columns."""
    if console.width >= MIN_WIDTH:
        return console
    return Console(file=console.file, width=MIN_WIDTH, highlight=False,
                   force_terminal=console.is_terminal, no_color=console.no_color,
                   color_system="auto" if console.color_system else None)


def case_table(backend: BackendScores) -> Table:
    table = Table(title=f"{backend.spec.key}: per case", title_justify="left",
                  box=box.SIMPLE_HEAD)
    table.add_column("case", no_wrap=True)
    for name in ("status", "recall", "prec.", "grounded", "traps", "grade", "tokens", "s"):
        table.add_column(name, justify="left" if name == "status" else "right", no_wrap=True)
    for c in backend.cases:
        table.add_row(escape(c.case_id), _STATUS.get(c.status, escape(c.status)),
                      _tally(c.results.recall), _tally(c.results.precision),
                      _tally(c.grounding.grounded), _trap_text(c),
                      fmt("reading_grade", c.summary.reading_grade if c.summary else None),
                      str(c.cost.prompt_tokens + c.cost.completion_tokens),
                      f"{c.cost.seconds:.1f}" if c.seconds_known else "—")
    return table


def score_table(result: EvalResult, baseline: Baseline) -> Table:
    title = "scores" if len(result.backends) == 1 else "scores: " + " vs ".join(
        key for key, _ in columns(result))
    table = Table(title=f"{title} ({result.cases_dir})", title_justify="left")
    table.add_column("score")
    for key, _ in columns(result):
        table.add_column(key, justify="right")
    for metric, label in METRIC_ROWS:
        cells = [cell(key, metric, metrics, baseline) for key, metrics in columns(result)]
        table.add_row(label, *(_MARK[c.verdict] + escape(c.text) for c in cells))
    return table


def verifier_table(result: EvalResult, baseline: Baseline) -> Table:
    metrics = verifier_metrics(result.verifier)
    table = Table(title="verifier on the gold records (seeded faults)", title_justify="left")
    table.add_column("score")
    table.add_column("value", justify="right")
    for metric, label in VERIFIER_ROWS:
        c = cell(VERIFIER, metric, metrics, baseline)
        table.add_row(label, _MARK[c.verdict] + escape(c.text))
    for kind, tally in result.verifier.recall_by_kind.items():
        table.add_row(escape(f"  recall: {kind}"), _tally(tally))
    return table


def _print_gate(result: EvalResult, console: Console) -> None:
    gate = result.gate
    if gate is None:
        return
    if gate.passed:
        console.print(f"[green]gate passed[/green]: {', '.join(gate.checked)} at or above "
                      "their pins")
    else:
        console.print("[red]gate failed[/red]:")
        for line in gate.failures:
            console.print(f"  {escape(line)}")
    if gate.not_run:
        console.print(f"[yellow]pinned but not run:[/yellow] {', '.join(gate.not_run)}")


def _tally(tally: Tally) -> str:
    return f"{tally.hits}/{tally.total}" if tally.total else "—"


def _trap_text(case: CaseScore) -> str:
    if case.traps:
        return _tally(case.trap.detected)
    return "false alarm" if case.trap.false_alarm else ""


# -- JSON -------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """JSON-ready: dataclasses as objects (tallies with their rate), tuples as lists."""
    if isinstance(value, Tally):
        return {"hits": value.hits, "total": value.total, "rate": value.rate}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def to_json(result: EvalResult, baseline: Baseline) -> dict[str, Any]:
    return {
        "generated_at": result.generated_at.isoformat(timespec="seconds"),
        "cases_dir": str(result.cases_dir),
        "cases_hash": result.cases_hash,
        "project_cases": result.project_cases,
        "notes": result.notes,
        "baseline": {"cases_hash": baseline.cases_hash, "pins": baseline.pins},
        "gate": None if result.gate is None else {
            "passed": result.gate.passed, "failures": result.gate.failures,
            "checked": result.gate.checked, "not_run": result.gate.not_run},
        "verifier": {"metrics": verifier_metrics(result.verifier),
                     "recall_by_kind": plain(result.verifier.recall_by_kind)},
        "backends": {b.spec.key: {
            "backend": b.spec.kind, "model": b.spec.model,
            "cassettes": str(b.spec.folder) if b.spec.folder else None,
            "metrics": b.metrics,
            "recall_by_measure": plain(b.recall_by_measure),
            "precision_by_measure": plain(b.precision_by_measure),
            "cases": [plain(c) for c in b.cases],
        } for b in result.backends},
    }


# -- HTML -------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:100rem;
padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;vertical-align:top;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f6f8fa}
.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:600}.dim{color:#656d76}
.verdict{padding:.5rem .75rem;border-radius:6px;display:inline-block}
.ok{background:#dafbe1}.bad{background:#ffebe9}.none{background:#f6f8fa}
details{margin:.1rem 0}summary{cursor:pointer}code{font-size:.9em;white-space:nowrap}
.wide{overflow-x:auto}.wide td:last-child{min-width:22rem}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Cells are HTML already (escaped by the caller)."""
    out = ["<table><thead><tr>", *(f"<th>{h}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _td(text: str, numeric: bool = False, cls: str = "") -> str:
    classes = " ".join(c for c in ("n" if numeric else "", cls) if c)
    return f'<td class="{classes}">{text}</td>' if classes else f"<td>{text}</td>"


def _cell_html(c: Cell) -> str:
    mark = {True: '<span class="pass">✓</span> ', False: '<span class="fail">✗</span> ',
            None: ""}[c.verdict]
    return _td(mark + _e(c.text), numeric=True)


def _gate_html(result: EvalResult) -> str:
    gate = result.gate
    if gate is None:
        why = ("not gated: external cases" if not result.project_cases
               else "not gated (--no-gate or --update-baseline)")
        return f'<p class="verdict none">{_e(why)}</p>'
    if gate.passed:
        text = f"gate passed: {', '.join(gate.checked)} at or above their pins"
        body = f'<p class="verdict ok">{_e(text)}</p>'
    else:
        items = "".join(f"<li>{_e(f)}</li>" for f in gate.failures)
        body = f'<div class="verdict bad"><strong>gate failed</strong><ul>{items}</ul></div>'
    if gate.not_run:
        body += f'<p class="dim">pinned but not run: {_e(", ".join(gate.not_run))}</p>'
    return body


def _scores_html(result: EvalResult, baseline: Baseline) -> str:
    rows = [[_td(_e(label)), *(_cell_html(cell(key, metric, metrics, baseline))
                               for key, metrics in columns(result))]
            for metric, label in METRIC_ROWS]
    return _table(["score", *(_e(k) for k, _ in columns(result))], rows)


def _measures_html(result: EvalResult) -> str:
    measures = sorted({m for b in result.backends
                       for m in (*b.recall_by_measure, *b.precision_by_measure)})
    head = ["measure"] + [f"{_e(b.spec.key)}: recall" for b in result.backends] + [
        f"{_e(b.spec.key)}: precision" for b in result.backends]
    rows = []
    for m in measures:
        recall = [_td(_e(_tally_rate(b.recall_by_measure.get(m))), True)
                  for b in result.backends]
        precision = [_td(_e(_tally_rate(b.precision_by_measure.get(m))), True)
                     for b in result.backends]
        rows.append([_td(_e(m)), *recall, *precision])
    note = ('<p class="dim">Recall is keyed by the gold measure, precision by the record\'s; '
            '"safety" rows are the record\'s safety findings, matched against the gold\'s '
            "safety percentages.</p>")
    return _table(head, rows) + note


def _tally_rate(tally: Tally | None) -> str:
    if tally is None or not tally.total:
        return "—"
    return f"{tally.hits}/{tally.total} ({tally.rate:.2f})"


def _verifier_html(result: EvalResult, baseline: Baseline) -> str:
    metrics = verifier_metrics(result.verifier)
    rows = [[_td(_e(label)), _cell_html(cell(VERIFIER, metric, metrics, baseline))]
            for metric, label in VERIFIER_ROWS]
    rows += [[_td(_e(f"recall: {kind}")), _td(_e(_tally_rate(t)), True)]
             for kind, t in result.verifier.recall_by_kind.items()]
    return _table(["score", "value"], rows)


def _list(items: Sequence[str], title: str) -> str:
    if not items:
        return ""
    lis = "".join(f"<li>{_e(i)}</li>" for i in items)
    return f"<details><summary>{_e(title)} ({len(items)})</summary><ul>{lis}</ul></details>"


def _case_row(c: CaseScore) -> list[str]:
    ident = "".join("✓" if ok else "✗" for ok in (c.identity.trial_names,
                                                    c.identity.registry_ids, c.identity.n_total))
    status = _e(c.status) + (f'<br><span class="fail">{_e(c.error)}</span>' if c.error else "")
    found = "found" if c.trap.detected.hits == c.trap.detected.total else "MISSED"
    traps = (f"{', '.join(c.traps)}: {found}" if c.traps
             else ("false alarm" if c.trap.false_alarm else ""))
    problems = "".join((
        _list(c.results.missed, "gold results missed"),
        _list(c.results.extra, "record results not in the gold"),
        _list(c.grounding.unflagged_ungrounded, "unflagged ungrounded numbers"),
        _list(c.trap.alarms, "consistency findings about the article"),
    ))
    s = c.summary
    return [
        _td(f"<code>{_e(c.case_id)}</code><br><span class=dim>{_e(c.group)}, {_e(c.kind)}"
            "</span>"),
        _td(status), _td(ident), _td("✓" if c.primary_met else "✗"),
        _td(_e(_tally(c.results.recall)), True), _td(_e(_tally(c.results.precision)), True),
        _td(_e(_tally(c.grounding.grounded)), True), _td(_e(traps)),
        _td(_e(_tally(s.numbers_grounded) if s else "—"), True),
        _td(_e(str(s.spin_flags) if s else "—"), True),
        _td(_e(fmt("reading_grade", s.reading_grade if s else None)), True),
        _td(_e(f"{c.cost.prompt_tokens}+{c.cost.completion_tokens}"), True),
        _td(_e(str(c.cost.attempts)), True),
        _td(_e(f"{c.cost.seconds:.1f}" if c.seconds_known else "—"), True),
        _td(problems),
    ]


_CASE_HEAD = ["case", "status", "names/ids/n", "met", "recall", "precision", "grounded",
              "traps", "summary numbers", "spin", "grade", "tokens (in+out)", "calls", "s",
              "details"]


def render_html(result: EvalResult, baseline: Baseline) -> str:
    sections = [
        f"<h1>trialbrief eval: {_e(', '.join(k for k, _ in columns(result)))}</h1>",
        f'<p class="dim">{len(result.backends[0].cases) if result.backends else 0} cases from '
        f"<code>{_e(result.cases_dir)}</code> (sha256 <code>{_e(result.cases_hash[:16])}…"
        f"</code>), {_e(result.generated_at.isoformat(timespec='seconds'))}</p>",
        _gate_html(result),
        "<h2>Scores</h2>", _scores_html(result, baseline),
        '<p class="dim">✓/✗: at or above (below) the pin in parentheses; ≤ marks a maximum.</p>',
        "<h2>Results by measure</h2>", _measures_html(result),
        "<h2>Verifier on the gold records</h2>", _verifier_html(result, baseline),
    ]
    for b in result.backends:
        where = f" (cassettes: {b.spec.folder})" if b.spec.folder else " (live)"
        sections += [f"<h2>Per case: {_e(b.spec.key)}{_e(where)}</h2>",
                     '<div class="wide">' + _table(_CASE_HEAD, (_case_row(c) for c in b.cases))
                     + "</div>"]
    sections += ["<h2>How these are scored</h2>",
                 "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in result.notes) + "</ul>"]
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>trialbrief eval</title>"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(sections)
            + "\n</body></html>\n")

