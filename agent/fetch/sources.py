"""Local sources: tell a URL from a path, and read a file or stdin into an `Article`.
Problems here are the user's input, so they raise InputError."""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO, TextIO
from urllib.parse import urlsplit

from agent.errors import InputError
from agent.fetch.article import Origin, article_from_html, article_from_text
from agent.fetch.decode import (
    binary_kind,
    decode,
    looks_like_html,
    meta_charset,
    sniff_html,
    strip_bom,
)
from agent.fetch.settings import FetchSettings, megabytes
from agent.schema import Article

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
_SOURCE_HINT = "pass an http(s) URL, a path to a .html/.htm/.txt/.md file, or - for stdin"


def is_url(source: str) -> bool:
    """True for http(s) URLs, False for paths; InputError for any other scheme."""
    try:
        parts = urlsplit(source)
    except ValueError as exc:  # "http://[::1": an unclosed IPv6 bracket
        raise InputError(f"invalid URL {source}: {exc}",
                         hint="check the address; copy it from the browser's address bar") \
            from exc
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise InputError(f"URL without a host name: {source}",
                             hint="write the full address, e.g. https://example.org/news/article")
        return True
    # One letter is a Windows drive ("C:\news\a.html"); an existing file wins over a scheme.
    if len(scheme) > 1 and ("://" in source or not Path(source).exists()):
        raise InputError(
            f"unsupported source {source}: scheme {scheme!r} is neither http nor https",
            hint=_SOURCE_HINT,
        )
    return False


def from_stdin(stream: TextIO, settings: FetchSettings) -> Article:
    """stdin read as bytes and decoded like a file (its BOM, its <meta> charset, UTF-8, a
    legacy fallback), whatever the terminal's locale; a NUL refuses it like a binary file."""
    if stream.isatty():
        raise InputError("no input on stdin",
                         hint="pipe the article in (e.g. `cat article.txt | trialbrief -`) "
                              "or pass a URL or file path instead of -")
    buffer = getattr(stream, "buffer", None)
    raw = _stdin_bytes(buffer, settings) if buffer is not None else _stdin_text(stream, settings)
    origin = Origin("stdin", path="-")
    if looks_like_html(raw):
        return article_from_html(raw, origin, settings)
    return article_from_text(raw, origin, settings)


def _stdin_bytes(buffer: BinaryIO, settings: FetchSettings) -> str:
    data = buffer.read(settings.max_bytes + 1)
    _check_stdin_size(len(data), settings)
    binary = binary_kind(data)
    if binary:
        raise InputError(f"stdin is {binary}, not an article",
                         hint="pipe the article's HTML or text")
    charset, body = strip_bom(data)
    if charset is None and sniff_html(body, None):
        charset = meta_charset(body)
    return decode(body, charset)


def _stdin_text(stream: TextIO, settings: FetchSettings) -> str:
    try:
        raw = stream.read(settings.max_bytes + 1)
    except UnicodeDecodeError as exc:
        raise InputError(f"stdin is not text in the expected encoding: {exc.reason}",
                         hint="pipe UTF-8 text or HTML, or save it to a file and pass "
                              "the path") from exc
    _check_stdin_size(len(raw), settings)
    if "\x00" in raw:
        raise InputError("stdin is a binary file, not an article",
                         hint="pipe the article's HTML or text")
    return raw


def _check_stdin_size(size: int, settings: FetchSettings) -> None:
    if size > settings.max_bytes:
        raise InputError(f"stdin larger than {megabytes(settings.max_bytes)}",
                         hint="pass the article alone, not a whole site dump")


def from_file(source: str, settings: FetchSettings) -> Article:
    path = Path(source).expanduser()
    data = _read_file(path, source, settings)
    kind = _file_kind(data, path.suffix.lower(), source)
    charset, body = strip_bom(data)
    origin = Origin(source, path=str(path.resolve()))
    if kind == "html":
        return article_from_html(decode(body, charset or meta_charset(body)), origin, settings)
    return article_from_text(decode(body, charset), origin, settings)


def _read_file(path: Path, source: str, settings: FetchSettings) -> bytes:
    if not path.exists():
        hint = _SOURCE_HINT
        if re.match(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/|$)", source):
            hint = f"if this is a web address, write it with its scheme: https://{source}"
        raise InputError(f"file not found: {source}", hint=hint)
    if path.is_dir():
        raise InputError(f"{source} is a directory, not an article file",
                         hint="pass one .html/.htm/.txt/.md file inside it")
    try:
        size = path.stat().st_size
        if size > settings.max_bytes:
            raise InputError(f"file larger than {megabytes(settings.max_bytes)}: {source}",
                             hint="save only the article page or its text")
        return path.read_bytes()
    except PermissionError as exc:
        raise InputError(f"cannot read {source}: permission denied",
                         hint="check the file's permissions") from exc
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}",
                         hint="check the path and try again") from exc


def _file_kind(data: bytes, suffix: str, source: str) -> str:
    """'html' or 'text' from the suffix, sniffing the content when the suffix says nothing."""
    binary = binary_kind(data)
    if binary:
        raise InputError(
            f"{source} is {binary}, not an HTML or text file",
            hint="trialbrief needs the article's HTML or text: save the web page as .html, "
                 "or copy the article text into a .txt file",
        )
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return "text"
    charset, body = strip_bom(data)
    return "html" if sniff_html(body, charset) else "text"
