"""Bytes on the wire: the one JSON encoder and the one form encoder every vendor request uses.

Translators measure bodies against vendor size limits with the same functions that produce
the bytes sent, so a size check can never disagree with the request.

JSON is compact UTF-8, as ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``
writes it, except where that would fail or mislead: NaN and infinities become ``null``
rather than invalid JSON, a ``Decimal`` is written as a string, and floats below 1e-4 or from
1e16 on are spelled without an exponent. Amounts reach vendors already rounded and
formatted, so none of that shows.

Forms and query strings are exactly what ``urlencode`` writes (the tests hold them to it).
They are escaped through a table of what each UTF-8 byte becomes, one ``str.translate`` per
name and value, because ``quote`` looks every byte up in Python and a product form of a
kilobyte would then take a large share of a translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

_JSON = msgspec.json.Encoder()

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def _escapes(*, space: str, safe: bytes = b"") -> list[str]:
    """What each byte becomes, indexed by the byte (a list is what ``str.translate`` reads fastest)."""
    return [
        space if byte == ord(" ") else chr(byte) if byte in _UNRESERVED or byte in safe else f"%{byte:02X}"
        for byte in range(256)
    ]


_FORM_ESCAPES = _escapes(space="+")
"""``quote_plus``: a space is ``+``."""
_QUERY_ESCAPES = _escapes(space="%20", safe=b"/")
"""``quote(text, safe="/")``: a space is ``%20`` and ``/`` stays, as in path-like values."""


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, non-ASCII characters kept as they are."""
    return _JSON.encode(value)


def json_text(value: Any) -> str:
    """The same JSON as text, for vendors that embed JSON inside a string field."""
    return _JSON.encode(value).decode("utf-8")


def form_bytes(fields: Mapping[str, str]) -> bytes:
    """``application/x-www-form-urlencoded`` bytes for ``fields``, in their order, as ``urlencode(fields)``."""
    return _joined(fields, _FORM_ESCAPES).encode("ascii")


def query_text(fields: Mapping[str, str]) -> str:
    """A URL query string, as ``urlencode(fields, quote_via=quote, safe="/")`` writes it."""
    return _joined(fields, _QUERY_ESCAPES)


def _joined(fields: Mapping[str, str], escapes: list[str]) -> str:
    return "&".join([f"{_escaped(name, escapes)}={_escaped(value, escapes)}" for name, value in fields.items()])


def _escaped(text: str, escapes: list[str]) -> str:
    """``text``'s UTF-8 bytes through ``escapes``; read as Latin-1, each byte is one character."""
    return text.encode("utf-8").decode("latin-1").translate(escapes)
