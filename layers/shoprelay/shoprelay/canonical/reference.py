"""A pointer to a canonical event kept in S3, published when the event is too big for SNS.

Vendor functions read the message, see a reference instead of an event, and fetch the event
it names. The shop, kind and id travel with it so that a dead-lettered reference still says
which webhook it was about.
"""

from __future__ import annotations

from shoprelay.canonical.models import CanonicalModel, EventKind


class StoredEvent(CanonicalModel, frozen=True, kw_only=True):
    """Where the encoded event is, and how many bytes it had when it was written."""

    bucket: str
    key: str
    size: int


class EventReference(CanonicalModel, frozen=True, kw_only=True):
    """The message published in place of an event that would not fit SNS's limit."""

    stored_event: StoredEvent
    id: str
    kind: EventKind
    shop: str
