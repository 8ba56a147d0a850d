"""Text from outside (a vendor's error body, a settings error) made fit for a log line or a DLQ
attribute: personal data and credentials masked, control characters flattened, length capped.

Vendors echo what they were sent: a 400 about a contact quotes its e-mail and phone, a 401
may quote the key, a validation error may quote a settings value. Logs are kept for weeks and
DLQ attributes travel to whoever replays them, so both get only the redacted, shortened text.
Masking is by shape (an e-mail, an IP address, a run of digits, a long token, the value after
a credential-like key), so it also covers fields nobody listed. Free-text names cannot be told
by shape; the length cap is what bounds them.
"""

from __future__ import annotations

import re

MAX_CHARS = 300
"""Longest redacted text kept: enough for a vendor's error code and message."""

_CREDENTIAL_VALUE = re.compile(
    r"(?i)(?P<key>\b(?:authorization|bearer|basic|token|access[_-]?token|secret|client[_-]?secret|password|passwd|"
    r"api[_-]?key|apikey|x-api-key|app[_-]?id|signature|hmac|session)\b[\"']?\s*(?:[:=]\s*[\"']?|\s+))"
    r"(?P<value>(?:(?:bearer|basic|digest)\s+)?[^\s\"',;&}\]]+)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s:@]+(?::[^/\s@]*)?@", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(
    r"(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?"
    r"|::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}))(?![\w:])",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{5,}\d(?!\w)")
"""A phone number or a long digit run (card, account, order number), separators allowed."""
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOKEN = re.compile(r"(?<![\w/-])[A-Za-z0-9_\-+/=.]{24,}(?![\w/-])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_MIN_DIGITS = 7


def _number(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(character.isdigit() for character in text)
    if digits < _MIN_DIGITS or _ISO_DATE.match(text):
        return text
    return "<phone>" if text.startswith(("+", "(")) or not text.isdigit() else "<digits>"


def _token(match: re.Match[str]) -> str:
    text = match.group(0)
    has_letter = any(character.isalpha() for character in text)
    has_digit = any(character.isdigit() for character in text)
    return "<token>" if has_letter and has_digit else text


def redact(text: str | None, limit: int = MAX_CHARS) -> str:
    """``text`` with personal data and credentials masked, on one line, at most ``limit`` characters."""
    if not text:
        return ""
    cleaned = _CONTROL.sub(" ", text[: limit * 4])
    cleaned = _URL_CREDENTIALS.sub(r"\g<scheme><credentials>@", cleaned)
    cleaned = _CREDENTIAL_VALUE.sub(r"\g<key><redacted>", cleaned)
    cleaned = _EMAIL.sub("<email>", cleaned)
    cleaned = _IPV6.sub("<ip>", cleaned)
    cleaned = _IPV4.sub("<ip>", cleaned)
    cleaned = _TOKEN.sub(_token, cleaned)
    cleaned = _NUMBER.sub(_number, cleaned)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"
