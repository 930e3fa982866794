"""Completeness: what the article states that the record leaves out. Pure, like verify.

"verified" promises an editor that nothing the article states is missing from the record. The
result tuples a record leaves out are reported by `verify.uncovered`; this module covers the
rest: a named primary endpoint, a stated number of patients, the arms, a safety finding with a
figure, percentages compared between groups. Each detector reads the article alone (never the
extractor's reading of it), so a record from any backend is held to the same text. A missing
item is an error: the record needs review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.document import Document
from agent.grounding import cited_numbers
from agent.report import Check
from agent.schema import Span, TrialRecord

_PRIMARY_NAMED = re.compile(
    r"\b(?:co-?)?primary\s+(?:efficacy\s+)?(?:end\s?points?|outcomes?)\s*(?:was|were|is|of|:|,)"
    r"|\bas\s+the\s+primary\s+(?:end\s?point|outcome)|\bprimäre[nr]?\s+(?:Studien)?[Ee]ndpunkt"
    r"|\bcritère\s+(?:de\s+jugement\s+)?principal|\bvariable\s+principal|\bcriterio\s+principal",
    re.I)
_PEOPLE = (r"(?:patients|participants|people|adults|children|subjects|individuals|women|men"
           r"|enrollees|Patient(?:inn)?en|Teilnehme(?:r|nde)|patientes?|pacientes)")
_COUNT = r"(?:\d{1,3}(?:[,.\u2009\u202f\u00a0 ]\d{3})+|\d{2,})"
# 'A total of N patients were randomised', 'enrolled N patients', '(n=N)' after a word for the
# whole population, 'Total number of enrollees: N'.
_N_STATED = re.compile(
    r"\b(?:a\s+total\s+of|in\s+total|overall|enrolled|enrolling|randomi[sz]ed|randomi[sz]ing"
    r"|included|including|recruited|involving|insgesamt|out\s+of|data\s+(?:from|on|of)"
    r"|analy[sz]ed)\s+(?:\w+\s+){0,2}?"
    r"(?P<a>" + _COUNT + r")\s+(?:[\w-]+\s+){0,2}?" + _PEOPLE
    + r"|(?P<b>" + _COUNT + r")\s+(?:[\w-]+\s+){0,2}?" + _PEOPLE + r"\s+(?:were|was|have\s+been)\s+"
    r"(?:randomi[sz]ed|randomly\s+assigned|enrolled|included|recruited)"
    r"|\b(?:[Tt]otal\s+number\s+of\s+\w+|[Ss]ample\s+size)\s*:\s*(?P<c>" + _COUNT + r")", re.I)
# 'randomised to <drug> 10 mg or placebo', '<drug> (n=N) ... placebo (n=M)'.
_ARMS_STATED = re.compile(
    r"\b(?:randomi[sz]ed|randomly\s+assigned|allocated|assigned)\b[^.;]{0,60}?\bto\s+(?:receive\s+)?"
    r"[^.;]{2,80}?\b(?:or|versus|vs\.?)\s+[^.;]{2,60}"
    r"|\(\s*n\s?=\s?" + _COUNT + r"\s*\)[^.;]{2,80}?\(\s*n\s?=\s?" + _COUNT + r"\s*\)", re.I)
_SAFETY_STATED = re.compile(
    r"\b(?:adverse\s+events?|side[- ]effects?|discontinu\w+|serious\s+infections?|toxicit\w+"
    r"|(?:major|serious)\s+bleeding|unerwünschte|Nebenwirkungen|effets?\s+indésirables"
    r"|efectos\s+adversos|eventos\s+adversos)\b", re.I)


def missing(doc: Document, record: TrialRecord) -> Iterator[Check]:
    """Errors for what a single-trial article states and the record lacks."""
    if not record.is_trial_report or len(record.trial_names) > 1:
        return  # a round-up or a non-trial article: no one trial's fields to fill
    if not record.primary_endpoint:
        yield from _first(doc, _PRIMARY_NAMED, "/primary_endpoint", "missing_primary_endpoint",
                          "the article names a primary endpoint ({quote}); the record has none")
    if record.n_total is None and not any(arm.n for arm in record.arms):
        yield from _first(doc, _N_STATED, "/n_total", "missing_n",
                          "the article states how many took part ({quote}); the record gives "
                          "neither a total nor an arm size")
    if not record.arms:
        yield from _first(doc, _ARMS_STATED, "/arms", "missing_arms",
                          "the article names the arms ({quote}); the record has none")
    cited = [c.number.span for c in cited_numbers(record) if c.number.span]
    if not record.safety and not any(_SAFETY_STATED.search(r.endpoint) for r in record.results):
        yield from _safety(doc, cited)
    yield from _compared_values(doc, cited)


def _body(doc: Document) -> Iterator[Span]:
    for span in doc.sentences:
        if not doc.outside_body(span[0]) and not doc.in_injection(span[0]):
            yield span


def _first(doc: Document, regex: re.Pattern[str], field: str, kind: str, message: str
           ) -> Iterator[Check]:
    for start, end in _body(doc):
        m = regex.search(doc.text, start, end)
        if m:
            yield _check(doc, field, kind, message, (start, end), m.span())
            return


def _safety(doc: Document, cited: list[Span]) -> Iterator[Check]:
    """A safety finding with a figure: a sentence about harm that holds a percentage or a
    count of patients, none of whose numbers the record cites (a record may file the event
    among its results)."""
    for start, end in _body(doc):
        if _cites_any(cited, start, end):
            continue
        m = _SAFETY_STATED.search(doc.text, start, end)
        if m and any(t.percent or doc.role(t) in ("n", "count") for t in doc.tokens_in(start, end)
                     if doc.role(t) not in ("p", "ci_lower", "ci_upper", "ci_level")):
            yield _check(doc, "/safety", "missing_safety",
                         "the article reports a safety finding with a figure ({quote}); the "
                         "record has no safety finding", (start, end), m.span())
            return


# Two percentages compared: 'A% versus B%', 'A% and B% ..., respectively', 'A% with X vs B%'.
_COMPARED = re.compile(r"\d\s?%[^.;%]{0,60}?\b(?:versus|vs\.?|compared\s+with|respectively)\b"
                       r"|\b(?:versus|vs\.?)\s+\d[\d.,]*\s?%", re.I)
_BASELINE = re.compile(r"\b(?:women|female|males?|men|aged?|baseline|white|black|asian|history\s+"
                       r"of|prior|previous|median\s+age|mean\s+age|were\s+treated\s+with)\b",
                       re.I)


def _compared_values(doc: Document, cited: list[Span]) -> Iterator[Check]:
    """A sentence that compares percentages between groups, none of whose numbers the record
    cites: a result left out (`uncovered` lists the tuples with a CI or P)."""
    in_tuples = [t.span for tup in doc.tuples for t in tup.tokens]
    for start, end in _body(doc):
        words = doc.text[start:end]
        if _cites_any(cited, start, end) or _BASELINE.search(words):
            continue
        if _cites_any(in_tuples, start, end):
            continue  # reported by `uncovered`
        m = _COMPARED.search(words)
        values = [t for t in doc.tokens_in(start, end) if t.percent and doc.role(t) == "percent"]
        if m and len(values) >= 2:
            yield _check(doc, "/results", "uncovered_values",
                         "the article compares figures here ({quote}); the record cites none "
                         "of them", (start, end), (start + m.start(), start + m.end()))


def _cites_any(spans: list[Span], start: int, end: int) -> bool:
    return any(start <= s < end for s, _ in spans)


def _check(doc: Document, field: str, kind: str, message: str, sentence: Span, hit: Span
           ) -> Check:
    quote = doc.text[hit[0]:min(sentence[1], hit[0] + 80)].strip()
    return Check(field=field, text=None, status="uncovered", span=sentence, severity="error",
                 kind=kind, origin="record", message=message.format(quote=repr(quote)))
