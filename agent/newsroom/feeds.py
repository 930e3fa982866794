"""Where new articles are listed: an RSS/Atom feed, an XML sitemap, or a congress index page.

`discover(url)` reads one listing and returns its article links with a stamp (what the listing
says of the entry's version: its updated date or id) so the watcher can tell a new or changed
article from one it has already digested without fetching the article. An index page is read
for links on the same host under the index's path, following its pagination up to `depth`
pages; sitemaps of sitemaps are followed the same way.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser
import httpx
from lxml import etree

from agent.errors import FetchError
from agent.fetch import FetchSettings, download_listing
from agent.fetch.decode import decode, meta_charset, strip_bom

log = logging.getLogger("trialbrief.watch")

_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Links an index page carries that are never articles: the site's furniture and files.
_FURNITURE = re.compile(
    r"/(?:tag|tags|category|categories|author|authors|search|login|logout|register|signin|"
    r"subscribe|account|about|contact|privacy|terms|cookies?|imprint|impressum|newsletter|"
    r"feed|rss)(?:/|$)|\.(?:css|js|png|jpe?g|gif|svg|webp|ico|pdf|zip|mp4|mp3|xml)$", re.I)
_NEXT_TEXT = re.compile(r"^\s*(?:next|older|more|weiter|suivant|siguiente|»|›|>)\s*", re.I)
_PAGE_PARAM = re.compile(r"(?:[?&](?:page|p|pg)=\d+|/page/\d+/?$)", re.I)


@dataclass(frozen=True)
class Entry:
    url: str
    stamp: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Listing:
    kind: str
    """'feed', 'sitemap' or 'index'."""
    entries: list[Entry]
    pages: int = 1
    """Listing pages read (index pages followed, sitemaps opened)."""


def discover(url: str, *, depth: int = 3, max_entries: int = 2000,
             settings: FetchSettings | None = None,
             client: httpx.Client | None = None) -> Listing:
    """The article links of the listing at `url`. FetchError when it cannot be read."""
    body, media_type, final = _read(url, settings, client)
    head = body.lstrip()[:500].lower()
    if "<rss" in head or "<feed" in head or "<rdf:rdf" in head or "rss" in media_type \
            or "atom" in media_type:
        return Listing("feed", _feed_entries(body, final)[:max_entries])
    if "<urlset" in head or "<sitemapindex" in head:
        return _sitemap(body, final, depth, max_entries, settings, client)
    return _index(body, final, depth, max_entries, settings, client)


def _read(url: str, settings: FetchSettings | None,
          client: httpx.Client | None) -> tuple[str, str, str]:
    got = download_listing(url, settings=settings, client=client)
    charset, body = strip_bom(got.body)
    return (decode(body, charset or got.charset or meta_charset(body)), got.media_type or "",
            got.url)


def _feed_entries(body: str, base: str) -> list[Entry]:
    parsed = feedparser.parse(body)
    entries: list[Entry] = []
    for item in parsed.entries:
        link = item.get("link") or ""
        if not link:
            continue
        # only the keys the entry has: feedparser's get('updated') falls back to 'published'
        # with a deprecation warning
        present = {key: item[key] for key in ("updated", "published", "id") if key in item}
        stamp = present.get("updated") or present.get("published") or present.get("id")
        entries.append(Entry(_clean(urljoin(base, link)), str(stamp) if stamp else None,
                             item.get("title")))
    return _unique(entries)


def _sitemap(body: str, base: str, depth: int, max_entries: int,
             settings: FetchSettings | None, client: httpx.Client | None) -> Listing:
    entries: list[Entry] = []
    pages, queue, seen = 0, [(body, base)], {base}
    while queue and len(entries) < max_entries:
        text, at = queue.pop(0)
        pages += 1
        try:
            root = etree.fromstring(text.encode("utf-8"),
                                    etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            raise FetchError(f"{at} is not a readable sitemap: {exc}") from exc
        for node in root:
            loc = node.findtext(f"{_SITEMAP_NS}loc") or node.findtext("loc")
            if not loc:
                continue
            loc = urljoin(at, loc.strip())
            if root.tag.endswith("sitemapindex"):
                if pages + len(queue) < depth and loc not in seen:
                    seen.add(loc)
                    child, _, final = _read(loc, settings, client)
                    queue.append((child, final))
                continue
            lastmod = node.findtext(f"{_SITEMAP_NS}lastmod") or node.findtext("lastmod")
            entries.append(Entry(_clean(loc), lastmod.strip() if lastmod else None))
    return Listing("sitemap", _unique(entries)[:max_entries], pages)


def _index(body: str, base: str, depth: int, max_entries: int,
           settings: FetchSettings | None, client: httpx.Client | None) -> Listing:
    entries: list[Entry] = []
    pages, url, seen = 0, base, {_clean(base)}
    text: str | None = body
    while text is not None and pages < max(1, depth):
        pages += 1
        links = _Links(url)
        links.feed(text)
        entries += [Entry(link, None, title) for link, title in links.links
                    if _is_article_link(link, base) and link not in seen]
        seen |= {e.url for e in entries}
        following = next((n for n in links.next_pages if n not in seen), None)
        text = None
        if following is not None and pages < depth:
            seen.add(following)
            text, _, url = _read(following, settings, client)
    return Listing("index", _unique(entries)[:max_entries], pages)


def _is_article_link(link: str, index: str) -> bool:
    """Same host, under the index's folder, not the index itself, not furniture or a file."""
    parts, home = urlsplit(link), urlsplit(index)
    if parts.scheme not in ("http", "https") or parts.netloc != home.netloc:
        return False
    folder = home.path if home.path.endswith("/") else home.path.rsplit("/", 1)[0] + "/"
    path = parts.path
    return (path.startswith(folder) and path.rstrip("/") != home.path.rstrip("/")
            and not _FURNITURE.search(path) and not _PAGE_PARAM.search(link)
            and len(path.strip("/")) > 0)


class _Links(HTMLParser):
    """Anchors of a page (made absolute, fragments dropped) and its 'next page' links."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[tuple[str, str | None]] = []
        self.next_pages: list[str] = []
        self._open: tuple[str, bool] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base":
            href = dict(attrs).get("href")
            if href:
                self.base = urljoin(self.base, href)
        if tag not in ("a", "link"):
            return
        values = dict(attrs)
        href = values.get("href")
        if not href or href.startswith(("mailto:", "javascript:", "tel:")):
            return
        url = _clean(urljoin(self.base, href))
        is_next = "next" in (values.get("rel") or "").lower().split()
        if tag == "link":
            if is_next:
                self.next_pages.append(url)
            return
        self._open, self._text = (url, is_next), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "a" or self._open is None:
            return
        url, is_next = self._open
        text = " ".join("".join(self._text).split())
        if is_next or (_NEXT_TEXT.match(text) and len(text) <= 20) or _PAGE_PARAM.search(url):
            self.next_pages.append(url)
        else:
            self.links.append((url, text or None))
        self._open = None


def _clean(url: str) -> str:
    return urldefrag(url.strip())[0]


def _unique(entries: list[Entry]) -> list[Entry]:
    seen: set[str] = set()
    kept: list[Entry] = []
    for entry in entries:
        if entry.url not in seen:
            seen.add(entry.url)
            kept.append(entry)
    return kept
