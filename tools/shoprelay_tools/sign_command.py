"""`shoprelay sign`: the signature Shopify or WooCommerce would send, for hand-made test requests.

Both sign the raw body the same way (base64 HMAC-SHA256); ``--source`` says which header the
value goes in, and the output is the same.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shoprelay.sources.shopify import sign as shopify_sign
from shoprelay.sources.woocommerce import sign as woocommerce_sign

_SIGNERS = {"shopify": shopify_sign, "woocommerce": woocommerce_sign}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--secret", required=True, help="the shop's webhook secret")
    parser.add_argument(
        "--source",
        choices=("shopify", "woocommerce"),
        default="shopify",
        help="shopify: the X-Shopify-Hmac-Sha256 value; woocommerce: the X-WC-Webhook-Signature value",
    )
    parser.add_argument("file", type=Path, help="the raw body, byte for byte as it will be posted ('-' for stdin)")


def run(args: argparse.Namespace) -> int:
    try:
        body = sys.stdin.buffer.read() if str(args.file) == "-" else args.file.read_bytes()
    except OSError as error:
        print(f"shoprelay sign: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    print(_SIGNERS[args.source](args.secret, body))
    return 0
