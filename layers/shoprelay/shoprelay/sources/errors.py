"""Errors a source raises for input that can never become a canonical event."""

from __future__ import annotations


class PayloadError(ValueError):
    """The body is not a valid webhook for its topic; ``path`` points at the first problem."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class UnsupportedTopicError(LookupError):
    """A topic shoprelay does not relay; the shop should not retry it."""

    def __init__(self, topic: str) -> None:
        super().__init__(f"topic {topic!r} is not relayed")
        self.topic = topic
