"""`shoprelay sign`: the signature Shopify would send, for hand-made test requests."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shoprelay.sources.shopify import sign


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--secret", required=True, help="the shop's webhook secret")
    parser.add_argument("file", type=Path, help="the raw body, byte for byte as it will be posted ('-' for stdin)")


def run(args: argparse.Namespace) -> int:
    try:
        body = sys.stdin.buffer.read() if str(args.file) == "-" else args.file.read_bytes()
    except OSError as error:
        print(f"shoprelay sign: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    print(sign(args.secret, body))
    return 0
