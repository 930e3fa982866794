"""Which hosts a fetch may reach when `FetchSettings.allow_private` is False.

The CLI fetches what its user typed, so it allows everything. A service that fetches addresses
it did not choose must not be turned against its own network (cloud metadata at 169.254.169.254,
an admin page on 10.x, localhost): it sets allow_private=False, and every URL and redirect
target is checked here before it is requested.

The host is resolved here and again by httpx when it connects; a DNS answer that changes in
between (DNS rebinding) is not caught. Closing that gap needs the connection pinned to the
checked address, which httpx does not offer.
"""

from __future__ import annotations

import ipaddress
import socket

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def internal_address(host: str, port: int) -> Address | None:
    """The first private, loopback, link-local or reserved address HOST is or resolves to,
    else None. OSError (socket.gaierror) when the name does not resolve."""
    for address in _addresses(host, port):
        if _is_internal(address):
            return address
    return None


def _addresses(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]  # a literal IP: nothing to resolve
    except ValueError:
        pass
    # getaddrinfo also reads the short and numeric forms ("127.1", "2130706433") as the
    # loopback address they are, as the connection would.
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]


def _is_internal(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:  # ::ffff:127.0.0.1 reaches 127.0.0.1
            return _is_internal(embedded)
    return (not address.is_global or address.is_private or address.is_loopback
            or address.is_link_local or address.is_reserved or address.is_multicast
            or address.is_unspecified)
