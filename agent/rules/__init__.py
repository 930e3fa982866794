"""The `rules` backend: a deterministic extractor that needs no language model.

`extract_draft(text)` reads the article once with `document.analyse` and fills a `DraftRecord`
from patterns alone. It is the offline default and the baseline every model backend must beat.

Two promises hold for everything it writes:

* every number (estimate, CI bounds, P, n) is the text of a token the parser found, copied as
  written, so `anchor.anchor_record` re-reads it at its span;
* every quote is a slice of the article that contains its numbers.

It prefers an empty field to a guess: a wrong number is worse than a missing one, and the
verifier reports the result tuples a record leaves out. Text in the reference list and text that
reads as an instruction to a model (`Document.injection_spans`) never becomes a result.

The modules, in the order `extract_draft` uses them:

* `layout`: headline, byline (presenter and congress), sections, the body's sentences;
* `identity`: trial names and registry ids;
* `arms`: the arms and the number of patients; `design`: randomisation, blinding, phase ...;
* `endpoints`: the primary endpoint, the endpoint a result is about, time points;
* `stats`: result tuples, reductions and figures printed without a CI; `quotes`: their quotes;
* `percents`: per-arm values and the arm each belongs to;
* `results`: all of these as `DraftResult`s and `DraftSafety`s;
* `met`: whether the primary endpoint was met;
* `text`: small helpers they share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent.document import Document, analyse
from agent.draft import DraftRecord, DraftResult, DraftSafety
from agent.rules.arms import find_arms, find_n_total
from agent.rules.design import design_of, population_of
from agent.rules.endpoints import (
    endpoint_phrase,
    find_primary_endpoint,
    follow_up,
    matches_primary,
    timepoint_in,
)
from agent.rules.factsheet import (
    listed_arms,
    listed_primary,
    listed_values,
    table_arms,
    table_values,
)
from agent.rules.identity import GENERIC_ACRONYMS, TrialNames, find_trial_names, registry_ids
from agent.rules.labels import label_near, weak_label
from agent.rules.layout import (
    Layout,
    Section,
    conclusion,
    presenter_and_congress,
    read_layout,
)
from agent.rules.met import MetClaim, primary_met
from agent.rules.percents import ArmGroup, ArmValue, Ref, arm_groups, per_arm_measure
from agent.rules.quotes import quote_span
from agent.rules.results import (
    UNNAMED,
    Context,
    arm_results,
    figure_results,
    fraction_results,
    lone_safety,
    reduction_results,
    stat_results,
    stated_values,
    taken_values,
    value_at,
)
from agent.rules.stats import (
    Figure,
    Reduction,
    Stat,
    loose_figures,
    measure_for,
    p_text,
    reductions,
    result_stats,
)
from agent.schema import Span

__all__ = [
    "GENERIC_ACRONYMS",
    "UNNAMED",
    "ArmGroup",
    "ArmValue",
    "Context",
    "Figure",
    "Layout",
    "MetClaim",
    "Reduction",
    "Ref",
    "Section",
    "Span",
    "Stat",
    "TrialNames",
    "arm_groups",
    "design_of",
    "endpoint_phrase",
    "extract_draft",
    "find_arms",
    "find_n_total",
    "find_primary_endpoint",
    "find_trial_names",
    "follow_up",
    "iter_numbers",
    "loose_figures",
    "matches_primary",
    "measure_for",
    "p_text",
    "per_arm_measure",
    "presenter_and_congress",
    "primary_met",
    "quote_span",
    "read_layout",
    "reductions",
    "registry_ids",
    "result_stats",
    "timepoint_in",
]

_TRIAL_WORDS = re.compile(
    r"\brandomi[sz]ed\b|\brandomly\s+assigned|\bdouble[- ]blind|\bopen[- ]label|\bplacebo"
    r"|\bphase[\s-]?(?:I{1,3}|[1-4])\b|\benrolled\b|\bregistry\b|\bmeta-analysis\b|\bcohort\b"
    r"|\bpre-?specified\s+(?:\w+\s+)?analys[ie]s|\bpost[- ]hoc\b|\bsecondary\s+analys[ie]s"
    r"|\brandomisiert|\bdoppelblind", re.I)


def extract_draft(text: str) -> DraftRecord:
    """The draft record the rules find in `text`: numbers as written, quotes as slices."""
    doc = analyse(text)
    layout = read_layout(text)
    trials = find_trial_names(doc, layout)
    arms = [] if trials.roundup else (find_arms(doc, layout) or listed_arms(doc, layout)
                                      or table_arms(doc, layout))
    primary = None if trials.roundup else find_primary_endpoint(doc, layout)
    ctx = Context(doc, layout, trials, arms, primary, follow_up(doc, layout))
    stats = result_stats(doc)
    results, primary_tuples = stat_results(ctx, stats)
    results += reduction_results(ctx, stats, results)
    results += figure_results(ctx, stats, results)
    per_arm, safety = arm_results(ctx, stats)
    results += per_arm
    results += _new(text, results, listed_values(doc, layout, arms, UNNAMED))
    results += _new(text, results, table_values(doc, layout, arms or table_arms(doc, layout)))
    safety += lone_safety(ctx, results, safety)
    results += fraction_results(ctx, results)
    results += stated_values(ctx, results, safety)
    results.sort(key=lambda r: text.find(r.quote))
    for result in results:
        listed = listed_primary(text, text.find(result.quote))
        if listed is not None and result.is_primary is not True:
            result.is_primary = listed
    _name_unnamed(doc, results, safety, primary)
    presenter, congress = presenter_and_congress(text, layout, trials.roundup, doc.body_end)
    population, condition = (None, None) if trials.roundup else population_of(doc, layout)
    design = design_of(doc, layout, arms)
    # A statistic, a stated relative reduction ('an X% reduced likelihood of progression') or
    # the words of a trial's design make a trial report.
    is_trial = bool(stats) or any(r.measure == "RRR" for r in results) or bool(
        _TRIAL_WORDS.search(text[layout.body_start():doc.body_end]))
    met = None
    if is_trial and not trials.roundup:
        met = primary_met(doc, layout, primary, primary_tuples, bool(design.non_inferiority))
    return DraftRecord(
        is_trial_report=is_trial,
        trial_names=trials.names,
        registry_ids=registry_ids(text),
        congress=congress,
        presenter=presenter,
        population=population,
        condition=condition,
        design=design,
        arms=arms,
        n_total=None if trials.roundup else find_n_total(doc, layout, arms),
        primary_endpoint=primary,
        primary_endpoint_met="not_stated" if met is None else met.verdict,
        primary_met_quote=text[met.sentence[0]:met.sentence[1]].strip() if met else None,
        results=results if is_trial else [],
        safety=safety if is_trial else [],
        conclusion=conclusion(doc, layout),
    )


def _new(text: str, have: list[DraftResult], candidates: list[DraftResult]
         ) -> list[DraftResult]:
    """The candidates whose value no result already took."""
    taken = taken_values(text, have, [])
    return [c for c in candidates if value_at(text, c.estimate, c.quote) not in taken]


def _name_unnamed(doc: Document, results: list[DraftResult], safety: list[DraftSafety],
                  primary: str | None = None) -> None:
    """Results and safety findings whose own clause named no endpoint take the endpoint term
    nearest to their value (`labels.label_near`); a ratio so named after the primary endpoint
    is the primary result."""
    for result in results:
        better = _better_label(doc, result.endpoint, result.estimate, result.quote)
        if better is None and result.is_primary and primary and weak_label(result.endpoint):
            result.endpoint = primary  # 'there: 1,083 vs 1,283' under the primary endpoint
            continue
        if better:
            result.endpoint = better
            if result.is_primary is not True and result.measure in _RATIOS and matches_primary(
                    better, primary):
                result.is_primary = True
    for finding in safety:
        better = _better_label(doc, finding.event, finding.value, finding.quote)
        if better:
            finding.event = better


def _better_label(doc: Document, label: str, value: str | None, quote: str | None) -> str | None:
    if not (label == UNNAMED or weak_label(label)) or not value:
        return None
    pos = value_at(doc.text, value, quote)
    return label_near(doc, (pos, pos + len(value)), UNNAMED) if pos >= 0 else None


_RATIOS = frozenset({"HR", "OR", "RR", "IRR", "rate ratio"})


def iter_numbers(draft: DraftRecord) -> Iterable[str]:
    """Every number the draft cites, as written (for tests and evals)."""
    if draft.n_total:
        yield draft.n_total
    for arm in draft.arms:
        if arm.n:
            yield arm.n
    for result in draft.results:
        for raw in (result.estimate, result.ci_lower, result.ci_upper, result.p, result.n):
            if raw:
                yield raw
    for finding in draft.safety:
        if finding.value:
            yield finding.value
