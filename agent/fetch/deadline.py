"""The overall deadline of one fetch: every attempt, redirect and retry wait together.

httpx's timeouts bound one socket operation each, so a server that sends a byte a second (in
the headers or the body) holds a fetch forever without tripping any of them. Two guards:

- between network chunks of the body, `check` raises once the deadline has passed;
- a watchdog timer shuts down the fetch's sockets at the deadline, which wakes a read that is
  blocked inside httpx (trickled headers, a TLS handshake) with end-of-file. The sockets are
  learnt from httpcore's "trace" request extension; a transport that does not report them
  (a test's MockTransport) is still bounded by the checks between chunks.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from agent.errors import FetchError

logger = logging.getLogger("trialbrief.fetch")

_HINT = ("the site is too slow or sends the page a trickle at a time: try again later, or save "
         "the page from a browser as .html and pass the file")


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self._end

    def error(self, url: str, status_code: int | None = None) -> FetchError:
        return FetchError(f"gave up on {url}: no complete page within the {self.seconds:g} s "
                          "fetch deadline", hint=_HINT, url=url, status_code=status_code)

    def check(self, url: str, status_code: int | None = None) -> None:
        if self.expired():
            raise self.error(url, status_code)

    @contextlib.contextmanager
    def watchdog(self) -> Iterator[None]:
        """While open, the fetch's sockets are shut down when the deadline passes."""
        timer = threading.Timer(self.remaining(), self._cut)
        timer.daemon = True  # never keeps the process alive
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook (request.extensions["trace"]): keeps each new connection's
        socket. After TLS starts the plain socket is detached, so the TLS one is kept too."""
        if event.endswith((".connect_tcp.complete", ".start_tls.complete")):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._sockets.append(sock)

    def _cut(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
        if sockets:
            logger.warning("fetch deadline of %g s passed; closing the connection", self.seconds)
        for sock in sockets:
            # socket.socket.shutdown, not SSLSocket.shutdown: the latter drops its SSL object,
            # which the thread blocked in a read is still using. Shutdown (unlike close) wakes
            # that read.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
