"""A response body, read under a cap on its DECODED size.

httpx undoes Content-Encoding one whole network chunk at a time, and every layer of a stacked
encoding in full: `Content-Encoding: gzip, gzip` turned 1.8 KB on the wire into a 1 GB string
before any cap could look at it. So the raw bytes are read here and decompressed by hand in
pieces of at most `PIECE` bytes, each counted before the next is made; the cap then bounds the
memory a body can take, whatever its compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

PIECE = 64 * 1024
"""The most bytes one decompression step may produce (zlib's max_length)."""

# What make_client and the per-request headers advertise: only what Decoder can undo.
ACCEPT_ENCODING = "gzip, deflate"
_GZIP = 16 + zlib.MAX_WBITS  # zlib's wbits for "a gzip header and trailer"


class BodyError(Exception):
    """A body that cannot be read; the caller turns it into a FetchError for its URL."""


class TooLarge(BodyError):
    """More decoded bytes than the cap allows."""


class UnsupportedEncoding(BodyError):
    """A Content-Encoding this reader does not undo, or several stacked."""


class CorruptBody(BodyError):
    """Compressed bytes that do not decompress."""


class Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def flush(self) -> bytes: ...


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def flush(self) -> bytes:
        return b""


class _Inflate:
    """gzip or deflate, giving out at most PIECE bytes per step.

    "deflate" is meant to be zlib-wrapped, but some servers send raw deflate; as in httpx (and
    browsers), a first chunk that is not a zlib stream is read again as raw deflate."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._z = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            piece = self._step(data)
            if piece:
                yield piece
            data = self._z.unconsumed_tail
            # A full piece may leave output inside zlib with no input left: ask again.
            if not data and len(piece) < PIECE:
                return

    def flush(self) -> bytes:
        try:
            return self._z.flush()
        except zlib.error as exc:
            raise CorruptBody(str(exc)) from exc

    def _step(self, data: bytes) -> bytes:
        try:
            piece = self._z.decompress(data, PIECE)
        except zlib.error as exc:
            if self._started or not self._raw_fallback:
                raise CorruptBody(str(exc)) from exc
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            self._raw_fallback = False
            piece = self._step(data)
        self._started = True
        return piece


def decoder_for(content_encoding: str | None) -> Decoder:
    """The decoder for a Content-Encoding header (httpx joins repeated headers with commas).

    UnsupportedEncoding for more than one layer: no server compresses a page twice on purpose,
    and it is the shape of a decompression bomb."""
    layers = [token.strip().lower() for token in (content_encoding or "").split(",")]
    layers = [layer for layer in layers if layer and layer != "identity"]
    if len(layers) > 1:
        raise UnsupportedEncoding(f"stacked content encodings ({', '.join(layers)})")
    if not layers:
        return _Identity()
    if layers[0] in ("gzip", "x-gzip"):
        return _Inflate(_GZIP)
    if layers[0] == "deflate":
        return _Inflate(zlib.MAX_WBITS, raw_fallback=True)
    raise UnsupportedEncoding(f"content encoding {layers[0]!r}, which was not asked for "
                              f"(Accept-Encoding: {ACCEPT_ENCODING})")


def read_capped(raw: Iterable[bytes], decoder: Decoder, max_bytes: int, *,
                tick: Callable[[], None]) -> bytes:
    """Decode RAW chunks, raising TooLarge as soon as more than MAX_BYTES have come out.

    TICK runs after every network chunk: the deadline check, which is what stops a server
    that sends one byte at a time (each read is quick, so no read timeout ever fires)."""
    pieces: list[bytes] = []
    total = 0
    for chunk in raw:
        tick()
        for piece in decoder.feed(chunk):
            total += len(piece)
            if total > max_bytes:
                raise TooLarge(f"more than {max_bytes} bytes")
            pieces.append(piece)
    tail = decoder.flush()
    if total + len(tail) > max_bytes:
        raise TooLarge(f"more than {max_bytes} bytes")
    pieces.append(tail)
    return b"".join(pieces)
