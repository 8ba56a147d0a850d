"""Tracify's ``identity_data``: hashed buyer identifiers keyed by their hash.

Tracify joins server events to its browser pixel by these keys, so the hashing must be
byte-for-byte what the pixel does: a "truncated double SHA-256" (the SHA-256 hex of the
SHA-256 hex with its last 5 characters dropped), as Tracify's plugin, its SDK and a public
server-side tag all compute it. IP and user agent are hashed raw, exactly as the browser sent
them; only the email gets (configurable) normalisation.
"""

from __future__ import annotations

from enum import IntEnum
from hashlib import sha256


class IdentityClass(IntEnum):
    """The value Tracify expects beside each hashed key."""

    EMAIL = 1
    SESSION = 2
    """The hash of ``"<IP>|<user agent>"``."""
    IP = 3
    USER_AGENT = 4


_DROPPED_HEX_CHARS = 5


def identity_key(raw: str) -> str:
    """The anonymised key Tracify matches on for one raw identifier."""
    first = sha256(raw.encode("utf-8")).hexdigest()
    return sha256(first[:-_DROPPED_HEX_CHARS].encode("utf-8")).hexdigest()


def normalise_email(email: str | None, *, lowercase: bool) -> str | None:
    """The email as it is hashed; ``None`` when nothing usable is left."""
    cleaned = (email or "").strip()
    if lowercase:
        cleaned = cleaned.lower()
    return cleaned or None


def identity_data(*, ip: str, user_agent: str, email: str | None) -> dict[str, int]:
    """Keys for every identifier known, in Tracify's class order (email first when present)."""
    raw_by_class: list[tuple[IdentityClass, str | None]] = [
        (IdentityClass.EMAIL, email),
        (IdentityClass.SESSION, f"{ip}|{user_agent}"),
        (IdentityClass.IP, ip),
        (IdentityClass.USER_AGENT, user_agent),
    ]
    return {identity_key(raw): int(kind) for kind, raw in raw_by_class if raw is not None}
