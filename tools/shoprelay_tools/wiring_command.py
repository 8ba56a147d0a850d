"""`shoprelay wiring`: render template.yaml's per-vendor blocks from template-vendor.yaml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shoprelay.vendors import vendor_names
from shoprelay_tools.stack.template import find_root
from shoprelay_tools.stack.wiring import TEMPLATE, WiringError, rendered_template, write


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check", action="store_true", help="only check that template.yaml is up to date (exit 1 if not)"
    )
    parser.add_argument("--root", type=Path, help="directory holding template.yaml (default: found automatically)")


def run(args: argparse.Namespace) -> int:
    root = args.root or find_root()
    try:
        if args.check:
            current = (root / TEMPLATE).read_text(encoding="utf-8") == rendered_template(root)
            print(f"{TEMPLATE} is {'up to date' if current else 'out of date: run `make wiring`'}")
            return 0 if current else 1
        changed = write(root)
    except WiringError as error:
        print(f"shoprelay wiring: {error}", file=sys.stderr)
        return 2
    print(f"{TEMPLATE} {'rendered' if changed else 'already up to date'} for {', '.join(vendor_names())}")
    return 0
