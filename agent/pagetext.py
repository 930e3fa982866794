"""The layout of a page copied as text: where its headline is, and where its body starts and ends.

A `.txt` or `.md` source is often a whole web page copied from a browser: a cookie or
Javascript notice, a breadcrumb, a menu of short items, the headline (or none: many copies
start with the first paragraph), the article, then "Previous / Next article", "Related
articles" with other headlines, a copyright line. trafilatura drops all of that for HTML; for
text this module reads the lines. Nothing is cut from the text (every offset in the output
refers to it): the body's bounds are reported, and the extractor and the checks read inside them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

Span = tuple[int, int]

# Notices that open a copied page, whatever their length.
_NOTICE = re.compile(
    r"javascript|\bcookies?\b|your browser|out of date|skip to (?:main )?content|please wait"
    r"|\b(?:google chrome|firefox|internet explorer)\b|(?:\s[>›»]\s.*){2}|^OR WAIT .* SECS$",
    re.I)
# Navigation and account links: short lines only ('Register' may be a word of the article).
_NAVIGATION = re.compile(
    r"\blog ?in\b|\bsign (?:in|up)\b|\bregister\b|forgot password|create (?:a |new )?account"
    r"|loading\.\.\.|^advertisement$|^menu$|^search$|^home\s*[>›»/|]|\s[>›»]\s|^newsletter$"
    r"|^share\b|^print$|^transkript$|^abstract body$|^contribution to literature", re.I)
_DATE_LINE = re.compile(
    r"^(?:\w+,?\s+)?(?:\d{1,2}\.?\s+\w{3,9}\.?,?\s+\d{4}|\w{3,9}\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4})(?:\s.*)?$")
# What closes an article on a copied page.
_TRAILER = re.compile(
    r"^\W*(?:previous|next)\s+(?:article|post|story|news)|^\W*related\s+(?:articles?|content"
    r"|posts|stories|news|topics)\b|^(?:©|\(c\)|copyright\b)|all rights reserved"
    r"|^(?:you\s+(?:may|might)\s+also\s+like|read\s+(?:more|next|also)|more\s+(?:from|on|in)"
    r"|trending(?:\s+this\s+week)?|most\s+(?:read|popular)|latest\s+news|tags?\s*:"
    r"|keywords?\s*:|about\s+the\s+author|comments?\b\s*(?:\(\d+\))?$)", re.I)


@dataclass(frozen=True)
class PageLayout:
    headline: Span | None
    """The headline line, where the page has one; never a paragraph."""
    body_start: int
    """Where the article starts: after the headline (and the furniture before it)."""
    body_end: int
    """Where the furniture after the article starts ('Related articles' ...), or the end."""

    @property
    def article_start(self) -> int:
        """The headline's start where there is one, else the body's."""
        return self.headline[0] if self.headline else self.body_start


def lines(text: str) -> Iterator[Span]:
    pos = 0
    for line in text.split("\n"):
        yield (pos, pos + len(line))
        pos += len(line) + 1


def is_furniture(line: str) -> bool:
    """A line of page chrome: a notice, navigation, a date, a menu item."""
    line = line.strip()
    words = line.split()
    if not words:
        return True
    if _NOTICE.search(line) or _DATE_LINE.match(line):
        return True
    if len(words) <= 8 and _NAVIGATION.search(line):
        return True
    # A disease acronym, a section name, 'Late-breaking trials': a menu item, not a headline.
    return len(words) <= 3 and not re.search(r"[.?!:]$", line)


def is_paragraph(line: str) -> bool:
    """Running text: a sentence that ends, or a long line."""
    line = line.strip()
    return len(line.split()) > 30 or (len(line.split()) >= 12
                                      and bool(re.search(r"[.!?\"”)]$", line)))


def looks_like_headline(line: str) -> bool:
    line = line.strip()
    n = len(line.split())
    # A journal's abbreviated name is a tag: a headline has words.
    long_words = sum(1 for w in line.split() if sum(c.isalpha() for c in w) >= 4)
    if re.match(r"(?:\d{1,2}[.)]|[-*\u2022])\s", line):
        return False  # a list item
    return 4 <= n <= 30 and long_words >= 2 and not is_furniture(line) and (
        not line.endswith(".") or line.endswith("...")) and not is_paragraph(line)


@lru_cache(maxsize=32)
def read_page(text: str) -> PageLayout:
    """Read once per text: fetch (the title), the document and the rules' layout all ask."""
    spans = [s for s in lines(text) if text[s[0]:s[1]].strip()]
    headline: Span | None = None
    body_start = spans[0][0] if spans else 0
    for span in spans:
        line = text[span[0]:span[1]]
        if is_furniture(line):
            continue
        if is_paragraph(line) or (len(line.split()) >= 4 and line.rstrip().endswith(".")):
            body_start = span[0]
            break
        if headline is None and looks_like_headline(line):
            headline = span
            body_start = span[1]
            break
    return PageLayout(headline, body_start, _trailer_start(text, spans, body_start))


def _trailer_start(text: str, spans: list[Span], body_start: int) -> int:
    """The first closing marker after the last paragraph of running text: a 'Related articles'
    box in the middle of an article (running text after it) closes nothing."""
    body = [s for s in spans if s[0] >= body_start]
    last = max((i for i, (a, b) in enumerate(body) if is_paragraph(text[a:b])), default=-1)
    for start, end in body[last + 1:]:
        if _TRAILER.search(text[start:end].strip()):
            return start
    return len(text)


def headline_of(text: str) -> str | None:
    page = read_page(text)
    return text[page.headline[0]:page.headline[1]].strip() if page.headline else None
