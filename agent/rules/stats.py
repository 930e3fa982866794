"""Result tuples as the extractor reads them: the parser's estimate/CI/P tuples, corrected where
needed, their measure and P as written; and results printed without a CI (relative risk
reductions, absolute differences, numbers needed to treat)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from agent.document import CI, Document, PValue, StatTuple
from agent.numbers import Token
from agent.rules.layout import Layout
from agent.schema import RATIO_MEASURES, Measure, Span

_MEASURES: dict[str, Measure] = {
    "HR": "HR", "OR": "OR", "RR": "RR", "IRR": "IRR", "rate ratio": "rate ratio", "GMR": "GMR",
    "beta": "beta", "mean difference": "mean difference", "mean change": "mean change",
    "percent": "percent", "risk difference": "risk difference", "RRR": "RRR", "other": "other",
}
_UNIT_OR_TIME_BEFORE = re.compile(r"(?:\b(?:weeks?|days?|months?|years?|per|at|dose)|/)\s*$", re.I)
_UNIT_AFTER = re.compile(r"^\s?(?:m²|m2\b|mg\b|µg|mcg|IU\b|-mg)")
_QUALIFIED_P = frozenset({"interaction", "trend", "heterogeneity", "non-inferiority"})


@dataclass(frozen=True)
class Stat:
    """A result tuple as the extractor uses it: the parser's reading, corrected where needed."""

    measure: str | None
    estimate: Token
    ci: CI | None
    lower: Token | None
    upper: Token | None
    p: PValue | None
    span: Span
    sentence: Span
    source: StatTuple

    def significant(self, measure: str) -> bool:
        """The CI excludes the null and the P value, if printed, is below 0.05."""
        null = Decimal(1) if measure in RATIO_MEASURES else Decimal(0)
        by_ci = None
        if self.lower is not None and self.upper is not None:
            by_ci = not (self.lower.value <= null <= self.upper.value)
        by_p = None
        if self.p is not None and self.p.token is not None:
            by_p = self.p.token.value < Decimal("0.05") or (
                self.p.comparator in ("<", "<=") and self.p.token.value <= Decimal("0.05"))
        known = [v for v in (by_ci, by_p) if v is not None]
        return bool(known) and all(known)


def result_stats(doc: Document) -> list[Stat]:
    stats: list[Stat] = []
    for tup in doc.tuples:
        if _excluded(doc, tup.span[0]):
            continue
        estimate = _better_estimate(doc, tup) if tup.estimate else _estimate_far(doc, tup)
        if estimate is None:
            continue
        lower = tup.ci.lower if tup.ci else None
        upper = tup.ci.upper if tup.ci else None
        start = min(tup.span[0], estimate.start)
        stats.append(Stat(tup.measure, estimate, tup.ci, lower, upper, tup.p,
                          (start, tup.span[1]), tup.sentence, tup))
    return sorted(stats, key=lambda s: s.span[0])


def _excluded(doc: Document, pos: int) -> bool:
    return doc.outside_body(pos) or doc.in_injection(pos)


def _better_estimate(doc: Document, tup: StatTuple) -> Token:
    """'X mL/min per 1·73 m² (95% CI ...)', 'X m further ... at week 24 (95% CI ...)': the
    parser takes the number just before the CI; when that number is a unit, a time or a dose,
    the estimate is the number before it, provided it lies inside the CI."""
    estimate = tup.estimate
    assert estimate is not None
    if tup.ci is None or not _unit_like(doc, estimate):
        return estimate
    for candidate in reversed(doc.tokens_in(tup.sentence[0], estimate.start)[-3:]):
        if estimate.start - candidate.end > 60 or _unit_like(doc, candidate):
            continue
        if candidate.kind != "number" or candidate.percent != tup.ci.lower.percent:
            break
        if tup.ci.lower.value <= candidate.value <= tup.ci.upper.value:
            return candidate
        break
    return estimate


def _estimate_far(doc: Document, tup: StatTuple) -> Token | None:
    """'improved by X points more with <drug> than with placebo (95% CI L to U)': the parser
    reads no estimate when words stand between it and the CI; take the nearest number before
    the CI in its sentence when it lies inside the CI and is not a unit, time or dose."""
    ci = tup.ci
    if ci is None:
        return None
    for candidate in reversed(doc.tokens_in(tup.sentence[0], ci.span[0])[-3:]):
        if ci.span[0] - candidate.end > 90:
            return None
        if _unit_like(doc, candidate) or doc.role(candidate) in ("dose", "year", "p", "n"):
            continue
        if candidate.kind != "number" or candidate.percent != ci.lower.percent:
            return None
        if ci.lower.value <= candidate.value <= ci.upper.value:
            return candidate
        return None
    return None


def _unit_like(doc: Document, token: Token) -> bool:
    before = doc.text[max(0, token.start - 12):token.start]
    after = doc.text[token.end:token.end + 6]
    return bool(_UNIT_OR_TIME_BEFORE.search(before) or _UNIT_AFTER.match(after))


def measure_for(doc: Document, stat: Stat) -> Measure:
    if stat.measure in _MEASURES and stat.measure != "percent":
        return _MEASURES[stat.measure]
    sentence = doc.text[stat.sentence[0]:stat.sentence[1]].lower()
    near = doc.text[max(stat.sentence[0], stat.estimate.start - 120):stat.estimate.end + 25].lower()
    if re.search(r"\babsolute\b|\brisk difference|\bincidence difference", near):
        return "risk difference"
    if "percentage point" in near or "prozentpunkt" in near:
        if re.search(r"\bmean\b|\bchang|\bvolume\b|\bweight\b", sentence):
            return "mean difference"
        return "risk difference"
    if re.search(r"diff[eé]ren|placebo-adjusted|\bmore than\b|\bmehr als\b|\bfurther than\b"
                 r"|\bless steep\b|\bslower\b|\bfavou?red\b[^.;]{0,80}\bby\b", near):
        return "mean difference"
    if stat.estimate.percent:
        return "percent"
    return "other"


def p_text(doc: Document, p: PValue | None) -> str | None:
    """The P value as written, with its comparator: '<0.0001', '< .001', '0·031'."""
    if p is None or p.token is None or p.not_significant or p.qualifier in _QUALIFIED_P:
        return None
    token = p.token
    if p.comparator == "=":
        return token.text
    lead = doc.text[p.span[0]:token.start]
    m = re.search(r"(?:<=|>=|=<|[<>≤≥⩽⩾])\s*$", lead)
    return (m.group(0) if m else p.comparator + " ") + token.text


# --- relative risk reductions --------------------------------------------------------------------

_RRR = re.compile(
    r"(?:an?\s+)?(?P<v>\d+(?:[.·,]\d+)?\s?%)\s+(?:relative\s+)?(?:risk\s+)?(?:reduction|lower\s+risk"
    r"|lower\s+rate|lower\s+likelihood|reduced\s+(?:risk|likelihood|odds|rate))\b"
    r"(?:\s+in\s+(?:the\s+)?(?:risk|rate|likelihood|odds)\b)?"
    r"|relative\s+(?:risk\s+)?reduction\s+of\s+(?P<v2>\d+(?:[.·,]\d+)?\s?%)"
    r"|relativen\s+Risikoreduktion\s+von\s+(?P<v3>\d+(?:,\d+)?\s?%)"
    # 'das Risiko für ... war ... um X% reduziert'
    r"|\bRisiko\b[^.;%]{0,80}?\bum\s+(?P<v5>\d+(?:,\d+)?\s?%)\s+(?:reduziert|gesenkt|verringert)"
    r"|(?:reduced|lowered|cut|decreased)\s+the\s+(?:risk|rate|hazard)[^.;%]{0,60}?\s+by\s+"
    r"(?P<v4>\d+(?:[.·,]\d+)?\s?%)", re.I)


# '<treatment> reduced the incidence of <endpoint> (25% for A and 19% for B)': reductions in
# brackets after the verb that names them.
_REDUCED_BRACKET = re.compile(
    r"\b(?:reduced|lowered|cut|decreased)\s+(?:the\s+(?:(?:risk|rate|incidence|hazard|odds)\s+of\s+)?"
    r"|(?:risk|rate|incidence|hazard|odds)\s+of\s+)[^.;%()\d]{2,60}?\s\((?P<inner>(?:by\s+)?\d+(?:[.·,]\d+)?\s?%[^()%]{0,40}"
    r"(?:\s(?:and|und)\s+\d+(?:[.·,]\d+)?\s?%[^()%]{0,40})?)\)", re.I)
# Rates per arm or over time in such a bracket ('12% vs 15%', 'from 10% to 8%', 'with
# placebo', 'of patients') are no reductions.
_NOT_REDUCTIONS = re.compile(r"\b(?:vs|versus|compared|placebo|control|with|from|to|of|in|CI)\b"
                             r"|[=<>]", re.I)


@dataclass(frozen=True)
class Reduction:
    token: Token
    quote: Span


def reductions(doc: Document) -> list[Reduction]:
    found: list[Reduction] = []
    for m in _RRR.finditer(doc.text):
        group = next(g for g in ("v", "v2", "v3", "v4", "v5") if m.group(g))
        token = doc.token_at(m.start(group))
        if token is None or not token.percent or _excluded(doc, m.start()):
            continue
        if "point" in doc.text[m.end():m.end() + 12]:
            continue
        found.append(Reduction(token, (m.start(), m.end())))
    for m in _REDUCED_BRACKET.finditer(doc.text):
        if _NOT_REDUCTIONS.search(m.group("inner")) or _excluded(doc, m.start()):
            continue
        quote = (m.start("inner") - 1, m.end())
        found += [Reduction(t, quote) for t in doc.tokens_in(*quote) if t.percent]
    return found


# --- differences and numbers needed to treat printed without a CI --------------------------------

_NUMBER_TOKEN = r"[−-]?\d+(?:[.·,]\d+)?"
_DIFFERENCE = re.compile(
    r"\b(?:absolute\s+(?:risk\s+)?(?:difference|reduction)|risk\s+difference)\s+(?:of|was|:)\s+"
    r"(?P<v>" + _NUMBER_TOKEN + r")\s+percentage\s+points?"
    r"(?:\s*\(upper\s+(?:limit|bound)\s+of\s+the\s+one-sided\s+(?P<level>\d+(?:\.\d+)?\s?%)\s+CI,?\s+"
    r"(?P<upper>" + _NUMBER_TOKEN + r"))?", re.I)
_NNT = re.compile(r"\b(?:number\s+needed\s+to\s+treat|NNT)\s+(?:\(NNT\)\s+)?(?:of|was|:)\s+"
                  r"(?P<v>\d+)\b")


@dataclass(frozen=True)
class Figure:
    """A result printed without a CI: 'an absolute difference of X percentage points'."""

    measure: Measure
    estimate: Token
    level: Token | None
    upper: Token | None
    span: Span


def loose_figures(doc: Document, layout: Layout, used: set[int]) -> list[Figure]:
    """Figures whose value is no estimate of a tuple (the token starts in `used` are)."""
    found: list[Figure] = []
    for m in _DIFFERENCE.finditer(doc.text):
        token = _figure_token(doc, m, used)
        if token is None:
            continue
        level = doc.token_at(m.start("level")) if m.group("level") else None
        upper = doc.token_at(m.start("upper")) if m.group("upper") else None
        if (level is None) != (upper is None):
            level = upper = None
        found.append(Figure("risk difference", token, level, upper, (m.start(), m.end())))
    for m in _NNT.finditer(doc.text):
        token = _figure_token(doc, m, used)
        if token is None or layout.kind_at(m.start()) not in ("results", "lead", "other"):
            continue
        found.append(Figure("other", token, None, None, (m.start(), m.end())))
    return found


def _figure_token(doc: Document, m: re.Match[str], used: set[int]) -> Token | None:
    token = doc.token_at(m.start("v"))
    if token is None or token.start in used or _excluded(doc, m.start()):
        return None
    return token
