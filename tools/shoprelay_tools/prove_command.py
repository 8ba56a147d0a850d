"""`shoprelay prove`: soak the local stack with faults and a crash, send it bad input, and
print whether every delivery invariant held (exit 1 when one broke).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shoprelay_tools.prove.faults import FaultRates

_RATES = FaultRates()

EPILOG = f"""\
phases:
  soak      --webhooks signed webhooks (orders/create, orders/paid, orders/cancelled, refunds/create
            after their order, checkouts/create, customers/update) built from the bundled Shopify
            fixtures for 5 shops (different secrets, vendor mixes and currencies, JPY among them),
            1-40 lines each, ~5 % re-posted with the same webhook id; posted concurrently over HTTP.
  faults    every vendor sandbox fails requests at random:
            {_RATES.describe()}.
  restart   once --restart-at of the webhooks are posted, the vendor functions crash (running
            invocations lose their answer, nothing of their batch is deleted) and restart re-imported.
  bad input --bad requests in 12 classes: bad/missing signature, truncated, non-UTF-8, wrong types,
            missing ids, missing headers, oversized, shop A body with shop B domain, unknown shop,
            unknown topic, header injection.
checks: per vendor accepted = delivered + skipped + dead-lettered, no effect delivered twice,
  duplicates answered 'duplicate', DLQ messages carry reasons, retryable failures dead-lettered only
  after maxReceiveCount, bad input answered 4xx or a 200 no-op and never published.
The default run takes about 10-15 minutes on 2 cores; --quick (300 webhooks, 200 bad) about 2.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--webhooks", type=int, metavar="N", help="webhooks in the soak (default 5000; --quick 300)")
    parser.add_argument("--bad", type=int, metavar="N", help="bad requests (default 1000; --quick 200)")
    parser.add_argument(
        "--quick", action="store_true", help="CI size: 300 webhooks, 200 bad requests, 20 s visibility timeout"
    )
    parser.add_argument("--seed", type=int, help="make the workload and the faults repeatable")
    parser.add_argument(
        "--concurrency", type=int, default=10, help="concurrent invocations per vendor queue (default 10; template 5)"
    )
    parser.add_argument("--posters", type=int, default=8, help="client threads posting webhooks (default 8)")
    parser.add_argument(
        "--restart-at",
        type=float,
        default=0.5,
        metavar="SHARE",
        help="crash and restart the vendor functions when this share is posted (default 0.5; 0 disables)",
    )
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        metavar="SECONDS",
        help="source queues' visibility timeout for the run (default 60, --quick 20; template 360)",
    )
    parser.add_argument(
        "--settle-timeout", type=float, default=300.0, metavar="SECONDS", help="wait this long for the last deliveries"
    )
    parser.add_argument("--log-file", type=Path, help="where the functions' JSON logs go (default: a temp file)")
    parser.add_argument("--root", type=Path, help="directory holding template.yaml (default: found automatically)")


def run(args: argparse.Namespace) -> int:
    from shoprelay_tools.prove import run as prove

    quick = bool(args.quick)

    def pick(value: int | None, default: int, quick_value: int) -> int:
        return value if value is not None else (quick_value if quick else default)

    config = prove.ProveConfig(
        webhooks=pick(args.webhooks, 5000, prove.QUICK_WEBHOOKS),
        bad=pick(args.bad, 1000, prove.QUICK_BAD),
        seed=args.seed,
        concurrency=args.concurrency,
        posters=args.posters,
        restart_at=args.restart_at or None,
        visibility_timeout=pick(args.visibility_timeout, 60, prove.QUICK_VISIBILITY_TIMEOUT),
        settle_timeout=args.settle_timeout,
        progress_every=10.0 if quick else 15.0,
        log_file=args.log_file,
        root=args.root.resolve() if args.root else None,
    )
    if config.webhooks < 1 or config.bad < 0 or config.concurrency < 1 or config.posters < 1:
        print("shoprelay prove: --webhooks, --concurrency and --posters must be positive", file=sys.stderr)
        return 2
    return prove.run_prove(config, sys.stdout)
