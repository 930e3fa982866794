"""Fact sheets: trial summaries written as labelled lists or tables instead of sentences.

Visual abstracts, "key facts" boxes and journal-club summaries list the arms one per line
('• <arm> (n = N)'), then, under an endpoint item, one line per arm ('• <arm>: X%') and a line
for the comparison ('• HR: X, 95% CI: L-U (P = p)'). Pages kept as Markdown put the same in a
pipe table: a header row of arms, a row per endpoint. The sentence readers see only fragments
there; this module reads the lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.document import Document
from agent.draft import DraftArm, DraftResult
from agent.pagetext import lines
from agent.rules.endpoints import NOT_PRIMARY, PRIMARY_WORDS
from agent.rules.layout import Layout
from agent.rules.percents import match_arm
from agent.rules.text import NUM, count_text
from agent.schema import Span

_BULLET = r"[ \t]*(?:[-*\u2022]|\d{1,2}[.)])?[ \t]*"
_ARM_LINE = re.compile(_BULLET + r"(?P<label>[A-Za-z][^\n]{1,120}?)\s*\(\s*[nN]\s?=\s?(?P<n>" + NUM
                       + r")\s*\)\s*$")
_VALUE_LINE = re.compile(_BULLET + r"(?P<label>[A-Za-z][^:\n]{0,60}):[ \t]*(?P<value>[-\u2212]?\d"
                         r"[\d.,]*[ \t]?%)[ \t]*$")
_SECTION = re.compile(r"^[ \t]*(?P<title>[A-Z][^\n:]{2,60}):[ \t]*$")
# '1. <endpoint> %': a list item naming what the lines under it report.
_LIST_ITEM = re.compile(r"^" + _BULLET + r"(?P<label>[A-Za-z][^:\n]{2,80}?)[ \t]*%?[ \t]*$")
# '• <label>: <value>': a labelled line under an item.
_LABELLED_LINE = re.compile(r"[ \t]*[-*\u2022][ \t]*[^:\n]{1,60}:[ \t]*\S")


def _body_lines(doc: Document, layout: Layout) -> Iterator[Span]:
    for span in lines(doc.text):
        if layout.body_start() <= span[0] < doc.body_end and doc.text[span[0]:span[1]].strip():
            yield span


def listed_arms(doc: Document, layout: Layout) -> list[DraftArm]:
    """Two or more consecutive list lines, each an arm with its size ('versus' lines between)."""
    arms: list[DraftArm] = []
    for start, end in _body_lines(doc, layout):
        line = doc.text[start:end]
        m = _ARM_LINE.match(line)
        if m:
            n = count_text(doc, start + m.start("n"), start + m.end("n"))
            label = re.sub(r"\s*\([^()]*\)", "", m.group("label")).strip(" ,;:")
            if n and label:
                arms.append(DraftArm(label=label, n=n))
                continue
        if arms and re.fullmatch(_BULLET + r"(?:versus|vs\.?|compared\s+with)\s*", line, re.I):
            continue
        if len(arms) >= 2:
            return arms
        arms = []
    return arms if len(arms) >= 2 else []


def listed_values(doc: Document, layout: Layout, arms: list[DraftArm], unnamed: str
                  ) -> list[DraftResult]:
    """'• <arm>: X%' lines: a per-arm value of the endpoint item above, primary where the list
    stands under a 'Primary ...:' heading."""
    out: list[DraftResult] = []
    for start, end in _body_lines(doc, layout):
        m = _VALUE_LINE.match(doc.text, start, end)
        if m is None or m.end() != end:
            continue
        k = _arm_for(m.group("label"), arms)
        if k is None:
            continue
        value_at = m.start("value")
        token = doc.token_at(value_at)
        if token is None:
            continue
        out.append(DraftResult(
            endpoint=list_item_above(doc.text, value_at, unnamed) or unnamed,
            is_primary=listed_primary(doc.text, start), measure="percent",
            estimate=token.text, arm=arms[k].label, n=arms[k].n,
            quote=doc.text[start:end].strip()))
    return out


def _arm_for(label: str, arms: list[DraftArm]) -> int | None:
    """The arm a line's label names: the same words, else the one it begins, else by words."""
    key = " ".join(label.lower().split())
    labels = [" ".join(a.label.lower().split()) for a in arms]
    same = [i for i, a in enumerate(labels) if a == key]
    begun = [i for i, a in enumerate(labels) if a.startswith(key) or key.startswith(a)]
    for hits in (same, begun):
        if len(hits) == 1:
            return hits[0]
    return match_arm(label, arms)


def listed_primary(text: str, pos: int) -> bool | None:
    """Under a 'Primary outcomes:' heading True, under 'Secondary ...:' False, else None."""
    cursor = text.rfind("\n", 0, pos)
    for _ in range(30):
        if cursor <= 0:
            return None
        start = text.rfind("\n", 0, cursor) + 1
        m = _SECTION.match(text[start:cursor])
        if m:
            title = m.group("title")
            if NOT_PRIMARY.search(title):
                return False
            return True if PRIMARY_WORDS.search(title) or re.search(r"\bprimary\b", title, re.I) \
                else None
        cursor = start - 1
    return None


_ROW = re.compile(r"^[ \t]*\|(?P<cells>.+)\|[ \t]*$")
_RULE_ROW = re.compile(r"^[\s|:\-]+$")
_HEADER_ARM = re.compile(r"^(?P<label>[A-Za-z][^()]{0,60}?)\s*\(\s*[nN]\s?=\s?(?P<n>" + NUM
                         + r")\s*\)$")


def _cells(line: str) -> list[str] | None:
    m = _ROW.match(line)
    return [c.strip() for c in m.group("cells").split("|")] if m else None


def table_arms(doc: Document, layout: Layout) -> list[DraftArm]:
    """A table header naming two arms or more with their sizes: '| | <arm> (n=N) | ... |'."""
    for start, end in _body_lines(doc, layout):
        cells = _cells(doc.text[start:end])
        if not cells or len(cells) < 3:
            continue
        arms = []
        for cell in cells[1:]:
            m = _HEADER_ARM.match(cell)
            if m is None:
                break
            offset = doc.text.find(cell, start) + m.start("n")
            n = count_text(doc, offset, offset + len(m.group("n")))
            arms.append(DraftArm(label=m.group("label").strip(), n=n))
        if len(arms) >= 2 and len(arms) == len(cells) - 1:
            return arms
    return []


def table_values(doc: Document, layout: Layout, arms: list[DraftArm]) -> list[DraftResult]:
    """Rows under a header of arms: each cell a value of the row's endpoint for its column's arm
    (rows with a value in one column only, such as a hazard ratio, are left to the parser)."""
    out: list[DraftResult] = []
    header: list[int | None] | None = None
    for start, end in _body_lines(doc, layout):
        line = doc.text[start:end]
        cells = _cells(line)
        if cells is None:
            header = None
            continue
        if header is None:
            header = [_arm_for(_HEADER_ARM.sub(r"\g<label>", c), arms) if c else None
                      for c in cells[1:]]
            continue
        if _RULE_ROW.match(line):
            continue
        values = []
        pos = start + line.index(cells[0]) + len(cells[0]) if cells[0] else start
        for k, cell in zip(header, cells[1:], strict=False):
            at = doc.text.find(cell, pos, end) if cell else -1
            pos = at + len(cell) if at >= 0 else pos
            token = doc.token_at(at) if at >= 0 else None
            if k is not None and token is not None and token.kind == "number":
                values.append((k, token))
        if len(values) < 2 or not re.search(r"[A-Za-z]", cells[0]):
            continue
        for k, token in values:
            out.append(DraftResult(
                endpoint=cells[0], measure="percent" if token.percent else "other",
                estimate=token.text, arm=arms[k].label, n=arms[k].n if token.percent else None,
                quote=line.strip()))
    return out


def list_item_above(text: str, pos: int, unnamed: str) -> str | None:
    """'1. <endpoint> %' over '• <drug>: X%': the item a bullet belongs to."""
    line_start = text.rfind("\n", 0, pos) + 1
    if not _LABELLED_LINE.match(text, line_start):
        return None
    cursor = line_start - 1
    for _ in range(8):
        if cursor <= 0:
            return None
        start = text.rfind("\n", 0, cursor) + 1
        line = text[start:cursor]
        cursor = start - 1
        if not line.strip() or _LABELLED_LINE.match(line):
            continue
        item = _LIST_ITEM.match(line)
        if item and not line.rstrip().endswith(":"):
            label = item.group("label").strip()
            return label if label and label != unnamed else None
        return None
    return None
