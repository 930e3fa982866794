"""Watching congress listings: feeds, sitemaps and index pages read for article links; a pass
digests what is new, a second pass fetches nothing unchanged; failures wait and never stop the
others; batches running at once lose nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from html import escape
from pathlib import Path

from agent.backends.rules import RulesBackend
from agent.config import Settings
from agent.extract import Extraction
from agent.newsroom.feeds import discover
from agent.newsroom.watch import Digesting, watch_once
from agent.schema import Article
from agent.store import Store
from evals.cases import CASES_DIR, load_cases
from tests.conftest import Site

ROOT = Path(__file__).resolve().parent.parent


class CountingRules(RulesBackend):
    """The rules backend, counting its drafts: each stands for a model call a model backend
    would make."""

    def __init__(self) -> None:
        super().__init__()
        self.drafts = 0

    def draft_record(self, article: Article, prompt_version: str | None = None) -> Extraction:
        self.drafts += 1
        return super().draft_record(article, prompt_version)


def page(title: str, text: str) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (f"<html><head><title>{escape(title)}</title></head><body><nav><a href='/'>Home</a>"
            f"</nav><article><h1>{escape(title)}</h1>{paragraphs}</article></body></html>")


def publish(site: Site, count: int) -> list[str]:
    """`count` article pages of our own cases (repeats told apart by a line of their own)."""
    cases = [c for c in load_cases(CASES_DIR) if c.kind == "trial-report"]
    urls = []
    for n in range(count):
        case = cases[n % len(cases)]
        text = case.text + (f"\nUpdate {n}: the session was repeated." if n >= len(cases) else "")
        urls.append(site.add(f"/news/{n:02d}-{case.id}", page(case.title, text)))
    return urls


def rss(urls: list[str], stamp: str = "Mon, 05 Oct 2026 09:00:00 GMT") -> str:
    items = "".join(f"<item><title>Article {n}</title><link>{u}</link><pubDate>{stamp}"
                    f"</pubDate><guid>{u}</guid></item>" for n, u in enumerate(urls))
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Congress news</title>"
            f"{items}</channel></rss>")


def how(backend: RulesBackend, jobs: int = 4) -> Digesting:
    return Digesting(Settings(), backend, jobs=jobs)


# -- listings --------------------------------------------------------------------------------

def test_an_rss_feed_lists_its_links_with_their_dates(site: Site) -> None:
    urls = [site.url("/a"), site.url("/b")]
    feed = site.add("/feed.xml", rss(urls), "application/rss+xml")
    listing = discover(feed)
    assert listing.kind == "feed" and [e.url for e in listing.entries] == urls
    assert listing.entries[0].stamp == "Mon, 05 Oct 2026 09:00:00 GMT"


def test_an_atom_feed_and_relative_links(site: Site) -> None:
    atom = ("<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            "<title>News</title><entry><title>One</title><link href='/n/one'/><id>t:1</id>"
            "<updated>2026-10-05T09:00:00Z</updated></entry></feed>")
    listing = discover(site.add("/atom", atom, "application/atom+xml"))
    assert [(e.url, e.stamp) for e in listing.entries] == [
        (site.url("/n/one"), "2026-10-05T09:00:00Z")]


def test_a_sitemap_index_is_followed_to_its_sitemaps(site: Site) -> None:
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    child = site.add("/sitemap-1.xml", f"<urlset xmlns='{ns}'><url><loc>{site.url('/a')}</loc>"
                     "<lastmod>2026-10-05</lastmod></url></urlset>", "application/xml")
    index = site.add("/sitemap.xml", f"<sitemapindex xmlns='{ns}'><sitemap><loc>{child}</loc>"
                     "</sitemap></sitemapindex>", "application/xml")
    listing = discover(index)
    assert listing.kind == "sitemap" and listing.pages == 2
    assert [(e.url, e.stamp) for e in listing.entries] == [(site.url("/a"), "2026-10-05")]


def test_an_index_page_gives_its_articles_not_its_furniture_and_follows_next(
        site: Site) -> None:
    first = site.add("/congress/2026/", (
        "<html><body><a href='/login'>Log in</a><a href='/congress/2026/tag/heart'>Heart</a>"
        "<a href='https://other.example/congress/2026/x'>Elsewhere</a>"
        "<a href='/congress/2026/trial-a#comments'>Trial A</a><a href='/style.css'>css</a>"
        "<a href='/congress/2026/trial-b'>Trial B</a><a href='/privacy'>Privacy</a>"
        "<a href='/congress/2026/?page=2' rel='next'>Next</a></body></html>"))
    site.add("/congress/2026/?page=2", "<html><body><a href='/congress/2026/trial-c'>C</a>"
             "<a href='/congress/2026/?page=3'>Next</a></body></html>")
    site.add("/congress/2026/?page=3", "<a href='/congress/2026/trial-d'>D</a>")
    listing = discover(first, depth=2)
    assert [e.url for e in listing.entries] == [
        site.url(f"/congress/2026/trial-{x}") for x in "abc"]
    assert listing.pages == 2 and site.hits["/congress/2026/?page=3"] == 0


# -- passes ----------------------------------------------------------------------------------

def test_a_feed_of_40_is_digested_once_and_a_second_pass_fetches_nothing(
        site: Site, tmp_path: Path) -> None:
    urls = publish(site, 40)
    feed = site.add("/feed.xml", rss(urls), "application/rss+xml")
    backend = CountingRules()
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        first = watch_once(store, [feed], how(backend), congress="ECTRIMS 2026")
        assert first.new == 40 and first.tally.done == 40 and first.tally.failed == 0
        assert backend.drafts == 40 and store.counts()["runs"] == 40
        fetched = sum(site.hits[p] for p in site.pages if p.startswith("/news/"))
        assert fetched == 40
        second = watch_once(store, [feed], how(backend))
        assert second.known == 40 and second.tally.done == 0
        assert sum(site.hits[p] for p in site.pages if p.startswith("/news/")) == fetched
        assert backend.drafts == 40 and site.hits["/feed.xml"] == 2
        assert {e.congress for e in store.queue()} == {"ECTRIMS 2026"}


def test_an_updated_entry_is_fetched_again_but_an_unchanged_text_is_not_redrafted(
        site: Site, tmp_path: Path) -> None:
    urls = publish(site, 2)
    site.add("/feed.xml", rss(urls), "application/rss+xml")
    backend = CountingRules()
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        watch_once(store, [site.url("/feed.xml")], how(backend))
        site.add("/feed.xml", rss(urls, "Tue, 06 Oct 2026 09:00:00 GMT"), "application/rss+xml")
        again = watch_once(store, [site.url("/feed.xml")], how(backend))
        assert again.changed == 2 and again.tally.reused == 2 and backend.drafts == 2


def test_failures_are_kept_with_their_reason_and_never_stop_the_others(
        site: Site, tmp_path: Path) -> None:
    urls = [*publish(site, 3), site.url("/news/gone")]
    feed = site.add("/feed.xml", rss(urls), "application/rss+xml")
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        done = watch_once(store, [site.url("/missing-feed.xml"), feed], how(RulesBackend()))
        assert "404" in done.listing_errors[site.url("/missing-feed.xml")]
        assert done.tally.done == 4 and done.tally.failed == 1
        (gone,) = [i for i in store.items() if i.state == "failed"]
        assert gone.url.endswith("/news/gone") and "404" in (gone.last_error or "")
        hits = site.hits["/news/gone"]
        watch_once(store, [feed], how(RulesBackend()))  # not due yet: backoff
        assert site.hits["/news/gone"] == hits


def test_four_batches_at_once_into_one_folder_and_store_lose_nothing(
        site: Site, tmp_path: Path) -> None:
    urls = publish(site, 12)
    out, db = tmp_path / "out", f"sqlite:///{tmp_path / 'store.db'}"
    # Overlapping halves: every article is digested by two batches at the same time.
    shares = [urls[0:6], urls[3:9], urls[6:12], urls[9:12] + urls[0:3]]
    batches = [subprocess.Popen(
        [sys.executable, "-m", "agent", "batch", *share, "--out-dir", str(out), "--db", db,
         "--backend", "rules", "--jobs", "2"], cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True) for share in shares]
    codes = [b.wait(timeout=300) for b in batches]
    assert all(code in (0, 1) for code in codes), [b.stderr.read() for b in batches if b.stderr]
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert sorted(row["source"] for row in index) == sorted(urls)
    assert all(Path(row["output"]).is_file() and row["run_id"] for row in index)
    with Store.open(db) as store:
        assert {e.url for e in store.queue()} == set(urls)


def test_the_watch_command_runs_one_pass(site: Site, tmp_path: Path) -> None:
    feed = site.add("/feed.xml", rss(publish(site, 2)), "application/rss+xml")
    db = f"sqlite:///{tmp_path / 'store.db'}"
    command = [sys.executable, "-m", "agent", "watch", feed, "--once", "--db", db,
               "--backend", "rules", "--congress", "ESC 2026"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2 listed: 2 new" in done.stderr
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "2 known; 0 digested" in again.stderr


def test_two_worker_processes_share_a_queue_without_doing_an_item_twice(
        site: Site, store_url: str) -> None:
    urls = publish(site, 8)
    with Store.open(store_url) as store:
        for url in urls:
            store.enqueue(url)
    command = [sys.executable, "-m", "agent", "worker", "--once", "--db", store_url,
               "--backend", "rules", "--jobs", "2"]
    workers = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    assert [w.wait(timeout=300) for w in workers] == [0, 0]
    with Store.open(store_url) as store:
        assert {i.state for i in store.items()} == {"done"}
        assert store.counts()["runs"] == 8 and all(site.hits[u[u.index("/news"):]] == 1
                                                   for u in urls)
