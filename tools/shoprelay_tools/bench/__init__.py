"""Benchmarks beside the code: translate, ingress, cold start, size and cost (``shoprelay bench``).

Each module measures one thing and returns plain dicts of figures, so the command can print
them as one table and write the very same figures as JSON. ``quick`` runs do a fraction of
the work; their figures are for smoke tests, not for budgets.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
"""The repository: template.yaml, functions/, layers/ and tests/fixtures/ live here."""
