"""One way to name what pydantic found wrong: the first problem, as a dotted path and a message.

Ingress answers, dead-letter reasons and the dry run all report invalid input this way, so
a user sees ``line_items.0.quantity: Input should be a valid integer`` wherever it surfaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    path: str
    """Dotted location (``line_items.0.quantity``); empty for the document itself."""
    message: str
    kind: str
    """pydantic's error type, e.g. ``json_invalid`` or ``missing``."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def first_problem(error: ValidationError) -> Problem:
    first = error.errors(include_url=False)[0]
    return Problem(".".join(str(part) for part in first["loc"]), first["msg"], first["type"])
