"""Where a vendor call may go: the checks behind the ``endpoint`` and host settings.

Vendor credentials and buyers' personal data travel to whatever a shop's settings name, so a
setting must not be able to send them in clear text, or to an address inside the network the
function runs in: the instance metadata service (``169.254.169.254``, ``fd00:ec2::254``), the
container credentials endpoint (``169.254.170.2``), or a private range. Loopback is the one
exception, over plain http too: the local vendor sandboxes listen there, and nothing sent to
loopback leaves the machine.

Only literal addresses can be judged here. A DNS name is not resolved when settings are
checked (a name may resolve differently later, or only inside the account's network), so a
name that points at a private address is not caught; names that exist only in a private
network (a single label, ``.internal``, ``.local``) are refused by their shape.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

type Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)
_LOOPBACK_NAMES = ("localhost",)
_PRIVATE_SUFFIXES = (".internal", ".local", ".localdomain", ".home.arpa", ".intranet", ".corp", ".lan")
_SHARED_SPACE = ipaddress.IPv4Network("100.64.0.0/10")
"""Carrier-grade NAT space: neither private nor global in the standard library's eyes."""
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
"""IPv6 addresses a NAT64 gateway turns into the IPv4 address in their last 32 bits."""


class AddressError(ValueError):
    """A host or URL that a vendor call must not go to; the message says why, not what."""


def literal_address(host: str) -> Address | None:
    """The address ``host`` spells, in any form a resolver would accept, or None for a name.

    ``inet_aton`` is what the C resolver applies before DNS, so ``2852039166``,
    ``0xa9fea9fe`` and ``169.254.43518`` all count as ``169.254.169.254`` here, as they
    would when the request is made.
    """
    bare = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if not re.fullmatch(r"[0-9a-fA-FxX.]+", bare) or not bare[:1].isdigit():
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except OSError:
        return None


def _embedded(address: Address) -> Address:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), else the address itself."""
    if not isinstance(address, ipaddress.IPv6Address):
        return address
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.ipv4_mapped or address.sixtofour or address


def is_loopback(address: Address) -> bool:
    return _embedded(address).is_loopback


def _refusal(address: Address) -> str | None:
    """Why a vendor call must not go to ``address``; None when it may."""
    inner = _embedded(address)
    if inner.is_loopback:
        return None
    if inner.is_link_local:
        return "is a link-local address (instance metadata and credentials endpoints live there)"
    if inner.is_multicast or inner.is_unspecified or inner.is_reserved:
        return "is not a unicast address"
    if inner.is_private or (isinstance(inner, ipaddress.IPv4Address) and inner in _SHARED_SPACE):
        return "is a private address"
    if not inner.is_global:
        return "is not a public address"
    return None


def check_host(host: str) -> str:
    """``host`` lower-cased when a vendor call may go to it; :class:`AddressError` otherwise.

    Accepts a DNS name, or a literal address that is public or loopback.
    """
    lowered = host.lower()
    address = literal_address(lowered)
    if address is not None:
        refusal = _refusal(address)
        if refusal:
            raise AddressError(f"the host {refusal}; use a public host name")
        return lowered
    name = lowered.rstrip(".")
    if not _HOSTNAME.fullmatch(name):
        raise AddressError("must be a host name such as api.example.com (letters, digits, hyphens and dots)")
    if is_loopback_name(name):
        return name
    if "." not in name or name.endswith(_PRIVATE_SUFFIXES):
        raise AddressError("names a host of a private network; use a public host name")
    return name


def is_loopback_name(name: str) -> bool:
    return name in _LOOPBACK_NAMES or name.endswith(".localhost")


def check_endpoint(url: str) -> str:
    """``url`` when vendor calls may be sent below it; :class:`AddressError` otherwise.

    An https URL to a public host, or any http(s) URL to loopback. It is a base: translators
    append the vendor's paths, so it carries no query, fragment or credentials.
    """
    if url != url.strip() or any(ch.isspace() for ch in url):
        raise AddressError("must be a URL without spaces")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressError("must be a URL such as https://api.example.com") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise AddressError("must be an https URL such as https://api.example.com")
    if parts.username is not None or parts.password is not None:
        raise AddressError("must not carry a user name or password; credentials belong in their own settings")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise AddressError("must be a base URL without a query or fragment")
    if port == 0:
        raise AddressError("must not name port 0")
    host = check_host(parts.hostname)
    address = literal_address(host)
    loopback = is_loopback(address) if address is not None else is_loopback_name(host)
    if parts.scheme != "https" and not loopback:
        raise AddressError("must use https (plain http is only for loopback sandboxes)")
    return url
