"""Checks a plain-language summary against the verified record. Pure.

Every number in the summary must be a grounded number of the record, or a plain-language form
of one ("30% lower risk" for HR 0.70, "about 1 in 5" for 19.5%, "0.8" for 0.82 when rounding is
stated by "about"). A claim of benefit is spin when the primary endpoint was not met, or when
verification found that the article's own claim of success does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from agent.document import Document, analyse, split_sentences
from agent.grounding import cited_numbers
from agent.numbers import Token, tokenize
from agent.report import Check, Report
from agent.schema import RATIO_MEASURES, Span, TrialRecord

APPROXIMATE = re.compile(
    r"(?:about|around|approximately|roughly|nearly|almost|some|over|more than|fewer than|"
    r"less than|up to|close to|just over|just under|~)\s*$", re.I)
BENEFIT = re.compile(
    r"\b(?:reduc|lower|improv|prolong|extend|cut|better|benefit|effective|work(?:s|ed)\b|help|"
    r"protect|superior|significant|success|slow|prevent|halv|fewer|less likely|longer)\w*", re.I)
HEDGE = re.compile(
    r"\b(?:not|no|nothing|none|never|did not|didn't|does not|failed|without|neither|nor|"
    r"unclear|uncertain|cannot|can't|could not)\b", re.I)
CAVEAT = re.compile(r"peer[- ]review", re.I)
SAFETY_CLAIM = re.compile(
    r"\b(?:safe|safely|well[- ]tolerated|tolerated well|generally tolerated)\b", re.I)
DOUBT_KINDS = frozenset({"primary_met_mismatch", "significance_claim_ci_crosses_null",
                         "p_ci_mismatch", "p_ci_doubt"})


@dataclass(frozen=True)
class SummaryInput:
    text: str


@dataclass(frozen=True)
class Known:
    """A number the summary may use, with where it comes from."""

    value: float
    source: str
    span: Span | None
    decimals: int
    derived: bool = False


def known_numbers(record: TrialRecord, report: Report) -> list[Known]:
    grounded = report.grounded_fields()
    known: list[Known] = []
    for cited in cited_numbers(record):
        if cited.pointer not in grounded or cited.number.value is None:
            continue
        value = cited.number.value
        decimals = _decimals(cited.number.text)
        span = cited.number.span
        known.append(Known(value, cited.pointer, span, decimals))
        if cited.field == "estimate" and cited.pointer.startswith("/results/"):
            result = record.results[int(cited.pointer.split("/")[2])]
            if result.measure in RATIO_MEASURES and 0 < value < 1:
                known.append(Known(round(100 * (1 - value), 6), cited.pointer + " (1 − ratio)",
                                   span, max(0, decimals - 2), derived=True))
            if result.measure in RATIO_MEASURES and value > 1:
                known.append(Known(round(100 * (value - 1), 6), cited.pointer + " (ratio − 1)",
                                   span, max(0, decimals - 2), derived=True))
    return known


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
            # the summary may round: "0.8" for 0.82, "30%" for 1 − 0.70 written as 0.7
            if (token.decimals < k.decimals or k.derived) and round(
                    k.value, token.decimals) == round(value, token.decimals):
                return k
            if (approximate or token.kind == "frequency") and k.value and (
                    abs(value - k.value) / abs(k.value) <= 0.1):
                return k
    return None


def number_checks(summary: SummaryInput, record: TrialRecord, report: Report,
                  doc: Document) -> Iterator[Check]:
    known = known_numbers(record, report)
    described = described_numbers(record)
    for i, token in enumerate(tokenize(summary.text)):
        approximate = bool(APPROXIMATE.search(summary.text[max(0, token.start - 20):token.start]))
        pointer = f"/summary/numbers/{i}"
        match = match_number(token, approximate, known)
        if match is not None:
            yield _summary_check(pointer, token, "grounded", "ok",
                                 f"{token.text} matches {match.source}", match.span)
        elif token.float_value in described:
            yield _summary_check(pointer, token, "grounded", "ok",
                                 f"{token.text} is part of the record's description", None)
        elif any(t.value == token.value for t in doc.tokens):
            yield _summary_check(pointer, token, "not_found", "error",
                                 f"{token.text} is in the article but not a verified number of "
                                 "the record", None)
        else:
            yield _summary_check(pointer, token, "not_found", "error",
                                 f"{token.text} matches no number of the record or the article",
                                 None)


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
    m = re.match(r"/results/(\d+)", pointer)
    return m is not None and bool(record.results[int(m.group(1))].is_primary)


def _unhedged_claims(summary: SummaryInput, claim: re.Pattern[str]
                     ) -> Iterator[tuple[int, Span, re.Match[str]]]:
    """Each summary sentence that makes the claim without hedging it: index, span, match."""
    for i, (start, end) in enumerate(split_sentences(summary.text)):
        sentence = summary.text[start:end]
        found = claim.search(sentence)
        if found is not None and not HEDGE.search(sentence):
            yield i, (start, end), found


def _sentence_check(summary: SummaryInput, i: int, span: Span, severity: str, kind: str,
                    message: str) -> Check:
    return Check.model_validate({
        "field": f"/summary/sentences/{i}", "text": summary.text[span[0]:span[1]].strip(),
        "status": "inconsistent", "span": span, "severity": severity, "kind": kind,
        "origin": "summary", "message": message,
    })


def spin_checks(summary: SummaryInput, record: TrialRecord, report: Report) -> Iterator[Check]:
    if primary_established(record, report):
        return
    why = {"no": "the primary endpoint was not met",
           "not_stated": "the article does not say the primary endpoint was met"}.get(
        record.primary_endpoint_met, "verification doubts the claim that the primary endpoint "
                                     "was met")
    claimed = record.is_trial_report and record.primary_endpoint_met != "not_stated"
    severity = "error" if claimed or _doubted(report) else "warning"
    for i, span, claim in _unhedged_claims(summary, BENEFIT):
        yield _sentence_check(summary, i, span, severity, "summary_spin",
                              f"claims a benefit ({claim.group(0)!r}) but {why}")


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
    if record.congress and not CAVEAT.search(summary.text):
        yield Check(field="/summary/text", text=None, status="not_found", span=None,
                    severity="warning", kind="summary_caveat", origin="summary",
                    message="presented at a congress: the summary should say the results are "
                            "not yet peer-reviewed")


def check_summary(summary: SummaryInput, record: TrialRecord, report: Report,
                  doc: Document | None = None) -> list[Check]:
    doc = doc or analyse("")
    return [*number_checks(summary, record, report, doc), *spin_checks(summary, record, report),
            *safety_claim_checks(summary, record), *caveat_check(summary, record)]
