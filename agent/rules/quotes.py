"""Quotes: the span of a result widened to balanced brackets within its sentence."""

from __future__ import annotations

from agent.schema import Span

_PAIRS = {"(": ")", "[": "]"}


def quote_span(text: str, span: Span, sentence: Span) -> Span:
    """`span` widened to balanced brackets, and to a parenthesis that opens right before it."""
    start, end = span
    for _ in range(4):
        segment = text[start:end]
        opened = _unbalanced_open(segment)
        closed = _unbalanced_close(segment)
        if closed is not None:
            opener = _matching_open(text, start, sentence[0], closed)
            if opener is None:
                break
            start = opener
            continue
        if opened is not None:
            closer = _matching_close(text, end, sentence[1], opened)
            if closer is None:
                break
            end = closer + 1
            continue
        break
    # '(hazard ratio [HR] X; 95% CI L–U; p<0.0001)': take the parenthesis it sits in
    # when only a few words of it lie outside the span.
    opener = _matching_open(text, start, max(sentence[0], start - 30), "(")
    if opener is not None:
        closer = _matching_close(text, end, min(sentence[1], end + 3), "(")
        if closer is not None:
            start, end = opener, closer + 1
    return start, end


def _unbalanced_open(segment: str) -> str | None:
    """The innermost bracket `segment` opens and does not close."""
    stack: list[str] = []
    for ch in segment:
        if ch in _PAIRS:
            stack.append(ch)
        elif ch in _PAIRS.values() and stack:
            stack.pop()
    return stack[-1] if stack else None


def _unbalanced_close(segment: str) -> str | None:
    """The opener of the first bracket `segment` closes without opening it."""
    depth: dict[str, int] = {"(": 0, "[": 0}
    for ch in segment:
        if ch in _PAIRS:
            depth[ch] += 1
        for opener, closer in _PAIRS.items():
            if ch == closer:
                if depth[opener] == 0:
                    return opener
                depth[opener] -= 1
    return None


def _matching_open(text: str, pos: int, limit: int, opener: str) -> int | None:
    """The `opener` left of `pos` (not before `limit`, nor 200 characters back) that is open."""
    closer = _PAIRS[opener]
    depth = 0
    for i in range(pos - 1, max(limit, pos - 200) - 1, -1):
        if text[i] == closer:
            depth += 1
        elif text[i] == opener:
            if depth == 0:
                return i
            depth -= 1
    return None


def _matching_close(text: str, pos: int, limit: int, opener: str) -> int | None:
    """The closer right of `pos` (before `limit`, within 200 characters) of an open `opener`."""
    closer = _PAIRS[opener]
    depth = 0
    for i in range(pos, min(limit, pos + 200)):
        if text[i] == opener:
            depth += 1
        elif text[i] == closer:
            if depth == 0:
                return i
            depth -= 1
    return None
