"""Scorers: small pure functions that compare one backend's output with a case's gold record.

Every scorer returns counts (`Tally`: hits out of a total), not rates, so that a whole run is
scored by adding the counts of its cases (micro-averaged) and an empty case (no gold results,
no record numbers) adds nothing instead of a meaningless 0 or 1.

Numbers are compared as values, re-read from their text with the project's parser
(`agent.numbers.parse_number`), so "0·75" equals "0.75" and "1 635" equals "1635".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agent.grounding import cited_numbers
from agent.numbers import parse_number
from agent.output import Output
from agent.report import Check, Report
from agent.schema import Number, TrialRecord
from agent.summary_check import NOT_YET_CLEAR, SummaryInput, result_significant, traced_fields
from agent.textmatch import mentions
from evals.faults import Fault, flagged_fields

# -- counting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """`hits` out of `total`; the rate is None when there was nothing to count."""

    hits: int = 0
    total: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.hits + other.hits, self.total + other.total)

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None

    @classmethod
    def of(cls, hit: bool) -> Tally:
        return cls(int(hit), 1)


def add_tallies(tallies: Iterable[Tally]) -> Tally:
    return sum(tallies, Tally())


def merge_by_key(parts: Iterable[Mapping[str, Tally]]) -> dict[str, Tally]:
    merged: dict[str, Tally] = {}
    for part in parts:
        for key, tally in part.items():
            merged[key] = merged.get(key, Tally()) + tally
    return dict(sorted(merged.items()))


def value_of(text: str | None, comma_decimal: bool = False) -> Decimal | None:
    """The value of a number as written, or None (absent or unreadable)."""
    if text is None:
        return None
    parsed = parse_number(text, comma_decimal)
    return parsed.value if parsed is not None else None


def number_value(number: Number | None, comma_decimal: bool = False) -> Decimal | None:
    return value_of(number.text, comma_decimal) if number is not None else None


# -- identity ---------------------------------------------------------------------------------

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")


def _name_key(name: str) -> str:
    return " ".join(_DASHES.sub("-", name).casefold().split())


def names_match(predicted: Sequence[str], gold: Sequence[str]) -> bool:
    """The same set of trial names (case, dash style and spacing aside)."""
    return {_name_key(n) for n in predicted} == {_name_key(n) for n in gold}


def ids_match(predicted: Sequence[str], gold: Sequence[str]) -> bool:
    return {i.strip().upper() for i in predicted} == {i.strip().upper() for i in gold}


def n_total_match(predicted: Number | None, gold: str | None, comma_decimal: bool = False
                  ) -> bool:
    """Exact: both absent, or both present with the same value."""
    if predicted is None or gold is None:
        return predicted is None and gold is None
    value = number_value(predicted, comma_decimal)
    return value is not None and value == value_of(gold, comma_decimal)


@dataclass(frozen=True)
class IdentityScore:
    trial_names: bool
    registry_ids: bool
    n_total: bool


def score_identity(record: TrialRecord | None, gold: Mapping[str, Any],
                   comma_decimal: bool = False) -> IdentityScore:
    if record is None:
        return IdentityScore(False, False, False)
    return IdentityScore(
        trial_names=names_match(record.trial_names, gold.get("trial_names", [])),
        registry_ids=ids_match(record.registry_ids, gold.get("registry_ids", [])),
        n_total=n_total_match(record.n_total, gold.get("n_total"), comma_decimal),
    )


_MET = {True: "yes", False: "no", None: "not_stated"}


def primary_met_correct(record: TrialRecord | None, gold: Mapping[str, Any]) -> bool:
    return record is not None and record.primary_endpoint_met == _MET[
        gold.get("primary_endpoint_met")]


# -- results ----------------------------------------------------------------------------------

ValueKey = tuple[Decimal | None, Decimal | None, Decimal | None]
_STOPWORDS = frozenset({"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or",
                        "the", "to", "vs", "versus", "with", "without", "was", "were", "who"})
# Words every endpoint label may carry: sharing only these says nothing about the endpoint.
_LABEL_WORDS = frozenset({"primary", "secondary", "co", "coprimary", "endpoint", "endpoints",
                          "outcome", "outcomes", "rate", "rates", "patients", "superiority",
                          "non", "inferiority", "noninferiority", "key", "main", "overall"})
# A gold result is a safety finding when its endpoint names harm, not benefit.
_SAFETY_ENDPOINT = re.compile(
    r"advers|side[- ]effect|toxicit|tolerab|discontinu|\bAEs?\b|\bTEAEs?\b|\bSAEs?\b"
    r"|\bARIA|infusion[- ]related|injection[- ]site|serious|hypotension|neutropeni|infection"
    r"|hyperkal|grade\s*(?:[≥>]=?\s*)?[345]|Nebenwirkung|unerwünscht", re.I)


def words_of(text: str | None) -> frozenset[str]:
    """The content words, singular ('discontinuations' shares a word with 'discontinuation')."""
    return frozenset(_singular(w) for w in re.findall(r"[a-z0-9]+", (text or "").casefold())
                     if w not in _STOPWORDS)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") \
        else word


def phrase_of(text: str | None) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", (text or "").casefold()))


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two word sets (0 when both are empty)."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def is_safety_endpoint(endpoint: str | None) -> bool:
    return bool(_SAFETY_ENDPOINT.search(endpoint or ""))


@dataclass(frozen=True)
class ScoredResult:
    """One result (gold or record) reduced to what matching needs: values, P, then words."""

    measure: str
    key: ValueKey
    p: Decimal | None
    endpoint: frozenset[str]
    arm: frozenset[str]
    safety: bool = False
    """A gold result about harm, or a safety finding of the record."""
    label: str = ""
    phrase: tuple[str, ...] = ()
    """The endpoint's words in order, hyphenated words split (for acronyms)."""

    @property
    def has_values(self) -> bool:
        return any(v is not None for v in self.key)


def gold_results(results: Sequence[Mapping[str, Any]], comma_decimal: bool = False
                 ) -> list[ScoredResult]:
    return [ScoredResult(
        measure=r["measure"],
        key=(value_of(r.get("estimate"), comma_decimal), value_of(r.get("ci_lower"),
             comma_decimal), value_of(r.get("ci_upper"), comma_decimal)),
        p=value_of(r.get("p"), comma_decimal),
        endpoint=words_of(r.get("endpoint")), arm=words_of(r.get("arm")),
        phrase=phrase_of(r.get("endpoint")),
        safety=is_safety_endpoint(r.get("endpoint")) and r.get("is_primary") is not True,
        label=_label(r.get("endpoint"), r["measure"], r.get("estimate"), r.get("ci_lower"),
                     r.get("ci_upper")),
    ) for r in results]


def record_results(record: TrialRecord | None, comma_decimal: bool = False
                   ) -> list[ScoredResult]:
    """The record's results, then its safety findings with a value (as percentages: the gold
    lists safety percentages among its results)."""
    if record is None:
        return []
    scored = [ScoredResult(
        measure=r.measure,
        key=(number_value(r.estimate, comma_decimal), number_value(r.ci_lower, comma_decimal),
             number_value(r.ci_upper, comma_decimal)),
        p=number_value(r.p, comma_decimal),
        endpoint=words_of(r.endpoint), arm=words_of(r.arm), phrase=phrase_of(r.endpoint),
        label=_label(r.endpoint, r.measure, *(_text(n) for n in (r.estimate, r.ci_lower,
                                                                  r.ci_upper))),
    ) for r in record.results]
    scored += [ScoredResult(
        measure="percent", key=(number_value(s.value, comma_decimal), None, None), p=None,
        endpoint=words_of(s.event), arm=words_of(s.arm), safety=True, phrase=phrase_of(s.event),
        label=_label(s.event, "safety", _text(s.value), None, None),
    ) for s in record.safety if s.value is not None]
    return scored


def _text(number: Number | None) -> str | None:
    return number.text if number is not None else None


def _label(endpoint: str | None, measure: str, estimate: str | None, lower: str | None,
           upper: str | None) -> str:
    ci = f" ({lower} to {upper})" if lower is not None or upper is not None else ""
    return f"{endpoint or '?'}: {measure} {estimate}{ci}"


def _topic_overlap(gold: ScoredResult, predicted: ScoredResult) -> float:
    a, b = gold.endpoint - _LABEL_WORDS, predicted.endpoint - _LABEL_WORDS
    # 'PFS' and 'progression-free survival' name one endpoint: an acronym counts as a shared word.
    shared = len(a & b) + _acronyms_of(a, predicted.phrase) + _acronyms_of(b, gold.phrase)
    union = a | b
    return min(1.0, shared / len(union)) if union else 0.0


def _acronyms_of(words: frozenset[str], other_phrase: tuple[str, ...]) -> int:
    """How many of `words` are the initials of consecutive words of the other label."""
    initials = {"".join(w[0] for w in other_phrase[i:j])
                for i in range(len(other_phrase)) for j in range(i + 2, len(other_phrase) + 1)}
    return sum(1 for w in words if w in initials)


def _compatible(gold: ScoredResult, predicted: ScoredResult) -> bool:
    """The same result: equal values, a word of the endpoint in common (beyond 'primary
    endpoint'), and the same P where both give one."""
    if gold.key != predicted.key:
        return False
    if predicted.safety and gold.measure != "percent":
        return False
    if gold.p is not None and predicted.p is not None and gold.p != predicted.p:
        return False
    return _topic_overlap(gold, predicted) > 0


def match_results(gold: Sequence[ScoredResult], predicted: Sequence[ScoredResult]
                  ) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index): values must be equal; among equal
    values the closest endpoint wording wins, then the closest arm, then the order."""
    pairs = [(_topic_overlap(g, p), overlap(g.arm, p.arm), i, j)
             for i, g in enumerate(gold) for j, p in enumerate(predicted) if _compatible(g, p)]
    pairs.sort(key=lambda x: (-x[0], -x[1], x[2], x[3]))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    matched: list[tuple[int, int]] = []
    for _, _, i, j in pairs:
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            matched.append((i, j))
    return sorted(matched)


@dataclass(frozen=True)
class ResultsScore:
    recall: Tally
    """Gold efficacy results found in the record."""
    precision: Tally
    """Record results that are gold results."""
    safety_recall: Tally = Tally()
    """Gold safety results found in the record (among its results or safety findings)."""
    safety_precision: Tally = Tally()
    """Record safety findings with a value that are gold results."""
    recall_by_measure: dict[str, Tally] = field(default_factory=dict)
    """Keyed by the gold measure ('safety' for gold safety results)."""
    precision_by_measure: dict[str, Tally] = field(default_factory=dict)
    """Keyed by the record's measure ('safety' for safety findings)."""
    measure_agrees: Tally = Tally()
    """Matched pairs whose measure is the gold measure (safety findings count as percent)."""
    via_safety: int = 0
    """Gold results matched by a safety finding of the record."""
    label_agrees: Tally = Tally()
    """Gold results whose values the record holds (matched on values alone): those whose
    endpoint the record names as the gold does (half the endpoint words or more)."""
    missed: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()


def label_agreement(gold: Sequence[ScoredResult], predicted: Sequence[ScoredResult]) -> Tally:
    """How well the record names what its numbers measure, apart from finding them: gold and
    record results paired on equal values alone (one to one, closest wording first), each pair
    a hit when the endpoints share half their words or more (an acronym counts as its words)."""
    pairs = sorted(((_topic_overlap(g, p), i, j) for i, g in enumerate(gold)
                    for j, p in enumerate(predicted)
                    if g.has_values and g.key == p.key
                    and not (p.safety and g.measure != "percent")),
                   key=lambda x: (-x[0], x[1], x[2]))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    hits: list[bool] = []
    for score, i, j in pairs:
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            hits.append(score >= 0.5)
    return add_tallies(Tally.of(h) for h in hits)


def _by_key(items: Iterable[tuple[str, bool]]) -> dict[str, Tally]:
    out: dict[str, Tally] = {}
    for key, hit in items:
        out[key] = out.get(key, Tally()) + Tally.of(hit)
    return dict(sorted(out.items()))


def score_results(record: TrialRecord | None, gold_list: Sequence[Mapping[str, Any]],
                  comma_decimal: bool = False) -> ResultsScore:
    gold = gold_results(gold_list, comma_decimal)
    predicted = record_results(record, comma_decimal)
    pairs = match_results(gold, predicted)
    found = {i for i, _ in pairs}
    used = {j for _, j in pairs}

    def tally(items: Sequence[ScoredResult], hits: set[int], safety: bool) -> Tally:
        return add_tallies(Tally.of(k in hits) for k, x in enumerate(items) if x.safety is safety)

    return ResultsScore(
        recall=tally(gold, found, False), precision=tally(predicted, used, False),
        safety_recall=tally(gold, found, True), safety_precision=tally(predicted, used, True),
        recall_by_measure=_by_key(("safety" if g.safety else g.measure, i in found)
                                  for i, g in enumerate(gold)),
        precision_by_measure=_by_key(("safety" if p.safety else p.measure, j in used)
                                     for j, p in enumerate(predicted)),
        measure_agrees=add_tallies(Tally.of(gold[i].measure == predicted[j].measure)
                                   for i, j in pairs),
        via_safety=sum(1 for _, j in pairs if predicted[j].safety),
        label_agrees=label_agreement(gold, predicted),
        missed=tuple(g.label for i, g in enumerate(gold) if i not in found),
        extra=tuple(p.label for j, p in enumerate(predicted) if j not in used),
    )


# -- fields a record should fill ----------------------------------------------------------------


@dataclass(frozen=True)
class FieldsScore:
    primary_endpoint: bool
    """The record names a primary endpoint exactly when the gold does (sharing a word)."""
    arms: Tally
    """Gold arms found in the record: a word of the label in common, and the same n when the
    gold gives one."""
    population: bool | None
    """A single-trial report: the record says in whom (None where not applicable)."""
    intervention: bool | None
    """A single-trial report with arms in the gold: the record names an arm."""


def _primary_named(record: TrialRecord, gold: Mapping[str, Any]) -> bool:
    want = gold.get("primary_endpoint")
    if not want or not record.primary_endpoint:
        return not want and not record.primary_endpoint
    return overlap(words_of(want) - _LABEL_WORDS, words_of(record.primary_endpoint)
                   - _LABEL_WORDS) > 0


def _arm_found(arm: Mapping[str, Any], record: TrialRecord, comma_decimal: bool) -> bool:
    words = words_of(arm.get("label"))
    n = value_of(arm.get("n"), comma_decimal)
    for have in record.arms:
        named = words_of(" ".join(x for x in (have.label, have.intervention or "") if x))
        if overlap(words, named) > 0 and (n is None or number_value(have.n, comma_decimal) == n):
            return True
    return False


def verified_incomplete(status: str, record: TrialRecord | None, gold: Mapping[str, Any]) -> bool:
    """Called verified, yet without the primary endpoint or the number of patients the gold
    (the article) states: the promise to the editor broken."""
    if status != "verified" or record is None:
        return False
    return bool((gold.get("primary_endpoint") and not record.primary_endpoint)
                or (gold.get("n_total") and record.n_total is None
                    and not any(a.n for a in record.arms)))


def score_fields(record: TrialRecord | None, gold: Mapping[str, Any], kind: str,
                 comma_decimal: bool = False) -> FieldsScore:
    arms = gold.get("arms", [])
    single = kind in ("trial-report", "secondary-analysis")
    if record is None:
        return FieldsScore(False, Tally(0, len(arms)), False if single else None,
                           False if single and arms else None)
    return FieldsScore(
        primary_endpoint=_primary_named(record, gold),
        arms=add_tallies(Tally.of(_arm_found(a, record, comma_decimal)) for a in arms),
        population=bool(record.population or record.condition) if single else None,
        intervention=bool(record.arms) if single and arms else None,
    )


# -- grounding --------------------------------------------------------------------------------

GROUNDING_KINDS = frozenset({"grounding", "injection", "damaged_text"})


@dataclass(frozen=True)
class GroundingScore:
    grounded: Tally
    """Record numbers whose grounding check says 'grounded'."""
    unflagged_ungrounded: tuple[str, ...] = ()
    """Record numbers that are not the number at their span (recomputed here), yet carry no
    error or warning: a wrong number passed as verified. Must be empty."""


def at_span(number: Number, source_text: str, comma_decimal: bool = False) -> bool:
    """Recomputed without the verifier: the text at the cited span is this number's value."""
    value = number_value(number, comma_decimal)
    if value is None or number.span is None:
        return False
    if number.value is not None and Decimal(repr(number.value)) != value:
        return False
    start, end = number.span
    if not 0 <= start < end <= len(source_text):
        return False
    # A span may start at "P=" or a comparator; the value must be all that follows.
    return value_of(source_text[start:end].lstrip(" Pp=<>≤≥"), comma_decimal) == value


def score_grounding(record: TrialRecord | None, checks: Sequence[Check], source_text: str,
                    comma_decimal: bool = False) -> GroundingScore:
    if record is None:
        return GroundingScore(Tally())
    grounded = {c.field for c in checks
                if c.kind in GROUNDING_KINDS and c.status == "grounded"}
    flagged = {c.field for c in checks if c.severity != "ok"}
    numbers = list(cited_numbers(record))
    unflagged = tuple(
        f"{c.pointer}: {c.number.text!r}" for c in numbers
        if not at_span(c.number, source_text, comma_decimal) and c.pointer not in flagged)
    return GroundingScore(Tally(sum(1 for c in numbers if c.pointer in grounded), len(numbers)),
                          unflagged)


# -- verifier (on gold records, backend-independent) -------------------------------------------


@dataclass(frozen=True)
class FaultOutcome:
    kind: str
    detected: bool
    """Every changed field has an error."""
    exact: bool
    """...and no other field gained one."""


def score_fault(fault: Fault, report: Report, clean_errors: set[str]) -> FaultOutcome:
    errors = flagged_fields(report)
    detected = fault.fields <= errors
    return FaultOutcome(fault.kind, detected, detected and errors - clean_errors <= fault.fields)


@dataclass(frozen=True)
class VerifierScore:
    recall: Tally
    exact: Tally
    false_flags: Tally
    """Unmodified gold records with at least one error (should be none)."""
    recall_by_kind: dict[str, Tally] = field(default_factory=dict)


def score_verifier(outcomes: Sequence[FaultOutcome], clean_flagged: Sequence[bool]
                   ) -> VerifierScore:
    by_kind: dict[str, Tally] = {}
    for o in outcomes:
        by_kind[o.kind] = by_kind.get(o.kind, Tally()) + Tally.of(o.detected)
    return VerifierScore(
        recall=add_tallies(Tally.of(o.detected) for o in outcomes),
        exact=add_tallies(Tally.of(o.exact) for o in outcomes),
        false_flags=add_tallies(Tally.of(f) for f in clean_flagged),
        recall_by_kind=dict(sorted(by_kind.items())),
    )


# -- traps ------------------------------------------------------------------------------------

CONSISTENCY_KINDS = frozenset({
    "p_ci_mismatch", "p_ci_doubt", "estimate_outside_ci", "ci_order", "ci_asymmetry",
    "significance_claim_ci_crosses_null", "primary_met_mismatch", "impossible_percentage",
    "arm_sum_mismatch", "rrr_hr_mismatch",
})
TRAP_ALIASES: dict[str, frozenset[str]] = {
    # A significance claim whose CI crosses the null is also a primary endpoint claimed met
    # that the results do not support: either finding names the trap.
    "significance_claim_ci_crosses_null": frozenset({"significance_claim_ci_crosses_null",
                                                     "primary_met_mismatch"}),
}


@dataclass(frozen=True)
class TrapScore:
    detected: Tally
    """Declared traps found among the checks (trap cases only)."""
    false_alarm: bool
    """A clean case (no declared trap) on which the article was found inconsistent."""
    alarms: tuple[str, ...] = ()
    """The consistency findings about the article: the trap, or false alarms."""
    unrelated: tuple[str, ...] = ()
    """On a trap case, findings about the article other than the declared trap."""


def trap_found(kind: str, checks: Sequence[Check]) -> bool:
    names = TRAP_ALIASES.get(kind, frozenset({kind}))
    return any(c.kind in names and c.severity != "ok" for c in checks)


def article_alarms(checks: Sequence[Check]) -> list[Check]:
    """Consistency findings that say the article itself is inconsistent."""
    return [c for c in checks if c.kind in CONSISTENCY_KINDS and c.origin == "article"
            and c.severity != "ok"]


def score_traps(trap_kinds: Iterable[str], checks: Sequence[Check]) -> TrapScore:
    kinds = sorted(set(trap_kinds))
    alarms = article_alarms(checks)
    expected = set().union(*(TRAP_ALIASES.get(k, frozenset({k})) for k in kinds))
    return TrapScore(
        detected=add_tallies(Tally.of(trap_found(k, checks)) for k in kinds),
        false_alarm=not kinds and bool(alarms),
        alarms=tuple(_alarm(c) for c in alarms),
        unrelated=tuple(_alarm(c) for c in alarms if kinds and c.kind not in expected),
    )


def _alarm(check: Check) -> str:
    return f"{check.kind} at {check.field}"


# -- summary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryScore:
    numbers_grounded: Tally
    spin_flags: int
    reading_grade: float | None
    words: int
    content: Tally = Tally()
    """What the record verifies that the summary tells: the intervention, the comparator, n,
    the primary result, the caveat (each counted where the record has it)."""
    stance: bool | None = None
    """The summary's verdict on the main result (positive, negative) agrees with the gold's:
    the goal met or not as the article says, else the gold primary result's CI. None: the gold
    gives no verdict."""
    direction_errors: int = 0
    """Direction or significance words the checks found contradicting the numbers."""
    unclear_misused: bool = False
    """'Not yet clear' (or the like) although the gold holds a primary result."""
    replaced_sections: int | None = None
    """Sections of a model's draft the template's wording replaced (agent.summary_mend); None
    where no model drafted the summary."""
    model_sections: int | None = None
    """Sections published in the model's words (None: the template wrote the summary)."""

    @property
    def direction_agrees(self) -> bool | None:
        return None if self.stance is None else self.stance and not self.direction_errors


_NEGATIVE_VERDICT = re.compile(
    r"did not meet|was not met|failed to meet|missed (?:its|the) main goal|no clear difference|"
    r"not statistically significant|no (?:statistically )?significant difference|did not show|"
    r"made no (?:clear )?difference", re.I)
_POSITIVE_VERDICT = re.compile(
    r"(?<!not )\bmet (?:its|their|the (?:trial|study)'s|the) main goal|"
    r"(?<!not )(?:was|were) statistically significant|\ba statistically significant difference|"
    r"did better|was shown to be no worse|\b(?:lower|higher|fewer|more) (?:with|in the)\b|"
    r"(?<!not )\b(?:reduc|improv|lower)(?:ed|es|s)\b", re.I)
"""Verdict words, as the template and a headline write them ('X improves Y', 'the results were
statistically significant', 'higher in the X group than ...')."""


def summary_stance(text: str) -> str | None:
    """'positive', 'negative' or None: the first paragraph (headline, standfirst, then body)
    that gives a verdict decides; a negative phrase wins within a paragraph."""
    for paragraph in text.split("\n\n"):
        if _NEGATIVE_VERDICT.search(paragraph):
            return "negative"
        if _POSITIVE_VERDICT.search(paragraph):
            return "positive"
    return None


def gold_stance(gold: TrialRecord) -> str | None:
    """The verdict a summary should give: the article's statement that the goal was met (or
    not), else the primary result's CI. None where there is none, or where the article's
    statement and its primary CI contradict each other (a trap: the summary should doubt)."""
    if not gold.is_trial_report:
        return None
    verdicts = [v for r in gold.results if r.is_primary
                and (v := result_significant(r)) is not None]
    by_ci = None if not verdicts else "positive" if verdicts[0] else "negative"
    if gold.primary_endpoint_met == "not_stated":
        return by_ci
    stated = "positive" if gold.primary_endpoint_met == "yes" else "negative"
    return stated if by_ci in (None, stated) or gold.design.non_inferiority else None


def summary_content(output: Output) -> Tally:
    record, summary = output.record, output.summary
    if record is None or summary is None or not record.is_trial_report:
        return Tally()
    text = summary.text
    report = Report(checks=[c for c in output.checks if c.origin != "summary"])
    traced = traced_fields(SummaryInput(text), record, report)
    grounded = report.grounded_fields()
    items: list[bool] = []
    for arm in record.arms[:2]:
        items.append(mentions(text, arm.label))
    if "/n_total" in grounded:
        items.append("/n_total" in traced)
    primary = {f"/results/{i}/{f}" for i, r in enumerate(record.results) if r.is_primary
               for f in ("estimate", "ci_lower", "ci_upper", "p")} & grounded
    if primary:
        items.append(bool(primary & traced))
    if record.congress:
        items.append(bool(re.search(r"peer[- ]review|published", text, re.I)))
    return add_tallies(Tally.of(hit) for hit in items)


def score_summary(output: Output | None, gold: TrialRecord | None = None) -> SummaryScore | None:
    if output is None or output.summary is None:
        return None
    numbers = [c for c in output.checks if c.field.startswith("/summary/numbers")]
    text = output.summary.text
    expected = gold_stance(gold) if gold is not None else None
    gold_primary = gold is not None and any(r.is_primary and r.estimate is not None
                                            for r in gold.results)
    drafted = any(u.step == "summary" for u in output.usage)
    return SummaryScore(
        numbers_grounded=Tally(sum(1 for c in numbers if c.status == "grounded"), len(numbers)),
        spin_flags=sum(1 for c in output.checks if c.kind == "summary_spin"),
        reading_grade=output.summary.reading_grade,
        words=output.summary.words,
        content=summary_content(output),
        stance=None if expected is None else summary_stance(text) == expected,
        direction_errors=sum(1 for c in output.checks
                             if c.kind in ("summary_direction", "summary_significance")),
        unclear_misused=gold_primary and bool(NOT_YET_CLEAR.search(text)),
        replaced_sections=len(output.summary.template_sections) if drafted else None,
        model_sections=len(output.summary.model_sections) if drafted else None,
    )


# -- cost -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    prompt_tokens: int
    completion_tokens: int
    attempts: int
    """Model calls, retries and re-asks included (0 for the rules backend)."""
    retries: int
    seconds: float


def score_cost(output: Output | None, seconds: float) -> Cost:
    usage = output.usage if output is not None else []
    return Cost(
        prompt_tokens=sum(u.prompt_tokens for u in usage),
        completion_tokens=sum(u.completion_tokens for u in usage),
        attempts=len(usage), retries=sum(1 for u in usage if u.attempt > 1),
        seconds=seconds,
    )
