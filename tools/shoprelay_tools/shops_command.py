"""`shoprelay shops add|pause|resume|status`: register a shop; hold its events back, and let them go again.

``add`` stores the shop's webhook signing secret and registers the shop in the state table's
list of known shops, which the ingress consults before any SSM read (a shop missing from it
is answered 401). The secret is read from a file or standard input, never from the command
line, so it stays out of shell history and process listings.

While a shop (or one of its vendors) is paused, the ingress keeps accepting and publishing
its webhooks, and each paused vendor's function puts the shop's records back on its queue to
wait, without spending their retries; on resume they are delivered, in a few minutes at most.
Setting ``enabled: false`` in the vendor's settings is different: its events are skipped,
each with that reason, and are not sent later.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from shoprelay.config import shops
from shoprelay.config.known import register_shop
from shoprelay.state.pauses import EVERY_VENDOR, PauseStore
from shoprelay.vendors import vendor_names
from shoprelay_tools.aws_access import AwsTarget, explain
from shoprelay_tools.demo import ssm_has, write_vendor_list
from shoprelay_tools.stack.deployed import LOCAL_STACK_NAME, DeployedStack


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("add", "pause", "resume", "status"))
    parser.add_argument("--shop", required=True, help="the shop's domain, e.g. my-shop.myshopify.com")
    parser.add_argument("--vendor", choices=vendor_names(), help="only this vendor (default: every vendor)")
    parser.add_argument(
        "--stack-name",
        help=f"the deployed stack (default: shoprelay-dev; with --endpoint-url: {LOCAL_STACK_NAME})",
    )
    parser.add_argument("--endpoint-url", help="an AWS emulator, e.g. the local stack's")
    parser.add_argument("--region", default=None, help="AWS region (default: the environment's or profile's)")
    parser.add_argument(
        "--secret-file", help="add: a file holding the shop's webhook signing secret ('-' reads standard input)"
    )


def store_for(stack: DeployedStack) -> PauseStore:
    table = stack.physical_id("StateTable", "AWS::DynamoDB::Table")
    return PauseStore(table, stack.client("dynamodb"))


def run(args: argparse.Namespace) -> int:
    target = AwsTarget(endpoint_url=args.endpoint_url, region=args.region)
    stack = DeployedStack(args.stack_name or (LOCAL_STACK_NAME if target.emulated else "shoprelay-dev"), target)
    try:
        if args.action == "add":
            return add(stack, args.shop, args.secret_file)
        return act(store_for(stack), args.action, args.shop, args.vendor)
    except (ShopsCommandError, OSError) as error:
        print(f"shoprelay shops: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        problem = explain(error, target)
        if problem is None:
            raise
        print(f"shoprelay shops: {problem}", file=sys.stderr)
        return 2


class ShopsCommandError(ValueError):
    """What the person running the command got wrong, said in one line."""


STDIN = "-"


def _read_secret(secret_file: str | None) -> str:
    if secret_file is None:
        raise ShopsCommandError("--secret-file is required (a file holding the secret, or - for standard input)")
    text = sys.stdin.read() if secret_file == STDIN else Path(secret_file).read_text(encoding="utf-8")
    if not text.strip():
        raise ShopsCommandError("the secret file is empty")
    return text.strip()


def add(stack: DeployedStack, shop: str, secret_file: str | None) -> int:
    """Store the shop's signing secret under the stack's Stage and register the shop."""
    if not shops.valid_shop_key(shop):
        raise ShopsCommandError(f"{shop!r} is not a shop key (e.g. my-shop.myshopify.com)")
    secret = _read_secret(secret_file)
    prefix = f"/shoprelay/{stack.parameters().get('Stage', 'dev')}"
    ssm = stack.client("ssm")
    ssm.put_parameter(
        Name=shops.parameter_name(prefix, shop, shops.SECRET_LEAF), Value=secret, Type="SecureString", Overwrite=True
    )
    if not ssm_has(ssm, shops.parameter_name(prefix, shop, shops.VENDORS_LEAF)):
        write_vendor_list(ssm, prefix, shop, ())
    register_shop(stack.client("dynamodb"), stack.physical_id("StateTable", "AWS::DynamoDB::Table"), shop)
    print(f"added {shop}: secret stored under {prefix}, shop registered; next: shoprelay settings put", file=sys.stderr)
    return 0


def act(store: PauseStore, action: str, shop: str, vendor: str | None) -> int:
    """Carry out ``action``; prints what the shop's pauses are afterwards, as JSON."""
    which = vendor or "every vendor"
    if action == "pause":
        store.pause(shop, vendor)
        print(f"paused {shop} at {which}: its events wait in the queues until resumed", file=sys.stderr)
    elif action == "resume":
        lifted = store.resume(shop, vendor)
        if vendor is not None and not lifted and store.paused(shop, vendor) is not None:
            print(
                f"{shop} stays paused at {vendor}: the whole shop is paused; resume it without --vendor",
                file=sys.stderr,
            )
            return 1
        print(f"resumed {shop} at {which}" if lifted else f"{shop} was not paused at {which}", file=sys.stderr)
    pauses = [
        {
            "vendor": "*" if p.vendor == EVERY_VENDOR else p.vendor,
            "since": datetime.fromtimestamp(p.since, UTC).isoformat(timespec="seconds"),
        }
        for p in store.pauses(shop)
    ]
    print(json.dumps({"shop": shop, "paused": pauses}))
    return 0
