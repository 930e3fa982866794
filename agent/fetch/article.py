"""Decoded HTML or text -> `Article`: the main text pulled out of HTML (trafilatura), line
ends normalised, the headline kept, too little text refused and too much cut."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura

from agent.errors import FetchError, InputError
from agent.fetch.settings import FetchSettings
from agent.pagetext import headline_of
from agent.schema import Article

logger = logging.getLogger("trialbrief.fetch")

MIN_WORDS = 20
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")


@dataclass(frozen=True)
class Origin:
    """Where a text came from: `name` for messages; a URL (fetched, so problems are FetchError)
    or a local path (problems are InputError), as the Article records it."""

    name: str
    url: str | None = None
    path: str | None = None
    status: int | None = None

    def error(self, message: str, hint: str) -> FetchError | InputError:
        if self.url is not None:
            return FetchError(message, hint=hint, url=self.url, status_code=self.status)
        return InputError(message, hint=hint)


def article_from_html(html: str, origin: Origin, settings: FetchSettings) -> Article:
    text = _clean_text(_extract_main_text(html, origin.url))
    title, date = _extract_metadata(html, origin.url)
    # Only for real articles: the headline must not lift a near-empty page over MIN_WORDS.
    if len(text.split()) >= MIN_WORDS and title and not _starts_with_title(text, title):
        text = f"{title}\n{text}"  # editors expect the headline; offsets refer to this text
    title = title or _first_line(text)
    return _build_article(text, origin, settings, title=title, date=date,
                          hint="the page may need JavaScript, a login or consent: open it in "
                               "a browser and save the article text to a .txt file")


def article_from_text(raw: str, origin: Origin, settings: FetchSettings) -> Article:
    text = _clean_text(raw)
    # A page copied as text: the headline where it has one (not a menu, a notice or the first
    # paragraph); None where it starts with the article itself.
    title = headline_of(text)
    if title:
        title = _MARKDOWN_HEADING.sub("", title) or title  # "# Headline" in Markdown
    return _build_article(text, origin, settings, title=title, date=None,
                          hint=f"check that {origin.name} holds the article's text")


def _build_article(text: str, origin: Origin, settings: FetchSettings, *, title: str | None,
                   date: str | None, hint: str) -> Article:
    words = len(text.split())
    if words < MIN_WORDS:
        found = "no text" if not words else f"only {words} word{'s' * (words != 1)}"
        raise origin.error(f"no article text found in {origin.name}: {found}", hint)
    text = _cap(text, settings.max_chars, origin.name)
    return Article(
        url=origin.url, path=origin.path, title=title, date=date, text=text,
        fetched_at=datetime.now(UTC),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _extract_main_text(html: str, url: str | None) -> str:
    extracted = trafilatura.extract(
        html, url=url, favor_precision=True, include_comments=False, include_tables=True,
        output_format="txt",
    )
    return extracted if isinstance(extracted, str) else ""


def _extract_metadata(html: str, url: str | None) -> tuple[str | None, str | None]:
    # extensive=False: only dates the page marks up. The extensive search guesses from free
    # text and turns a footer's "© 2025" or a congress name into 2025-01-01.
    meta = trafilatura.extract_metadata(html, default_url=url, extensive=False)
    if meta is None:
        return None, None
    title = meta.title if isinstance(meta.title, str) and meta.title.strip() else None
    date = meta.date if isinstance(meta.date, str) and meta.date else None
    return (" ".join(title.split()) if title else None), date


def _starts_with_title(text: str, title: str) -> bool:
    first = _squash(_first_line(text) or "")
    wanted = _squash(title)
    if not first or not wanted:
        return False
    if first == wanted or wanted in first:
        return True
    # A first line that is most of the title (the title has a site suffix, say) counts too.
    return first in wanted and len(first) >= len(wanted) // 2


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def _clean_text(text: str) -> str:
    """Newlines to \\n, no BOM, no trailing whitespace; nothing else changes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removeprefix("\ufeff").rstrip()


def _first_line(text: str) -> str | None:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()
    return None


def _cap(text: str, max_chars: int, source: str) -> str:
    if len(text) <= max_chars:
        return text
    cut = text.rfind("\n", 0, max_chars)
    if cut < max_chars // 2:
        cut = text.rfind(" ", 0, max_chars)
    if cut <= 0:
        cut = max_chars
    logger.warning("article text from %s is %d characters; kept the first %d", source,
                   len(text), cut)
    return text[:cut].rstrip()
