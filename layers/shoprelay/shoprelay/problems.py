"""One way to name what a decoder found wrong: the first problem, as a dotted path and a message.

Ingress answers, dead-letter reasons, settings errors and the dry run all report invalid
input this way, so a user sees ``line_items.0.quantity: Expected `int` >= 0`` wherever it
surfaces. msgspec stops at the first problem and names its location as a JSON path
(``$.line_items[0].quantity``); this turns that into the dotted form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import msgspec

_LOCATED = re.compile(r"^(?P<message>.*?) - at `\$(?P<path>[^`]*)`$", re.DOTALL)
_ABOUT_A_FIELD: dict[re.Pattern[str], tuple[str, str]] = {
    re.compile(r"^Object missing required field `(?P<field>[^`]+)`$"): ("Field required", "missing"),
    re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`$"): ("not a known field", "unknown"),
}
"""Messages about one field of an object, located at the object: the path gains the field."""
_INDEX = re.compile(r"\[(\d+|\.\.\.)\]")
_QUOTED_VALUE = re.compile(r" ?'[^']*'")
"""The offending value msgspec quotes (``Invalid enum value 'x'``): left out, since it may be
a credential pasted into the wrong setting, and problems end up in logs and DLQ reasons."""


@dataclass(frozen=True)
class Problem:
    path: str
    """Dotted location (``line_items.0.quantity``); empty for the document itself."""
    message: str
    kind: str
    """``json_invalid`` (not JSON at all), ``missing`` (a required field), ``unknown`` (a key the
    model does not have), ``type`` (the document is not an object) or ``value`` (anything else)."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def _dotted(json_path: str) -> str:
    return _INDEX.sub(r".\1", json_path).lstrip(".")


def first_problem(error: msgspec.DecodeError) -> Problem:
    """The problem ``error`` reports; a missing field's path names the field itself."""
    text = str(error)
    if not isinstance(error, msgspec.ValidationError):
        return Problem("", text, "json_invalid")
    located = _LOCATED.match(text)
    message, path = (located["message"], _dotted(located["path"])) if located else (text, "")
    message = _QUOTED_VALUE.sub("", message)
    for pattern, (said, kind) in _ABOUT_A_FIELD.items():
        about = pattern.match(message)
        if about:
            return Problem(f"{path}.{about['field']}".lstrip("."), said, kind)
    if not path and message.startswith("Expected `object`"):
        return Problem("", message, "type")
    return Problem(path, message, "value")
