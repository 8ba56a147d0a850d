"""`shoprelay prove`: soak the local stack with faults and a crash, send it bad input, and
print whether every delivery invariant held (exit 1 when one broke).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from shoprelay_tools.prove.faults import FaultRates
from shoprelay_tools.prove.own_faults import OwnFaultRates

_RATES = FaultRates()
_OWN = OwnFaultRates()

EPILOG = f"""\
phases:
  soak      --webhooks signed webhooks (orders/create, orders/paid, orders/cancelled, refunds/create
            after their order, checkouts/create, customers/update) built from the bundled Shopify
            fixtures for 5 shops (different secrets, vendor mixes and currencies, JPY among them),
            orders of 1-1,000 lines, a few just under MaxBodyBytes, ~5 % re-posted with the same
            webhook id; delivered concurrently over HTTP the way Shopify does: no 2xx within 5 s
            (or any 4xx/5xx) and the same webhook comes again, 8 retries over a compressed window.
  functions every function runs as Lambda runs it: each environment a process, killed at the
            template's timeout; they reach AWS through a fault proxy in front of the emulator.
  our side  {_OWN.describe()}.
  vendors   every vendor sandbox fails requests at random:
            {_RATES.describe()}.
  restart   once --restart-at of the webhooks are posted, every vendor-function process is killed
            (SIGKILL) wherever its invocation is, nothing of their batches is deleted, and fresh
            processes take over.
  bad input --bad requests in 12 classes: bad/missing signature, truncated, non-UTF-8, wrong types,
            missing ids, missing headers, oversized, shop A body with shop B domain, unknown shop,
            unknown topic, header injection.
checks: per vendor accepted = delivered + skipped + dead-lettered, every webhook answered 2xx
  delivered, skipped or dead-lettered with a reason at every enabled vendor, no valid webhook
  answered 4xx, every delivery answered 2xx within Shopify's retries, no effect delivered twice,
  a webhook accepted at most once and otherwise answered 'duplicate', every DLQ message carries a
  reason, retryable failures dead-lettered only after maxReceiveCount, bad input answered 4xx or a
  200 no-op and never published.
The default run takes about 10-15 minutes on 2 cores; --quick (300 webhooks, 200 bad) about 3.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--webhooks", type=int, metavar="N", help="webhooks in the soak (default 2000; --quick 300)")
    parser.add_argument("--bad", type=int, metavar="N", help="bad requests (default 1000; --quick 200)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="CI size: 300 webhooks, 200 bad requests, concurrency 5, 30 s visibility timeout",
    )
    parser.add_argument("--seed", type=int, help="make the workload and the faults repeatable")
    parser.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="concurrent invocations per vendor queue (default 10, --quick 5; template 5)",
    )
    parser.add_argument("--posters", type=int, default=8, help="client threads delivering webhooks (default 8)")
    parser.add_argument(
        "--shopify-window",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="what Shopify's 4 hours of retries are compressed to (default 60)",
    )
    parser.add_argument(
        "--no-own-faults",
        action="store_true",
        help="let the functions reach the AWS emulator directly, without faults on our side",
    )
    parser.add_argument(
        "--restart-at",
        type=float,
        metavar="SHARE",
        help="crash and restart the vendor functions when this share is posted (default 0.5, --quick 0.3; 0 disables)",
    )
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        metavar="SECONDS",
        help="source queues' visibility timeout for the run (default: the vendor functions' timeout; template 6x it)",
    )
    parser.add_argument(
        "--settle-timeout", type=float, default=300.0, metavar="SECONDS", help="wait this long for the last deliveries"
    )
    parser.add_argument(
        "--burst",
        action="store_true",
        help="instead: a flash sale, 2000 webhooks for one shop as fast as the stack takes them, no faults "
        "(--quick: 150); reports ingress p99, each queue's drain time and accept -> delivered, and the checks",
    )
    parser.add_argument(
        "--outage",
        action="store_true",
        help="instead: tracify down (503) for 180 s while 200 webhooks arrive (--quick: 60), retries compressed "
        "60-fold; checks that nothing is dead-lettered and everything is delivered once it is back",
    )
    parser.add_argument("--log-file", type=Path, help="where the functions' JSON logs go (default: a temp file)")
    parser.add_argument("--root", type=Path, help="directory holding template.yaml (default: found automatically)")


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The options given on the command line, as :class:`ProveConfig` fields."""
    given = {
        "webhooks": args.webhooks,
        "bad": args.bad,
        "seed": args.seed,
        "concurrency": args.concurrency,
        "visibility_timeout": args.visibility_timeout,
        "log_file": args.log_file,
        "root": args.root.resolve() if args.root else None,
    }
    return {name: value for name, value in given.items() if value is not None}


def run(args: argparse.Namespace) -> int:
    from shoprelay_tools.prove.outcome import ProveConfig, quick_config
    from shoprelay_tools.prove.run import run_prove

    if args.outage:
        from shoprelay_tools.prove.outage import outage_config, run_outage

        given = _given(args)
        given.pop("bad", None)
        return run_outage(outage_config(quick=args.quick, **given), sys.stdout)

    if args.burst:
        from shoprelay_tools.prove.burst import burst_config, run_burst

        given = _given(args)
        given.pop("bad", None)
        burst = burst_config(quick=args.quick, settle_timeout=args.settle_timeout, **given)
        if args.posters != 8:
            burst = replace(burst, posters=args.posters)
        return run_burst(burst, sys.stdout)

    base = quick_config() if args.quick else ProveConfig()
    config = replace(
        base,
        posters=args.posters,
        shopify_retry_window=args.shopify_window,
        own_rates=None if args.no_own_faults else base.own_rates,
        restart_at=base.restart_at if args.restart_at is None else (args.restart_at or None),
        settle_timeout=args.settle_timeout,
        **_given(args),
    )
    if config.webhooks < 1 or config.bad < 0 or config.concurrency < 1 or config.posters < 1:
        print("shoprelay prove: --webhooks, --concurrency and --posters must be positive", file=sys.stderr)
        return 2
    return run_prove(config, sys.stdout)
