"""The two ways a delivery attempt fails, which decide retry versus dead-letter queue."""

from __future__ import annotations


class RetryableDeliveryError(Exception):
    """Try again later (network, timeout, 408, 429, 5xx, an effect held by another attempt)."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """Retrying cannot help (other 4xx, invalid data or settings): dead-letter at once."""

    def __init__(self, reason: str, *, status: int | None = None, vendor_error: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.vendor_error = vendor_error
