"""The burst's two-shop plan and the outage's fault source, without a stack."""

from __future__ import annotations

import time

from shoprelay_tools.prove.burst import QUIET, SHOP, interleaved
from shoprelay_tools.prove.outage import Outage
from shoprelay_tools.prove.workload import WorkloadBuilder


def test_the_quiet_shop_is_spread_through_the_sale_not_queued_after_it() -> None:
    loud = WorkloadBuilder(11, shops=(SHOP,), duplicate_rate=0.0).plan(200)
    quiet = WorkloadBuilder(12, shops=(QUIET,), duplicate_rate=0.0).plan(10)
    plan = interleaved(loud, quiet)
    shops = [chain[0].shop.domain for chain in plan.chains]
    assert sorted(map(len, plan.chains)) == sorted(map(len, loud.chains + quiet.chains))
    positions = [index for index, shop in enumerate(shops) if shop == QUIET.domain]
    assert len(positions) == len(quiet.chains)
    assert positions[0] < len(shops) // 5
    assert positions[-1] > len(shops) * 3 // 5
    ids = [w.webhook_id for w in plan.webhooks]
    assert len(ids) == len(set(ids))


def test_the_outage_refuses_only_its_vendor_and_only_while_it_lasts() -> None:
    outage = Outage("tracify", 0.3)
    assert outage("tracify") is None  # not started
    outage.start()
    fault = outage("tracify")
    assert fault is not None
    assert fault.status == 503
    assert outage("edrone") is None
    time.sleep(0.35)
    assert outage("tracify") is None
    assert outage.refused == 1
