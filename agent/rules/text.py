"""Small helpers every part of the extractor shares."""

from __future__ import annotations

from agent.document import Document

# A count as printed: '2,512', '2 512' (thin or no-break space), '991'.
NUM = r"\d{1,3}(?:[,.\u2009\u202f\u00a0 ]\d{3})+(?![.,]?\d)|\d+"


# Abbreviations that name a statistic, a review method or a country, never an endpoint:
# sharing one says nothing about the endpoint ('hazard ratio (HR)' defines no endpoint).
# Not 'ARR': it is also the annualised relapse rate.
NOT_ENDPOINTS = frozenset({"HR", "CI", "OR", "RR", "IRR", "SD", "SE", "IQR", "NNT", "RRR",
                           "aHR", "aOR", "KI", "IC", "ITT", "BICR", "RECIST", "US", "UK"})


def word_list(words: str) -> frozenset[str]:
    return frozenset(words.split())


def body_end(doc: Document) -> int:
    """Where the article ends: its reference list or the page's trailer."""
    return doc.body_end


def count_text(doc: Document, start: int, end: int | None = None) -> str | None:
    """The token starting at `start` (and ending at `end`, if given) as written, unless it is a
    percentage: a count such as an arm's size or a denominator."""
    token = doc.token_at(start)
    if token is None or (end is not None and token.end != end) or token.percent:
        return None
    return token.text
