"""Finding a string a model copied in the article, tolerating the typography it tends to change.

Models rewrite "−" as "-", "0·75" as "0.75", curly quotes as straight ones and collapse spaces,
and they close a clause cut from mid-sentence with a full stop of their own. `find_in` compares
on a normalised form and maps the match back to offsets in the original.
"""

from __future__ import annotations

import re

_FOLD = str.maketrans({
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-",
    "\u00b7": ".", "\u2219": ".", "\u22c5": ".",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2009": " ", "\u202f": " ", "\u00a0": " ", "\t": " ", "\n": " ", "\r": " ",
})


def fold(text: str) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters, the offset in the original."""
    out: list[str] = []
    index: list[int] = []
    previous_space = False
    for i, ch in enumerate(text.translate(_FOLD)):
        if ch == " ":
            if previous_space:
                continue
            previous_space = True
        else:
            previous_space = False
        out.append(ch)
        index.append(i)
    return "".join(out), index


_CLOSING = ".;,:"


def find_in(haystack: str, needle: str, start: int = 0) -> tuple[int, int] | None:
    """Span of `needle` in `haystack`, exact first, then after folding typography; a needle
    whose only difference is closing punctuation the text does not have ("...was lower." for
    "...was lower, and...") is found without it."""
    span = _find(haystack, needle, start)
    trimmed = needle.strip().rstrip(_CLOSING).rstrip()
    if span is None and trimmed and trimmed != needle.strip():
        span = _find(haystack, trimmed, start)
    return span


def _find(haystack: str, needle: str, start: int) -> tuple[int, int] | None:
    needle = needle.strip()
    if not needle:
        return None
    i = haystack.find(needle, start)
    if i >= 0:
        return (i, i + len(needle))
    folded, index = fold(haystack)
    target, _ = fold(needle)
    target = target.strip()
    if not target:
        return None
    folded_start = next((k for k, pos in enumerate(index) if pos >= start), len(folded))
    j = folded.find(target, folded_start)
    if j < 0:
        j = folded.lower().find(target.lower(), folded_start)
        if j < 0:
            return None
    end = index[j + len(target) - 1] + 1
    return (index[j], end)


def find_all(haystack: str, needle: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    while (span := find_in(haystack, needle, pos)) is not None:
        spans.append(span)
        pos = span[0] + 1
    return spans


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", text)}


def mentions(text: str, label: str) -> bool:
    """The text names the label: its words in a row, case and punctuation aside."""
    wanted = re.findall(r"[^\W_]+", label.lower())
    return bool(wanted) and " ".join(wanted) in " ".join(re.findall(r"[^\W_]+", text.lower()))
