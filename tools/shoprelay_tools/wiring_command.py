"""`shoprelay wiring`: render template.yaml's per-vendor blocks and the ingress's routes table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shoprelay.vendors import vendor_names
from shoprelay_tools.stack.template import find_root
from shoprelay_tools.stack.wiring import WiringError, stale_files, write


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check", action="store_true", help="only check that the rendered files are up to date (exit 1 if not)"
    )
    parser.add_argument("--root", type=Path, help="directory holding template.yaml (default: found automatically)")


def run(args: argparse.Namespace) -> int:
    root = args.root or find_root()
    try:
        if args.check:
            stale = stale_files(root)
            print(f"{', '.join(stale)} out of date: run `make wiring`" if stale else "wiring is up to date")
            return 1 if stale else 0
        changed = write(root)
    except WiringError as error:
        print(f"shoprelay wiring: {error}", file=sys.stderr)
        return 2
    print(f"wiring {'rendered' if changed else 'already up to date'} for {', '.join(vendor_names())}")
    return 0
