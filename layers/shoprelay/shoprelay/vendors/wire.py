"""Bytes on the wire: the one JSON encoder and the one form encoder every vendor request uses.

Translators measure bodies against vendor size limits with the same functions that produce
the bytes sent, so a size check can never disagree with the request. Both are written for
speed, and both produce what the standard library would: compact UTF-8 JSON as
``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` and forms exactly as
``urllib.parse.urlencode`` (the tests hold them to that). The one difference is the spelling
of floats below 1e-4 or from 1e16 on (``0.00001`` for ``1e-05``): the same number, and never
an amount, which vendors get rounded to cents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

_JSON = msgspec.json.Encoder()

_NEEDS_ESCAPE = re.compile(r"[^A-Za-z0-9_.~ -]")
"""Everything but RFC 3986's unreserved characters, and the space (which becomes ``+``)."""
_ESCAPED: dict[str, str] = {}


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, non-ASCII characters kept as they are."""
    return _JSON.encode(value)


def json_text(value: Any) -> str:
    """The same JSON as text, for vendors that embed JSON inside a string field."""
    return _JSON.encode(value).decode("utf-8")


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    escaped = _ESCAPED.get(character)
    if escaped is None:
        escaped = "".join(f"%{byte:02X}" for byte in character.encode("utf-8"))
        _ESCAPED[character] = escaped
    return escaped


def form_value(text: str) -> str:
    """``text`` percent-encoded for a form (``quote_plus``), visiting only the characters that change."""
    return _NEEDS_ESCAPE.sub(_escape, text).replace(" ", "+")


def form_text(fields: Mapping[str, str]) -> str:
    """``application/x-www-form-urlencoded`` text for ``fields``, in their order."""
    return "&".join(f"{form_value(name)}={form_value(value)}" for name, value in fields.items())
