"""Ingress handler throughput and latency, in-process, with AWS replaced by in-memory fakes.

The handler is the production one (``shoprelay.ingress.app.make_handler`` around an
``IngressPipeline``), with its Powertools logging and metrics formatted as on Lambda and
written to a sink that discards them. AWS is replaced by the smallest fakes that still run
every line the real clients would: a DynamoDB fake that keeps items and enforces the
conditional writes, an SNS fake that accepts the publish, and an SSM fake behind the real
Powertools SSM provider, so ``load_shop_config`` and its parameter cache run unchanged.
moto in-process was not used: its request handling costs milliseconds per call, which would
measure moto, not the handler, and network latency to AWS is not in either.
"""

from __future__ import annotations

import contextlib
import gc
import io
import itertools
import logging
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from shoprelay.vendors import vendor_names
from shoprelay_tools.bench.translate import FIXTURE_SET, FIXTURES, SHOP, one_core

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_ssm.client import SSMClient

    from shoprelay.ingress.pipeline import IngressPipeline

SECRET = "bench-secret"  # noqa: S105 - a made-up signing secret for generated webhooks
BUDGET_P99_MS = 5.0
FAKES = "in-memory fakes (DynamoDB with conditional writes, SNS, SSM behind the Powertools provider)"


class FakeDynamoDB:
    """The DynamoDB client calls StateTable makes, on a dict, with its conditions enforced."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    @staticmethod
    def _key(item: Mapping[str, Any]) -> tuple[str, str]:
        return item["pk"]["S"], item["sk"]["S"]

    def update_item(self, **request: Any) -> dict[str, Any]:
        """The lease's completion: the only update the ingress makes."""
        item = self.items.get(self._key(request["Key"]))
        if item is not None:
            item["status"] = {"S": "done"}
            item.pop("lease_until", None)
        return {}

    def put_item(self, **request: Any) -> dict[str, Any]:
        item = request["Item"]
        existing = self.items.get(self._key(item))
        newer = int(request["ExpressionAttributeValues"][":updated"]["N"]) if "updated_at" in item else None
        stale = existing is not None and newer is not None and int(existing["updated_at"]["N"]) > newer
        leased = "lease_until" in item and existing is not None and int(existing["expires_at"]["N"]) >= time.time()
        if stale or leased:
            raise ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem")
        self.items[self._key(item)] = item
        return {}

    def get_item(self, **request: Any) -> dict[str, Any]:
        item = self.items.get(self._key(request["Key"]))
        return {"Item": item} if item is not None else {}

    def delete_item(self, **request: Any) -> dict[str, Any]:
        self.items.pop(self._key(request["Key"]), None)
        return {}


class FakeSNS:
    def __init__(self) -> None:
        self.published = 0
        self.largest = 0

    def publish(self, **request: Any) -> dict[str, Any]:
        self.published += 1
        self.largest = max(self.largest, len(request["Message"].encode("utf-8")))
        return {"MessageId": str(self.published)}


class FakeSSM:
    """``get_parameters_by_path`` through a paginator, as the Powertools provider calls it."""

    def __init__(self, parameters: Mapping[str, str]) -> None:
        self.parameters = dict(parameters)
        self.calls = 0

    def get_parameters(self, Names: list[str], **_: Any) -> dict[str, Any]:  # noqa: N803
        """Reads by name, as the ingress makes them."""
        self.calls += 1
        found = [{"Name": name, "Value": self.parameters[name]} for name in Names if name in self.parameters]
        return {"Parameters": found, "InvalidParameters": [name for name in Names if name not in self.parameters]}

    def get_paginator(self, operation: str) -> FakeSSM:
        assert operation == "get_parameters_by_path"
        return self

    def paginate(self, Path: str, **_: Any) -> Iterator[dict[str, Any]]:  # noqa: N803
        self.calls += 1
        found = [{"Name": k, "Value": v} for k, v in self.parameters.items() if k.startswith(Path)]
        yield {"Parameters": found}


class _Discard(io.TextIOBase):
    """Where the handler's log lines go: counted, then dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0
        self.lines = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        self.lines += text.count("\n")
        return len(text)


def item_bytes(item: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB bills it: attribute names plus values (a number takes about one
    byte per two digits, plus one)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode("utf-8"))
        kind, content = next(iter(value.items()))
        if kind == "N":
            size += (len(str(content).lstrip("-").replace(".", "")) + 1) // 2 + 1
        elif kind == "B":
            size += len(content)
        else:
            size += len(str(content).encode("utf-8"))
    return size


def effect_item_bytes() -> int:
    """A completed vendor effect record, as ``StateTable.claim_effect`` and ``complete_effect`` leave it."""
    subject = f"{SHOP}#mytracker#order:5123456789012"
    return item_bytes(
        {
            "pk": {"S": f"effect#{subject}"},
            "sk": {"S": "PURCHASE#0"},
            "status": {"S": "done"},
            "expires_at": {"N": str(int(time.time()) + 120 * 86400)},
        }
    )


class _Context:
    function_name = "IngressFunction"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:IngressFunction"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _events(count: int) -> list[dict[str, Any]]:
    """Signed API Gateway events cycling through the fixture set, each a new delivery."""
    from shoprelay.sources.shopify import sign

    bodies = [((FIXTURES / f.name).read_bytes(), f.topic) for f in FIXTURE_SET]
    events = []
    for index, (body, topic) in zip(range(count), itertools.cycle(bodies), strict=False):
        events.append(
            {
                "version": "2.0",
                "routeKey": "POST /webhooks/shopify",
                "headers": {
                    "content-type": "application/json",
                    "x-shopify-topic": topic,
                    "x-shopify-shop-domain": SHOP,
                    "x-shopify-webhook-id": f"bench-webhook-{index}",
                    "x-shopify-event-id": f"{900000000 + index}",
                    "x-shopify-api-version": "2026-04",
                    "x-shopify-triggered-at": "2026-11-20T10:00:00.123456Z",
                    "x-shopify-hmac-sha256": sign(SECRET, body),
                },
                "body": body.decode("utf-8"),
                "isBase64Encoded": False,
            }
        )
    return events


@contextlib.contextmanager
def _quiet_powertools(service_logger: Any) -> Iterator[_Discard]:
    """Logs and EMF metrics still formatted, then counted and discarded instead of printed."""
    sink = _Discard()
    handlers = [h for h in logging.getLogger(service_logger.name).handlers if isinstance(h, logging.StreamHandler)]
    streams = [h.setStream(sink) for h in handlers]
    try:
        with contextlib.redirect_stdout(sink):
            yield sink
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)


_LAMBDA_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "shoprelay",
    "POWERTOOLS_METRICS_NAMESPACE": "shoprelay",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def run(quick: bool = False) -> dict[str, Any]:
    for name, value in _LAMBDA_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    from shoprelay.ingress.app import logger as ingress_logger
    from shoprelay.ingress.app import make_handler

    ssm = _shop_parameters()
    table = FakeDynamoDB()
    sns = FakeSNS()
    handler = make_handler(_pipeline(table, sns))
    warmup, measured = (20, 200) if quick else (200, 4000)
    events = _events(warmup + measured)
    context = _Context()
    with _ssm_provider(ssm), _quiet_powertools(ingress_logger) as sink, one_core() as core:
        for event in events[:warmup]:
            handler(event, context)
        gc.collect()
        before = (sink.bytes, sink.lines)
        timing = _timed(handler, context, events[warmup:])
        logged = (sink.bytes - before[0], sink.lines - before[1])
    accepted = timing.statuses.get(202, 0)
    p99 = timing.percentile_ms(0.99)
    orders = {key: item for key, item in table.items.items() if key[0].startswith("order#")}
    deliveries = [item for key, item in table.items.items() if key[0].startswith("delivery#")]
    return {
        "aws": FAKES,
        "webhooks": measured,
        "statuses": {str(k): v for k, v in sorted(timing.statuses.items())},
        "accepted_per_second": accepted / timing.elapsed,
        "p50_ms": timing.percentile_ms(0.5),
        "p99_ms": p99,
        "mean_ms": sum(timing.times_ns) / len(timing.times_ns) / 1e6,
        "ssm_calls": ssm.calls,
        "largest_message_bytes": sns.largest,
        "order_item_bytes": sorted(item_bytes(item) for item in orders.values()),
        "delivery_item_bytes": max((item_bytes(item) for item in deliveries), default=0),
        "effect_item_bytes": effect_item_bytes(),
        "log_bytes_per_webhook": logged[0] / measured,
        "log_lines_per_webhook": logged[1] / measured,
        "pinned_core": core,
        "budget_p99_ms": BUDGET_P99_MS,
        "met": p99 < BUDGET_P99_MS and accepted == measured,
    }


def _shop_parameters() -> FakeSSM:
    """The bench shop with its signing secret and every vendor enabled, as SSM would hold them."""
    from shoprelay.config import parameter_prefix

    shop_path = f"{parameter_prefix()}/shops/{SHOP}/"
    return FakeSSM(
        {
            f"{shop_path}webhook-secret": SECRET,
            f"{shop_path}vendors": ",".join(vendor_names()),
            **{f"{shop_path}vendors/{vendor}": '{"enabled": true}' for vendor in vendor_names()},
        }
    )


def _pipeline(table: FakeDynamoDB, sns: FakeSNS) -> IngressPipeline:
    from shoprelay.config import load_shop_config
    from shoprelay.config.known import KNOWN_SHOPS_ITEM, KnownShops
    from shoprelay.ingress.pipeline import IngressPipeline
    from shoprelay.state import StateTable

    table.items[FakeDynamoDB._key(KNOWN_SHOPS_ITEM)] = {**KNOWN_SHOPS_ITEM, "shops": {"SS": [SHOP]}}
    known = KnownShops(client=table, table="bench-state")
    return IngressPipeline(
        table=StateTable(name="bench-state", client=cast("DynamoDBClient", table)),
        sns=cast("SNSClient", sns),
        topic_arn="arn:aws:sns:us-east-1:123456789012:bench-events",
        load_shop=partial(load_shop_config, known=known),
        # The template's defaults (MaxBodyBytes, OrderMemoryDays, DeliveryRecordHours).
        max_body_bytes=2 * 1024 * 1024,
        memory_ttl_seconds=120 * 86400,
        delivery_ttl_seconds=24 * 3600,
    )


@contextlib.contextmanager
def _ssm_provider(ssm: FakeSSM) -> Iterator[None]:
    """The real Powertools SSM provider, over the fake client, for as long as the bench runs."""
    from aws_lambda_powertools.utilities.parameters import base as parameters_base
    from aws_lambda_powertools.utilities.parameters.ssm import SSMProvider

    providers: dict[str, Any] = parameters_base.DEFAULT_PROVIDERS  # type: ignore[attr-defined]
    previous = providers.get("ssm")
    providers["ssm"] = SSMProvider(boto3_client=cast("SSMClient", ssm))
    try:
        yield
    finally:
        if previous is None:
            providers.pop("ssm", None)
        else:
            providers["ssm"] = previous


@dataclass
class _Timing:
    times_ns: list[int]
    """Sorted, so percentiles are indexes."""
    statuses: dict[int, int]
    elapsed: float

    def percentile_ms(self, fraction: float) -> float:
        return self.times_ns[min(len(self.times_ns) - 1, int(len(self.times_ns) * fraction))] / 1e6


def _timed(handler: Any, context: _Context, events: list[dict[str, Any]]) -> _Timing:
    times: list[int] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    for event in events:
        begin = time.perf_counter_ns()
        response = handler(event, context)
        times.append(time.perf_counter_ns() - begin)
        statuses[response["statusCode"]] = statuses.get(response["statusCode"], 0) + 1
    elapsed = time.perf_counter() - started
    times.sort()
    return _Timing(times, statuses, elapsed)
