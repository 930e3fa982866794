"""What the HTML review page works out once and every section shares: footnote numbers, the
anchors that link the article, the record, the summary and the findings, and unique ids."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from agent.output import Output
from agent.render.refs import NumberRef, by_field, findings, flagged, number_refs
from agent.report import Check, Severity
from agent.schema import Span


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def slug(pointer: str) -> str:
    """An id-safe form of a JSON pointer: /results/0/estimate -> results-0-estimate."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", pointer).strip("-")
    return cleaned or "root"


def span_id(span: Span, prefix: str = "src") -> str:
    return f"{prefix}-{span[0]}-{span[1]}"


def severity_class(severity: Severity | None) -> str:
    return f"sev-{severity}" if severity else "sev-none"


def hover_title(pointers: list[str], checks: list[Check]) -> str:
    """The tooltip of a number: the fields it stands for, then what each check said."""
    lines = [", ".join(pointers)]
    lines += [f"{c.severity}: {c.message}" for c in checks]
    return "\n".join(lines)


@dataclass
class Page:
    """Everything the page needs, worked out once: footnote numbers, marks and their links."""

    output: Output
    refs: list[NumberRef]
    found: list[Check]
    note: dict[int, int] = field(default_factory=dict)
    """id(check) -> its footnote number (1-based, the order of the findings list)."""
    grouped: dict[str, list[Check]] = field(default_factory=dict)
    ref_of: dict[str, NumberRef] = field(default_factory=dict)
    """pointer -> the number of the record it names."""
    target: dict[int, str] = field(default_factory=dict)
    """id(check) -> the anchor where the check is shown in a text (article or summary)."""
    ref_span: dict[str, Span] = field(default_factory=dict)
    """pointer -> the span of its mark in the article."""
    used: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, output: Output) -> Page:
        found = findings(output)
        page = cls(output, number_refs(output), found)
        page.note = {id(c): i for i, c in enumerate(found, 1)}
        page.grouped = by_field(output.checks)
        for ref in page.refs:
            page.ref_of.setdefault(ref.pointer, ref)
        page.ref_span = {r.pointer: r.span for r in page.refs if r.span is not None}
        return page

    def unique(self, ident: str) -> str:
        """`ident`, or `ident-2`, `ident-3`... when the page already has it."""
        candidate, n = ident, 1
        while candidate in self.used:
            n += 1
            candidate = f"{ident}-{n}"
        self.used.add(candidate)
        return candidate

    def sup(self, check: Check, with_id: bool = False) -> str:
        """The footnote mark that links a check to its entry in the findings list."""
        n = self.note[id(check)]
        ident = f' id="fnref-{n}"' if with_id else ""
        return (f'<sup class="fn sev-{check.severity}"{ident}><a href="#finding-{n}" '
                f'title="{esc(check.message)}">{n}</a></sup>')

    def field_sups(self, pointer: str) -> str:
        return "".join(self.sup(c) for c in flagged(self.grouped.get(pointer, ())))
