"""Objects built on first use, so a cold start pays only for what its request needs.

A webhook refused for its signature never touches DynamoDB or SNS, and a record a vendor
skips never opens an HTTP session. When ``SHOPRELAY_EAGER_INIT`` is ``true`` (the template
sets it with SnapStart), everything is built during init instead, so the snapshot holds it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

_BUILDING = threading.RLock()
"""One object is built at a time: a vendor function delivers records from several threads, and
boto3 builds every client from one default session, which two threads must not use at once."""


def eager_init() -> bool:
    return os.environ.get("SHOPRELAY_EAGER_INIT", "false").lower() == "true"


class Lazy:
    """Stands in for the object ``factory`` makes, creating it at the first attribute access."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._target: Any = None
        if eager_init():
            self.resolve()

    def resolve(self) -> Any:
        if self._target is None:
            with _BUILDING:
                if self._target is None:
                    self._target = self._factory()
        return self._target

    def __getattr__(self, name: str) -> Any:
        return getattr(self.resolve(), name)
