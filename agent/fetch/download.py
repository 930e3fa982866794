"""Downloading a URL: one GET per attempt, redirects followed by hand under max_redirects,
the body streamed under max_bytes, and the one retry policy (tenacity) for article downloads.

Transient failures (timeouts, broken connections, 5xx, 429) are retried; everything else is a
FetchError at once. The client built here has transport retries off, so `FetchSettings.retries`
is the whole budget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from agent.errors import FetchError, InputError
from agent.fetch.decode import binary_kind, sniff_html
from agent.fetch.settings import FetchSettings, megabytes

logger = logging.getLogger("trialbrief.fetch")

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
_ACCEPT = (
    "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,text/markdown;q=0.8,*/*;q=0.1"
)
_NOT_A_PAGE_HINT = ("trialbrief needs the article's HTML or text: pass the news page's address, "
                    "or copy the article text into a .txt file and pass that")


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
        transport=httpx.HTTPTransport(retries=0),
    )


def download(url: str, settings: FetchSettings, client: httpx.Client, *,
             sleep: Callable[[float], None]) -> Download:
    """GET URL with up to `settings.retries` more attempts, waiting with SLEEP between them."""
    attempts = settings.retries + 1
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=_retry_wait(settings),
        retry=retry_if_exception_type(_TransientFetchError),
        sleep=sleep,
        before_sleep=_log_retry,
        reraise=True,
    )
    try:
        return retrying(_download, url, settings, client)
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
    return {"User-Agent": settings.user_agent, "Accept": _ACCEPT}


def _timeout(settings: FetchSettings) -> httpx.Timeout:
    return httpx.Timeout(connect=settings.connect_timeout, read=settings.read_timeout,
                         write=settings.read_timeout, pool=settings.connect_timeout)


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


def _download(url: str, settings: FetchSettings, client: httpx.Client) -> Download:
    """One attempt: GET, following at most max_redirects redirects, streaming under the cap."""
    try:
        # the headers again: an injected client need not carry them
        request = client.build_request("GET", url, headers=_headers(settings),
                                       timeout=_timeout(settings))
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


def _read_response(response: httpx.Response, settings: FetchSettings) -> Download:
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
    if media_type is not None and media_type not in HTML_TYPES | TEXT_TYPES:
        what = "a PDF" if media_type == "application/pdf" else f"{media_type} content"
        raise _not_a_page(url, status, what)
    body = _read_capped(response, settings, url)
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


def _read_capped(response: httpx.Response, settings: FetchSettings, url: str) -> bytes:
    too_large = FetchError(
        f"page larger than {megabytes(settings.max_bytes)}: {url}",
        hint="this is not a single news article: pass the article's own address, or save "
             "its text to a .txt file", url=url, status_code=response.status_code,
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise too_large
    chunks: list[bytes] = []
    total = 0
    try:
        # iter_bytes yields decompressed bytes, so the cap also stops a gzip bomb.
        for chunk in response.iter_bytes():
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
