"""Delivery throughput of one vendor function: full batches, one record after another and side by side.

A vendor call mostly waits on the vendor, so what a vendor function delivers per second of
invocation depends on how many of its records wait at once. Here the vendor is Corvidae's
sandbox answering every request ``ANSWERS_AFTER_SECONDS`` late, AWS is moto's server in a
process of its own (so its work does not share an interpreter with the function or the
sandbox), and both functions run as processes the way Lambda runs them
(:mod:`shoprelay_tools.stack.process_runtime`). Two shops differ only in ``max_in_flight``:
one has 1, the other the default. Every batch holds ten different orders, so each record is
one vendor call, and the figure is records delivered per second of invocation. Each run starts
with a batch that is not timed, so neither figure carries the function's cold start.

The functions' processes also report the CPU time each invocation used and their peak memory
(``usage``): what their memory sizes are chosen from (:mod:`shoprelay_tools.bench.memory`) and
what the cost model prices their Lambda time with.

moto's server handles its requests one at a time in one interpreter, at several milliseconds
of work each, where DynamoDB answers a batch's calls side by side: records that run side by
side queue there for their three table calls, so the speedup measured here is lower than a
deployment's.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from shoprelay.sources.shopify import sign
from shoprelay.vendors.base import MAX_IN_FLIGHT
from shoprelay_tools.bench import ROOT
from shoprelay_tools.bench.translate import FIXTURES
from shoprelay_tools.demo import demo_account, seed_shop
from shoprelay_tools.sandboxes.server import SandboxServer
from shoprelay_tools.sandboxes.timing import TimedSandbox, most_at_once
from shoprelay_tools.stack.lambda_runtime import sqs_event
from shoprelay_tools.stack.moto_process import moto_process
from shoprelay_tools.stack.process_runtime import FunctionProcesses, Invocation
from shoprelay_tools.stack.provision import REGION, Stack, aws_clients, provision

VENDOR = "corvidae"
RECORD_CALLS = {"table": 2, "vendor": 1}
"""What one record here waits on: Corvidae's orders/create reads the order's effects and marks
its one effect (the vendor keeps only an order's first request), then makes one vendor call."""
FUNCTION = "CorvidaeFunction"
QUEUE = "CorvidaeQueue"
ANSWERS_AFTER_SECONDS = 0.15
BATCH = 10
SPEEDUP_BUDGET = 6.0
ORDER = "orders-create.test-store-shop-AUD-buyer-USD.json"
SECRET = "bench-secret"  # noqa: S105 - a made-up signing secret for generated webhooks
SHOPS = {"sequential": ("bench-sequential.myshopify.com", 1), "concurrent": ("bench-concurrent.myshopify.com", None)}
"""Each run's shop and its ``max_in_flight`` (None: the setting left at its default)."""
_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",  # moto accepts any credentials
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass
class Usage:
    """The CPU time and memory one function's processes reported, for choosing its memory size."""

    per_invocation: int
    """Items (webhooks, or records) one timed invocation handles."""
    warm_cpu_seconds: list[float] = field(default_factory=list)
    cold: list[tuple[float, float]] = field(default_factory=list)
    """(init, first invocation) CPU seconds of every environment started."""
    peak_mb: float = 0.0

    def add(self, invocation: Invocation, counted: bool = True) -> None:
        """Count ``invocation``: a cold one as a cold start, a warm one when it is ``counted``."""
        self.peak_mb = max(self.peak_mb, invocation.peak_mb or 0.0)
        if invocation.cpu_seconds is None:
            return
        if invocation.init_cpu_seconds is not None:
            self.cold.append((invocation.init_cpu_seconds, invocation.cpu_seconds))
        elif counted:
            self.warm_cpu_seconds.append(invocation.cpu_seconds)

    def figures(self) -> dict[str, Any]:
        """Medians, in ms: CPU per item of a warm invocation, and a cold start's init and first invocation."""
        return {
            "items_per_invocation": self.per_invocation,
            "cpu_ms_per_item": statistics.median(self.warm_cpu_seconds) * 1000 / self.per_invocation,
            "warm_invocations": len(self.warm_cpu_seconds),
            "cold_init_cpu_ms": statistics.median(init for init, _ in self.cold) * 1000,
            "cold_first_invocation_cpu_ms": statistics.median(first for _, first in self.cold) * 1000,
            "cold_starts": len(self.cold),
            "peak_mb": self.peak_mb,
        }


@dataclass(frozen=True)
class Local:
    """The stack on moto, the vendor sandbox, and the functions' processes."""

    stack: Stack
    clients: dict[str, Any]
    vendor: TimedSandbox
    vendor_url: str
    ingress: FunctionProcesses
    delivery: FunctionProcesses
    usage: dict[str, Usage] = field(default_factory=lambda: {"ingress": Usage(1), "vendor": Usage(BATCH)})
    """What the ingress (over both runs) and the vendor function (over the run whose records go
    side by side) used, measured by their processes: CPU time of every thread, peak memory."""


def run(quick: bool = False) -> dict[str, Any]:
    batches = 1 if quick else 5
    with _local() as local:
        # Both shops exist before the ingress first reads the list of known shops.
        for shop, bound in SHOPS.values():
            _seed(local, shop, bound)
        runs = {name: _measure(local, shop, bound, batches) for name, (shop, bound) in SHOPS.items()}
    sequential, concurrent = runs["sequential"]["per_s"], runs["concurrent"]["per_s"]
    speedup = concurrent / sequential
    return {
        "vendor": f"{VENDOR} sandbox answering {ANSWERS_AFTER_SECONDS * 1000:.0f} ms late",
        "vendor_name": VENDOR,
        "record_calls": RECORD_CALLS,
        "aws": "moto's server in its own process; functions as processes",
        "batches": batches,
        "batch_size": BATCH,
        "default_max_in_flight": MAX_IN_FLIGHT,
        "sequential_per_s": sequential,
        "concurrent_per_s": concurrent,
        "speedup": speedup,
        "runs": runs,
        "usage": {name: usage.figures() for name, usage in local.usage.items()},
        "budget_speedup": SPEEDUP_BUDGET,
        "met": speedup >= SPEEDUP_BUDGET,
    }


def _seed(local: Local, shop: str, bound: int | None) -> None:
    """The shop, its secret and its Corvidae settings (``max_in_flight`` when ``bound`` is given)."""
    settings: dict[str, Any] = {
        **demo_account(VENDOR).settings,
        "endpoint": local.vendor_url,
        "send_test_orders": True,
    }
    if bound is not None:
        settings["max_in_flight"] = bound
    seed_shop(
        local.clients["ssm"],
        f"/shoprelay/{local.stack.parameters['Stage']}",
        shop,
        SECRET,
        {VENDOR: settings},
        dynamodb=local.clients["dynamodb"],
        table=local.stack.tables["StateTable"],
    )


def _measure(local: Local, shop: str, bound: int | None, batches: int) -> dict[str, Any]:
    """Queue ``batches`` full batches of different orders for ``shop``, then deliver them."""
    for number in range((batches + 1) * BATCH):
        answer = local.ingress.invoke(_webhook(shop, number))
        local.usage["ingress"].add(answer)
        if answer.status != "ok" or answer.payload["statusCode"] != 202:
            said = answer.error or f"{answer.payload['statusCode']} {answer.payload.get('body')}"
            raise RuntimeError(f"the ingress did not accept a bench webhook: {answer.status} {said}")
    _deliver_batch(local, counted=False)  # the container's first invocation: imports, clients, settings
    local.vendor.clear()
    seconds = 0.0
    for _ in range(batches):
        # CPU time is counted as deployed functions run, records side by side: between records
        # one after another the core idles, and the same work then measures up to half as long again.
        seconds += _deliver_batch(local, counted=bound is None)
    spans = local.vendor.spans()
    if len(spans) != batches * BATCH or {span.status for span in spans} != {200}:
        raise RuntimeError(f"the vendor saw {len(spans)} requests for {batches * BATCH} orders")
    return {
        "max_in_flight": bound if bound is not None else MAX_IN_FLIGHT,
        "records": batches * BATCH,
        "invocation_seconds": seconds,
        "per_s": batches * BATCH / seconds,
        "most_at_the_vendor_at_once": most_at_once(spans),
    }


def _deliver_batch(local: Local, counted: bool) -> float:
    """One full batch through the vendor function; the invocation's duration. A ``counted``
    batch's CPU time goes into the vendor function's usage (a cold start's always does)."""
    messages = _receive(local)
    queue_url = local.stack.queues[QUEUE]
    arn = f"arn:aws:sqs:{REGION}:123456789012:{queue_url.rsplit('/', 1)[-1]}"
    result = local.delivery.invoke(sqs_event(messages, arn))
    local.usage["vendor"].add(result, counted)
    if result.status != "ok" or result.payload["batchItemFailures"]:
        raise RuntimeError(f"a bench batch did not deliver: {result.status} {result.error or result.payload}")
    local.clients["sqs"].delete_message_batch(
        QueueUrl=queue_url,
        Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(messages)],
    )
    return result.duration


def _receive(local: Local) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for _ in range(10):  # SQS, and moto, may answer with fewer than are visible
        response = local.clients["sqs"].receive_message(
            QueueUrl=local.stack.queues[QUEUE], MaxNumberOfMessages=BATCH - len(messages), AttributeNames=["All"]
        )
        messages += response.get("Messages", [])
        if len(messages) == BATCH:
            return messages
    raise RuntimeError(f"only {len(messages)} of a full batch of {BATCH} arrived on the queue")


def _webhook(shop: str, number: int) -> dict[str, Any]:
    """A signed orders/create for a different order each ``number``, as API Gateway passes it."""
    order = json.loads((FIXTURES / ORDER).read_bytes())
    order["id"] = int(order["id"]) + number
    order["name"] = f"#B{number}"
    body = json.dumps(order).encode()
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/shopify",
        "headers": {
            "content-type": "application/json",
            "x-shopify-topic": "orders/create",
            "x-shopify-shop-domain": shop,
            "x-shopify-webhook-id": f"bench-delivery-{shop}-{number}",
            "x-shopify-event-id": f"{800000000 + number}",
            "x-shopify-api-version": "2026-04",
            "x-shopify-triggered-at": "2026-11-20T10:00:00.123456Z",
            "x-shopify-hmac-sha256": sign(SECRET, body),
        },
        "body": body.decode("utf-8"),
        "isBase64Encoded": False,
    }


@contextlib.contextmanager
def _local() -> Iterator[Local]:
    with moto_process() as endpoint, _environment({**_AWS_ENV, "AWS_ENDPOINT_URL": endpoint}):
        clients = aws_clients(endpoint)
        stack = provision(ROOT, clients)
        vendor = TimedSandbox(demo_account(VENDOR).sandbox(), ANSWERS_AFTER_SECONDS)
        server = SandboxServer({VENDOR: vendor}).start()
        ingress = FunctionProcesses(stack.functions["IngressFunction"])
        delivery = FunctionProcesses(stack.functions[FUNCTION])
        try:
            yield Local(stack, clients, vendor, server.url_for(VENDOR), ingress, delivery)
        finally:
            delivery.close()
            ingress.close()
            server.stop()


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set for the bench (the functions' processes inherit it), then put back as it was."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
