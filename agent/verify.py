"""verify(record, article text[, summary]) -> Report. Pure: no LLM, no I/O.

Grounds every number of the record in the article, runs the statistical consistency checks on
the article's own results and on the record's, reports the result tuples and the statements
(primary endpoint, number of patients, arms, safety) the record left out, and (given a summary)
checks the summary's numbers and claims against the record.
"""

from __future__ import annotations

from collections.abc import Iterable

from agent.completeness import missing
from agent.consistency import (
    Finding,
    arm_sum,
    article_claims_met,
    check_stat,
    percent_denominators,
    percentage_phrases,
    primary_met,
    primary_statement,
    record_rrr,
    rrr_phrases,
    significance_claims,
    stat_from_result,
    stat_from_tuple,
    to_check,
    tuple_of_result,
)
from agent.document import Document, analyse
from agent.grounding import cited_numbers, ground_record
from agent.report import Check, Report
from agent.schema import Span, TrialRecord
from agent.summary_check import SummaryInput, check_summary


def verify(record: TrialRecord, text: str, summary: SummaryInput | None = None) -> Report:
    doc = analyse(text)
    grounding = ground_record(doc, record)
    checks = [*grounding, *consistency(doc, record, grounding), *primary_statement(doc, record),
              *uncovered(doc, record), *missing(doc, record), *injected_text(doc),
              *disagreements(record)]
    if summary is not None:
        checks += check_summary(summary, record, Report(checks=checks), doc)
    return Report(checks=checks, trial_report=record.is_trial_report)


def result_pointers(doc: Document, record: TrialRecord) -> dict[Span, str]:
    pointers: dict[Span, str] = {}
    for i, result in enumerate(record.results):
        tup = tuple_of_result(doc, result)
        if tup is not None:
            pointers.setdefault(tup.span, f"/results/{i}")
    return pointers


def article_findings(doc: Document, pointers: dict[Span, str]) -> list[Finding]:
    findings: list[Finding] = []
    for tup in doc.tuples:
        if doc.outside_body(tup.span[0]) or doc.in_injection(tup.span[0]):
            continue
        findings += check_stat(stat_from_tuple(doc, tup, pointers.get(tup.span)))
    findings += significance_claims(doc, pointers)
    findings += percentage_phrases(doc)
    findings += rrr_phrases(doc, pointers)
    return findings


def consistency(doc: Document, record: TrialRecord, grounding: list[Check]) -> list[Check]:
    pointers = result_pointers(doc, record)
    from_article = article_findings(doc, pointers)
    seen = {(f.kind, f.key) for f in from_article if f.key is not None}
    checks = [to_check(f, "article") for f in from_article]
    grounded = {c.field for c in grounding if c.status == "grounded"}
    ungrounded = _ungrounded_scopes(record, grounded)
    # A number that fails grounding is already an error on its own field; the inconsistencies
    # it causes downstream would only repeat it on other fields, so they are not reported.
    for i, result in enumerate(record.results):
        if f"/results/{i}" in ungrounded:
            continue
        for f in check_stat(stat_from_result(doc, result, f"/results/{i}")):
            if (f.kind, f.key) not in seen:
                checks.append(to_check(f, "record"))
    whole_record = [*arm_sum(doc, record), *percent_denominators(doc, record),
                    *record_rrr(doc, record)]
    for f in whole_record:
        if f.key is not None and (f.kind, f.key) in seen:
            continue
        if _scope(f) not in ungrounded:
            checks.append(to_check(f, f.origin or "article"))
    for f in primary_met(doc, record):
        if any(k in ("significance_claim_ci_crosses_null", "p_ci_mismatch") for k, _ in seen):
            origin = "article"
        else:
            origin = "article" if article_claims_met(doc) == (record.primary_endpoint_met == "yes"
                                                             ) else "record"
        checks.append(to_check(f, origin))
    return checks


def _scope(finding: Finding) -> str:
    """The part of the record a whole-record finding rests on."""
    if finding.kind == "arm_sum_mismatch":
        return "/arms"
    return finding.pointer.rsplit("/", 1)[0] if finding.pointer else "/"


def _ungrounded_scopes(record: TrialRecord, grounded: set[str]) -> set[str]:
    """Every part of the record ('/results/3', '/arms', '' for all of it) that holds a number
    not grounded: read once from the record, not once per finding (that was quadratic)."""
    scopes: set[str] = set()
    for cited in cited_numbers(record):
        if cited.pointer in grounded:
            continue
        parts = cited.pointer.split("/")
        # '/results/3/p' leaves '', '/results' and '/results/3' not wholly grounded
        scopes.update("/".join(parts[:k]) for k in range(1, len(parts)))
        if cited.pointer == "/n_total":
            scopes.add("/arms")  # arms that must add up to the total rest on it too
    return scopes


def uncovered(doc: Document, record: TrialRecord) -> list[Check]:
    """Result tuples the article prints that no field of the record cites: an error, since a
    record that leaves out a stated result cannot be called verified."""
    cited = {tuple(c.number.span) for c in cited_numbers(record) if c.number.span}
    checks = []
    for tup in doc.tuples:
        if doc.outside_body(tup.span[0]) or doc.in_injection(tup.span[0]):
            continue
        if any(t.span in cited for t in tup.tokens):
            continue
        excerpt = doc.text[tup.span[0]:tup.span[1]]
        checks.append(Check(
            field="/results", text=excerpt, status="uncovered", span=tup.span,
            severity="error", kind="uncovered", origin="record",
            message=f"the article reports {excerpt!r}, which no field of the record cites",
        ))
    return checks


def disagreements(record: TrialRecord) -> Iterable[Check]:
    """Where the model's labels and the rules' reading differed: the editor decides."""
    for d in record.disagreements:
        yield Check(
            field=d.field, text=d.model, status="ambiguous", span=None, severity="warning",
            kind="label_disagreement", origin="record",
            message=f"the model read {d.model!r}, the rules {d.rules!r}; kept the "
                    f"{'rules’' if d.kept == 'rules' else 'model’s'} reading: {d.why}")


def injected_text(doc: Document) -> Iterable[Check]:
    for start, end in doc.injection_spans:
        yield Check(
            field="/", text=doc.text[start:end][:200], status="inconsistent", span=(start, end),
            severity="warning", kind="injection", origin="article",
            message="this passage reads as an instruction to a language model, not as "
                    "reporting: its numbers are never taken as results",
        )
