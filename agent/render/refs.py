"""Which checks belong to which number of the record, and where each number stands in the
article. Shared by the Markdown brief and the HTML page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agent.grounding import cited_numbers
from agent.output import Output
from agent.report import Check, Severity
from agent.schema import Number, Span

_RANK: dict[Severity, int] = {"ok": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class NumberRef:
    """A number the record cites, the checks on its field, and where it stands in the article."""

    pointer: str
    number: Number
    span: Span | None
    checks: tuple[Check, ...]

    @property
    def severity(self) -> Severity | None:
        """The worst severity of the checks on this field; None when nothing checked it."""
        return worst(self.checks) if self.checks else None


def worst(checks: Iterable[Check]) -> Severity:
    severities: list[Severity] = ["ok", *(c.severity for c in checks)]
    return max(severities, key=_RANK.__getitem__)


def flagged(checks: Iterable[Check]) -> list[Check]:
    """The checks that found something (warning or error), in their order."""
    return [c for c in checks if c.severity != "ok"]


def findings(output: Output) -> list[Check]:
    return flagged(output.checks)


def valid_span(span: Span | None, text: str) -> Span | None:
    if span is None:
        return None
    start, end = span
    return (start, end) if 0 <= start < end <= len(text) else None


def by_field(checks: Iterable[Check]) -> dict[str, list[Check]]:
    grouped: dict[str, list[Check]] = {}
    for check in checks:
        grouped.setdefault(check.field, []).append(check)
    return grouped


def is_summary_check(check: Check) -> bool:
    return check.field == "/summary" or check.field.startswith("/summary/")


def number_refs(output: Output) -> list[NumberRef]:
    if output.record is None:
        return []
    grouped = by_field(output.checks)
    refs = []
    for cited in cited_numbers(output.record):
        checks = tuple(grouped.get(cited.pointer, ()))
        span = valid_span(cited.number.span, output.source.text)
        if span is None:
            # no span in the record: grounding may still have found the number in the article
            found = [c.span for c in checks if c.kind == "grounding" and c.status == "grounded"]
            span = valid_span(found[0], output.source.text) if found else None
        refs.append(NumberRef(cited.pointer, cited.number, span, checks))
    return refs
