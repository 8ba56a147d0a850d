"""Bytes on the wire: the one JSON encoder and the one form encoder every vendor request uses.

Translators measure bodies against vendor size limits with the same functions that produce
the bytes sent, so a size check can never disagree with the request. Both are written for
speed, and both produce what the standard library would: compact UTF-8 JSON as
``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` and forms exactly as
``urllib.parse.urlencode``, query strings as ``urlencode(fields, quote_via=quote, safe="/")``
(the tests hold them to that). The differences lie outside what
translators produce: floats below 1e-4 or from 1e16 on are spelled differently (``0.00001``
for ``1e-05``, the same number), NaN and infinities become ``null`` rather than invalid JSON,
and a ``Decimal`` is written as a string where ``json.dumps`` refuses it. Amounts reach
vendors already rounded and formatted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

_JSON = msgspec.json.Encoder()

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")
_BYTE_ESCAPES = [
    "+" if byte == ord(" ") else chr(byte) if chr(byte) in _UNRESERVED else f"%{byte:02X}" for byte in range(256)
]
"""What each UTF-8 byte becomes in a form, indexed by the byte (a list is the fastest
``str.translate`` table)."""
_QUERY_PLAIN = re.compile(r"[A-Za-z0-9_.~/-]*")
_QUERY_BYTE_ESCAPES = [
    chr(byte) if chr(byte) in _UNRESERVED or byte == ord("/") else f"%{byte:02X}" for byte in range(256)
]
"""The same for URL query strings: a space is ``%20`` and ``/`` stays as it is."""


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, non-ASCII characters kept as they are."""
    return _JSON.encode(value)


def json_text(value: Any) -> str:
    """The same JSON as text, for vendors that embed JSON inside a string field."""
    return _JSON.encode(value).decode("utf-8")


def _percent_encoded(text: str, plain: re.Pattern[str], escapes: list[str]) -> str:
    """``text`` as is when ``plain`` covers it, else its bytes through ``escapes``.

    The UTF-8 bytes, read as Latin-1 so that each byte is one character, go through one
    ``str.translate``: a single pass in C instead of a Python call per escaped character.
    """
    if plain.fullmatch(text):
        return text
    return text.encode("utf-8").decode("latin-1").translate(escapes)


def form_value(text: str) -> str:
    """``text`` percent-encoded for a form, as ``quote_plus`` does it."""
    return _percent_encoded(text, _PLAIN, _BYTE_ESCAPES)


def query_value(text: str) -> str:
    """``text`` percent-encoded for a URL query, as ``quote(text, safe="/")`` does it."""
    return _percent_encoded(text, _QUERY_PLAIN, _QUERY_BYTE_ESCAPES)


def query_text(fields: Mapping[str, str]) -> str:
    """A URL query string, as ``urlencode(fields, quote_via=quote, safe="/")`` writes it."""
    return _QUERY.encoded(fields).decode("ascii")


def form_bytes(fields: Mapping[str, str]) -> bytes:
    """``application/x-www-form-urlencoded`` bytes for ``fields``, in their order."""
    return _FORM.encoded(fields)


def form_text(fields: Mapping[str, str]) -> str:
    """The same form as text."""
    return _FORM.encoded(fields).decode("ascii")


class _FieldEncoder:
    """Percent-encodes a whole form or query string in a fixed number of passes over its bytes.

    Escaping character by character costs about 20 ns a character in ``str.translate``, and
    an edrone order form runs to a kilobyte. Instead, every name and value goes into one
    UTF-8 buffer, separated by two control characters, and each byte is written as the three
    characters of its escape (``%C3``), or as itself followed by two filler bytes: three
    ``bytes.translate`` passes give the first, second and third characters of every byte's
    spelling, they are interleaved by slice assignment, and the filler is deleted. Every pass
    runs in C, so the cost no longer grows with how many different bytes need escaping. The
    separators become ``=`` and ``&``. Text that itself holds a separator character is
    encoded field by field.
    """

    _NAME_END = "\x1f"
    _FIELD_END = "\x1e"
    _SEPARATORS = {ord(_NAME_END): b"=", ord(_FIELD_END): b"&"}
    _FILLER = b"\x00"
    """Never a first character (NUL is escaped as ``%00``), and never a hex digit."""

    def __init__(self, escapes: list[str], value: Callable[[str], str]) -> None:
        self._value = value
        spellings = [escape.encode("ascii") for escape in escapes]
        for byte, spelling in self._SEPARATORS.items():
            spellings[byte] = spelling
        padded = [spelling.ljust(3, self._FILLER) for spelling in spellings]
        self._tables = tuple(bytes(spelling[position] for spelling in padded) for position in range(3))

    def encoded(self, fields: Mapping[str, str]) -> bytes:
        joined = self._FIELD_END.join([f"{name}{self._NAME_END}{value}" for name, value in fields.items()])
        if joined.count(self._NAME_END) != len(fields) or joined.count(self._FIELD_END) != len(fields) - 1:
            escaped = [f"{self._value(name)}={self._value(value)}" for name, value in fields.items()]
            return "&".join(escaped).encode("ascii")
        data = joined.encode("utf-8")
        first, second, third = self._tables
        spelled = bytearray(3 * len(data))
        spelled[0::3] = data.translate(first)
        spelled[1::3] = data.translate(second)
        spelled[2::3] = data.translate(third)
        return bytes(spelled.translate(None, self._FILLER))


_FORM = _FieldEncoder(_BYTE_ESCAPES, form_value)
_QUERY = _FieldEncoder(_QUERY_BYTE_ESCAPES, query_value)
