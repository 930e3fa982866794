"""Checks a plain-language summary against the verified record. Pure.

Every number in the summary must be a grounded number of the record, or a plain-language form
of one ("30% lower risk" for HR 0.70, "about 1 in 5" for 19.5%, "0.8" for 0.82 when rounding is
stated by "about"). A claim of benefit is spin when the trial did not establish one: the primary
endpoint was not met, or verification doubts the claim that it was, or (the article being
silent) the primary result is not statistically significant. Words of direction ("lower",
"rose") must agree with the numbers they stand beside, and words of significance ("no clear
difference", "significantly") with the result's CI. The summary should tell the primary result,
n and serious safety findings the record holds, carry the caveat, be in the editor's language
and keep to the house style (warnings).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import textstat

from agent.consistency import written_number
from agent.document import Document, analyse, split_sentences
from agent.grounding import cited_numbers
from agent.house_style import HouseStyle, load_house_style
from agent.language import LANGUAGES, guess_language, quoted_spans, unquoted
from agent.numbers import Token, tokenize
from agent.report import Check, Report
from agent.schema import (
    DIFFERENCE_MEASURES,
    RATIO_MEASURES,
    Direction,
    Result,
    Span,
    TrialRecord,
)
from agent.stats import crosses_null, excludes_null
from agent.textmatch import mentions

APPROXIMATE = re.compile(
    r"(?:about|around|approximately|roughly|nearly|almost|some|over|more than|fewer than|"
    r"less than|up to|close to|just over|just under|~)\s*$", re.I)
BENEFIT = re.compile(
    r"\b(?:reduc|lower|improv|prolong|extend|cut|better|benefit|effective|work(?:s|ed)\b|help|"
    r"protect|superior|significant|success|slow|prevent|halv|fewer|less likely|longer)\w*", re.I)
HEDGE = re.compile(
    r"\b(?:not|no|nothing|none|never|did not|didn't|does not|doesn't|don't|isn't|wasn't|"
    r"weren't|won't|hasn't|haven't|failed|without|neither|nor|unclear|uncertain|cannot|can't|"
    r"could not)\b", re.I)
# The question a trial asks, not its answer: 'to see if X works better', 'compared X with Y for
# preventing Z', 'the effectiveness of X'. Masked up to the end of its clause before a sentence
# is read for a claim of benefit.
PURPOSE = re.compile(
    r"\b(?:whether|to see (?:if|whether)|to find out|to test|to compare|to assess|to evaluate"
    r"|(?:goal|aim|purpose|question) (?:is|was) to|designed to|set out to|if (?:one|it|the|this)"
    r"\b[^,;.]*\bcan\b|for (?:preventing|reducing|lowering|improving|slowing|treating)"
    r"|the (?:effectiveness|efficacy|benefits?) of)[^,;.]*", re.I)
CAVEAT = re.compile(r"peer[- ]review", re.I)
SAFETY_CLAIM = re.compile(
    r"\b(?:safe|safely|well[- ]tolerated|tolerated well|generally tolerated)\b", re.I)
DOUBT_KINDS = frozenset({"primary_met_mismatch", "significance_claim_ci_crosses_null",
                         "p_ci_mismatch", "p_ci_doubt"})
DECREASE = re.compile(r"\b(?:lower|reduc\w*|fell|fall(?:s|en)?|drop(?:ped|s)?|decreas\w*|cut|"
                      r"fewer|less|shorter|smaller|down)\b", re.I)
INCREASE = re.compile(r"\b(?:higher|increas\w*|rose|rise[sn]?|more|greater|longer|larger|"
                      r"raised|up)\b", re.I)
NO_DIFFERENCE = re.compile(
    r"\bno (?:clear |real |meaningful |significant |statistically significant )?"
    r"(?:difference|benefit|effect)|\bnot (?:statistically )?significant|\bdid not differ|"
    r"\bsimilar (?:in|between|across) (?:the |both )?(?:groups|arms)", re.I)
SIGNIFICANT = re.compile(r"\b(?:statistically )?significant(?:ly)?\b", re.I)
MET_CLAIM = re.compile(r"\bmet (?:its|the|their)(?: (?:trial|study)'s)? (?:main|primary) (?:goal|"
                       r"end ?point|outcome)", re.I)
NOT_MET_CLAIM = re.compile(r"\b(?:did not|didn't|failed to) meet (?:its|the|their)(?: (?:trial|"
                           r"study)'s)? (?:main|primary) (?:goal|end ?point|outcome)", re.I)
_NAMING_NUMBER = re.compile(
    r"\btype\s+[12]\s+diabetes|\b(?:stage|grade|class|phase)\s+(?:[1-5]|I{1,3}|IV)\b|"
    r"\bNYHA\s+class", re.I)
"""A number that is part of a name (type 2 diabetes, stage 3, grade 3, phase 3), not a result."""


def names_a_thing(text: str, token: Token) -> bool:
    """`token` is the number of a term such as 'type 2 diabetes' or 'grade 3', which a
    summary may write in its own words although the record writes 'T2D' or 'grade ≥3'."""
    return any(m.start() <= token.start < m.end()
               for m in _NAMING_NUMBER.finditer(text, max(0, token.start - 12),
                                                min(len(text), token.end + 12)))


NOT_YET_CLEAR = re.compile(r"\bnot (?:yet )?clear whether|\bunclear whether|\btoo early to "
                           r"(?:say|tell)|\bremains to be seen", re.I)
SERIOUS = re.compile(r"serious|death|died|fatal|grade\s*(?:≥\s*)?[345]|bleed|ha?emorrhag|"
                     r"discontinu|stopp?ed|withdr[ae]w|life[- ]threatening|hospitali", re.I)
_CLAUSES = re.compile(r";|,\s|\band\b|\bbut\b|\bwhile\b|\bwhereas\b")
_MAIN = re.compile(r"\bmain (?:outcome|goal|result|aim)|primary (?:endpoint|outcome)", re.I)


@dataclass(frozen=True)
class SummaryInput:
    """A summary to check, and what it is held to: the editor's language and house style, and
    whether the article is a congress report (the caveat is due)."""

    text: str
    language: str = "en"
    style: HouseStyle | None = None
    congress_report: bool | None = None
    """None: decide from the record (a congress named)."""

    @property
    def house_style(self) -> HouseStyle:
        return self.style or load_house_style()

    def tokens(self) -> tuple[Token, ...]:
        return tokenize(self.text, comma_decimal=self.language != "en")


@dataclass(frozen=True)
class Known:
    """A number the summary may use, with where it comes from."""

    value: float
    source: str
    span: Span | None
    decimals: int
    derived: bool = False
    direction: Direction | None = None
    """For an estimate: which way it says the endpoint moved ('30% lower' is a decrease)."""


_TEXTSTAT = threading.Lock()


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade. textstat loads its dictionary (~0.5 s) into an unlocked cache at
    first use, so worker threads that start together each load it (8 threads: ~7 s); its
    calls hold the GIL anyway, so the lock costs nothing."""
    with _TEXTSTAT:
        return float(textstat.flesch_kincaid_grade(text))

def known_numbers(record: TrialRecord, report: Report) -> list[Known]:
    grounded = report.grounded_fields()
    known: list[Known] = []
    for cited in cited_numbers(record):
        if cited.pointer not in grounded or cited.number.value is None:
            continue
        value = cited.number.value
        decimals = _decimals(cited.number.text)
        span = cited.number.span
        result = _result_at(record, cited.pointer)
        if result is None or cited.field != "estimate":
            known.append(Known(value, cited.pointer, span, decimals))
            continue
        direction = estimate_direction(result)
        known.append(Known(value, cited.pointer, span, decimals, direction=direction))
        if value < 0:  # 'fell by 53.9%' for a difference of −53.9%: the size, its direction checked
            known.append(Known(-value, cited.pointer + " (size)", span, decimals, derived=True,
                               direction=direction))
        if result.measure in RATIO_MEASURES and 0 < value < 1:
            known.append(Known(round(100 * (1 - value), 6), cited.pointer + " (1 − ratio)",
                               span, max(0, decimals - 2), derived=True, direction="decrease"))
        if result.measure in RATIO_MEASURES and value > 1:
            known.append(Known(round(100 * (value - 1), 6), cited.pointer + " (ratio − 1)",
                               span, max(0, decimals - 2), derived=True, direction="increase"))
    return known


def _known(known: list[Known] | None, record: TrialRecord, report: Report) -> list[Known]:
    return known if known is not None else known_numbers(record, report)


def _result_at(record: TrialRecord, pointer: str) -> Result | None:
    m = re.match(r"/results/(\d+)", pointer)
    return record.results[int(m.group(1))] if m else None


def estimate_direction(result: Result) -> Direction | None:
    """Which way a result says its endpoint moved: the article's words for a value per group
    ('fell by X%'), else the estimate against 'no difference' (a ratio below 1, a negative
    difference, a positive relative reduction are decreases)."""
    if result.direction is not None:
        return result.direction
    value = result.estimate.value if result.estimate else None
    if value is None:
        return None
    if result.measure == "RRR":
        return "decrease" if value > 0 else "increase" if value < 0 else None
    if result.measure in RATIO_MEASURES:
        null = 1.0
    elif result.measure in DIFFERENCE_MEASURES and result.measure != "mean change":
        null = 0.0
    else:
        return None
    return "decrease" if value < null else "increase" if value > null else None


def result_significant(result: Result) -> bool | None:
    """Whether a between-group result excludes 'no difference': by its CI where it has one
    (rounding-aware, as the consistency checks read it), else by its P value. None: cannot
    tell (no test, a P of exactly 0.05, a CI whose rounding straddles the null)."""
    ratio = result.measure in RATIO_MEASURES
    lower, upper = written_number(result.ci_lower), written_number(result.ci_upper)
    if lower is not None and upper is not None and result.measure != "RRR":
        if excludes_null(lower, upper, ratio=ratio):
            return True
        return False if crosses_null(lower, upper, ratio=ratio) else None
    p = result.p
    if p is None or p.value is None:
        return None
    if p.comparator in ("<", "<=") and p.value <= 0.05:
        return True
    if p.comparator in (None, "=") and p.value != 0.05:
        return p.value < 0.05
    if p.comparator in (">", ">=") and p.value >= 0.05:
        return False
    return None


def is_serious(event: str) -> bool:
    return bool(SERIOUS.search(event))


def _decimals(text: str) -> int:
    m = re.search(r"[.·,](\d+)", text)
    return len(m.group(1)) if m else 0


def described_numbers(record: TrialRecord) -> set[float]:
    """Numbers written in the record's own words: doses in arm labels, timepoints, phase, the
    congress ('ESMO 2025')."""
    texts = [record.primary_endpoint or "", record.population or "", record.condition or "",
             record.congress or "", *record.trial_names,
             record.design.phase or "", record.design.allocation or "",
             *(a.label for a in record.arms), *(r.timepoint or "" for r in record.results),
             *(r.endpoint for r in record.results), *(r.arm or "" for r in record.results),
             *(s.event for s in record.safety), *(s.arm or "" for s in record.safety)]
    values: set[float] = set()
    for text in texts:
        values.update(t.float_value for t in tokenize(text))
    return values


def _as_percent(token: Token) -> float | None:
    if token.kind == "frequency":
        return 100 * token.float_value
    return None


def match_number(token: Token, approximate: bool, known: list[Known]) -> Known | None:
    candidates = [token.float_value]
    as_percent = _as_percent(token)
    if as_percent is not None:
        candidates.append(as_percent)
    for value in candidates:
        for k in known:
            if abs(k.value - value) < 1e-9:
                return k
            # the summary may round: "0.8" for 0.82, "30%" for 1 − 0.70 written as 0.7; but
            # "P=0" for P=0.004 is another claim, not a rounding
            rounded = round(k.value, token.decimals)
            if (token.decimals < k.decimals or k.derived) and (rounded or not k.value) \
                    and rounded == round(value, token.decimals):
                return k
            if (approximate or token.kind == "frequency") and k.value and (
                    abs(value - k.value) / abs(k.value) <= 0.1):
                return k
    return None


def number_checks(summary: SummaryInput, record: TrialRecord, report: Report,
                  doc: Document, known: list[Known] | None = None) -> Iterator[Check]:
    known = _known(known, record, report)
    described = described_numbers(record)
    quoted = _quoted_record_words(summary.text, record)
    for i, token in enumerate(summary.tokens()):
        approximate = bool(APPROXIMATE.search(summary.text[max(0, token.start - 20):token.start]))
        pointer = f"/summary/numbers/{i}"
        match = match_number(token, approximate, known)
        if match is not None:
            yield _summary_check(pointer, token, "grounded", "ok",
                                 f"{token.text} matches {match.source}", match.span)
        elif token.float_value in described or any(a <= token.start < b for a, b in quoted):
            yield _summary_check(pointer, token, "grounded", "ok",
                                 f"{token.text} is part of the record's description", None)
        elif names_a_thing(summary.text, token):
            yield _summary_check(pointer, token, "grounded", "ok",
                                 f"{token.text} is part of a name, not a result", None)
        elif any(t.value == token.value for t in doc.tokens):
            yield _summary_check(pointer, token, "not_found", "error",
                                 f"{token.text} is in the article but not a verified number of "
                                 "the record", None)
        else:
            yield _summary_check(pointer, token, "not_found", "error",
                                 f"{token.text} matches no number of the record or the article",
                                 None)


def _masked(sentence: str, names: set[str]) -> str:
    """The sentence with each record name in it blanked out (offsets kept)."""
    for name in sorted(names, key=len, reverse=True):
        if len(name) > 3:
            sentence = re.sub(re.escape(name), lambda m: " " * len(m.group(0)), sentence,
                              flags=re.I)
    return sentence


def _quoted_record_words(text: str, record: TrialRecord) -> list[Span]:
    """Spans of quoted passages that are words of the record as written ('“Dosis 2,5 mg”'):
    their numbers are in the article's number format, not the summary's."""
    words = _record_words(record)
    return [(a, b) for a, b in quoted_spans(text) if text[a + 1:b - 1].strip() in words]


def _endpoint_words(record: TrialRecord) -> set[str]:
    texts = [record.primary_endpoint, *(r.endpoint for r in record.results),
             *(f.event for f in record.safety)]
    return {" ".join(t.split()) for t in texts if t}


def _record_words(record: TrialRecord) -> set[str]:
    texts = [record.primary_endpoint, record.population, record.condition,
             *(a.label for a in record.arms), *(r.endpoint for r in record.results),
             *(r.arm for r in record.results), *(f.event for f in record.safety),
             *(f.arm for f in record.safety)]
    return {" ".join(t.split()) for t in texts if t}


def _summary_check(pointer: str, token: Token, status: str, severity: str, message: str,
                   source_span: Span | None) -> Check:
    return Check.model_validate({
        "field": pointer, "text": token.text, "status": status, "span": token.span,
        "severity": severity, "message": message, "kind": "summary_number",
        "origin": "summary", "source_span": source_span,
    })


def primary_established(record: TrialRecord, report: Report) -> bool:
    if record.primary_endpoint_met != "yes":
        return False
    return not any(c.kind in DOUBT_KINDS and (c.field.startswith("/primary") or _is_primary(
        record, c.field)) for c in report.checks)


def _is_primary(record: TrialRecord, pointer: str) -> bool:
    result = _result_at(record, pointer)
    return result is not None and bool(result.is_primary)


def _unhedged_claims(summary: SummaryInput, claim: re.Pattern[str],
                     record: TrialRecord | None = None
                     ) -> Iterator[tuple[int, Span, re.Match[str]]]:
    """Each summary sentence that makes the claim without hedging it: index, span, match. The
    record's own names (an endpoint called 'endoscopic improvement') are not claims."""
    names = _record_words(record) if record is not None else set()
    for i, (start, end) in enumerate(split_sentences(summary.text)):
        sentence = _masked(summary.text[start:end], names)
        found = claim.search(PURPOSE.sub(lambda m: " " * len(m.group(0)), sentence))
        if found is not None and not HEDGE.search(sentence):
            yield i, (start, end), found


def _sentence_check(summary: SummaryInput, i: int, span: Span, severity: str, kind: str,
                    message: str) -> Check:
    return Check.model_validate({
        "field": f"/summary/sentences/{i}", "text": summary.text[span[0]:span[1]].strip(),
        "status": "inconsistent", "span": span, "severity": severity, "kind": kind,
        "origin": "summary", "message": message,
    })


def benefit_established(record: TrialRecord, report: Report) -> bool:
    """A benefit may be worded as one: the article says the trial met its main goal and
    verification does not doubt it, or (the article silent) the primary result is
    statistically significant and nothing doubts it."""
    if primary_established(record, report):
        return True
    if record.primary_endpoint_met != "not_stated" or _doubted(report) or \
            record.design.non_inferiority:
        return False
    primary = [r for r in record.results if r.is_primary and result_significant(r) is not None]
    return bool(primary) and result_significant(primary[0]) is True


def spin_checks(summary: SummaryInput, record: TrialRecord, report: Report,
                known: list[Known] | None = None) -> Iterator[Check]:
    if benefit_established(record, report):
        return
    why = {"no": "the primary endpoint was not met",
           "not_stated": "the article does not say the primary endpoint was met, and the "
                         "primary result is not shown to be statistically significant"}.get(
        record.primary_endpoint_met, "verification doubts the claim that the primary endpoint "
                                     "was met")
    claimed = record.is_trial_report and record.primary_endpoint_met != "not_stated"
    severity = "error" if claimed or _doubted(report) or _primary_tested(record) else "warning"
    known = _known(known, record, report)
    for i, span, claim in _unhedged_claims(summary, BENEFIT, record):
        if _own_significant_result(summary, span, record, known):
            continue
        yield _sentence_check(summary, i, span, severity, "summary_spin",
                              f"claims a benefit ({claim.group(0)!r}) but {why}")


def _own_significant_result(summary: SummaryInput, span: Span, record: TrialRecord,
                            known: list[Known]) -> bool:
    """In a round-up (several trials), a sentence about one trial's result whose own CI
    excludes 'no difference' may say so: each trial stands on its own there."""
    if len(record.trial_names) < 2:
        return False
    results = _results_of(summary, span, "", record, known)
    return bool(results) and all(r.trial and result_significant(r) for r in results)


def _primary_tested(record: TrialRecord) -> bool:
    return any(r.is_primary and result_significant(r) is False for r in record.results)


def safety_claim_checks(summary: SummaryInput, record: TrialRecord) -> Iterator[Check]:
    """'Safe' or 'well tolerated' is the article's judgement to make, not the summary's: a
    warning, which says whether the record holds any safety finding to weigh it against."""
    basis = ("check it against the safety findings of the record" if record.safety else
             "the record holds no safety finding to support it: check the article")
    for i, span, claim in _unhedged_claims(summary, SAFETY_CLAIM):
        yield _sentence_check(summary, i, span, "warning", "summary_safety_claim",
                              f"calls the treatment {claim.group(0)!r}: {basis}")


def _doubted(report: Report) -> bool:
    return any(c.kind in DOUBT_KINDS for c in report.checks)


def caveat_check(summary: SummaryInput, record: TrialRecord) -> Iterator[Check]:
    due = summary.congress_report if summary.congress_report is not None else bool(
        record.congress)
    if due and record.is_trial_report and not summary.house_style.has_caveat(summary.text):
        yield _text_check("summary_caveat", "presented at a congress: the summary should say "
                                            "the results are not yet peer-reviewed")


def _text_check(kind: str, message: str, severity: str = "warning") -> Check:
    return Check.model_validate({
        "field": "/summary/text", "text": None, "status": "not_found", "span": None,
        "severity": severity, "kind": kind, "origin": "summary", "message": message})


# -- direction and significance words --------------------------------------------------------

def _sentence_numbers(summary: SummaryInput, span: Span, known: list[Known],
                      names: set[str] | None = None) -> list[tuple[Token, Known]]:
    """The summary's numbers in `span` that trace to the record, with what they trace to;
    numbers inside one of `names` (the '10' of 'drug 10 mg') are words, not results."""
    inside = _name_spans(summary.text, names or set())
    found = []
    for token in summary.tokens():
        if span[0] <= token.start < span[1] and not any(a <= token.start < b for a, b in inside):
            approximate = bool(APPROXIMATE.search(
                summary.text[max(0, token.start - 20):token.start]))
            match = match_number(token, approximate, known)
            if match is not None:
                found.append((token, match))
    return found


def direction_checks(summary: SummaryInput, record: TrialRecord, report: Report,
                     known: list[Known] | None = None) -> Iterator[Check]:
    """'Lower' beside a number that says 'higher' (a ratio above 1, a rise): an error. Read per
    clause, so 'fell by X with A and rose by Y with B' is two claims; 'higher with <comparator>
    than with <treatment>' is read the other way round."""
    known = _known(known, record, report)
    comparator = record.arms[1].label.lower() if len(record.arms) >= 2 else None
    names = _endpoint_words(record)
    labels = _record_words(record)
    for i, (start, end) in enumerate(split_sentences(summary.text)):
        sentence = _masked(summary.text[start:end], names)
        if NO_DIFFERENCE.search(sentence):
            continue
        for a, b in _clauses(sentence, start):
            clause = sentence[a - start:b - start]
            said = _said_direction(clause, comparator)
            if said is None:
                continue
            for token, match in _sentence_numbers(summary, (a, b), known, labels):
                if match.direction is not None and match.direction != said:
                    yield _sentence_check(
                        summary, i, (start, end), "error", "summary_direction",
                        f"says {'a fall' if said == 'decrease' else 'a rise'} beside "
                        f"{token.text}, but {match.source} is "
                        f"{'an increase' if match.direction == 'increase' else 'a decrease'}")
                    break


def endpoint_checks(summary: SummaryInput, record: TrialRecord, report: Report,
                    known: list[Known] | None = None) -> Iterator[Check]:
    """A traced number told as the result of another endpoint than its own ('walking distance
    rose by 9.8' where 9.8 is the symptom score's): a warning. It fires only when the clause
    names another result's endpoint by a word of its own and none of the number's endpoint
    (names of arms and trials, which endpoints may share, do not count)."""
    known = _known(known, record, report)
    labels = _record_words(record)
    names = _content_words(" ".join([*(a.label for a in record.arms), *record.trial_names]))
    for i, (start, end) in enumerate(split_sentences(summary.text)):
        for a, b in _clauses(summary.text[start:end], start):
            words = _content_words(summary.text[a:b]) - names
            for token, match in _sentence_numbers(summary, (a, b), known, labels):
                named = _other_endpoint_named(match, words, record, known, names)
                if named is not None:
                    yield _sentence_check(
                        summary, i, (start, end), "warning", "summary_endpoint",
                        f"{token.text} is the result for {named[0]!r}, but the sentence tells "
                        f"it as {named[1]!r}")
                    break


def _other_endpoint_named(match: Known, words: set[str], record: TrialRecord,
                          known: list[Known], names: set[str]) -> tuple[str, str] | None:
    """(the number's endpoint, the one the clause names) when they differ; None when any
    result with the same value (one value can stand for two) fits the clause."""
    mine = [r for r in (_result_at(record, k.source) for k in known if k.value == match.value)
            if r is not None and r.endpoint]
    if not mine or not match.source.startswith("/results/"):
        return None
    own_words = set().union(*(_content_words(r.endpoint or "") for r in mine))
    if words & own_words:
        return None
    for other in record.results:
        distinct = _content_words(other.endpoint or "") - own_words - names
        if other not in mine and distinct & words:
            return mine[0].endpoint or "", other.endpoint or ""
    return None


# Words any endpoint may carry: they tell no endpoint from another.
_GENERIC = frozenset({
    "patients", "people", "participants", "rate", "rates", "risk", "change", "changes", "score",
    "events", "event", "time", "months", "weeks", "week", "years", "baseline", "group", "groups",
    "total", "overall", "mean", "median", "percent", "proportion", "number", "treatment",
    "placebo", "lower", "higher", "from", "with", "than", "more", "less"})


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z-]{3,}", text.lower()) if w not in _GENERIC}


def _name_spans(text: str, names: set[str]) -> list[Span]:
    spans: list[Span] = []
    for name in names:
        if len(name) > 3 and any(c.isdigit() for c in name):
            spans += [m.span() for m in re.finditer(re.escape(name), text, re.I)]
    return spans


def _clauses(sentence: str, offset: int) -> list[Span]:
    cuts = [0, *(m.start() for m in _CLAUSES.finditer(sentence)), len(sentence)]
    return [(offset + a, offset + b) for a, b in pairwise(cuts) if b > a]


def _said_direction(clause: str, comparator: str | None) -> Direction | None:
    down, up = bool(DECREASE.search(clause)), bool(INCREASE.search(clause))
    if down == up:
        return None
    said: Direction = "decrease" if down else "increase"
    reversed_ = comparator and re.search(r"\bwith (.{1,80}?) than with", clause, re.I)
    if reversed_ and comparator and comparator in reversed_.group(1).lower():
        said = "increase" if said == "decrease" else "decrease"
    return said


def significance_checks(summary: SummaryInput, record: TrialRecord, report: Report,
                        known: list[Known] | None = None) -> Iterator[Check]:
    """'No clear difference' over a significant result, 'significantly' over one whose CI
    includes 'no difference': errors. A sentence is about the results its numbers trace to, or
    about the primary result when it names the main outcome or goal."""
    known = _known(known, record, report)
    for i, (start, end) in enumerate(split_sentences(summary.text)):
        sentence = summary.text[start:end]
        results = _results_of(summary, (start, end), sentence, record, known)
        verdicts = [v for v in (result_significant(r) for r in results) if v is not None]
        if not verdicts:
            continue
        if NO_DIFFERENCE.search(sentence) and all(verdicts):
            yield _sentence_check(summary, i, (start, end), "error", "summary_significance",
                                  "says there was no clear difference, but the result's CI "
                                  "excludes 'no difference' (statistically significant)")
        elif _claims_significance(sentence) and not any(verdicts):
            yield _sentence_check(summary, i, (start, end), "error", "summary_significance",
                                  "calls the result significant, but its CI includes 'no "
                                  "difference'")


def named_null_checks(summary: SummaryInput, record: TrialRecord, report: Report,
                      known: list[Known] | None = None) -> Iterator[Check]:
    """A benefit claimed without a number for an outcome whose result shows no significant
    difference ('the drug reduced deaths' where death's CI includes 'no difference'): an error.
    The outcome is named by a word of its own (one no significant result's name carries), in
    the clause of the claim; a sentence with numbers is read by `significance_checks`."""
    null = [r for r in record.results if r.endpoint and result_significant(r) is False]
    if not null:
        return
    known = _known(known, record, report)
    labels = _record_words(record)
    # words that name the trial, its groups or who took part ('stroke' in 'patients at risk
    # of stroke'), or a time ('at 90 days'), name no outcome of their own
    names = _stems(" ".join([*(a.label for a in record.arms), *record.trial_names,
                             record.population or "", record.condition or ""]))
    shared = set().union(*(_stems(r.endpoint or "") for r in record.results
                           if result_significant(r))) | names | _TIME_WORDS
    for i, span, claim in _unhedged_claims(summary, BENEFIT, record):
        if _sentence_numbers(summary, span, known, labels):
            continue
        sentence = summary.text[span[0]:span[1]]
        words = _stems(_clause_of(sentence, claim.start()))
        trials = {t for t in record.trial_names if mentions(sentence, t)}
        for result in null:
            if trials and result.trial and result.trial not in trials:
                continue  # a round-up: the sentence tells another trial's result
            if (_stems(result.endpoint or "") - shared) & words:
                yield _sentence_check(summary, i, span, "error", "summary_significance",
                                      f"claims a benefit ({claim.group(0)!r}) on "
                                      f"{result.endpoint!r}, whose result's CI includes 'no "
                                      "difference'")
                break


_TIME_WORDS = frozenset({"day", "hour", "month", "week", "year", "baseline", "follow-up"})


def _stems(text: str) -> set[str]:
    """Content words, a plural's 's' dropped: 'strokes' names 'stroke'."""
    return {w[:-1] if w.endswith("s") and not w.endswith("ss") else w
            for w in _content_words(text)}


_CONTRAST = re.compile(r";|\b(?:but|while|whereas|though|although)\b", re.I)


def _clause_of(sentence: str, at: int) -> str:
    """The part of the sentence around `at` up to a contrast ('but', 'while', ';')."""
    cuts = [0, *(m.start() for m in _CONTRAST.finditer(sentence)), len(sentence)]
    return next(sentence[a:b] for a, b in pairwise(cuts) if a <= at < b or b == len(sentence))


def _claims_significance(sentence: str) -> bool:
    return bool(SIGNIFICANT.search(sentence)) and not HEDGE.search(sentence)


def _results_of(summary: SummaryInput, span: Span, sentence: str, record: TrialRecord,
                known: list[Known]) -> list[Result]:
    traced = {k.source.split()[0].split("/")[2] for _, k in _sentence_numbers(
        summary, span, known, _record_words(record)) if k.source.startswith("/results/")}
    if traced:
        return [record.results[int(i)] for i in sorted(traced)]
    if _MAIN.search(sentence):
        return [r for r in record.results if r.is_primary][:1]
    return []


def goal_checks(summary: SummaryInput, record: TrialRecord) -> Iterator[Check]:
    """'Met its main goal' is the article's statement to make: against a record that says it
    was not met (or the reverse), an error; where the article is silent, a warning (say the
    difference was statistically significant instead)."""
    if not record.is_trial_report:
        return
    for i, (start, end) in enumerate(split_sentences(summary.text)):
        sentence = summary.text[start:end]
        said_not_met = bool(NOT_MET_CLAIM.search(sentence))
        said_met = bool(MET_CLAIM.search(sentence)) and not said_not_met
        if (said_met and record.primary_endpoint_met == "no") or (
                said_not_met and record.primary_endpoint_met == "yes"):
            yield _sentence_check(summary, i, (start, end), "error", "summary_goal",
                                  "says the opposite of what the article states about its main "
                                  "goal")
        elif said_met and record.primary_endpoint_met == "not_stated":
            yield _sentence_check(summary, i, (start, end), "warning", "summary_goal",
                                  "says the trial met its main goal, which the article does not "
                                  "say: tell whether the difference was statistically significant")


# -- what the summary should tell --------------------------------------------------------------

def traced_fields(summary: SummaryInput, record: TrialRecord, report: Report,
                  known: list[Known] | None = None) -> set[str]:
    """The record's fields (pointers) the summary's numbers trace to."""
    return {m.source.split()[0] for _, m in _sentence_numbers(
        summary, (0, len(summary.text)), _known(known, record, report))}


def coverage_checks(summary: SummaryInput, record: TrialRecord, report: Report,
                    known: list[Known] | None = None) -> Iterator[Check]:
    """Warnings for what the record verifies and the summary leaves out: the primary result,
    the number of people, the groups compared, a serious safety finding; and 'not yet clear'
    when the primary result is known."""
    if not record.is_trial_report:
        return
    used = traced_fields(summary, record, report, known)
    grounded = report.grounded_fields()
    primary = {f"/results/{i}/{f}" for i, r in enumerate(record.results) if r.is_primary
               for f in ("estimate", "ci_lower", "ci_upper", "p")} & grounded
    if primary and not primary & used:
        yield _text_check("summary_missing_primary", "leaves out the primary result the record "
                                                     "verifies")
    if "/n_total" in grounded and "/n_total" not in used:
        yield _text_check("summary_missing_n", "leaves out how many people took part "
                                               f"({record.n_total.text if record.n_total else ''})")
    for arm in record.arms[:2]:
        if not mentions(summary.text, arm.label):
            yield _text_check("summary_missing_arm", f"does not name the group {arm.label!r} "
                                                     "the record compares")
    serious = {f"/safety/{i}/value" for i, f in enumerate(record.safety)
               if is_serious(f.event)} & grounded
    if serious and not serious & used:
        yield _text_check("summary_missing_safety", "leaves out a serious safety finding the "
                                                    "record verifies")
    if primary and NOT_YET_CLEAR.search(summary.text):
        yield _text_check("summary_not_yet_clear", "says the result is not yet clear, but the "
                                                   "record verifies a primary result: tell it")


# -- language and house style ----------------------------------------------------------------

def language_check(summary: SummaryInput) -> Iterator[Check]:
    found = guess_language(unquoted(summary.text))
    if found is not None and found != summary.language:
        yield _text_check("summary_language",
                          f"is written in {LANGUAGES.get(found, found)}, not in "
                          f"{LANGUAGES.get(summary.language, summary.language)}", "error")


def style_checks(summary: SummaryInput, record: TrialRecord) -> Iterator[Check]:
    style = summary.house_style
    avoided = style.avoided()
    if avoided is not None:
        for i, span, word in _claims(summary, avoided):
            yield _sentence_check(summary, i, span, "warning", "summary_style",
                                  f"uses {word.group(0)!r}, a word the house style avoids")
    words = len(summary.text.split())
    if record.is_trial_report and not style.min_words <= words <= style.max_words:
        yield _text_check("summary_length", f"has {words} words; the house style asks for "
                                            f"{style.min_words}-{style.max_words}")
    body = summary.text.split("\n\n", 1)[-1]
    grade = reading_grade(body) if body.strip() else 0.0
    if grade > style.max_grade:
        yield _text_check("summary_grade", f"reads at grade {grade:.1f}; the house style asks "
                                           f"for {style.max_grade:g} or below")


def _claims(summary: SummaryInput, pattern: re.Pattern[str]
            ) -> Iterator[tuple[int, Span, re.Match[str]]]:
    for i, (start, end) in enumerate(split_sentences(summary.text)):
        for found in pattern.finditer(summary.text, start, end):
            yield i, (start, end), found


def check_summary(summary: SummaryInput, record: TrialRecord, report: Report,
                  doc: Document | None = None) -> list[Check]:
    doc = doc or analyse("")
    known = known_numbers(record, report)  # read once for every check below
    return [*number_checks(summary, record, report, doc, known),
            *spin_checks(summary, record, report, known),
            *direction_checks(summary, record, report, known),
            *endpoint_checks(summary, record, report, known),
            *significance_checks(summary, record, report, known),
            *named_null_checks(summary, record, report, known), *goal_checks(summary, record),
            *safety_claim_checks(summary, record), *caveat_check(summary, record),
            *coverage_checks(summary, record, report, known), *language_check(summary),
            *style_checks(summary, record)]
