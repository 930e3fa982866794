"""Downloading a URL: one GET per attempt, redirects followed by hand under max_redirects,
the body streamed under max_bytes, and the one retry policy (tenacity) for article downloads.

Transient failures (timeouts, broken connections, 5xx, 429) are retried; everything else is a
FetchError at once. The client built here has transport retries off, so `FetchSettings.retries`
is the whole budget. Over all of it runs one deadline (deadline.py); bodies are decompressed
under the size cap in body.py; with allow_private off, targets.py vets every host.
"""

from __future__ import annotations

import functools
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import certifi
import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from agent.errors import FetchError, InputError
from agent.fetch.body import (
    ACCEPT_ENCODING,
    CorruptBody,
    TooLarge,
    UnsupportedEncoding,
    decoder_for,
    read_capped,
)
from agent.fetch.deadline import Deadline
from agent.fetch.decode import binary_kind, sniff_html
from agent.fetch.settings import FetchSettings, megabytes
from agent.fetch.targets import internal_address

logger = logging.getLogger("trialbrief.fetch")

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/xml",
                        "text/xml", "application/rdf+xml"})
_ACCEPT = (
    "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,text/markdown;q=0.8,*/*;q=0.1"
)
_NOT_A_PAGE_HINT = ("trialbrief needs the article's HTML or text: pass the news page's address, "
                    "or copy the article text into a .txt file and pass that")
_SAVE_PAGE_HINT = "save the page from a browser as .html and pass the file"
_REDIRECT_HINT = "open the page in a browser and pass its final http(s) address"
# Every exception httpx raises on purpose; HTTPError alone misses InvalidURL (a redirect to
# data: or javascript:) and the stream errors.
_HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, httpx.CookieConflict)


class _TransientFetchError(FetchError):
    """A failure worth another attempt: timeout, connection error, 5xx or 429."""

    def __init__(self, message: str, *, hint: str | None = None, url: str | None = None,
                 status_code: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, hint=hint, url=url, status_code=status_code)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Download:
    url: str
    status: int
    body: bytes
    media_type: str | None
    charset: str | None


def make_client(settings: FetchSettings | None = None) -> httpx.Client:
    """An httpx client configured from SETTINGS, with transport-level retries off."""
    settings = settings or FetchSettings()
    return httpx.Client(
        timeout=_timeout(settings),
        follow_redirects=False,  # followed in _download, so that max_redirects is ours
        max_redirects=settings.max_redirects,
        headers=_headers(settings),
        # tenacity in this package owns retries; the transport must not add its own.
        transport=httpx.HTTPTransport(retries=0, verify=_tls_context()),
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~25 ms of CPU; one context serves every client and thread
    # (an SSLContext is safe to share once configured).
    return ssl.create_default_context(cafile=certifi.where())


def download(url: str, settings: FetchSettings, client: httpx.Client, *,
             sleep: Callable[[float], None]) -> Download:
    """GET URL with up to `settings.retries` more attempts, waiting with SLEEP between them."""
    attempts = settings.retries + 1
    deadline = Deadline(settings.deadline)
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=_retry_wait(settings, deadline),
        retry=retry_if_exception_type(_TransientFetchError),
        sleep=sleep,
        before_sleep=_log_retry,
        reraise=True,
    )
    try:
        with deadline.watchdog():
            return retrying(_attempt, url, settings, client, deadline)
    except _TransientFetchError as exc:
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        raise FetchError(f"{exc.message} (gave up after {tries})", hint=exc.hint, url=exc.url,
                         status_code=exc.status_code) from exc


def body_media_type(download: Download, body: bytes) -> str:
    """The media type to read BODY as: the declared one, else sniffed from the bytes.
    FetchError for a binary file either way."""
    declared = download.media_type
    # A declared text type can still be a mislabelled PDF; a NUL alone may be UTF-16 then.
    binary = binary_kind(body, check_nul=declared is None)
    if binary:
        raise _not_a_page(download.url, download.status, binary)
    if declared is not None:
        return declared
    return "text/html" if sniff_html(body, None) else "text/plain"


def _headers(settings: FetchSettings) -> dict[str, str]:
    # Accept-Encoding: only what body.py decompresses under the cap (httpx would add br and
    # zstd when their packages happen to be installed).
    return {"User-Agent": settings.user_agent, "Accept": _ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING}


def _timeout(settings: FetchSettings, left: float | None = None) -> httpx.Timeout:
    """The timeouts from SETTINGS, none longer than LEFT seconds (what the deadline leaves)."""
    def cap(seconds: float) -> float:
        return seconds if left is None else max(0.001, min(seconds, left))

    return httpx.Timeout(connect=cap(settings.connect_timeout), read=cap(settings.read_timeout),
                         write=cap(settings.read_timeout), pool=cap(settings.connect_timeout))


def _retry_wait(settings: FetchSettings, deadline: Deadline) -> Callable[[RetryCallState], float]:
    backoff = wait_exponential_jitter(initial=1.0, max=settings.max_retry_wait, jitter=1.0)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        seconds = float(backoff(state))
        if isinstance(exc, _TransientFetchError) and exc.retry_after is not None:
            seconds = _capped_retry_after(exc.retry_after, settings)
        if isinstance(exc, FetchError) and seconds >= deadline.remaining():
            # No use sleeping into the deadline: give up now, with the failure that led here.
            # (Raised from inside tenacity's wait, it leaves the retry loop as it is.)
            raise FetchError(f"{exc.message}; not retried: waiting {seconds:.1f} s would pass "
                             f"the {deadline.seconds:g} s fetch deadline", hint=exc.hint,
                             url=exc.url, status_code=exc.status_code) from exc
        return seconds

    return wait


def _capped_retry_after(seconds: float, settings: FetchSettings) -> float:
    if seconds <= settings.max_retry_wait:
        return seconds
    logger.warning("the server asks to wait %.0f s (Retry-After); waiting %g s, the most "
                   "max_retry_wait allows", seconds, settings.max_retry_wait)
    return settings.max_retry_wait


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    asked = isinstance(exc, _TransientFetchError) and exc.retry_after is not None
    logger.warning("attempt %d failed (%s); retrying in %.1f s (%s)", state.attempt_number,
                   exc, wait, "Retry-After" if asked else "backoff")


def _attempt(url: str, settings: FetchSettings, client: httpx.Client,
             deadline: Deadline) -> Download:
    """One attempt. Whatever fails once the deadline has passed fails because of it (the
    watchdog's shutdown surfaces as a broken connection), and is not retried."""
    try:
        return _download(url, settings, client, deadline)
    except _TransientFetchError as exc:
        if deadline.expired():
            raise deadline.error(exc.url or url, exc.status_code) from exc
        raise
    except _HTTPX_ERRORS as exc:  # a case the mapping below missed: still exit 3, one line
        raise FetchError(f"fetching {url} failed: {_one_line(exc)}", hint=_SAVE_PAGE_HINT,
                         url=url) from exc


def _download(url: str, settings: FetchSettings, client: httpx.Client,
              deadline: Deadline) -> Download:
    """One attempt: GET, following at most max_redirects redirects, streaming under the cap."""
    try:
        # the headers again: an injected client need not carry them
        request = client.build_request("GET", url, headers=_headers(settings),
                                       timeout=_timeout(settings))
    except (httpx.InvalidURL, UnicodeError) as exc:  # UnicodeError: a bad IDNA host name
        raise InputError(f"invalid URL {url}: {_one_line(exc)}",
                         hint="check the address; copy it from the browser's address bar") \
            from exc
    for _hop in range(settings.max_redirects + 1):
        _prepare(request, settings, deadline)
        response = _send(client, request)
        try:
            next_request = response.next_request
            if next_request is None:
                return _read_response(response, settings, deadline)
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


def _prepare(request: httpx.Request, settings: FetchSettings, deadline: Deadline) -> None:
    """Before each request of a fetch (the first and every redirect): the deadline, the target
    policy, timeouts that end by the deadline, and the hook that shows the watchdog the socket.
    A redirect request carries its predecessor's extensions, so they are set afresh."""
    deadline.check(str(request.url))
    _check_target(request.url, settings)
    request.extensions = {**request.extensions, "trace": deadline.trace,
                          "timeout": _timeout(settings, deadline.remaining()).as_dict()}


def _check_target(url: httpx.URL, settings: FetchSettings) -> None:
    if settings.allow_private:
        return
    port = url.port or (443 if url.scheme == "https" else 80)
    host = url.raw_host.decode("ascii")  # IDNA-encoded, as the connection will look it up
    try:
        address = internal_address(host, port)
    except OSError as exc:  # the connection would fail the same way
        raise _TransientFetchError(f"could not resolve {host}: {_one_line(exc)}",
                                   hint="check the host name and your network connection",
                                   url=str(url)) from exc
    if address is not None:
        resolved = "" if host == str(address) else f" ({host} is {address})"
        raise FetchError(
            f"refusing to fetch a private address: {url}{resolved}",
            hint="allow it with allow_private (FetchSettings(allow_private=True)) if this fetch "
                 "is meant to reach the local network", url=str(url))


def _send(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    url = str(request.url)
    host = request.url.host
    try:
        return client.send(request, stream=True, follow_redirects=False)
    except (httpx.InvalidURL, UnicodeError) as exc:
        # httpx builds the next request from a redirect's Location inside send(), and fails
        # there on data:, javascript:, mailto: (no host) or a bad host name.
        raise _bad_redirect(url, exc) from exc
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
        if _is_bad_location(exc):  # the server's answer, not a broken connection: not retried
            raise _bad_redirect(url, exc) from exc
        raise _TransientFetchError(
            f"connection to {host} failed: {exc}",
            hint="try again later; if it keeps failing, save the page as .html and pass the "
                 "file", url=url) from exc
    except httpx.HTTPError as exc:  # protocol errors, unsupported protocol, decoding, proxy
        raise FetchError(f"request to {host} failed: {exc}",
                         hint="check the address, or save the page as .html and pass the file",
                         url=url) from exc


def _is_bad_location(exc: httpx.HTTPError) -> bool:
    # httpx's wording for a Location header it cannot parse (httpx/_client.py, _redirect_url)
    return str(exc).startswith("Invalid URL in location header")


def _bad_redirect(url: str, exc: Exception) -> FetchError:
    return FetchError(f"{url} redirects to an unsupported or invalid address: {_one_line(exc)}",
                      hint=_REDIRECT_HINT, url=url)


def _check_redirect(response: httpx.Response, next_request: httpx.Request) -> None:
    if next_request.url.scheme not in ("http", "https"):
        raise FetchError(
            f"{response.url} redirects to an unsupported address: {next_request.url}",
            hint=_REDIRECT_HINT, url=str(response.url), status_code=response.status_code,
        )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _read_response(response: httpx.Response, settings: FetchSettings,
                   deadline: Deadline) -> Download:
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
    readable = HTML_TYPES | TEXT_TYPES | (FEED_TYPES if settings.feeds else frozenset())
    if media_type is not None and media_type not in readable:
        what = "a PDF" if media_type == "application/pdf" else f"{media_type} content"
        raise _not_a_page(url, status, what)
    body = _read_body(response, settings, deadline)
    logger.info("fetched %s (HTTP %d, %d bytes, %s)", url, status, len(body),
                media_type or "no content type")
    return Download(url=url, status=status, body=body, media_type=media_type,
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


def _not_a_page(url: str, status: int, what: str) -> FetchError:
    return FetchError(f"{url} returned {what}, not a web page or text", hint=_NOT_A_PAGE_HINT,
                      url=url, status_code=status)


def _read_body(response: httpx.Response, settings: FetchSettings, deadline: Deadline) -> bytes:
    url = str(response.url)
    status = response.status_code
    try:
        return _decoded_body(response, settings, deadline)
    except TooLarge as exc:
        raise FetchError(
            f"page larger than {megabytes(settings.max_bytes)}: {url}",
            hint="this is not a single news article: pass the article's own address, or save "
                 "its text to a .txt file", url=url, status_code=status) from exc
    except UnsupportedEncoding as exc:
        raise FetchError(f"{url} sent its page in {exc}", hint=_SAVE_PAGE_HINT, url=url,
                         status_code=status) from exc
    except CorruptBody as exc:
        raise FetchError(f"{url} sent a body that cannot be decompressed: {exc}", url=url,
                         status_code=status, hint=_SAVE_PAGE_HINT) from exc
    except httpx.TimeoutException as exc:
        raise _TransientFetchError(f"timed out reading {url}", url=url, status_code=status,
                                   hint="the site is slow: try again later") from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise _TransientFetchError(f"connection to {response.url.host} broke while reading "
                                   f"{url}: {exc}", url=url, status_code=status,
                                   hint="try again later") from exc


def _decoded_body(response: httpx.Response, settings: FetchSettings, deadline: Deadline) -> bytes:
    """The body, decompressed by body.py from the raw stream, never more than max_bytes."""
    decoder = decoder_for(response.headers.get("Content-Encoding"))  # stacked: refused unread
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise TooLarge(f"Content-Length {declared}")
    if response.is_stream_consumed:
        # Built in memory (a test's MockTransport): httpx has read and decoded it already.
        return read_capped([response.content], decoder_for(None), settings.max_bytes,
                           tick=lambda: None)
    url = str(response.url)
    return read_capped(response.iter_raw(), decoder, settings.max_bytes,
                       tick=lambda: deadline.check(url, response.status_code))


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None.

    None for a value that is neither ("soon", "1.5", "-3"): the failure is still retried,
    with the normal backoff, which is what such a server most likely means."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        logger.warning("unparsable Retry-After %r; any retry waits the normal backoff",
                       value[:40])
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
