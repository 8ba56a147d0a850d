"""The contract of a vendor sandbox: a local stand-in that judges requests like the vendor.

A sandbox sees one request (path relative to its own prefix, headers lower-cased) and
answers with the status code and body the vendor documents for it. Recording, fault
injection and HTTP serving are shared and live outside the sandboxes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class SandboxRequest:
    method: str
    path: str
    """Path below the sandbox's prefix, e.g. ``/trace`` for ``/edrone/trace``."""
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    """Header names lower-cased."""
    body: bytes


@dataclass(frozen=True)
class SandboxAnswer:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> SandboxAnswer:
        return cls(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})

    @classmethod
    def text(cls, status: int, text: str) -> SandboxAnswer:
        return cls(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})


class Sandbox(Protocol):
    name: str

    def answer(self, request: SandboxRequest) -> SandboxAnswer: ...


@dataclass(frozen=True)
class DemoAccount:
    """A made-up account at one vendor: what a demo shop's settings carry, and a sandbox that
    accepts exactly those credentials. Local-only values, defined beside each sandbox."""

    settings: Mapping[str, Any]
    sandbox: Callable[[], Sandbox]
