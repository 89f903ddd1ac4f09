"""Which webhook URLs may be called: the server-side request forgery guard.

Every URL must be http(s) with a host. In production, live-mode endpoints must
resolve only to public addresses — checked when the endpoint is created and
again before every delivery, where the request then goes to the address that
was checked (so a DNS answer that changes between check and connect cannot
slip a private address in). In dev, and in test mode everywhere, localhost and
private networks are allowed so that developers can receive events locally.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from digiplus.settings import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValueError):
    """The URL is malformed or points where the platform must not send requests."""


def check_url_syntax(url: str) -> str:
    """The URL unchanged if it is an absolute http(s) URL with a host, else ``UnsafeURL``."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UnsafeURL("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("must start with http:// or https://")
    if not parts.hostname:
        raise UnsafeURL("must name a host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("must not contain credentials (receivers authenticate requests by their signature)")
    if port == 0:
        raise UnsafeURL("must not use port 0")
    return url


def guard_applies(livemode: bool) -> bool:
    """Only live-mode endpoints in production are limited to public addresses."""
    return livemode and get_settings().env == "production"


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def resolve_public(url: str) -> list[IPAddress]:
    """Every address the URL's host resolves to, all public, else ``UnsafeURL``."""
    parts = urlsplit(check_url_syntax(url))
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeURL(f"host '{host}' does not resolve") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise UnsafeURL(f"host '{host}' does not resolve")
    for address in addresses:
        if not _is_public(address):
            raise UnsafeURL(
                f"host '{host}' resolves to a non-public address ({address}), which is refused in live mode"
            )
    return addresses


def pinned_request_target(url: str, address: IPAddress) -> tuple[str, str]:
    """The URL with its host replaced by ``address``, and the original host (for Host and TLS SNI)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    return parts._replace(netloc=netloc).geturl(), host_header
