"""Source -> `Article`: a URL, a local HTML or text file, or "-" for stdin.

The first pipeline stage. It knows nothing of LLMs: it downloads (httpx, one retry policy owned
here with tenacity), decodes, pulls the main text out of HTML (trafilatura) and returns the text
that every later character offset refers to.

    sources.py   URL or path? files and stdin
    download.py  download: retries, redirects, what the server sent
    body.py      the body: Content-Encoding undone by hand under the decoded-size cap
    deadline.py  the overall deadline of a fetch, and the watchdog that enforces it
    targets.py   allow_private=False: private, loopback and link-local hosts refused
    decode.py    bytes -> str: byte-order marks, charsets, HTML and binary sniffing
    article.py   HTML or text -> Article: trafilatura, cleanup, minimum and maximum length
    settings.py  FetchSettings

Retries: this package is the only retry layer for article downloads. The client built here uses
`httpx.HTTPTransport(retries=0)` and redirects are followed by hand, so a failed attempt is one
request and `FetchSettings.retries` is the whole budget.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TextIO

import httpx

from agent.fetch.article import Origin, article_from_html, article_from_text
from agent.fetch.decode import decode, meta_charset, strip_bom
from agent.fetch.download import HTML_TYPES, Download, body_media_type, download, make_client
from agent.fetch.settings import FetchSettings
from agent.fetch.sources import from_file, from_stdin, is_url
from agent.schema import Article

__all__ = ["Download", "FetchSettings", "download_listing", "fetch", "make_client"]

# The retry wait goes through this name, looked up at call time: tests replace it so that
# nothing really sleeps (monkeypatch.setattr(agent.fetch, "sleep", recorder)). `make_client`
# is looked up here at call time too, so tests can replace it the same way.
sleep: Callable[[float], None] = time.sleep


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
        return from_stdin(stdin if stdin is not None else sys.stdin, settings)
    if is_url(source.strip()):  # a URL pasted with a stray space or newline
        return _from_url(source.strip(), settings, client)
    return from_file(source, settings)


def download_listing(url: str, *, settings: FetchSettings | None = None,
                     client: httpx.Client | None = None) -> Download:
    """The raw body of a feed, sitemap or index page, under the same caps, retries and target
    policy as an article."""
    settings = replace(settings or FetchSettings(), feeds=True)
    http_client = make_client(settings) if client is None else client
    try:
        return download(url, settings, http_client, sleep=_sleep)
    finally:
        if client is None:
            http_client.close()


def _from_url(url: str, settings: FetchSettings, client: httpx.Client | None) -> Article:
    http_client = make_client(settings) if client is None else client
    try:
        got = download(url, settings, http_client, sleep=_sleep)
    finally:
        if client is None:
            http_client.close()
    charset, body = strip_bom(got.body)
    media_type = body_media_type(got, body)
    origin = Origin(got.url, url=got.url, status=got.status)
    if media_type in HTML_TYPES:
        html = decode(body, charset or got.charset or meta_charset(body))
        return article_from_html(html, origin, settings)
    return article_from_text(decode(body, charset or got.charset), origin, settings)


def _sleep(seconds: float) -> None:
    sleep(seconds)  # the module attribute, looked up now, so tests can replace it
