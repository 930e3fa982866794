"""How sources are read: timeouts, size caps, the retry budget and the User-Agent."""

from __future__ import annotations

from dataclasses import dataclass

from agent import __version__
from agent.errors import ConfigError

DEFAULT_USER_AGENT = (
    f"trialbrief/{__version__} (+https://example.org/trialbrief; congress news digest)"
)


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
    deadline: float = 60.0
    """Wall-clock budget of one fetch: every attempt, redirect and retry wait. The timeouts
    above bound a single read, so a server that trickles a byte at a time never trips them."""
    feeds: bool = False
    """Also accept RSS, Atom and XML sitemaps (the watcher reading a congress feed)."""
    allow_private: bool = True
    """False: refuse URLs and redirects whose host is (or resolves to) a private, loopback,
    link-local or reserved address, for callers that fetch addresses they did not choose."""

    def __post_init__(self) -> None:
        positive = {"connect_timeout": self.connect_timeout, "read_timeout": self.read_timeout,
                    "max_bytes": self.max_bytes, "max_chars": self.max_chars,
                    "deadline": self.deadline}
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


def megabytes(size: int) -> str:
    """A size cap as the messages write it: 5000000 -> '5 MB'."""
    return f"{size / 1_000_000:g} MB"
