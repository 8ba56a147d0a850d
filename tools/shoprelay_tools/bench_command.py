"""`shoprelay bench`: translate, ingress, cold start, size and cost, as one table and as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from shoprelay_tools.bench import ROOT

DEFAULT_JSON = ROOT / ".aws-sam" / "bench.json"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        metavar="FILE",
        help=f"write the same figures as JSON to FILE (default: {DEFAULT_JSON.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a fraction of the rounds and processes: a smoke run, not figures to hold budgets against",
    )


def run(args: argparse.Namespace) -> int:
    from shoprelay_tools.bench import report

    figures = report.collect(quick=args.quick)
    print(report.render(figures))
    path: Path = args.json
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"figures written to {path}")
    return 0
