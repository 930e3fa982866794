"""fetch: sources -> Article. Fully offline: every URL goes through an httpx.MockTransport."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

import agent.fetch as fetch_module
from agent.errors import ConfigError, FetchError, InputError
from agent.fetch import FetchSettings, fetch, make_client
from agent.schema import Article

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"
TRIAL_PAGE = FIXTURES / "trial-page.html"
HEADLINE = "VERINOX-HTN: falsartan lowers blood pressure in resistant hypertension"
# Numbers that belong to the fixture article, and numbers that only its page chrome carries.
ARTICLE_NUMBERS = ["1,532", "1:1", "n=768", "n=764", "9.6", "3.1", "−6.5", "−8.0", "−5.0",
                   "P<0.001", "47.3%", "29.8%", "OR 2.11", "1.71–2.60", "3.9%", "1.2%"]
BOILERPLATE = ["HR 2.4", "2.4", "1,247", "143 partners", "143", "92%", "0.83", "0.70–0.98",
               "08812345", "9876 5432", "+00 44", "Accept all", "Most read", "Sample Road",
               "Newsletter", "5-year update"]

ARTICLE_TEXT = (
    "FICTA-LUNG: a made-up inhaler improves breathing\n"
    "Presented by Dr Test Person at an imaginary congress.\n"
    "In 412 patients the fictional inhaler raised FEV1 by 120 mL versus placebo "
    "(95% CI 80 to 160; P<0.001), and the primary endpoint was met without new safety "
    "signals in either group of the trial.\n"
)
URL = "https://news.example.org/congress/ficta-lung"

Handler = Callable[[httpx.Request], httpx.Response]


def html_page(body: str, *, title: str = "FICTA-LUNG: a made-up inhaler improves breathing",
              head: str = "") -> str:
    return (f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head><body>"
            f"<article><h1>{title}</h1>{body}</article></body></html>")


ARTICLE_BODY = (
    "<p>Presented by Dr Test Person at an imaginary congress.</p>"
    "<p>In 412 patients the fictional inhaler raised FEV1 by 120 mL versus placebo "
    "(95% CI 80 to 160; P&lt;0.001), and the primary endpoint was met without new safety "
    "signals in either group of the trial.</p>"
    "<p>The investigators said a longer trial will test whether the benefit lasts beyond "
    "the first year of treatment in routine practice.</p>"
)
ARTICLE_HTML = html_page(ARTICLE_BODY)


class Recorder:
    """A MockTransport handler that replays responses in order and counts requests."""

    def __init__(self, *responses: httpx.Response | Exception | Handler) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        if isinstance(item, httpx.Response):
            return item
        return item(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def html_response(html: str = ARTICLE_HTML, *, status: int = 200,
                  content_type: str = "text/html; charset=utf-8",
                  headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=html.encode("utf-8"),
                          headers={"Content-Type": content_type, **(headers or {})})


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any request that reaches a real transport fails the test."""

    def refuse(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"test tried to reach the network: {request.url}")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits are recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(fetch_module, "sleep", waits.append)
    return waits


def assert_is_article(article: Article) -> None:
    assert article.sha256 == hashlib.sha256(article.text.encode("utf-8")).hexdigest()
    assert article.fetched_at.tzinfo is not None
    assert article.fetched_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - article.fetched_at) < timedelta(minutes=1)


# --------------------------------------------------------------------------- local files


def test_plain_text_file_passes_through(tmp_path: Path) -> None:
    raw = "\ufeff" + ARTICLE_TEXT.replace("\n", "\r\n") + "\r\n  \r\n\t"
    path = tmp_path / "article.txt"
    path.write_bytes(raw.encode("utf-8"))
    article = fetch(str(path))
    assert article.text == ARTICLE_TEXT.rstrip()
    assert article.title == "FICTA-LUNG: a made-up inhaler improves breathing"
    assert article.path == str(path.resolve())
    assert article.url is None
    assert article.date is None
    assert_is_article(article)


def test_text_keeps_inner_whitespace_and_characters(tmp_path: Path) -> None:
    text = "\n\n  Headline with  two spaces\n\n" + ARTICLE_TEXT + "HR 0·75 (1 635 patients)"
    path = tmp_path / "article.txt"
    path.write_text(text, encoding="utf-8")
    article = fetch(str(path))
    assert article.text == text  # leading blank lines, thin space and middle dot untouched
    assert article.title == "Headline with  two spaces"


def test_markdown_title_drops_heading_marks(tmp_path: Path) -> None:
    path = tmp_path / "article.md"
    path.write_text("# " + ARTICLE_TEXT, encoding="utf-8")
    article = fetch(str(path))
    assert article.title == "FICTA-LUNG: a made-up inhaler improves breathing"
    assert article.text.startswith("# FICTA-LUNG")


def test_html_file_keeps_article_numbers_and_drops_boilerplate() -> None:
    article = fetch(str(TRIAL_PAGE))
    for number in ARTICLE_NUMBERS:
        assert number in article.text, number
    for chrome in BOILERPLATE:
        assert chrome not in article.text, chrome
    assert article.title == HEADLINE
    assert article.date == "2026-03-14"
    assert article.path == str(TRIAL_PAGE.resolve())
    assert_is_article(article)


def test_html_headline_starts_the_text_when_extraction_drops_it() -> None:
    # trafilatura leaves this page's <h1> out of the main text; fetch puts it back on top.
    article = fetch(str(TRIAL_PAGE))
    first, second = article.text.split("\n")[:2]
    assert first == HEADLINE
    assert second.startswith("Presented by Dr Imre Example")
    assert article.text.count(HEADLINE) == 1


def test_html_headline_not_duplicated_when_extraction_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text(ARTICLE_HTML, encoding="utf-8")
    article = fetch(str(path))
    assert article.text.startswith("FICTA-LUNG: a made-up inhaler improves breathing\n")
    assert article.text.count("FICTA-LUNG: a made-up inhaler improves breathing") == 1


def test_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    html_path = tmp_path / "saved.article"
    html_path.write_text(ARTICLE_HTML, encoding="utf-8")
    assert "<p>" not in fetch(str(html_path)).text
    text_path = tmp_path / "notes"
    text_path.write_text(ARTICLE_TEXT, encoding="utf-8")
    assert fetch(str(text_path)).text == ARTICLE_TEXT.rstrip()


def test_missing_file() -> None:
    with pytest.raises(InputError) as info:
        fetch("/nonexistent/dir/article.html")
    assert info.value.exit_code == 2
    assert "file not found: /nonexistent/dir/article.html" in info.value.message
    assert "URL" in (info.value.hint or "")


def test_missing_file_that_looks_like_a_web_address() -> None:
    with pytest.raises(InputError) as info:
        fetch("news.example.org/article/123")
    assert "https://news.example.org/article/123" in (info.value.hint or "")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        fetch(str(tmp_path))
    assert info.value.exit_code == 2
    assert "directory" in info.value.message
    assert "pass one" in (info.value.hint or "")


@pytest.mark.parametrize("source", [
    "ftp://files.example.org/article.html",
    "file:///tmp/article.html",
    "mailto:editor@example.org",
])
def test_unsupported_scheme(source: str) -> None:
    with pytest.raises(InputError) as info:
        fetch(source)
    assert info.value.exit_code == 2
    assert "neither http nor https" in info.value.message
    assert "http(s) URL" in (info.value.hint or "")


def test_url_without_host() -> None:
    with pytest.raises(InputError) as info:
        fetch("https:///article")
    assert "https://example.org" in (info.value.hint or "")


@pytest.mark.parametrize(("name", "data", "what"), [
    ("paper.pdf", b"%PDF-1.7\n%binary", "a PDF"),
    ("article.txt", b"%PDF-1.4\n...", "a PDF"),
    ("report.docx", b"PK\x03\x04\x14\x00", "ZIP archive"),
    ("blob.bin", b"\x00\x01\x02 some bytes \x00", "a binary file"),
    ("picture", b"\x89PNG\r\n\x1a\n", "a PNG image"),
])
def test_binary_file(tmp_path: Path, name: str, data: bytes, what: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        fetch(str(path))
    assert info.value.exit_code == 2
    assert what in info.value.message
    assert "HTML or text" in (info.value.hint or "")


@pytest.mark.parametrize(("name", "content"), [
    ("empty.txt", ""),
    ("short.txt", "Just a headline\n\nand a few words."),
    ("nav.html", "<html><body><nav><a href='/'>Home</a></nav><footer>© 2025</footer></body>"
                 "</html>"),
])
def test_local_file_without_article_text(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        fetch(str(path))
    assert info.value.exit_code == 2
    assert info.value.message.startswith(f"no article text found in {path}")
    assert info.value.hint


def test_local_file_over_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(ARTICLE_TEXT * 100, encoding="utf-8")
    with pytest.raises(InputError) as info:
        fetch(str(path), settings=FetchSettings(max_bytes=1000))
    assert "larger than 0.001 MB" in info.value.message


def test_html_file_with_meta_charset(tmp_path: Path) -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    html = html_page(ARTICLE_BODY.replace("120 mL", "120 mL (HR 0·75; 95% CI 0·58–0·97)"),
                     head=meta)
    path = tmp_path / "page.html"
    path.write_bytes(html.encode("cp1252"))
    assert "HR 0·75; 95% CI 0·58–0·97" in fetch(str(path)).text


# --------------------------------------------------------------------------- stdin


def test_stdin_text() -> None:
    article = fetch("-", stdin=io.StringIO("\ufeff" + ARTICLE_TEXT.replace("\n", "\r\n")))
    assert article.text == ARTICLE_TEXT.rstrip()
    assert article.path == "-"
    assert article.url is None
    assert article.title == "FICTA-LUNG: a made-up inhaler improves breathing"
    assert_is_article(article)


def test_stdin_html() -> None:
    article = fetch("-", stdin=io.StringIO(TRIAL_PAGE.read_text(encoding="utf-8")))
    assert article.path == "-"
    assert article.title == HEADLINE
    assert "1,532 adults" in article.text
    assert "1,247" not in article.text
    assert "<p>" not in article.text


def test_stdin_that_is_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    with pytest.raises(InputError) as info:
        fetch("-", stdin=Terminal())
    assert "pipe the article in" in (info.value.hint or "")


def test_stdin_empty() -> None:
    with pytest.raises(InputError) as info:
        fetch("-", stdin=io.StringIO("  \n"))
    assert info.value.message == "no article text found in stdin: no text"


# --------------------------------------------------------------------------- URLs


def test_url_html(sleeps: list[float]) -> None:
    recorder = Recorder(html_response(head_date_page()))
    article = fetch(URL, client=recorder.client())
    assert article.url == URL
    assert article.path is None
    assert article.title == "FICTA-LUNG: a made-up inhaler improves breathing"
    assert article.date == "2025-09-30"
    assert "120 mL" in article.text
    assert_is_article(article)
    assert len(recorder.requests) == 1
    assert recorder.requests[0].headers["User-Agent"].startswith("trialbrief/")
    assert sleeps == []


def head_date_page() -> str:
    return html_page(ARTICLE_BODY, head='<meta property="article:published_time" '
                                        'content="2025-09-30T10:00:00Z">')


def test_url_plain_text() -> None:
    response = httpx.Response(200, content=ARTICLE_TEXT.encode("utf-8"),
                              headers={"Content-Type": "text/plain"})
    article = fetch(URL, client=Recorder(response).client())
    assert article.text == ARTICLE_TEXT.rstrip()


def test_url_without_content_type_is_sniffed() -> None:
    response = httpx.Response(200, content=ARTICLE_HTML.encode("utf-8"))
    article = fetch(URL, client=Recorder(response).client())
    assert "<article>" not in article.text
    assert "120 mL" in article.text


def test_404_is_not_retried(sleeps: list[float]) -> None:
    recorder = Recorder(html_response("<h1>Not found</h1>", status=404))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    error = info.value
    assert error.exit_code == 3
    assert error.status_code == 404
    assert error.url == URL
    assert error.message == f"HTTP 404 for {URL}"
    assert "check the address" in (error.hint or "")
    assert len(recorder.requests) == 1
    assert sleeps == []


def test_403_suggests_saving_the_page() -> None:
    recorder = Recorder(html_response("denied", status=403))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    assert info.value.status_code == 403
    assert "save it as .html" in (info.value.hint or "")
    assert len(recorder.requests) == 1


def test_500_then_200_is_retried(sleeps: list[float]) -> None:
    recorder = Recorder(html_response("oops", status=500), html_response())
    article = fetch(URL, client=recorder.client())
    assert "120 mL" in article.text
    assert len(recorder.requests) == 2
    assert len(sleeps) == 1
    assert 0 < sleeps[0] <= 2.0  # first exponential step: 1 s plus up to 1 s of jitter


def test_429_waits_for_retry_after_seconds(sleeps: list[float]) -> None:
    recorder = Recorder(html_response("slow down", status=429, headers={"Retry-After": "7"}),
                        html_response())
    fetch(URL, client=recorder.client())
    assert sleeps == [7.0]
    assert len(recorder.requests) == 2


def test_429_waits_for_retry_after_date(sleeps: list[float]) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    recorder = Recorder(html_response("slow down", status=429, headers={"Retry-After": when}),
                        html_response())
    fetch(URL, client=recorder.client())
    assert len(sleeps) == 1
    assert 27 <= sleeps[0] <= 30


def test_retry_after_is_capped(sleeps: list[float]) -> None:
    recorder = Recorder(html_response("busy", status=503, headers={"Retry-After": "3600"}),
                        html_response())
    fetch(URL, client=recorder.client(), settings=FetchSettings(max_retry_wait=12.0))
    assert sleeps == [12.0]


def test_5xx_gives_up_after_the_retry_budget(sleeps: list[float]) -> None:
    recorder = Recorder(html_response("busy", status=503))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    error = info.value
    assert error.exit_code == 3
    assert error.status_code == 503
    assert error.url == URL
    assert "gave up after 4 attempts" in error.message
    assert "try again later" in (error.hint or "")
    assert len(recorder.requests) == 4
    assert len(sleeps) == 3
    assert all(0 < wait <= 60.0 for wait in sleeps)


@pytest.mark.parametrize("exception", [httpx.ConnectTimeout, httpx.ReadTimeout])
def test_timeout_is_retried_then_fails(sleeps: list[float],
                                       exception: type[httpx.TimeoutException]) -> None:
    recorder = Recorder(lambda request: raise_(exception("timed out", request=request)))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client(), settings=FetchSettings(retries=2))
    error = info.value
    assert error.exit_code == 3
    assert "timed out" in error.message
    assert "news.example.org" in error.message
    assert "gave up after 3 attempts" in error.message
    assert "try again later" in (error.hint or "")
    assert error.url == URL
    assert error.status_code is None
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2


def test_dropped_connection_is_retried(sleeps: list[float]) -> None:
    recorder = Recorder(lambda request: raise_(
        httpx.RemoteProtocolError("Server disconnected", request=request)), html_response())
    assert "120 mL" in fetch(f"  {URL}\n", client=recorder.client()).text
    assert len(recorder.requests) == 2
    assert len(sleeps) == 1


def test_timeout_then_success(sleeps: list[float]) -> None:
    recorder = Recorder(lambda request: raise_(httpx.ReadTimeout("slow", request=request)),
                        html_response())
    assert "120 mL" in fetch(URL, client=recorder.client()).text
    assert len(recorder.requests) == 2


def test_unreachable_host(sleeps: list[float]) -> None:
    recorder = Recorder(lambda request: raise_(
        httpx.ConnectError("[Errno -2] Name or service not known", request=request)))
    with pytest.raises(FetchError) as info:
        fetch("https://no-such-host.example/article", client=recorder.client())
    error = info.value
    assert error.exit_code == 3
    assert "could not connect to no-such-host.example" in error.message
    assert "check the host name" in (error.hint or "")
    assert error.url == "https://no-such-host.example/article"
    assert len(recorder.requests) == 4


def test_no_retries_when_budget_is_zero(sleeps: list[float]) -> None:
    recorder = Recorder(html_response("busy", status=502))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client(), settings=FetchSettings(retries=0))
    assert "gave up after 1 attempt" in info.value.message
    assert len(recorder.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize(("content_type", "what"), [
    ("application/pdf", "a PDF"),
    ("image/png", "image/png content"),
    ("application/octet-stream", "application/octet-stream content"),
])
def test_non_article_content_type(sleeps: list[float], content_type: str, what: str) -> None:
    recorder = Recorder(httpx.Response(200, content=b"%PDF-1.7 ...",
                                       headers={"Content-Type": content_type}))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    error = info.value
    assert error.exit_code == 3
    assert error.message == f"{URL} returned {what}, not a web page or text"
    assert "needs the article's HTML or text" in (error.hint or "")
    assert error.status_code == 200
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "text/html"}])
def test_binary_body_without_or_with_wrong_content_type(headers: dict[str, str]) -> None:
    recorder = Recorder(httpx.Response(200, content=b"%PDF-1.7 binary", headers=headers))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    assert info.value.message == f"{URL} returned a PDF, not a web page or text"
    assert "needs the article's HTML or text" in (info.value.hint or "")
    assert info.value.status_code == 200


def test_utf16_page_with_declared_charset() -> None:
    page = html_page(ARTICLE_BODY).encode("utf-16-le")  # NUL bytes, no BOM
    recorder = Recorder(httpx.Response(
        200, content=page, headers={"Content-Type": "text/html; charset=utf-16-le"}))
    assert "120 mL" in fetch(URL, client=recorder.client()).text


def test_huge_streamed_page_is_cut_off(sleeps: list[float]) -> None:
    yielded: list[int] = []

    def body() -> Iterator[bytes]:
        for index in range(1000):
            yielded.append(index)
            yield b"<p>" + b"x" * 1000 + b"</p>"

    recorder = Recorder(lambda request: httpx.Response(
        200, content=body(), headers={"Content-Type": "text/html"}))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client(), settings=FetchSettings(max_bytes=10_000))
    error = info.value
    assert error.exit_code == 3
    assert error.message == f"page larger than 0.01 MB: {URL}"
    assert "pass the article's own address" in (error.hint or "")
    assert len(yielded) < 20  # stopped streaming, did not read all 1 MB
    assert len(recorder.requests) == 1


def test_declared_content_length_over_cap() -> None:
    recorder = Recorder(httpx.Response(
        200, content=b"x" * 20, headers={"Content-Type": "text/html",
                                          "Content-Length": "6000000"}))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    assert info.value.message.startswith("page larger than 5 MB")


def test_empty_page(sleeps: list[float]) -> None:
    page = ("<html><head><title>Nothing</title></head>"
            "<body><nav><a href='/'>Home</a></nav></body></html>")
    recorder = Recorder(html_response(page))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    error = info.value
    assert error.exit_code == 3
    assert error.message.startswith(f"no article text found in {URL}")
    assert "save the article text to a .txt file" in (error.hint or "")
    assert error.url == URL
    assert error.status_code == 200
    assert sleeps == []


def test_headline_does_not_make_a_near_empty_page_an_article() -> None:
    # Extraction finds 12 words and drops the 9-word headline: together they would pass 20.
    headline = "A nine word headline about a trial that exists"
    page = (f"<html><head><title>{headline}</title></head><body>"
            f"<header><h1>{headline}</h1></header><article><p>Short teaser text only; the "
            "rest of the report is for members.</p></article></body></html>")
    with pytest.raises(FetchError) as info:
        fetch(URL, client=Recorder(html_response(page)).client())
    assert "no article text found" in info.value.message


def test_redirect_is_followed_and_final_url_recorded() -> None:
    final = "https://news.example.org/2025/ficta-lung-final"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/congress/ficta-lung":
            return httpx.Response(301, headers={"Location": "/2025/ficta-lung-moved"})
        if request.url.path == "/2025/ficta-lung-moved":
            return httpx.Response(302, headers={"Location": final})
        return html_response()

    recorder = Recorder(handler)
    article = fetch(URL, client=recorder.client())
    assert article.url == final
    assert [str(r.url) for r in recorder.requests] == [
        URL, "https://news.example.org/2025/ficta-lung-moved", final]


def test_too_many_redirects() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        hop = int(request.url.params.get("hop", "0"))
        return httpx.Response(302, headers={"Location": f"/loop?hop={hop + 1}"})

    recorder = Recorder(handler)
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client(), settings=FetchSettings(max_redirects=3))
    error = info.value
    assert error.exit_code == 3
    assert "too many redirects (more than 3)" in error.message
    assert "pass its final address" in (error.hint or "")
    assert len(recorder.requests) == 4  # the first request and 3 redirects, no retries


def test_redirect_to_other_scheme() -> None:
    recorder = Recorder(httpx.Response(302, headers={"Location": "ftp://files.example.org/a"}))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    assert "unsupported address" in info.value.message
    assert info.value.status_code == 302


def test_latin1_declared_in_header() -> None:
    body = ARTICLE_BODY.replace("120 mL", "120 mL (HR 0·75 ± 0·1, Münster cohort)")
    recorder = Recorder(httpx.Response(
        200, content=html_page(body).encode("latin-1"),
        headers={"Content-Type": "text/html; charset=ISO-8859-1"}))
    article = fetch(URL, client=recorder.client())
    assert "HR 0·75 ± 0·1, Münster cohort" in article.text
    assert "\ufffd" not in article.text


def test_latin1_label_decodes_windows_1252_dashes() -> None:
    # Browsers read ISO-8859-1 as windows-1252: byte 0x96 is an en dash, not U+0096.
    body = ARTICLE_BODY.replace("80 to 160", "80–160")
    recorder = Recorder(httpx.Response(
        200, content=html_page(body).encode("cp1252"),
        headers={"Content-Type": "text/html; charset=iso-8859-1"}))
    assert "95% CI 80–160" in fetch(URL, client=recorder.client()).text


def test_header_charset_wins_over_meta() -> None:
    body = ARTICLE_BODY.replace("120 mL", "120 mL in Zürich")
    page = html_page(body, head='<meta charset="utf-8">')
    recorder = Recorder(httpx.Response(200, content=page.encode("latin-1"),
                                       headers={"Content-Type": "text/html; charset=latin-1"}))
    assert "120 mL in Zürich" in fetch(URL, client=recorder.client()).text


def test_meta_charset_used_without_header_charset() -> None:
    body = ARTICLE_BODY.replace("120 mL", "120 mL in Zürich")
    page = html_page(body, head='<meta charset="iso-8859-15">')
    recorder = Recorder(httpx.Response(200, content=page.encode("iso-8859-15"),
                                       headers={"Content-Type": "text/html"}))
    assert "120 mL in Zürich" in fetch(URL, client=recorder.client()).text


def test_bad_bytes_never_crash() -> None:
    page = html_page(ARTICLE_BODY).encode("utf-8").replace(b"120 mL", b"120 \xff\xfe mL")
    recorder = Recorder(httpx.Response(200, content=page,
                                       headers={"Content-Type": "text/html; charset=nonsense"}))
    article = fetch(URL, client=recorder.client())
    assert "120 \ufffd\ufffd mL" in article.text


def test_boilerplate_page_over_http() -> None:
    recorder = Recorder(httpx.Response(200, content=TRIAL_PAGE.read_bytes(),
                                       headers={"Content-Type": "text/html"}))
    article = fetch(URL, client=recorder.client())
    assert article.title == HEADLINE
    assert article.text.startswith(HEADLINE + "\n")
    for number in ARTICLE_NUMBERS:
        assert number in article.text, number
    for chrome in BOILERPLATE:
        assert chrome not in article.text, chrome


def test_text_is_capped_at_max_chars(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    full = "\n".join([ARTICLE_TEXT.strip()] * 20)
    path.write_text(full, encoding="utf-8")
    article = fetch(str(path), settings=FetchSettings(max_chars=1000))
    assert 500 < len(article.text) <= 1000
    assert full.startswith(article.text)
    assert full[len(article.text)] == "\n"  # cut at a line break, not inside a number
    assert_is_article(article)


def test_headers_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(html_response("busy", status=503,
                                      headers={"Set-Cookie": "session=SECRET-COOKIE"}),
                        html_response(headers={"Set-Cookie": "session=SECRET-COOKIE"}))
    fetch(URL, client=recorder.client(),
          settings=FetchSettings(user_agent="UA-MARKER/1.0"))
    assert "SECRET-COOKIE" not in caplog.text
    assert "UA-MARKER" not in caplog.text
    assert any(record.name == "trialbrief.fetch" for record in caplog.records)


def test_own_client_is_built_from_settings_and_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[httpx.Client] = []

    def fake_make_client(settings: FetchSettings | None = None) -> httpx.Client:
        client = Recorder(html_response()).client()
        built.append(client)
        return client

    monkeypatch.setattr(fetch_module, "make_client", fake_make_client)
    fetch(URL)
    assert built[0].is_closed


def test_injected_client_is_left_open() -> None:
    client = Recorder(html_response()).client()
    fetch(URL, client=client)
    assert not client.is_closed


def test_make_client_turns_transport_retries_off() -> None:
    settings = FetchSettings(connect_timeout=4.0, read_timeout=9.0, max_redirects=2)
    with make_client(settings) as client:
        assert client.timeout.connect == 4.0
        assert client.timeout.read == 9.0
        assert client.max_redirects == 2
        assert client.follow_redirects is False
        assert client.headers["User-Agent"] == settings.user_agent
        # only what agent.fetch.body decompresses under the size cap
        assert client.headers["Accept-Encoding"] == "gzip, deflate"
        # httpx keeps the retry count on its private pool; checked here because two retry
        # layers would multiply the attempts.
        transport = client._transport
        assert isinstance(transport, httpx.HTTPTransport)
        assert transport._pool._retries == 0


@pytest.mark.parametrize("bad", [
    {"connect_timeout": 0}, {"read_timeout": -1}, {"max_bytes": 0}, {"retries": -1},
    {"max_redirects": -1}, {"max_retry_wait": -5}, {"max_chars": 0}, {"user_agent": " "},
    {"deadline": 0},
])
def test_invalid_settings(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        FetchSettings(**bad)  # type: ignore[arg-type]


def raise_(exc: Exception) -> httpx.Response:
    raise exc
