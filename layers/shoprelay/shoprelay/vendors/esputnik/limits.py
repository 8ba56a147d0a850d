"""eSputnik's documented limits on Generate event (``/v1/event``), in one place.

A request over a limit is refused as a whole, so translators check before sending rather
than learn it from a 400 at delivery time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from shoprelay.vendors.base import VendorRequest

MAX_EVENT_BYTES = 20_000
"""The docs cap an event body at 20 kB without saying 1000 or 1024; the smaller reading is safe."""

MAX_KEY_VALUE_LENGTH = 300
FORBIDDEN_KEY_CHARACTERS = frozenset("<;\u2019\\/|\"`'^?!,>")
"""Characters ``eventTypeKey`` and ``keyValue`` may not contain (the docs list the right single quote U+2019 too)."""

MAX_NAME_LENGTH = 40
"""Longest first or last name a contact takes."""


def is_valid_key(value: str, max_length: int = MAX_KEY_VALUE_LENGTH) -> bool:
    """Whether ``value`` can be an ``eventTypeKey``/``keyValue`` without the event being refused."""
    return 0 < len(value) <= max_length and not FORBIDDEN_KEY_CHARACTERS.intersection(value)


def largest_fitting[T](
    items: Sequence[T], build: Callable[[Sequence[T]], VendorRequest], limit: int = MAX_EVENT_BYTES
) -> tuple[VendorRequest, int] | None:
    """The request built from the longest prefix of ``items`` whose body fits ``limit``.

    Returns the request and how many items it carries, or None when the body is too large
    even with no items. Measured on the exact wire bytes, so the check and the send can never disagree.
    """

    def size(request: VendorRequest) -> int:
        return len(request.body_bytes() or b"")

    whole = build(items)
    if size(whole) <= limit:
        return whole, len(items)
    best = build(items[:0])
    if size(best) > limit:
        return None
    fitting, too_many = 0, len(items)
    while too_many - fitting > 1:
        middle = (fitting + too_many) // 2
        candidate = build(items[:middle])
        if size(candidate) <= limit:
            fitting, best = middle, candidate
        else:
            too_many = middle
    return best, fitting
