"""Faults on our own side: AWS itself slow or failing, through the fault proxy.

The functions reach the emulator through
:class:`~shoprelay_tools.stack.aws_faults.AwsFaultProxy` (``AWS_ENDPOINT_URL``), which
makes chosen calls hang, fail with a 5xx, or be throttled. The event source mapping (the
pollers receiving and deleting batches) is AWS's own machinery and talks to the emulator
directly.

Counted faults are spread over the soak with the proxy's ``skip`` (the n-th matching call,
n drawn from a share of the plan), so they land while webhooks are flowing; the rest strike
at random, at the rates below, from the run's seed. What each one exercises:

* a publish that trickles past the ingress's timeout: no read timeout can end it, so the
  ingress is killed mid-publish with its delivery claim taken; Shopify's retries must
  eventually get it relayed, never a ``duplicate`` for an event that was never published;
* a publish that hangs silently, and one whose message is published but whose answer is
  lost: the ingress's own timeouts, and whether a retry can tell "published" from "not";
* publishes answered 500, DynamoDB throttled and failing, SSM throttled: 5xx answers and
  Shopify's retries on the ingress, retries and backoff in the vendor functions;
* DynamoDB conditional writes (claims, marks, the order memory) that are applied but whose
  answer comes after the client's read timeout: the retry meets the item its own first try
  wrote, which must count as its own, not as another attempt's;
* a vendor function's SQS call (the one that hides a failed record for its backoff) that
  trickles past the function's timeout: the function is killed mid-batch, records before it
  done but unanswered, records after it not started; all of them come back after the
  visibility timeout. The answer trickles a byte at a time, so the client's read timeout never
  fires (SQS's, unlike DynamoDB's, is longer than the proxy's trickle interval).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shoprelay_tools.stack.aws_faults import AwsFaultProxy, Rule

TRICKLE_SECONDS = 120.0
"""Longer than any function's timeout: the function dies first."""
SILENT_HANG_SECONDS = 12.0
"""Longer than the ingress's 10 s timeout: only a client read timeout ends it sooner."""
LATE_ANSWER_SECONDS = 1.0
"""Longer than DynamoDB's client read timeout: the write is applied, its answer never read."""


@dataclass(frozen=True)
class OwnFaultRates:
    publish_killed: int = 2
    """SNS publishes trickling past the ingress's timeout (the ingress is killed mid-publish)."""
    publish_hang: int = 2
    """SNS publishes hanging silently for :data:`SILENT_HANG_SECONDS`."""
    publish_lost_answer: int = 1
    """SNS publishes that happen but whose answer never comes."""
    publish_errors: int = 3
    """SNS publishes answered 500."""
    vendor_killed: int = 1
    """Vendor-function visibility changes trickling past the function's timeout (killed mid-batch)."""
    dynamodb_throttled: float = 0.01
    """Share of DynamoDB calls throttled (half ``ThrottlingException``, half
    ``ProvisionedThroughputExceededException``)."""
    dynamodb_errors: float = 0.005
    """Share of DynamoDB calls answered 500 ``InternalServerError``."""
    dynamodb_late_answers: float = 0.005
    """Share of DynamoDB ``PutItem`` calls applied, with the answer held past the client's read timeout."""
    ssm_throttled: float = 0.05
    """Share of SSM calls throttled (values are cached, so calls are few)."""

    def describe(self) -> str:
        def pct(value: float) -> str:
            return f"{value * 100:g} %"

        return (
            f"SNS Publish: {self.publish_killed} trickling past the ingress timeout (killed mid-publish), "
            f"{self.publish_hang} silent for {SILENT_HANG_SECONDS:g} s, {self.publish_lost_answer} published with "
            f"the answer lost, {self.publish_errors} answered 500; DynamoDB throttled {pct(self.dynamodb_throttled)} "
            f"and 500 {pct(self.dynamodb_errors)} of calls, {pct(self.dynamodb_late_answers)} of PutItem "
            f"applied with the answer too late; SSM throttled {pct(self.ssm_throttled)}; "
            f"{self.vendor_killed} vendor-function SQS ChangeMessageVisibility trickling past the function "
            "timeout (killed mid-batch)"
        )


@dataclass
class InjectedRules:
    """The proxy's rules, by what they stand for, so the report can say how often each fired."""

    rules: dict[str, Rule]

    def hits(self) -> dict[str, int]:
        return {name: rule.hits for name, rule in self.rules.items()}


def _spread(rng: random.Random, webhooks: int, count: int, low: float, high: float) -> list[int]:
    """``count`` call numbers between ``low`` and ``high`` of the plan, in order."""
    return sorted(rng.randint(int(low * webhooks), max(int(high * webhooks), 1)) for _ in range(count))


def _counted(proxy: AwsFaultProxy, rng: random.Random, rates: OwnFaultRates, webhooks: int) -> dict[str, Rule]:
    """One rule per counted fault, each for one call; ``skip`` counts the calls before it."""
    rules: dict[str, Rule] = {}
    publishes = (
        [("publish killed", n) for n in _spread(rng, webhooks, rates.publish_killed, 0.05, 0.6)]
        + [("publish hang", n) for n in _spread(rng, webhooks, rates.publish_hang, 0.05, 0.6)]
        + [("publish lost answer", n) for n in _spread(rng, webhooks, rates.publish_lost_answer, 0.05, 0.6)]
        + [("publish 500", n) for n in _spread(rng, webhooks, rates.publish_errors, 0.05, 0.8)]
    )
    # Every rule still skipping counts a call, until an earlier rule fires on it: the k-th
    # rule (in call order) fires at about call ``skip + k``, close enough to spread them.
    for index, (name, call) in enumerate(sorted(publishes, key=lambda item: item[1])):
        rules[f"{name} #{index + 1}"] = _publish_rule(proxy, name, call)
    for index in range(rates.vendor_killed):
        # Early, so that the batch it holds is back while webhooks still flow.
        rules[f"vendor killed #{index + 1}"] = proxy.hang(
            "sqs", "ChangeMessageVisibility", seconds=TRICKLE_SECONDS, trickle=True, skip=rng.randint(2, 10)
        )
    return rules


def _publish_rule(proxy: AwsFaultProxy, name: str, skip: int) -> Rule:
    if name == "publish killed":
        return proxy.hang("sns", "Publish", seconds=TRICKLE_SECONDS, trickle=True, skip=skip)
    if name == "publish hang":
        return proxy.hang("sns", "Publish", seconds=SILENT_HANG_SECONDS, skip=skip)
    if name == "publish lost answer":
        return proxy.hang("sns", "Publish", seconds=SILENT_HANG_SECONDS, forward_first=True, skip=skip)
    return proxy.fail("sns", "Publish", status=500, skip=skip)


def inject(proxy: AwsFaultProxy, rates: OwnFaultRates, seed: int, webhooks: int) -> InjectedRules:
    """Add the run's rules to ``proxy``: the counted faults first, then the random ones."""
    rng = random.Random(seed ^ 0x5EED)
    rules = _counted(proxy, rng, rates, webhooks)
    half = rates.dynamodb_throttled / 2
    rules["dynamodb throttled"] = proxy.throttle("dynamodb", probability=half, times=None)
    rules["dynamodb throughput exceeded"] = proxy.throttle(
        "dynamodb", code="ProvisionedThroughputExceededException", probability=half, times=None
    )
    rules["dynamodb 500"] = proxy.fail("dynamodb", status=500, probability=rates.dynamodb_errors, times=None)
    rules["dynamodb late answer"] = proxy.hang(
        "dynamodb",
        "PutItem",
        seconds=LATE_ANSWER_SECONDS,
        forward_first=True,
        probability=rates.dynamodb_late_answers,
        times=None,
    )
    rules["ssm throttled"] = proxy.throttle("ssm", probability=rates.ssm_throttled, times=None)
    return InjectedRules(rules)
