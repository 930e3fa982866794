"""Seeded faults: take a correct record, change one number, and see whether the checks say so.

The faults are the mistakes an extractor makes: a wrong digit, swapped CI bounds, a P value
shifted by a decimal place, a dropped minus sign. Each fault keeps the cited span (as a model
or an editor would), so only the value disagrees with the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from agent.grounding import cited_numbers, resolve
from agent.numbers import parse_number
from agent.report import Report
from agent.schema import Number, TrialRecord

FAULT_KINDS = ("digit", "swap_bounds", "shift_p", "drop_minus")


@dataclass(frozen=True)
class Fault:
    kind: str
    fields: frozenset[str]
    description: str
    record: TrialRecord


def _renumber(number: Number, text: str) -> Number:
    parsed = parse_number(text)
    return number.model_copy(update={"text": text, "value": float(parsed.value) if parsed
                                     else None, "status": None})


def _set(record: TrialRecord, pointer: str, number: Number) -> None:
    parent_pointer, name = pointer.rsplit("/", 1)
    parent = resolve(record, parent_pointer) if parent_pointer else record
    setattr(parent, name, number)


def change_digit(text: str) -> str | None:
    """Change the last digit (0.82 -> 0.83; 1,602 -> 1,603), keeping the format."""
    digits = [m.start() for m in re.finditer(r"\d", text)]
    if not digits:
        return None
    i = digits[-1]
    new = str((int(text[i]) + 1) % 10)
    if len(digits) == 1 and new == "0":
        new = "2"
    return text[:i] + new + text[i + 1:]


def shift_p(text: str) -> str | None:
    """0.031 -> 0.31; <0.001 -> <0.01; 0·04 -> 0·4."""
    m = re.search(r"([.·,])(0*)(\d)", text)
    if m is None or not m.group(2):
        return None
    return text[:m.start(2)] + m.group(2)[1:] + text[m.start(3):]


def faults_of(record: TrialRecord) -> Iterator[Fault]:
    for cited in cited_numbers(record):
        number = cited.number
        if number.span is None:
            continue
        changed = change_digit(number.text)
        if changed:
            yield _one(record, cited.pointer, _renumber(number, changed), "digit",
                       f"{number.text} -> {changed}")
        if cited.field == "p":
            shifted = shift_p(number.text)
            if shifted:
                yield _one(record, cited.pointer, _renumber(number, shifted), "shift_p",
                           f"{number.text} -> {shifted}")
        stripped = number.text.lstrip("-−–")
        if stripped != number.text:
            yield _one(record, cited.pointer, _renumber(number, stripped), "drop_minus",
                       f"{number.text} -> {stripped}")
    for i, result in enumerate(record.results):
        lo, hi = result.ci_lower, result.ci_upper
        if lo is None or hi is None or lo.span is None or hi.span is None or lo.text == hi.text:
            continue
        swapped = record.model_copy(deep=True)
        swapped.results[i].ci_lower, swapped.results[i].ci_upper = hi.model_copy(), lo.model_copy()
        yield Fault("swap_bounds", frozenset({f"/results/{i}/ci_lower", f"/results/{i}/ci_upper"}),
                    f"bounds {lo.text} and {hi.text} swapped", swapped)


def _one(record: TrialRecord, pointer: str, number: Number, kind: str, what: str) -> Fault:
    mutated = record.model_copy(deep=True)
    _set(mutated, pointer, number)
    return Fault(kind, frozenset({pointer}), f"{pointer}: {what}", mutated)


def flagged_fields(report: Report) -> set[str]:
    """Fields with an error-severity check (what `trialbrief check` lists)."""
    return {c.field for c in report.errors}
