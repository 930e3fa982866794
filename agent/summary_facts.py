"""Verified record -> the facts a summary may tell, as plain data. Pure.

Both ways of writing a summary start here: the template (rules backend) words these facts, a
model is shown them. Only numbers that verification grounded in the article get in, written in
the summary's language (`agent.language.format_number`). What the trial found is decided here
once, from the record: the article's own statement that the main goal was met (or not) comes
first; where the article is silent, the primary result's CI (or P value) says whether the
difference was statistically significant.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from agent.language import format_number, guess_language, stopwords
from agent.numbers import comma_decimal_locale, tokenize
from agent.report import Report
from agent.rules import UNNAMED
from agent.schema import (
    DIFFERENCE_MEASURES,
    RATIO_MEASURES,
    Direction,
    Number,
    Result,
    TrialRecord,
)
from agent.summary_check import (
    estimate_direction,
    is_serious,
    primary_established,
    result_significant,
)

Outcome = Literal["met", "not_met", "doubted", "significant", "no_difference", "values_only",
                  "unknown"]
"""What the summary says about the main result:
- met / not_met: the article says the trial met (did not meet) its main goal;
- doubted: the article says it was met, but verification doubts the claim;
- significant / no_difference: the article is silent, the primary result's CI (or P) decides;
- values_only: the primary result is a value per group with no comparison;
- unknown: the record holds no verified primary result."""

_WHO_OPENS = re.compile(r"^(?:patients|people|adults|children|adolescents|infants|women|men|"
                        r"participants|individuals|those|persons|survivors|older|young)\b", re.I)
_JUNK_LABEL = re.compile(r"^(?:did|does|do|was|were|is|are|not|and|or|but|than|had|has|have|"
                         r"there|it|this|that|these|those|which|who|er|sie|es|il|elle|ils)$|"
                         r"^(?:did|does|was|were|is|are|not|and|or|but|than|there|which)\b", re.I)
_OPEN_END = re.compile(r"\b(?:and|or|with|of|the|a|an|in|to|for|at|by)$", re.I)
_NOT_A_CONDITION = re.compile(r"\b(?:had|has|have|were|was|reached|received|completed|who|"
                              r"which|visit|week|month|year)\b", re.I)


@dataclass(frozen=True)
class Figure:
    """A verified number as the summary writes it."""

    text: str
    value: float
    pointer: str


@dataclass(frozen=True)
class Comparison:
    """A between-group result: an estimate with its CI and/or P value."""

    endpoint: str
    measure: str
    estimate: Figure
    lower: Figure | None
    upper: Figure | None
    p: Figure | None
    significant: bool | None
    """True: the CI (or P) excludes 'no difference'; False: it does not; None: cannot tell."""
    direction: Direction | None
    """Which way the intervention moved the endpoint compared with the comparator."""
    trial: str | None = None

    @property
    def ratio(self) -> bool:
        return self.measure in RATIO_MEASURES


@dataclass(frozen=True)
class GroupValue:
    endpoint: str
    arm: str
    value: Figure
    direction: Direction | None
    trial: str | None = None


@dataclass(frozen=True)
class SafetyFact:
    event: str
    values: tuple[tuple[str | None, Figure], ...]
    serious: bool


@dataclass
class SummaryFacts:
    is_trial_report: bool
    name: str | None
    trials: list[str]
    arms: list[str]
    n_total: Figure | None
    arm_sizes: dict[str, Figure]
    who: str | None
    design: list[str]
    congress: str | None
    primary_endpoint: str | None
    non_inferiority: bool
    outcome: Outcome
    primary: list[Comparison] = field(default_factory=list)
    primary_values: list[GroupValue] = field(default_factory=list)
    secondary: list[Comparison] = field(default_factory=list)
    safety: list[SafetyFact] = field(default_factory=list)
    caveat: str | None = None
    language: str = "en"
    foreign: bool = False
    """The article is in another language than the summary: its words are quoted."""

    randomised: bool = False

    @property
    def intervention(self) -> str | None:
        return self.arms[0] if self.arms else None

    @property
    def comparator(self) -> str | None:
        return self.arms[1] if len(self.arms) >= 2 else None

    @property
    def main(self) -> Comparison | None:
        return self.primary[0] if self.primary else None

    @property
    def primary_known(self) -> bool:
        return bool(self.primary or self.primary_values)


def build_facts(record: TrialRecord, report: Report, article_text: str, *,
                caveat: str | None, language: str = "en") -> SummaryFacts:
    grounded = report.grounded_fields()
    article_language = guess_language(article_text[:4000])
    words = _Words(article_language, language, comma_decimal_locale(article_text))

    def figure(number: Number | None, pointer: str) -> Figure | None:
        if number is None or number.value is None or pointer not in grounded:
            return None
        return Figure(format_number(number, language), number.value, pointer)

    arms = [words(a.label) for a in record.arms]
    sizes = {words(a.label): f for i, a in enumerate(record.arms)
             if (f := figure(a.n, f"/arms/{i}/n")) is not None}
    primary: list[Comparison] = []
    secondary: list[Comparison] = []
    values: list[GroupValue] = []
    for i, result in enumerate(record.results):
        base = f"/results/{i}"
        estimate = figure(result.estimate, f"{base}/estimate")
        if estimate is None or (_unnamed(result.endpoint) and not result.is_primary):
            continue
        endpoint = words(result.endpoint) if not _unnamed(result.endpoint) else "the main outcome"
        trial = result.trial if len(record.trial_names) > 1 else None
        if _between_groups(result):
            comparison = Comparison(
                endpoint, result.measure, estimate, figure(result.ci_lower, f"{base}/ci_lower"),
                figure(result.ci_upper, f"{base}/ci_upper"), figure(result.p, f"{base}/p"),
                result_significant(result), estimate_direction(result), trial)
            (primary if result.is_primary else secondary).append(comparison)
        elif result.arm and result.is_primary and not _unnamed(result.arm):
            values.append(GroupValue(endpoint, words(result.arm), estimate, result.direction,
                                     trial))
    facts = SummaryFacts(
        is_trial_report=record.is_trial_report,
        name=record.trial_names[0] if record.trial_names else None,
        trials=list(record.trial_names),
        arms=arms, n_total=figure(record.n_total, "/n_total"), arm_sizes=sizes,
        who=_who(record, words), design=_design(record), congress=record.congress,
        primary_endpoint=words(_lower_first(record.primary_endpoint))
        if record.primary_endpoint else None,
        non_inferiority=bool(record.design.non_inferiority),
        randomised=bool(record.design.randomised),
        outcome="unknown", primary=primary, primary_values=values, secondary=secondary,
        safety=_safety(record, figure, words), caveat=caveat, language=language,
        foreign=words.foreign)
    facts.outcome = _outcome(record, report, facts)
    return facts


class _Words:
    """Record words as the summary writes them: numbers in the summary's format ('2,5 mg' of a
    German article is '2.5 mg' in English), and terms in the article's language quoted, so a
    reader sees they are the article's own words and the language check skips them."""

    def __init__(self, article_language: str | None, language: str, comma_decimal: bool) -> None:
        self.foreign = article_language is not None and article_language != language
        self.article_language = article_language
        self.language = language
        self.comma_decimal = comma_decimal

    def __call__(self, text: str) -> str:
        text = " ".join(text.split()).rstrip(" .,;:")
        if self.comma_decimal != (self.language != "en"):
            text = self._renumbered(text)
        return f"“{text}”" if self.foreign and self._foreign_term(text) else text

    def _renumbered(self, text: str) -> str:
        parts, last = [], 0
        for token in tokenize(text, comma_decimal=self.comma_decimal):
            if token.kind != "number":
                continue
            number = Number(text=token.text, value=token.float_value)
            parts += [text[last:token.start], format_number(number, self.language)]
            last = token.end
        return "".join(parts) + text[last:]

    def _foreign_term(self, text: str) -> bool:
        """Words a reader of the summary's language would not read as their own: a letter
        outside ASCII, a function word of the article's language, or two or more long words
        none of which is a function word of the summary's language."""
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
        if any(not w.isascii() for w in words):
            return True
        if self.article_language and set(words) & stopwords(self.article_language):
            return True
        long = [w for w in words if len(w) >= 4]
        return len(long) >= 2 and not set(words) & stopwords(self.language)


def _lower_first(text: str) -> str:
    """'Change in HbA1c' -> 'change in HbA1c'; an acronym ('IDFS', 'HbA1c') stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _unnamed(label: str) -> bool:
    """A label that names nothing a reader could use: empty, the extractor's placeholder, or a
    clause fragment ('did not', 'there')."""
    label = label.strip()
    return label.lower() in ("", UNNAMED) or bool(_JUNK_LABEL.match(label)) or (
        len(label) < 3 and label.islower())


def _between_groups(result: Result) -> bool:
    """A result that compares the groups (a ratio, a difference, a relative reduction), with or
    without its CI and P value; a value per group or a change within one group is not."""
    if result.arm and result.ci_lower is None and result.p is None:
        return False
    return result.measure in RATIO_MEASURES or result.measure == "RRR" or (
        result.measure in DIFFERENCE_MEASURES and result.measure != "mean change")


def _who(record: TrialRecord, words: _Words) -> str | None:
    population = " ".join((record.population or "").split())
    if population and _WHO_OPENS.match(population) and len(population.split()) <= 14 \
            and not re.search(r"\b(?:visit|reached|in \d{4})\b", population, re.I) \
            and not _OPEN_END.search(population):
        return words(population)
    condition = " ".join((record.condition or "").split())
    if condition and len(condition.split()) <= 8 and not _NOT_A_CONDITION.search(condition) \
            and not _OPEN_END.search(condition):
        return f"people with {words(condition)}"
    return None


def _design(record: TrialRecord) -> list[str]:
    d = record.design
    words = []
    if d.phase:
        words.append(f"phase {d.phase}")
    if d.randomised:
        words.append("randomised")
    if d.blinding and "double" in d.blinding.lower():
        words.append("double-blind")
    if d.placebo_controlled:
        words.append("placebo-controlled")
    return words


def _safety(record: TrialRecord, figure: Callable[[Number | None, str], Figure | None],
            words: _Words) -> list[SafetyFact]:
    by_event: dict[str, list[tuple[str | None, Figure]]] = {}
    for i, finding in enumerate(record.safety):
        value = figure(finding.value, f"/safety/{i}/value")
        if value is None or _unnamed(finding.event):
            continue
        event = " ".join(finding.event.split())
        by_event.setdefault(event, []).append(
            (words(finding.arm) if finding.arm and not _unnamed(finding.arm) else None, value))
    facts = [SafetyFact(words(event), tuple(values), is_serious(event))
             for event, values in by_event.items()]
    return sorted(facts, key=lambda f: not f.serious)


def _outcome(record: TrialRecord, report: Report, facts: SummaryFacts) -> Outcome:
    if record.primary_endpoint_met == "yes":
        return "met" if primary_established(record, report) else "doubted"
    if record.primary_endpoint_met == "no":
        return "not_met"
    main = facts.main
    if main is not None and main.significant is not None and not facts.non_inferiority:
        return "significant" if main.significant else "no_difference"
    if facts.primary_known:
        return "values_only"
    return "unknown"

