"""The two ways a delivery attempt fails, which decide retry versus dead-letter queue.

Their ``reason`` and ``vendor_error`` end up in log lines and DLQ attributes, and both may
quote a vendor's answer or a settings value, so both are redacted and shortened here, where
every failure is built (:func:`shoprelay.redaction.redact`).
"""

from __future__ import annotations

from shoprelay.redaction import redact

REASON_CHARS = 1000
"""Room for our own words around a quoted, already shortened vendor text."""


class RetryableDeliveryError(Exception):
    """Try again later (network, timeout, 408, 429, 5xx, an effect held by another attempt)."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: int | None = None) -> None:
        self.reason = redact(reason, REASON_CHARS)
        super().__init__(self.reason)
        self.status = status
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """Retrying cannot help (other 4xx, invalid data or settings): dead-letter at once."""

    def __init__(self, reason: str, *, status: int | None = None, vendor_error: str | None = None) -> None:
        self.reason = redact(reason, REASON_CHARS)
        super().__init__(self.reason)
        self.status = status
        self.vendor_error = redact(vendor_error) if vendor_error else None
