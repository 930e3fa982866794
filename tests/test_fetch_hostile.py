"""fetch against hostile input and failing servers (issue 11): decompression bombs, servers that
trickle bytes, redirects to data: and javascript:, odd Retry-After values, charsets that
contradict the body, and private addresses. Offline: MockTransport, or a server on loopback."""

from __future__ import annotations

import functools
import logging
import re
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import agent.fetch as fetch_module
from agent.errors import FetchError, InputError
from agent.fetch import FetchSettings, fetch

URL = "https://news.example.org/congress/ficta-lung"
PUBLIC_IP_URL = "http://93.184.215.14/congress/ficta-lung"  # a global address, never reached
PAGE = (
    "<!DOCTYPE html><html><head><title>FICTA-LUNG: a made-up inhaler improves breathing</title>"
    "</head><body><article><h1>FICTA-LUNG: a made-up inhaler improves breathing</h1>"
    "<p>Presented by Dr Test Person at an imaginary congress.</p>"
    "<p>In 412 patients the fictional inhaler raised FEV1 by 120 mL versus placebo "
    "(95% CI 80 to 160; P&lt;0.001), and the primary endpoint was met without new safety "
    "signals in either group of the trial.</p>"
    "<p>The investigators said a longer trial will test whether the benefit lasts beyond "
    "the first year of treatment in routine practice.</p></article></body></html>"
)
ARTICLE_TEXT = (
    "In 412 patients the fictional inhaler raised FEV1 by 120 mL versus placebo "
    "(95% CI 80 to 160; P<0.001), and the primary endpoint was met without new safety "
    "signals in either group of the trial.\n"
)
GZIP_WBITS = 16 + zlib.MAX_WBITS

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that counts requests; the last item repeats."""

    def __init__(self, *items: httpx.Response | Handler) -> None:
        self.items = list(items)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.items.pop(0) if len(self.items) > 1 else self.items[0]
        return item if isinstance(item, httpx.Response) else item(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def page_response(body: bytes = PAGE.encode("utf-8"), *, status: int = 200,
                  headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=body,
                          headers={"Content-Type": "text/html; charset=utf-8", **(headers or {})})


def streamed(chunks: list[bytes], headers: dict[str, str]) -> httpx.Response:
    """A response whose body arrives as CHUNKS, raw (an iterator: httpx does not pre-read it)."""
    return httpx.Response(200, content=iter(chunks),
                          headers={"Content-Type": "text/html", **headers})


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits are recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(fetch_module, "sleep", waits.append)
    return waits


# --------------------------------------------------------------------------- bombs


@functools.cache
def gzip_zeros(megabytes: int) -> bytes:
    """gzip of MEGABYTES MB of zeros, a megabyte at a time: the test never holds the whole."""
    packer = zlib.compressobj(9, zlib.DEFLATED, GZIP_WBITS)
    block = bytes(1_000_000)
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


def gzip_once(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, GZIP_WBITS)
    return packer.compress(data) + packer.flush()


def split(data: bytes, size: int = 65536) -> list[bytes]:
    """Chunks as a socket delivers them (httpcore reads 64 KiB at a time)."""
    return [data[i:i + size] for i in range(0, len(data), size)]


def fetch_measured(response: httpx.Response) -> tuple[FetchError, float, float]:
    """Fetch RESPONSE; its FetchError, the seconds taken and the peak traced memory in MB."""
    client = Recorder(response).client()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(FetchError) as info:
            fetch(URL, client=client)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return info.value, seconds, peak


def test_double_gzip_bomb_is_refused_unread() -> None:
    bomb = gzip_once(gzip_zeros(200))  # 200 MB of zeros in well under 1 KB
    assert len(bomb) < 2000
    error, seconds, peak_mb = fetch_measured(
        streamed([bomb], {"Content-Encoding": "gzip, gzip"}))
    assert peak_mb < 20  # httpx decoded both layers at once: over 200 MB
    assert seconds < 5
    assert error.exit_code == 3
    assert "stacked content encodings (gzip, gzip)" in error.message
    assert error.status_code == 200


@pytest.mark.parametrize("encoding", ["deflate, gzip", "gzip, identity, gzip"])
def test_any_stacked_encoding_is_refused(encoding: str) -> None:
    recorder = Recorder(streamed([b"whatever"], {"Content-Encoding": encoding}))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    assert "stacked content encodings" in info.value.message
    assert len(recorder.requests) == 1  # not retried


def test_repeated_content_encoding_headers_count_as_stacked() -> None:
    response = httpx.Response(200, content=iter([b"x"]), headers=[
        ("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
        ("Content-Encoding", "gzip")])
    with pytest.raises(FetchError) as info:
        fetch(URL, client=Recorder(response).client())
    assert "stacked content encodings (gzip, gzip)" in info.value.message


def test_gzip_bomb_stops_at_the_decoded_cap() -> None:
    bomb = gzip_zeros(200)
    error, seconds, peak_mb = fetch_measured(
        streamed(split(bomb), {"Content-Encoding": "gzip"}))
    # The cap (5 MB) plus a piece. httpx decoded each 64 KiB chunk whole (some 66 MB each):
    # about 150 MB at the peak.
    assert peak_mb < 20
    assert seconds < 5
    assert error.message == f"page larger than 5 MB: {URL}"


def test_gzip_inside_gzip_under_one_label_is_not_a_page() -> None:
    bomb = gzip_once(gzip_zeros(200))
    recorder = Recorder(streamed([bomb], {"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    assert info.value.message == f"{URL} returned a gzip-compressed file, not a web page or text"


@pytest.mark.parametrize(("encoding", "pack"), [
    ("gzip", gzip_once),
    ("x-gzip", gzip_once),
    ("deflate", zlib.compress),  # as the RFC has it: zlib-wrapped
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
    ("identity", lambda data: data),
])
def test_compressed_pages_still_read(encoding: str, pack: Callable[[bytes], bytes]) -> None:
    body = pack(PAGE.encode("utf-8"))
    recorder = Recorder(streamed(split(body, 100), {"Content-Encoding": encoding}))
    assert "120 mL" in fetch(URL, client=recorder.client()).text


def test_corrupt_gzip_is_a_fetch_error() -> None:
    recorder = Recorder(streamed([b"\x1f\x8b\x08\x00 not really gzip"],
                                 {"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    assert "cannot be decompressed" in info.value.message


def test_unrequested_encoding_is_refused_and_only_gzip_deflate_are_asked_for() -> None:
    recorder = Recorder(streamed([b"\x8b\x02\x80hello\x03"], {"Content-Encoding": "br"}))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    assert "content encoding 'br'" in info.value.message
    assert recorder.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


# --------------------------------------------------------------------------- deadline


class TrickleServer:
    """A loopback HTTP server that answers every connection with RESPONSE, sending the bytes
    from TRICKLE_FROM on one at a time, INTERVAL seconds apart."""

    def __init__(self, response: bytes, *, trickle_from: int, interval: float = 0.05) -> None:
        self.response = response
        self.trickle_from = trickle_from
        self.interval = interval
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/article"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(self.response[:self.trickle_from])
            for index in range(self.trickle_from, len(self.response)):
                if self._stop.wait(self.interval):
                    return
                conn.sendall(self.response[index:index + 1])
        except OSError:
            return  # the client hung up, as it should


def http_bytes(body: bytes) -> bytes:
    head = ("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


@pytest.fixture
def trickle() -> Iterator[Callable[..., TrickleServer]]:
    servers: list[TrickleServer] = []

    def start(response: bytes, **kwargs: Any) -> TrickleServer:
        servers.append(TrickleServer(response, **kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def timed_fetch(url: str, settings: FetchSettings) -> tuple[FetchError, float]:
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch(url, settings=settings)
    return info.value, time.monotonic() - start


@pytest.mark.parametrize("part", ["body", "headers"])
def test_slow_server_is_cut_off_at_the_deadline(trickle: Callable[..., TrickleServer],
                                                part: str) -> None:
    # 1 byte every 0.05 s: each read is quick, so only the overall deadline can stop it.
    response = http_bytes(PAGE.encode("utf-8"))  # some 40 s to send in full
    body_start = len(response) - len(PAGE)
    server = trickle(response, trickle_from=body_start if part == "body" else 0)
    settings = FetchSettings(deadline=0.5, read_timeout=5.0, retries=2)
    error, seconds = timed_fetch(server.url, settings)
    assert error.exit_code == 3
    assert error.message == (f"gave up on {server.url}: no complete page within the 0.5 s "
                             "fetch deadline")
    assert "trickle" in (error.hint or "")
    assert 0.45 <= seconds < 3.0
    assert server.connections == 1  # the deadline is not retried


def test_deadline_also_bounds_a_transport_without_sockets() -> None:
    def body() -> Iterator[bytes]:
        for _ in range(200):
            time.sleep(0.02)
            yield b"x"

    recorder = Recorder(lambda request: httpx.Response(200, content=body(),
                                                       headers={"Content-Type": "text/html"}))
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client(), settings=FetchSettings(deadline=0.3))
    assert "0.3 s fetch deadline" in info.value.message
    assert time.monotonic() - start < 2.0


def test_retry_that_would_wait_past_the_deadline_is_not_made(sleeps: list[float]) -> None:
    recorder = Recorder(page_response(b"busy", status=503, headers={"Retry-After": "30"}),
                        page_response())
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client(), settings=FetchSettings(deadline=10))
    error = info.value
    assert error.message == (f"HTTP 503 for {URL}; not retried: waiting 30.0 s would pass the "
                             "10 s fetch deadline")
    assert error.status_code == 503
    assert sleeps == []
    assert len(recorder.requests) == 1


def test_fast_fetch_is_untouched_by_the_deadline(trickle: Callable[..., TrickleServer]) -> None:
    server = trickle(http_bytes(PAGE.encode("utf-8")), trickle_from=10**9)
    article = fetch(server.url, settings=FetchSettings(deadline=5))
    assert "120 mL" in article.text


# --------------------------------------------------------------------------- redirects, errors


@pytest.mark.parametrize("location", [
    "data:text/html,<p>hello</p>",
    "javascript:alert(1)",
    "mailto:editor@example.org",
    "https://[::1",  # httpx: "Invalid URL in location header"
    "https://xn--/a",  # an IDNA label that is not punycode
])
def test_redirect_to_unusable_address_is_one_fetch_error(location: str) -> None:
    recorder = Recorder(httpx.Response(302, headers={"Location": location}))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    error = info.value
    assert error.exit_code == 3
    assert error.message.startswith(f"{URL} redirects to an unsupported or invalid address: ")
    assert "\n" not in error.one_line()
    assert "final http(s) address" in (error.hint or "")
    assert len(recorder.requests) == 1  # the server's answer: not retried


@pytest.mark.parametrize("source", ["http://[::1", "http://xn--ls8h.la/article"])
def test_malformed_url_is_an_input_error(source: str) -> None:
    with pytest.raises(InputError) as info:
        fetch(source, client=Recorder(page_response()).client())
    assert info.value.message.startswith(f"invalid URL {source}")


@pytest.mark.parametrize("exception", [
    lambda: httpx.ProxyError("proxy went away"),
    lambda: httpx.LocalProtocolError("bad framing"),
    lambda: httpx.StreamClosed(),
])
def test_any_httpx_error_while_reading_is_a_fetch_error(
        exception: Callable[[], Exception]) -> None:
    def body() -> Iterator[bytes]:
        yield b"<html>"
        raise exception()

    recorder = Recorder(lambda request: httpx.Response(200, content=body(),
                                                       headers={"Content-Type": "text/html"}))
    with pytest.raises(FetchError) as info:
        fetch(URL, client=recorder.client())
    assert info.value.exit_code == 3
    assert info.value.url == URL
    assert "\n" not in info.value.one_line()


# --------------------------------------------------------------------------- Retry-After


@pytest.mark.parametrize("value", ["soon", "1.5", "-3", "Wed, 99 Foo 2015 07:28:00 GMT"])
def test_unparsable_retry_after_retries_with_backoff(
        sleeps: list[float], caplog: pytest.LogCaptureFixture, value: str) -> None:
    caplog.set_level(logging.WARNING, logger="trialbrief.fetch")
    recorder = Recorder(page_response(b"busy", status=503, headers={"Retry-After": value}),
                        page_response())
    assert "120 mL" in fetch(URL, client=recorder.client()).text
    assert len(recorder.requests) == 2
    assert len(sleeps) == 1
    assert 0 < sleeps[0] <= 2.0  # the first backoff step
    assert f"unparsable Retry-After {value!r}; any retry waits the normal backoff" in caplog.text
    assert "retrying in" in caplog.text and "(backoff)" in caplog.text


def test_long_retry_after_is_capped_and_reported(
        sleeps: list[float], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="trialbrief.fetch")
    recorder = Recorder(page_response(b"busy", status=429, headers={"Retry-After": "3600"}),
                        page_response())
    fetch(URL, client=recorder.client(), settings=FetchSettings(max_retry_wait=12.0))
    assert sleeps == [12.0]
    assert "asks to wait 3600 s (Retry-After); waiting 12 s" in caplog.text
    assert "retrying in 12.0 s (Retry-After)" in caplog.text


# --------------------------------------------------------------------------- charsets


NUMBERS_BODY = ("<p>Of 1\u2009842 patients, the change was −0.5 mmol/L "
                "(95% CI −0.7 to −0.3) in the Zürich arm.</p>")


def numbers_page(head: str = "") -> str:
    return PAGE.replace("<title>", f"{head}<title>").replace(
        "<p>Presented by", NUMBERS_BODY + "<p>Presented by")


# trafilatura turns the thin space of HTML into a plain space; plain text keeps it.
HTML_THOUSANDS = re.compile(r"1[\u2009 ]842 patients")


@pytest.mark.parametrize("content_type", ["text/html; charset=iso-8859-1",
                                          "text/html; charset=windows-1252"])
def test_utf8_body_under_a_latin1_label_keeps_its_numbers(content_type: str) -> None:
    recorder = Recorder(httpx.Response(200, content=numbers_page().encode("utf-8"),
                                       headers={"Content-Type": content_type}))
    text = fetch(URL, client=recorder.client()).text
    assert HTML_THOUSANDS.search(text)
    assert "−0.5 mmol/L (95% CI −0.7 to −0.3)" in text
    assert "Zürich" in text
    assert "â" not in text


def test_utf8_text_under_a_latin1_label_keeps_the_thin_space() -> None:
    text = f"Of 1\u2009842 patients the change was −0.5 mmol/L.\n{ARTICLE_TEXT}"
    recorder = Recorder(httpx.Response(200, content=text.encode("utf-8"), headers={
        "Content-Type": "text/plain; charset=iso-8859-1"}))
    assert fetch(URL, client=recorder.client()).text.startswith(
        "Of 1\u2009842 patients the change was −0.5 mmol/L.")


def test_utf8_body_under_a_latin1_meta_keeps_its_numbers() -> None:
    page = numbers_page(head='<meta charset="iso-8859-1">')
    recorder = Recorder(httpx.Response(200, content=page.encode("utf-8"),
                                       headers={"Content-Type": "text/html"}))
    text = fetch(URL, client=recorder.client()).text
    assert HTML_THOUSANDS.search(text)
    assert "−0.5 mmol/L" in text


def test_bom_outranks_the_header_charset() -> None:
    body = b"\xef\xbb\xbf" + numbers_page().encode("utf-8")
    recorder = Recorder(httpx.Response(
        200, content=body, headers={"Content-Type": "text/html; charset=iso-8859-1"}))
    assert "−0.5 mmol/L" in fetch(URL, client=recorder.client()).text


def test_real_windows_1252_page_is_still_read_as_declared() -> None:
    page = numbers_page().replace("1\u2009842", "1 842").replace("−", "–")
    recorder = Recorder(httpx.Response(200, content=page.encode("cp1252"),
                                       headers={"Content-Type": "text/html; charset=iso-8859-1"}))
    text = fetch(URL, client=recorder.client()).text
    assert "(95% CI –0.7 to –0.3) in the Zürich arm" in text


# --------------------------------------------------------------------------- private addresses


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Host names resolve through this table, never through DNS."""
    table: dict[str, str] = {}

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (table[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def no_private() -> FetchSettings:
    return FetchSettings(allow_private=False)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/admin", "http://10.0.0.1/", "https://192.168.1.20:8443/x",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
])
def test_private_literal_address_is_refused(url: str, resolver: dict[str, str]) -> None:
    recorder = Recorder(page_response())
    with pytest.raises(FetchError) as info:
        fetch(url, client=recorder.client(), settings=no_private())
    error = info.value
    assert error.exit_code == 3
    assert error.message.startswith("refusing to fetch a private address: ")
    assert "allow_private" in (error.hint or "")
    assert recorder.requests == []


def test_redirect_to_a_private_address_is_refused(resolver: dict[str, str]) -> None:
    recorder = Recorder(httpx.Response(302, headers={"Location": "http://127.0.0.1/admin"}),
                        page_response())
    with pytest.raises(FetchError) as info:
        fetch(PUBLIC_IP_URL, client=recorder.client(), settings=no_private())
    assert info.value.message == "refusing to fetch a private address: http://127.0.0.1/admin"
    assert [str(r.url) for r in recorder.requests] == [PUBLIC_IP_URL]


def test_host_name_that_resolves_privately_is_refused(resolver: dict[str, str]) -> None:
    resolver["intranet.example.org"] = "10.1.2.3"
    recorder = Recorder(page_response())
    with pytest.raises(FetchError) as info:
        fetch("https://intranet.example.org/news", client=recorder.client(), settings=no_private())
    assert info.value.message == ("refusing to fetch a private address: "
                                  "https://intranet.example.org/news (intranet.example.org is "
                                  "10.1.2.3)")
    assert recorder.requests == []


def test_international_host_name_is_checked_as_it_is_looked_up(
        resolver: dict[str, str]) -> None:
    resolver["xn--bcher-kva.example"] = "192.168.0.7"  # bücher.example, IDNA-encoded
    recorder = Recorder(page_response())
    with pytest.raises(FetchError) as info:
        fetch("https://bücher.example/news", client=recorder.client(), settings=no_private())
    assert "(xn--bcher-kva.example is 192.168.0.7)" in info.value.message
    assert recorder.requests == []


def test_public_addresses_are_fetched_with_the_policy_on(resolver: dict[str, str]) -> None:
    resolver["news.example.org"] = "93.184.215.14"
    recorder = Recorder(page_response())
    assert "120 mL" in fetch(URL, client=recorder.client(), settings=no_private()).text
    assert "120 mL" in fetch(PUBLIC_IP_URL, client=recorder.client(), settings=no_private()).text


def test_unresolvable_host_with_the_policy_on(resolver: dict[str, str],
                                              sleeps: list[float]) -> None:
    recorder = Recorder(page_response())
    with pytest.raises(FetchError) as info:
        fetch("https://no-such-host.example/a", client=recorder.client(), settings=no_private())
    assert "could not resolve no-such-host.example" in info.value.message
    assert recorder.requests == []


def test_private_addresses_are_fetched_by_default(resolver: dict[str, str]) -> None:
    recorder = Recorder(page_response())
    assert "120 mL" in fetch("http://127.0.0.1/article", client=recorder.client()).text
