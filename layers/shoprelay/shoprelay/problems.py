"""One way to name what is wrong with an input: a dotted path, a message and a kind.

Ingress answers, dead-letter reasons, settings errors and the dry run all report invalid
input this way, so a user sees ``line_items.0.quantity: Expected `int` >= 0`` wherever it
surfaces. Two decoders feed it:

- msgspec, on the webhook and canonical-event path, stops at the first problem and names its
  location only inside its message, as a JSON path (``$.line_items[0].quantity``);
  :func:`first_problem` turns that into the dotted form.
- pydantic, for vendor settings, reports every problem with its location as data;
  :func:`settings_problems` reads them. pydantic is imported only for the type, so the
  ingress, which never reads vendor settings, never loads it.

Neither kind of message repeats the rejected value: it may be a credential pasted into the
wrong setting, and problems end up in logs and DLQ reasons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from pydantic import ValidationError

_LOCATED = re.compile(r"^(?P<message>.*?) - at `\$(?P<path>[^`]*)`$", re.DOTALL)
_ABOUT_A_FIELD: dict[re.Pattern[str], tuple[str, str]] = {
    re.compile(r"^Object missing required field `(?P<field>[^`]+)`$"): ("Field required", "missing"),
    re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`$"): ("not a known field", "unknown"),
}
"""Messages about one field of an object, located at the object: the path gains the field."""
_INDEX = re.compile(r"\[(\d+|\.\.\.)\]")
_QUOTED_VALUE = re.compile(r" ?'[^']*'")
"""The offending value msgspec quotes (``Invalid enum value 'x'``): left out."""


@dataclass(frozen=True)
class Problem:
    path: str
    """Dotted location (``line_items.0.quantity``); empty for the document itself."""
    message: str
    kind: str
    """``json_invalid`` (not JSON at all), ``missing`` (a required field), ``unknown`` (a key the
    model does not have), ``type`` (the document, or the part at ``path``, is not an object) or
    ``value`` (anything else)."""

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


class SettingsError(ValueError):
    """Settings a vendor's model refused; ``problems`` holds every one, each naming its field."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__("; ".join(map(str, problems)) or "invalid settings")
        self.problems = problems


_SETTINGS_MESSAGES: Mapping[str, str] = {
    "missing": "Field required",
    "extra_forbidden": "not a known field",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "float_parsing": 'must be a number (written as a number, or as text such as "5")',
    "float_type": "must be a number",
    "int_parsing": 'must be a whole number (written as a number, or as text such as "5")',
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": 'must be true or false (or the text "true" or "false")',
    "bool_type": "must be true or false",
    "string_type": "must be text (a JSON string)",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
}
"""pydantic's error types, said in the words of a settings file; other types keep its message."""
_SETTINGS_KINDS: Mapping[str, str] = {
    "missing": "missing",
    "extra_forbidden": "unknown",
    "model_type": "type",
    "model_attributes_type": "type",
}


def _settings_message(error: Mapping[str, Any]) -> str:
    kind = str(error["type"])
    context = error.get("ctx") or {}
    if kind == "value_error" and "error" in context:
        message = str(context["error"])  # our own validators' words, without "Value error, "
    else:
        message = _SETTINGS_MESSAGES.get(kind, str(error["msg"]))
    rejected = error.get("input")
    if isinstance(rejected, str) and len(rejected) > 1 and rejected in message:
        message = message.replace(rejected, "…")
    return message


def settings_problems(error: ValidationError) -> tuple[Problem, ...]:
    """Every problem pydantic found in a settings document, in the document's order."""
    return tuple(
        Problem(
            ".".join(str(part) for part in found["loc"]),
            _settings_message(found),
            _SETTINGS_KINDS.get(found["type"], "value"),
        )
        for found in error.errors(include_url=False)
    )
