"""Source -> `Article`: a URL, a local HTML or text file, or "-" for stdin.

The first pipeline stage. It knows nothing of LLMs: it downloads (httpx, one retry policy owned
here with tenacity), decodes, pulls the main text out of HTML (trafilatura) and returns the text
that every later character offset refers to.

Retries: this module is the only retry layer for article downloads. The client built here uses
`httpx.HTTPTransport(retries=0)` and redirects are followed by hand, so a failed attempt is one
request and `FetchSettings.retries` is the whole budget.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import httpx
import trafilatura
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from agent import __version__
from agent.errors import ConfigError, FetchError, InputError
from agent.schema import Article

__all__ = ["FetchSettings", "fetch", "make_client"]

logger = logging.getLogger("trialbrief.fetch")

# The retry wait goes through this name, looked up at call time: tests replace it so that
# nothing really sleeps (monkeypatch.setattr(agent.fetch, "sleep", recorder)).
sleep: Callable[[float], None] = time.sleep

DEFAULT_USER_AGENT = (
    f"trialbrief/{__version__} (+https://example.org/trialbrief; congress news digest)"
)
MIN_WORDS = 20

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
_ACCEPT = (
    "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,text/markdown;q=0.8,*/*;q=0.1"
)

# Magic numbers of the binary files people are most likely to pass by mistake.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (a .docx, .epub or .zip file?)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Browsers decode these labels as windows-1252 (WHATWG Encoding Standard). News pages that
# declare ISO-8859-1 often contain cp1252 dashes and quotes: latin-1 would turn the en dash of
# a CI ("0.59–1.03") into the control character U+0096.
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252", "latin-1": "cp1252"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|meta|title|article|main|div|section|p|h[1-6])\b",
    re.I | re.S,
)
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")


@dataclass(frozen=True)
class FetchSettings:
    """How sources are read. Sizes in bytes and characters, times in seconds."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    retries: int = 3  # attempts after the first
    max_retry_wait: float = 60.0
    user_agent: str = DEFAULT_USER_AGENT
    max_chars: int = 200_000

    def __post_init__(self) -> None:
        positive = {"connect_timeout": self.connect_timeout, "read_timeout": self.read_timeout,
                    "max_bytes": self.max_bytes, "max_chars": self.max_chars}
        not_negative = {"max_redirects": self.max_redirects, "retries": self.retries,
                        "max_retry_wait": self.max_retry_wait}
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"fetch setting {name} must be positive, got {value}")
        for name, value in not_negative.items():
            if value < 0:
                raise ConfigError(f"fetch setting {name} must not be negative, got {value}")
        if not self.user_agent.strip():
            raise ConfigError("fetch setting user_agent must not be empty")


class _TransientFetchError(FetchError):
    """A failure worth another attempt: timeout, connection error, 5xx or 429."""

    def __init__(self, message: str, *, hint: str | None = None, url: str | None = None,
                 status_code: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, hint=hint, url=url, status_code=status_code)
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Download:
    url: str
    status: int
    body: bytes
    media_type: str | None
    charset: str | None


# --------------------------------------------------------------------------- entry point


def fetch(
    source: str,
    *,
    settings: FetchSettings | None = None,
    stdin: TextIO | None = None,
    client: httpx.Client | None = None,
) -> Article:
    """Read SOURCE (http(s) URL, .html/.htm/.txt/.md path, or "-" for stdin) into an Article.

    Raises InputError (exit 2) for a source that cannot be used and FetchError (exit 3) for a
    URL that cannot be fetched or holds no article. An injected `client` is used as is and not
    closed; its own transport retries, if any, multiply with ours.
    """
    settings = settings or FetchSettings()
    if source == "-":
        return _from_stdin(stdin if stdin is not None else sys.stdin, settings)
    if _is_url(source.strip()):  # a URL pasted with a stray space or newline
        return _from_url(source.strip(), settings, client)
    return _from_file(source, settings)


def make_client(settings: FetchSettings | None = None) -> httpx.Client:
    """An httpx client configured from SETTINGS, with transport-level retries off."""
    settings = settings or FetchSettings()
    return httpx.Client(
        timeout=_timeout(settings),
        follow_redirects=False,  # followed in _download, so that max_redirects is ours
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent, "Accept": _ACCEPT},
        # tenacity in this module owns retries; the transport must not add its own.
        transport=httpx.HTTPTransport(retries=0),
    )


# --------------------------------------------------------------------------- sources


def _is_url(source: str) -> bool:
    """True for http(s) URLs, False for paths; InputError for any other scheme."""
    parts = urlsplit(source)
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
            hint="pass an http(s) URL, a path to a .html/.htm/.txt/.md file, or - for stdin",
        )
    return False


def _from_stdin(stream: TextIO, settings: FetchSettings) -> Article:
    if stream.isatty():
        raise InputError("no input on stdin",
                         hint="pipe the article in (e.g. `cat article.txt | trialbrief -`) "
                              "or pass a URL or file path instead of -")
    try:
        raw = stream.read(settings.max_bytes + 1)
    except UnicodeDecodeError as exc:
        raise InputError(f"stdin is not text in the expected encoding: {exc.reason}",
                         hint="pipe UTF-8 text or HTML, or save it to a file and pass "
                              "the path") from exc
    if len(raw) > settings.max_bytes:
        raise InputError(f"stdin larger than {_megabytes(settings.max_bytes)}",
                         hint="pass the article alone, not a whole site dump")
    if _looks_like_html(raw):
        return _article_from_html(raw, source="stdin", settings=settings, path="-",
                                  error=InputError)
    return _article_from_text(raw, source="stdin", settings=settings, path="-", error=InputError)


def _from_file(source: str, settings: FetchSettings) -> Article:
    path = Path(source).expanduser()
    data = _read_file(path, source, settings)
    suffix = path.suffix.lower()
    kind = _file_kind(data, suffix, source)
    charset, body = _strip_bom(data)
    if kind == "html":
        html = _decode(body, charset or _meta_charset(body))
        return _article_from_html(html, source=source, settings=settings,
                                  path=str(path.resolve()), error=InputError)
    text = _decode(body, charset)
    return _article_from_text(text, source=source, settings=settings,
                              path=str(path.resolve()), error=InputError)


def _read_file(path: Path, source: str, settings: FetchSettings) -> bytes:
    hint = "pass an http(s) URL, a path to a .html/.htm/.txt/.md file, or - for stdin"
    if not path.exists():
        if re.match(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/|$)", source):
            hint = f"if this is a web address, write it with its scheme: https://{source}"
        raise InputError(f"file not found: {source}", hint=hint)
    if path.is_dir():
        raise InputError(f"{source} is a directory, not an article file",
                         hint="pass one .html/.htm/.txt/.md file inside it")
    try:
        size = path.stat().st_size
        if size > settings.max_bytes:
            raise InputError(f"file larger than {_megabytes(settings.max_bytes)}: {source}",
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
    binary = _binary_kind(data)
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
    charset, body = _strip_bom(data)
    return "html" if _looks_like_html(_decode(body[:4096], charset)) else "text"


def _binary_kind(data: bytes, *, check_nul: bool = True) -> str | None:
    for magic, kind in _BINARY_MAGIC:
        if data.startswith(magic):
            return kind
    charset, body = _strip_bom(data)
    if check_nul and charset is None and b"\x00" in body[:8192]:
        return "a binary file"
    return None


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text[:4096]))


# --------------------------------------------------------------------------- URLs


def _from_url(url: str, settings: FetchSettings, client: httpx.Client | None) -> Article:
    own_client = client is None
    http = make_client(settings) if client is None else client
    try:
        download = _download_with_retries(url, settings, http)
    finally:
        if own_client:
            http.close()
    charset, body = _strip_bom(download.body)
    if download.media_type is None:
        media_type = _sniff_media_type(body, download)
    else:
        # A declared text type can still be a mislabelled PDF; a NUL alone may be UTF-16.
        _refuse_binary(body, download, check_nul=False)
        media_type = download.media_type
    if media_type in HTML_TYPES:
        declared = charset or download.charset or _meta_charset(body)
        html = _decode(body, declared)
        return _article_from_html(html, source=download.url, settings=settings,
                                  url=download.url, status=download.status, error=FetchError)
    text = _decode(body, charset or download.charset)
    return _article_from_text(text, source=download.url, settings=settings, url=download.url,
                              status=download.status, error=FetchError)


def _download_with_retries(url: str, settings: FetchSettings, client: httpx.Client) -> _Download:
    attempts = settings.retries + 1
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=_retry_wait(settings),
        retry=retry_if_exception_type(_TransientFetchError),
        sleep=_sleep,
        before_sleep=_log_retry,
        reraise=True,
    )
    try:
        return retrying(_download, url, settings, client)
    except _TransientFetchError as exc:
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        raise FetchError(f"{exc.message} (gave up after {tries})", hint=exc.hint, url=exc.url,
                         status_code=exc.status_code) from exc


def _sleep(seconds: float) -> None:
    sleep(seconds)  # the module attribute, looked up now, so tests can replace it


def _retry_wait(settings: FetchSettings) -> Callable[[RetryCallState], float]:
    backoff = wait_exponential_jitter(initial=1.0, max=settings.max_retry_wait, jitter=1.0)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _TransientFetchError) and exc.retry_after is not None:
            return min(exc.retry_after, settings.max_retry_wait)
        return float(backoff(state))

    return wait


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    logger.warning("attempt %d failed (%s); retrying in %.1f s",
                   state.attempt_number, exc, wait)


def _download(url: str, settings: FetchSettings, client: httpx.Client) -> _Download:
    """One attempt: GET, following at most max_redirects redirects, streaming under the cap."""
    try:
        request = client.build_request(
            "GET", url, headers={"User-Agent": settings.user_agent, "Accept": _ACCEPT},
            timeout=_timeout(settings),
        )
    except httpx.InvalidURL as exc:
        raise InputError(f"invalid URL {url}: {exc}",
                         hint="check the address; copy it from the browser's address bar") \
            from exc
    for _hop in range(settings.max_redirects + 1):
        response = _send(client, request)
        try:
            next_request = response.next_request
            if next_request is None:
                return _read_response(response, settings)
            _check_redirect(response, next_request)
        finally:
            response.close()
        logger.info("redirect %d: %s -> %s", response.status_code, request.url, next_request.url)
        request = next_request
    raise FetchError(
        f"too many redirects (more than {settings.max_redirects}) starting from {url}",
        hint="the site redirects in a loop or needs a browser session (cookie wall?): open the "
             "page in a browser and pass its final address, or save it as .html",
        url=str(request.url), status_code=None,
    )


def _send(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    url = str(request.url)
    host = request.url.host
    try:
        return client.send(request, stream=True, follow_redirects=False)
    except httpx.TimeoutException as exc:
        phase = "connecting to" if isinstance(exc, httpx.ConnectTimeout) else "waiting for"
        raise _TransientFetchError(
            f"timed out {phase} {host}",
            hint="the site is slow or unreachable: try again later, or save the page as .html "
                 "and pass the file", url=url) from exc
    except httpx.ConnectError as exc:  # DNS failure, refused, unreachable network
        raise _TransientFetchError(
            f"could not connect to {host}: {exc}",
            hint="check the host name and your network connection", url=url) from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise _TransientFetchError(
            f"connection to {host} failed: {exc}",
            hint="try again later; if it keeps failing, save the page as .html and pass the "
                 "file", url=url) from exc
    except httpx.HTTPError as exc:  # protocol errors, unsupported protocol, decoding, proxy
        raise FetchError(f"request to {host} failed: {exc}",
                         hint="check the address, or save the page as .html and pass the file",
                         url=url) from exc


def _check_redirect(response: httpx.Response, next_request: httpx.Request) -> None:
    if next_request.url.scheme not in ("http", "https"):
        raise FetchError(
            f"{response.url} redirects to an unsupported address: {next_request.url}",
            hint="open the page in a browser and pass its final http(s) address",
            url=str(response.url), status_code=response.status_code,
        )


def _read_response(response: httpx.Response, settings: FetchSettings) -> _Download:
    url = str(response.url)
    status = response.status_code
    if status == 429 or status >= 500:
        raise _TransientFetchError(
            f"HTTP {status} for {url}", url=url, status_code=status,
            hint="the server is overloaded or limiting requests: try again later",
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 400:
        raise FetchError(f"HTTP {status} for {url}", hint=_status_hint(status), url=url,
                         status_code=status)
    if status >= 300 or status == 204:
        raise FetchError(f"HTTP {status} without a page for {url}",
                         hint="open the page in a browser and pass the address it ends up at",
                         url=url, status_code=status)
    media_type = _media_type(response.headers.get("Content-Type"))
    _check_media_type(media_type, url, status)
    body = _read_capped(response, settings, url)
    logger.info("fetched %s (HTTP %d, %d bytes, %s)", url, status, len(body),
                media_type or "no content type")
    return _Download(url=url, status=status, body=body, media_type=media_type,
                     charset=response.charset_encoding)


def _status_hint(status: int) -> str:
    if status in (404, 410):
        return "check the address: the page does not exist (any more)"
    if status in (401, 402, 403, 451):
        return ("the site refused access (login, paywall or bot blocking): open the article "
                "in a browser, save it as .html and pass the file")
    return "check the address, or save the page from a browser as .html and pass the file"


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type or None


def _check_media_type(media_type: str | None, url: str, status: int) -> None:
    if media_type is None or media_type in HTML_TYPES or media_type in TEXT_TYPES:
        return
    what = "a PDF" if media_type == "application/pdf" else f"{media_type} content"
    raise FetchError(
        f"{url} returned {what}, not a web page or text",
        hint="trialbrief needs the article's HTML or text: pass the news page's address, "
             "or copy the article text into a .txt file and pass that",
        url=url, status_code=status,
    )


def _sniff_media_type(body: bytes, download: _Download) -> str:
    """No Content-Type header: decide from the bytes."""
    _refuse_binary(body, download, check_nul=True)
    return "text/html" if _looks_like_html(_decode(body[:4096], None)) else "text/plain"


def _refuse_binary(body: bytes, download: _Download, *, check_nul: bool) -> None:
    binary = _binary_kind(body, check_nul=check_nul)
    if binary:
        raise FetchError(
            f"{download.url} returned {binary}, not a web page or text",
            hint="trialbrief needs the article's HTML or text: pass the news page's address, "
                 "or copy the article text into a .txt file and pass that",
            url=download.url, status_code=download.status,
        )


def _read_capped(response: httpx.Response, settings: FetchSettings, url: str) -> bytes:
    too_large = FetchError(
        f"page larger than {_megabytes(settings.max_bytes)}: {url}",
        hint="this is not a single news article: pass the article's own address, or save "
             "its text to a .txt file", url=url, status_code=response.status_code,
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise too_large
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in _iter_body(response):
            total += len(chunk)
            if total > settings.max_bytes:
                raise too_large
            chunks.append(chunk)
    except httpx.TimeoutException as exc:
        raise _TransientFetchError(f"timed out reading {url}", url=url,
                                   status_code=response.status_code,
                                   hint="the site is slow: try again later") from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise _TransientFetchError(f"connection to {response.url.host} broke while reading "
                                   f"{url}: {exc}", url=url, status_code=response.status_code,
                                   hint="try again later") from exc
    except httpx.DecodingError as exc:
        raise FetchError(f"{url} sent a body that cannot be decompressed: {exc}", url=url,
                         status_code=response.status_code,
                         hint="save the page from a browser as .html and pass the file") from exc
    return b"".join(chunks)


def _iter_body(response: httpx.Response) -> Iterator[bytes]:
    # iter_bytes yields decompressed bytes, so the cap also stops a gzip bomb.
    yield from response.iter_bytes()


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _timeout(settings: FetchSettings) -> httpx.Timeout:
    return httpx.Timeout(connect=settings.connect_timeout, read=settings.read_timeout,
                         write=settings.read_timeout, pool=settings.connect_timeout)


# --------------------------------------------------------------------------- decoding


def _strip_bom(data: bytes) -> tuple[str | None, bytes]:
    """A byte-order mark decides the encoding (it outranks any declaration, as in browsers)."""
    for bom, charset in _BOMS:
        if data.startswith(bom):
            return charset, data[len(bom):]
    return None, data


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    label = match.group(1).decode("ascii", "replace")
    # A byte stream that can carry an ASCII <meta> tag is not UTF-16 (WHATWG: read as UTF-8).
    return "utf-8" if label.lower().startswith(("utf-16", "utf16")) else label


def _codec(label: str | None) -> str:
    if label:
        try:
            name = codecs.lookup(label.strip().strip("\"'")).name
        except LookupError:
            logger.warning("unknown charset %r; decoding as UTF-8", label)
            return "utf-8"
        return _WHATWG_ALIASES.get(name, name)
    return "utf-8"


def _decode(data: bytes, charset: str | None) -> str:
    """Bytes -> str with the declared charset, else UTF-8; bad bytes become U+FFFD."""
    codec = _codec(charset)
    text = data.decode(codec, errors="replace")
    if "\ufffd" in text:
        logger.warning("undecodable bytes replaced with U+FFFD (decoded as %s)", codec)
    return text


# --------------------------------------------------------------------------- articles


def _article_from_html(
    html: str, *, source: str, settings: FetchSettings, error: type[FetchError | InputError],
    url: str | None = None, path: str | None = None, status: int | None = None,
) -> Article:
    text = _clean_text(_extract_main_text(html, url))
    title, date = _extract_metadata(html, url)
    # Only for real articles: the headline must not lift a near-empty page over MIN_WORDS.
    if len(text.split()) >= MIN_WORDS and title and not _starts_with_title(text, title):
        text = f"{title}\n{text}"  # editors expect the headline; offsets refer to this text
    title = title or _first_line(text)
    return _build_article(text, source=source, settings=settings, error=error, url=url,
                          path=path, status=status, title=title, date=date,
                          hint="the page may need JavaScript, a login or consent: open it in "
                               "a browser and save the article text to a .txt file")


def _article_from_text(
    raw: str, *, source: str, settings: FetchSettings, error: type[FetchError | InputError],
    url: str | None = None, path: str | None = None, status: int | None = None,
) -> Article:
    text = _clean_text(raw)
    title = _first_line(text)
    if title:
        title = _MARKDOWN_HEADING.sub("", title) or title  # "# Headline" in Markdown
    return _build_article(text, source=source, settings=settings, error=error, url=url,
                          path=path, status=status, title=title, date=None,
                          hint=f"check that {source} holds the article's text")


def _build_article(
    text: str, *, source: str, settings: FetchSettings, error: type[FetchError | InputError],
    url: str | None, path: str | None, status: int | None, title: str | None,
    date: str | None, hint: str,
) -> Article:
    words = len(text.split())
    if words < MIN_WORDS:
        found = "no text" if not words else f"only {words} word{'s' * (words != 1)}"
        message = f"no article text found in {source}: {found}"
        if error is FetchError:
            raise FetchError(message, hint=hint, url=url, status_code=status)
        raise InputError(message, hint=hint)
    text = _cap(text, settings.max_chars, source)
    return Article(
        url=url, path=path, title=title, date=date, text=text,
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


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"
