"""Laying elements over spans of a text: escape the text and open and close the elements so
that they nest properly, however their spans overlap."""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass


@dataclass
class Annotation:
    """An element laid over [start, end) of a text. Crossing annotations are split into pieces;
    only the first piece carries the id, and `after` follows the last piece."""

    start: int
    end: int
    tag: str
    attrs: dict[str, str]
    ident: str | None = None
    href: str | None = None
    """Makes the text a link, unless it already stands inside another annotation's link."""
    after: str = ""
    """HTML emitted right after the annotation closes for the last time (footnote marks)."""


@dataclass
class _Open:
    index: int
    ann: Annotation
    linked: bool


def annotate(text: str, annotations: list[Annotation]) -> str:
    """Escape `text` and lay the annotations over it as properly nested elements.

    Annotations are ordered outer-first by (start, -end): a container opens before what it
    contains, and where two cross, the one that starts later is closed and reopened.
    Annotations with an empty or out-of-range span are dropped.
    """
    anns = [a for a in annotations if 0 <= a.start < a.end <= len(text)]
    points = sorted({0, len(text)} | {a.start for a in anns} | {a.end for a in anns})
    order = sorted(range(len(anns)), key=lambda i: (anns[i].start, -anns[i].end, i))
    out: list[str] = []
    stack: list[_Open] = []
    opened: set[int] = set()
    for lo, hi in itertools.pairwise(points):
        active = [i for i in order if anns[i].start <= lo and hi <= anns[i].end]
        keep = 0
        while keep < min(len(stack), len(active)) and stack[keep].index == active[keep]:
            keep += 1
        out += [_close(o, lo) for o in reversed(stack[keep:])]
        del stack[keep:]
        for i in active[keep:]:
            in_link = any(o.linked for o in stack)
            o = _Open(i, anns[i], linked=anns[i].href is not None and not in_link)
            out.append(_open(o, first=i not in opened))
            opened.add(i)
            stack.append(o)
        out.append(html.escape(text[lo:hi], quote=False))
    out += [_close(o, len(text)) for o in reversed(stack)]
    return "".join(out)


def _open(o: _Open, first: bool) -> str:
    attrs = dict(o.ann.attrs)
    if first and o.ann.ident:
        attrs = {"id": o.ann.ident, **attrs}
    elif not first:
        attrs["class"] = (attrs.get("class", "") + " cont").strip()
    link = f'<a href="{html.escape(o.ann.href or "", quote=True)}">' if o.linked else ""
    return f"<{o.ann.tag}{_attrs(attrs)}>{link}"


def _close(o: _Open, at: int) -> str:
    link = "</a>" if o.linked else ""
    after = o.ann.after if at == o.ann.end else ""
    return f"{link}</{o.ann.tag}>{after}"


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())
