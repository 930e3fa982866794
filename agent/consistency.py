"""Statistical consistency: do the numbers of each result, and of the record, agree?

Pure. The same checks run twice: on the result tuples the parser reads in the article, and on
the record's results. A finding present in the article's own numbers is a warning for the
editor (origin "article": reported, never fixed). A finding only the record has was introduced
by the extraction (origin "record") and is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from agent.document import (
    Document,
    PValue,
    StatTuple,
    claims_significance,
    primary_met_statement,
)
from agent.numbers import Token, parse_number
from agent.report import Check
from agent.schema import DIFFERENCE_MEASURES, RATIO_MEASURES, Number, Result, Span, TrialRecord
from agent.stats import (
    Written,
    centre_offset,
    crosses_null,
    estimate_inside,
    excludes_null,
    p_agrees_with_ci,
    percent_possible,
    rrr_matches_ratio,
)

UNCHECKED_P = frozenset({"interaction", "trend", "heterogeneity", "non-inferiority"})
# Beyond this share of its half-width from the CI's centre, an estimate is flagged as off-centre.
ASYMMETRY_LIMIT = 0.35
# Within this share of the half-width from the CI's plain centre, a ratio's CI is taken as
# computed on the ratio scale.
LINEAR_CENTRE = 0.02
# Percentage points: below this distance from every k/n, a rate may be model-based, not wrong.
MODEL_RATE_GAP = 0.05


@dataclass
class Stat:
    """One result, from the article or from the record, reduced to what the checks need."""

    measure: str | None
    estimate: Written | None
    lower: Written | None
    upper: Written | None
    level: float
    p: Written | None
    p_comparator: str
    p_qualifier: str | None
    span: Span | None
    pointer: str | None
    tuple_span: Span | None = None
    p_adjacent: bool = True
    texts: dict[str, str] = field(default_factory=dict)
    non_inferiority: bool = False
    """The article speaks of non-inferiority: an unlabelled P may be that test's."""

    @property
    def ratio(self) -> bool:
        return self.measure in RATIO_MEASURES

    @property
    def has_null(self) -> bool:
        return self.measure in RATIO_MEASURES or self.measure in DIFFERENCE_MEASURES


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    span: Span | None
    pointer: str | None
    text: str | None = None
    status: str = "inconsistent"
    doubt: bool = False
    key: Span | None = None
    """The article tuple the finding is about (for de-duplication)."""
    origin: str | None = None
    """Where the inconsistency lives, when the finding itself can tell."""


def _written_token(token: Token | None) -> Written | None:
    return Written.of(token.value, token.decimals) if token is not None else None


def written_number(number: Number | None, comma: bool | None = None) -> Written | None:
    """A record number with the precision it is written with (None: the text's locale is
    guessed from the number itself)."""
    if number is None:
        return None
    parsed = parse_number(number.text, comma)
    if parsed is None:
        return None
    return Written.of(parsed.value, parsed.decimals)


def stat_from_tuple(doc: Document, tup: StatTuple, pointer: str | None) -> Stat:
    ci = tup.ci
    p = tup.p
    level = float(ci.level.value) if ci and ci.level else 95.0
    measure = tup.measure
    if measure is None and tup.estimate is not None and tup.estimate.percent:
        measure = "percent"
    return Stat(
        measure=measure, estimate=_written_token(tup.estimate),
        lower=_written_token(ci.lower if ci else None),
        upper=_written_token(ci.upper if ci else None),
        level=level, p=_written_token(p.token if p else None),
        p_comparator=p.comparator if p else "=",
        p_qualifier=p.qualifier if p else None,
        span=tup.span, pointer=pointer, tuple_span=tup.span,
        texts={"estimate": tup.estimate.text if tup.estimate else "",
               "lower": ci.lower.text if ci else "", "upper": ci.upper.text if ci else "",
               "p": doc.text[p.span[0]:p.span[1]] if p else ""},
        non_inferiority=speaks_of_non_inferiority(doc),
    )


def stat_from_result(doc: Document, result: Result, pointer: str) -> Stat:
    comma = doc.comma_decimal
    level = written_number(result.ci_level, comma)
    tup = tuple_of_result(doc, result)
    p_adjacent = True
    if result.p is not None and tup is not None and result.p.span is not None:
        p_adjacent = tup.p is not None and tup.p.token is not None and (
            tup.p.token.span == tuple(result.p.span))
    p_qualifier = _p_qualifier_at(doc, result.p)
    return Stat(
        measure=result.measure, estimate=written_number(result.estimate, comma),
        lower=written_number(result.ci_lower, comma),
        upper=written_number(result.ci_upper, comma),
        level=level.value if level else 95.0, p=written_number(result.p, comma),
        p_comparator=_comparator(result.p),
        p_qualifier=p_qualifier,
        span=result.quote.span if result.quote else None, pointer=pointer,
        tuple_span=tup.span if tup else None, p_adjacent=p_adjacent,
        texts={"estimate": result.estimate.text if result.estimate else "",
               "lower": result.ci_lower.text if result.ci_lower else "",
               "upper": result.ci_upper.text if result.ci_upper else "",
               "p": result.p.text if result.p else ""},
        non_inferiority=speaks_of_non_inferiority(doc),
    )


_NON_INFERIORITY = re.compile(r"\bnon-?inferior|\bnicht-?unterlegen|\bnon-?infériorit"
                              r"|\bno\s+inferior", re.I)


def speaks_of_non_inferiority(doc: Document) -> bool:
    return _non_inferiority_in(doc.text, doc.article_start, doc.body_end)


@lru_cache(maxsize=32)
def _non_inferiority_in(text: str, start: int, end: int) -> bool:
    """Once per article, not once per result."""
    return bool(_NON_INFERIORITY.search(text, start, end))


def _comparator(number: Number | None) -> str:
    if number is None:
        return "="
    if number.comparator:
        return number.comparator
    parsed = parse_number(number.text)
    return parsed.comparator if parsed and parsed.comparator else "="


def _p_qualifier_at(doc: Document, number: Number | None) -> str | None:
    if number is None or number.span is None:
        return None
    for p in doc.p_values:
        if p.token is not None and p.token.span == tuple(number.span):
            return p.qualifier
    return None


def tuple_of_result(doc: Document, result: Result) -> StatTuple | None:
    starts = {n.span[0] for n in (result.estimate, result.ci_lower, result.ci_upper)
              if n is not None and n.span is not None}
    for tup in doc.tuples:
        if starts & {t.start for t in tup.tokens}:
            return tup
    return None


# --- checks on one result -------------------------------------------------------------------

def check_stat(stat: Stat) -> Iterator[Finding]:
    yield from _ci_checks(stat)
    yield from _p_check(stat)


def _ci_checks(stat: Stat) -> Iterator[Finding]:
    est, lo, hi = stat.estimate, stat.lower, stat.upper
    if lo is None or hi is None:
        return
    if lo.low > hi.high:
        yield Finding("ci_order", f"the lower CI bound {lo.value:g} is above the upper bound "
                      f"{hi.value:g}", stat.span, _sub(stat.pointer, "ci_lower"),
                      key=stat.tuple_span)
        return
    if est is None:
        return
    if not estimate_inside(est, lo, hi):
        yield Finding("estimate_outside_ci",
                      f"the estimate {est.value:g} lies outside its CI {lo.value:g} to "
                      f"{hi.value:g}", stat.span, _sub(stat.pointer, "estimate"),
                      key=stat.tuple_span)
        return
    if stat.has_null:
        offset = centre_offset(est, lo, hi, ratio=stat.ratio)
        # A ratio at the plain centre of its CI had the CI computed on the ratio scale: another
        # method, not a wrong digit.
        linear = centre_offset(est, lo, hi, ratio=False) if stat.ratio else None
        if linear is not None and linear <= LINEAR_CENTRE:
            return
        if offset is not None and offset > ASYMMETRY_LIMIT:
            scale = "on the log scale " if stat.ratio else ""
            yield Finding("ci_asymmetry",
                          f"the estimate {est.value:g} is far from the centre of its CI "
                          f"{lo.value:g} to {hi.value:g} {scale}({offset:.0%} of the half-width):"
                          " a digit may be wrong", stat.span, _sub(stat.pointer, "estimate"),
                          key=stat.tuple_span, doubt=True)


def _p_check(stat: Stat) -> Iterator[Finding]:
    est, lo, hi, p = stat.estimate, stat.lower, stat.upper, stat.p
    if p is None or est is None or lo is None or hi is None or not stat.has_null:
        return
    if stat.p_qualifier in UNCHECKED_P:
        return
    agreement = p_agrees_with_ci(p, stat.p_comparator, est, lo, hi, ratio=stat.ratio,
                                 level=stat.level)
    if agreement is None or agreement.agrees:
        return
    reported = _p_words(stat.texts.get("p") or "", stat.p_comparator, p)
    message = (f"{reported} does not agree with {stat.measure} {stat.texts.get('estimate')} "
               f"({stat.level:g}% CI {stat.texts.get('lower')} to {stat.texts.get('upper')}): "
               f"recomputed P ≈ {agreement.recomputed:.2g}; {agreement.reason}"
               + _other_test(stat, p))
    if not stat.p_adjacent:
        yield Finding("p_ci_doubt", message + ". This P is not printed with this CI and may "
                      "belong to another analysis", stat.span, _sub(stat.pointer, "p"),
                      status="ambiguous", doubt=True, key=stat.tuple_span)
        return
    yield Finding("p_ci_mismatch", message, stat.span, _sub(stat.pointer, "p"),
                  key=stat.tuple_span)


def _other_test(stat: Stat, p: Written) -> str:
    """What test the unlabelled P would fit, when not the two-sided test of no difference."""
    assert stat.estimate is not None and stat.lower is not None and stat.upper is not None
    doubled = Written(p.value * 2, p.decimals)
    two_sided = p_agrees_with_ci(doubled, stat.p_comparator, stat.estimate, stat.lower,
                                 stat.upper, ratio=stat.ratio, level=stat.level)
    if two_sided is not None and two_sided.agrees:
        return (". It fits a one-sided test (two-sided P would be about twice it): if the P "
                "is one-sided, the article should say so")
    if stat.non_inferiority and crosses_null(stat.lower, stat.upper, ratio=stat.ratio) and (
            p.value < 1 - stat.level / 100):
        return (". The article speaks of non-inferiority: this P may test non-inferiority, "
                "not a difference, and is printed without that label")
    return ""


def _p_words(written: str, comparator: str, p: Written) -> str:
    """'P=0.41' as printed; a bare record value '0.41' becomes 'P=0.41', '<0.001' 'P<0.001'."""
    text = written.strip()
    if text[:1] in "Pp":
        return text
    if text[:1] in "<>=≤≥":
        return f"P{text}"
    return f"P{comparator if comparator != '=' else '='}{text or p.value}"


def _sub(pointer: str | None, name: str) -> str | None:
    return f"{pointer}/{name}" if pointer else None


# --- checks on the article's text ------------------------------------------------------------

def significance_claims(doc: Document, pointers: dict[Span, str]) -> Iterator[Finding]:
    """'significantly reduced ... (rate ratio 0.78; 95% CI 0.59–1.03)': a claim the CI denies."""
    for sentence in doc.sentences:
        tuples = [t for t in doc.tuples if sentence[0] <= t.span[0] < sentence[1] and t.ci]
        if not tuples:
            continue
        text = doc.text[sentence[0]:sentence[1]]
        for m in re.finditer(r"[^,;:]*(?:[,;:]|$)", text):
            clause = m.group(0)
            if not clause.strip() or not claims_significance(clause):
                continue
            claim_at = sentence[0] + m.start()
            tup = _claimed_tuple(tuples, claim_at)
            yield from _claim_against(doc, tup, pointers.get(tup.span), text.strip())
            break


def _claimed_tuple(tuples: list[StatTuple], claim_at: int) -> StatTuple:
    after = [t for t in tuples if t.span[0] >= claim_at]
    return after[0] if after else tuples[-1]


def _claim_against(doc: Document, tup: StatTuple, pointer: str | None, sentence: str
                   ) -> Iterator[Finding]:
    stat = stat_from_tuple(doc, tup, pointer)
    if stat.lower is None or stat.upper is None or not stat.has_null:
        return
    if crosses_null(stat.lower, stat.upper, ratio=stat.ratio):
        null = "1" if stat.ratio else "0"
        yield Finding("significance_claim_ci_crosses_null",
                      f"the text claims a significant effect, but the CI {stat.lower.value:g} to "
                      f"{stat.upper.value:g} includes {null}: {sentence[:160]!r}", tup.span,
                      pointer, key=tup.span)


_K_P_OF_N = re.compile(
    r"(?P<k>\d{1,3}(?:[,\u2009]\d{3})+|\d+) \((?P<p>\d+(?:[.·]\d+)?) ?%\) of (?:the )?"
    r"(?P<n>\d{1,3}(?:[,\u2009]\d{3})+|\d+)"
    r"|(?P<k2>\d{1,3}(?:[,\u2009]\d{3})+|\d+) of (?:the )?(?P<n2>\d{1,3}(?:[,\u2009]\d{3})+|\d+)"
    r"[^()\n.]{0,40}\((?P<p2>\d+(?:[.·]\d+)?) ?%\)"
)


def percentage_phrases(doc: Document) -> Iterator[Finding]:
    """'106 (10·7%) of 991': the percentage must be K/N as printed."""
    for m in _K_P_OF_N.finditer(doc.text):
        k_raw, p_raw, n_raw = (m.group("k"), m.group("p"), m.group("n")) if m.group("k") else (
            m.group("k2"), m.group("p2"), m.group("n2"))
        k, n, pct = parse_number(k_raw), parse_number(n_raw), parse_number(p_raw)
        if not (k and n and pct) or n.value <= 0 or k.value > n.value:
            continue
        actual = 100 * float(k.value) / float(n.value)
        if abs(actual - float(pct.value)) > 0.5 * 10 ** (-pct.decimals) + 1e-9:
            yield Finding("impossible_percentage",
                          f"{m.group(0)!r}: {k_raw}/{n_raw} is {actual:.2f}%, not {p_raw}%",
                          (m.start(), m.end()), None, text=p_raw + "%",
                          key=(m.start(), m.end()))


_RRR_PHRASE = re.compile(
    r"(?P<x>\d+(?:[.·]\d+)?)\s?%\s(?:relative\s)?(?:risk\s)?(?:reduction|lower\srisk|"
    r"lower\srate|decrease|fewer)"
    r"|(?:reduced|lowered|cut|decreased)\sthe\s(?:risk|rate|hazard)[^.;]{0,60}?\sby\s"
    r"(?P<y>\d+(?:[.·]\d+)?)\s?%", re.I)


def rrr_phrases(doc: Document, pointers: dict[Span, str]) -> Iterator[Finding]:
    """'HR 0.80 ..., a 32% relative reduction': the reduction must be about 1 − ratio."""
    for m in _RRR_PHRASE.finditer(doc.text):
        raw = m.group("x") or m.group("y")
        parsed = parse_number(raw)
        if parsed is None or "point" in doc.text[m.end():m.end() + 10]:
            continue
        tup = _ratio_tuple_near(doc, m.start())
        if tup is None or tup.estimate is None:
            continue
        rrr = Written.of(parsed.value, parsed.decimals)
        ratio = Written.of(tup.estimate.value, tup.estimate.decimals)
        if not rrr_matches_ratio(rrr, ratio):
            yield Finding("rrr_hr_mismatch",
                          f"a {raw}% reduction implies a ratio near {1 - rrr.value / 100:.2f}, "
                          f"but the {tup.measure} is {tup.estimate.text} (1 − ratio = "
                          f"{100 * (1 - ratio.value):.0f}%)", (m.start(), m.end()),
                          pointers.get(tup.span), text=f"{raw}%", key=tup.span)


def _ratio_tuple_near(doc: Document, pos: int) -> StatTuple | None:
    """The ratio result the phrase at `pos` describes: same sentence, else the one before."""
    sentence = doc.sentence_of(pos)
    ratios = [t for t in doc.tuples if t.measure in RATIO_MEASURES and t.estimate is not None]
    same = [t for t in ratios if sentence[0] <= t.span[0] < sentence[1]]
    if same:
        before = [t for t in same if t.span[0] <= pos]
        return before[-1] if before else same[0]
    # The sentence before, unless this one turns to another comparison ('However, in the
    # other subgroup ... a 20% reduction') or the ratio there is no reduction at all: then the
    # phrase stands on its own, with nothing printed to check it against.
    if _CONTRAST.match(doc.text, sentence[0], sentence[1]):
        return None
    previous = [t for t in ratios if t.span[1] <= sentence[0]]
    if previous and doc.sentence_of(previous[-1].span[0]) == _previous_sentence(doc, sentence):
        tup = previous[-1]
        if tup.estimate is not None and tup.estimate.value < 1:
            return tup
    return None


_CONTRAST = re.compile(r"\s*(?:However|But|In\s+contrast|Conversely|By\s+contrast|Whereas|Among"
                       r"|For\s+(?:those|patients|people|participants)|In\s+(?:those|patients"
                       r"|the\s+subgroup))\b", re.I)


def _previous_sentence(doc: Document, sentence: Span) -> Span | None:
    earlier = [s for s in doc.sentences if s[1] <= sentence[0]]
    return earlier[-1] if earlier else None


# --- checks on the record as a whole ---------------------------------------------------------

def _w(number: Number | None, comma: bool) -> Written | None:
    return written_number(number, comma)


def arm_sum(doc: Document, record: TrialRecord) -> Iterator[Finding]:
    if record.n_total is None or len(record.arms) < 2 or any(a.n is None for a in record.arms):
        return
    total = _w(record.n_total, doc.comma_decimal)
    sizes = [_w(a.n, doc.comma_decimal) for a in record.arms]
    if total is None or any(s is None for s in sizes):
        return
    summed = sum(s.value for s in sizes if s is not None)
    if abs(summed - total.value) > 0.5:
        parts = " + ".join(a.n.text for a in record.arms if a.n is not None)
        # The article states the total its arms add up to: the record picked a wrong number.
        stated = _stated_count(doc, summed)
        origin = "record" if stated is not None else "article"
        where = (f"; the article gives {doc.text[stated.start:stated.end]} at character "
                 f"{stated.start}" if stated is not None else "")
        yield Finding("arm_sum_mismatch", f"the arms add up to {parts} = {summed:,.0f}, but the "
                      f"total is {record.n_total.text}{where}", record.n_total.span, "/n_total",
                      text=record.n_total.text, key=record.n_total.span, origin=origin)


def _stated_count(doc: Document, value: float) -> Token | None:
    """A whole number of patients in the article's body equal to `value`."""
    for t in doc.tokens:
        if (not t.percent and t.decimals == 0 and abs(float(t.value) - value) < 0.5
                and doc.role(t) in ("n", "count") and not doc.outside_body(t.start)):
            return t
    return None


def percent_denominators(doc: Document, record: TrialRecord) -> Iterator[Finding]:
    for i, result in enumerate(record.results):
        if result.estimate is None or not result.estimate.text.strip().endswith("%"):
            continue
        n_number = result.n or _arm_n(record, result.arm)
        pct, n = _w(result.estimate, doc.comma_decimal), _w(n_number, doc.comma_decimal)
        if pct is None or n is None or n.value < 1 or pct.value < 0:
            continue
        ok, gap = percent_possible(pct, int(n.value))
        # An arm's size is not always the denominator of its rate: a Kaplan-Meier or adjusted
        # rate lies within a few hundredths of a point of some k/n. Only a clear gap is a finding.
        if not ok and gap >= MODEL_RATE_GAP:
            assert n_number is not None
            yield Finding("impossible_percentage",
                          f"{result.estimate.text} of n={n_number.text} is impossible: the "
                          f"nearest achievable percentage is {gap:.2f} points away",
                          result.estimate.span, f"/results/{i}/estimate",
                          text=result.estimate.text, key=result.estimate.span)


def _arm_n(record: TrialRecord, arm: str | None) -> Number | None:
    if not arm:
        return None
    wanted = arm.lower()
    for candidate in record.arms:
        label = candidate.label.lower()
        if candidate.n is not None and (label == wanted or label.split()[0] == wanted.split()[0]):
            return candidate.n
    return None


def record_rrr(doc: Document, record: TrialRecord) -> Iterator[Finding]:
    """A reduction the record pairs with a ratio (same endpoint, or both primary) must be about
    1 − ratio. The pairing is the record's: where the article's own words pair them, the same
    finding comes from `rrr_phrases` about the article."""
    for i, result in enumerate(record.results):
        if result.measure != "RRR" or result.estimate is None:
            continue
        ratio = _ratio_for(record, result)
        rrr, r = _w(result.estimate, doc.comma_decimal), _w(ratio.estimate if ratio else None,
                                                             doc.comma_decimal)
        if rrr is None or r is None or ratio is None or ratio.estimate is None:
            continue
        if not rrr_matches_ratio(rrr, r):
            yield Finding("rrr_hr_mismatch",
                          f"a {result.estimate.text} reduction does not match {ratio.measure} "
                          f"{ratio.estimate.text} (1 − ratio = {100 * (1 - r.value):.0f}%)",
                          result.estimate.span, f"/results/{i}/estimate",
                          text=result.estimate.text,
                          key=tuple_span_of(doc, ratio), origin="record")


def tuple_span_of(doc: Document, result: Result) -> Span | None:
    tup = tuple_of_result(doc, result)
    return tup.span if tup else None


def _ratio_for(record: TrialRecord, rrr: Result) -> Result | None:
    ratios = [r for r in record.results if r.measure in RATIO_MEASURES and r.estimate]
    same = [r for r in ratios if r.endpoint == rrr.endpoint and r.comparison == rrr.comparison]
    if same:
        return same[0]
    primary = [r for r in ratios if r.is_primary and rrr.is_primary and r.trial == rrr.trial]
    return primary[0] if primary else None


def primary_met(doc: Document, record: TrialRecord) -> Iterator[Finding]:
    """'Met its primary endpoint' must agree with the primary result(s)."""
    claim = record.primary_endpoint_met
    if claim == "not_stated" or record.design.non_inferiority:
        return
    verdicts = [v for v in (_significance(doc, r) for r in record.results if r.is_primary)
                if v is not None]
    if not verdicts:
        return
    if claim == "yes" and not all(verdicts):
        message = "the record says the primary endpoint was met, but a primary result is not "\
                  "statistically significant"
    elif claim == "no" and all(verdicts):
        message = "the record says the primary endpoint was not met, but every primary result "\
                  "is statistically significant"
    else:
        return
    yield Finding("primary_met_mismatch", message,
                  record.primary_met_quote.span if record.primary_met_quote else None,
                  "/primary_endpoint_met", text=claim)


def _significance(doc: Document, result: Result) -> bool | None:
    """True/False when CI and P agree on significance; None when unknown or they disagree."""
    if result.measure not in RATIO_MEASURES and result.measure not in DIFFERENCE_MEASURES:
        return None
    if _p_qualifier_at(doc, result.p) in UNCHECKED_P:
        return None
    comma = doc.comma_decimal
    lo, hi, p = _w(result.ci_lower, comma), _w(result.ci_upper, comma), _w(result.p, comma)
    ratio = result.measure in RATIO_MEASURES
    by_ci = None
    if lo is not None and hi is not None:
        if excludes_null(lo, hi, ratio=ratio):
            by_ci = True
        elif crosses_null(lo, hi, ratio=ratio):
            by_ci = False
    by_p = None
    if p is not None:
        cmp = _comparator(result.p)
        by_p = p.value <= 0.05 if cmp in ("<", "<=") else (p.value < 0.05 if cmp == "=" else False)
    known = [v for v in (by_ci, by_p) if v is not None]
    if not known or len(set(known)) > 1:
        return None
    return known[0]


def primary_statement(doc: Document, record: TrialRecord) -> Iterator[Check]:
    """The record must say what the article says in words about its primary endpoint."""
    if len(record.trial_names) > 1:
        return  # a round-up: one trial's verdict is not the record's
    stated = primary_met_statement(doc.text)
    if stated is None or stated[0] == record.primary_endpoint_met:
        return
    _verdict, span = stated
    words = doc.text[span[0]:span[1]]
    # Saying nothing where the article says "met" (or "not met") leaves its verdict out: an
    # error like a contrary verdict.
    yield Check(field="/primary_endpoint_met", text=record.primary_endpoint_met,
                status="mismatch", span=span, severity="error", kind="primary_met_statement",
                origin="record",
                message=f"the article says {words!r}, the record says "
                        f"{record.primary_endpoint_met.replace('_', ' ')}")


def article_claims_met(doc: Document) -> bool:
    return bool(re.search(r"\b(?:met|meeting|achieved) (?:its|the) primary (?:end ?point|outcome)",
                          doc.text, re.I))


def p_value_of(doc: Document, number: Number | None) -> PValue | None:
    if number is None or number.span is None:
        return None
    for p in doc.p_values:
        if p.token is not None and p.token.span == tuple(number.span):
            return p
    return None


def to_check(finding: Finding, origin: str) -> Check:
    severity = "warning" if origin == "article" or finding.doubt else "error"
    return Check.model_validate({
        "field": finding.pointer or "/results", "text": finding.text,
        "status": finding.status, "span": finding.span, "severity": severity,
        "message": finding.message, "kind": finding.kind, "origin": origin,
    })
