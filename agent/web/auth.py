"""Who may use the review app, and under which name their changes are kept.

On loopback (the default bind) nobody signs in: whoever can reach the port already has the
machine. Beyond loopback the app starts only with a shared token or a trusted reverse proxy's
user header configured, and then no page is served without one of them. Every POST form
carries a CSRF token that must match the one in the browser's cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from agent.errors import UsageError, register_secret

TOKEN_ENV = "TRIALBRIEF_TOKEN"
SESSION_COOKIE = "tb_session"
CSRF_COOKIE = "tb_csrf"
NAME_COOKIE = "tb_name"
CSRF_FIELD = "csrf"
DEFAULT_AUTHOR = "editor"
MIN_TOKEN_LENGTH = 16
SESSION_SECONDS = 12 * 3600
_NAME_MAX = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or 'localhost': reachable from this machine only."""
    name = (host or "").strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def clean_name(value: str | None) -> str | None:
    """An editor's name as typed or as a header gave it: one line, no control characters."""
    name = " ".join(_CONTROL.sub(" ", value or "").split())[:_NAME_MAX]
    return name or None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(cookie: str | None, field: str | None) -> bool:
    if not cookie or not field:
        return False
    return hmac.compare_digest(cookie.encode(), field.encode())


@dataclass(frozen=True)
class Auth:
    """What the app asks of a request. Neither set: loopback only, no sign-in."""

    token: str | None = None
    proxy_user_header: str | None = None
    """A header a trusted reverse proxy sets to the signed-in user (X-Forwarded-User). The proxy
    must strip it from what clients send: the app cannot tell a forged one."""

    def __post_init__(self) -> None:
        if self.token is not None and len(self.token) < MIN_TOKEN_LENGTH:
            raise UsageError(f"the token is too short (at least {MIN_TOKEN_LENGTH} characters)",
                             hint="generate one: python -c 'import secrets; "
                                  "print(secrets.token_urlsafe(24))'")
        register_secret(self.token)  # an error message that echoes it is redacted

    @property
    def required(self) -> bool:
        return bool(self.token or self.proxy_user_header)

    def check_bind(self, host: str) -> None:
        """Refuse to serve beyond loopback with nobody asked who they are."""
        if not is_loopback(host) and not self.required:
            raise UsageError(f"refusing to serve on {host} without authentication",
                             hint="bind 127.0.0.1, or set --token / TRIALBRIEF_TOKEN, or "
                                  "--proxy-user-header behind a reverse proxy that signs users in")

    def proxy_user(self, headers: Mapping[str, str]) -> str | None:
        if not self.proxy_user_header:
            return None
        return clean_name(headers.get(self.proxy_user_header))

    def token_matches(self, given: str | None) -> bool:
        if not self.token or not given:
            return False
        return hmac.compare_digest(self.token.encode(), given.strip().encode())

    def bearer_ok(self, headers: Mapping[str, str]) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.token_matches(value)

    def authenticated(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> bool:
        if not self.required:
            return True
        return (self.proxy_user(headers) is not None or self.bearer_ok(headers)
                or self.session_ok(cookies.get(SESSION_COOKIE)))

    def author(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> str:
        """The proxy's user, else the name the editor gave, else 'editor'."""
        return (self.proxy_user(headers) or clean_name(cookies.get(NAME_COOKIE))
                or DEFAULT_AUTHOR)

    # -- the signed session cookie a token sign-in leaves -------------------------------------

    def new_session(self, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + SESSION_SECONDS)
        payload = f"{expires}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._sign(payload)}"

    def session_ok(self, value: str | None, now: float | None = None) -> bool:
        if not self.token or not value or value.count(".") != 2:
            return False
        payload, _, signature = value.rpartition(".")
        if not hmac.compare_digest(self._sign(payload).encode(), signature.encode()):
            return False
        expires = payload.split(".", 1)[0]
        return expires.isdigit() and int(expires) > (now if now is not None else time.time())

    def _sign(self, payload: str) -> str:
        # keyed by the token: a new token ends every session signed with the old one
        key = hashlib.sha256(b"trialbrief session\0" + (self.token or "").encode()).digest()
        return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()
