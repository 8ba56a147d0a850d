"""Sources: adapters from a shop platform's webhook to the canonical event."""

from shoprelay.sources.errors import PayloadError, UnsupportedTopicError

__all__ = ["PayloadError", "UnsupportedTopicError"]
