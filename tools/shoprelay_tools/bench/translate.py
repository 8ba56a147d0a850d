"""Translate throughput per vendor, against the JSON floor measured in the same run.

What a translator's user pays for one order: the raw webhook body becomes the canonical event
(the Shopify adapter), the vendor's translator turns it into requests, and each request's
body is encoded to the bytes that go on the wire. The floor is the work no translator can
avoid: parsing the same raw body and serialising the same request bodies, with the fastest
JSON library installed. Both run interleaved, round after round, so machine noise hits both.

Beside it, ``canonical_us`` is the part every vendor shares, raw body to canonical event,
timed in the same rounds: what is left between it and the budget is what a translator has.
``delivery_us`` is what a vendor function spends per SQS message before the network: the
canonical event JSON parsed, the shop's settings validated, translated, encoded. The cost
model uses it.
"""

from __future__ import annotations

import gc
import importlib
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import msgspec

from shoprelay.canonical import CanonicalEvent, Order, from_json, to_json, to_json_text
from shoprelay.delivery.processor import EVENT_ID_HEADER
from shoprelay.sources.shopify import WebhookMeta, parse_webhook
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay.vendors.base import Vendor, VendorRequest, VendorSettings, translate_for_shop
from shoprelay_tools.bench import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "shopify"
SHOP = "bench-shop.myshopify.com"
RECEIVED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
BUDGET_RATIO = 3.0


@dataclass(frozen=True)
class Fixture:
    name: str
    topic: str
    remembered_order: str | None = None
    """For a refund: the order body that order memory would hold (the refund names its order)."""


FIXTURE_SET: tuple[Fixture, ...] = (
    Fixture("order-12-line-items.filled-2024-01.json", "orders/create"),
    Fixture("orders-create.test-store-shop-AUD-buyer-USD.json", "orders/create"),
    Fixture("orders-create.shopify-docs-2026-04.json", "orders/cancelled"),  # voided and cancelled
    Fixture(
        "refunds-create.shopify-docs-2026-04.json",
        "refunds/create",
        remembered_order="orders-create.shopify-docs-2026-04.json",
    ),
)
"""The fixed set: the 12-line order, the AUD shop / USD buyer order, the docs order, its refund."""


@dataclass(frozen=True)
class JsonLibrary:
    name: str
    version: str
    loads: Callable[[bytes], Any]
    dumps: Callable[[Any], bytes]


def _candidate_libraries() -> list[JsonLibrary]:
    """Every JSON library that is installed, as bytes in / bytes out functions."""
    import json

    found = [
        JsonLibrary(
            "json",
            "stdlib",
            json.loads,
            lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        )
    ]
    for name, adapt in _BYTES_ADAPTERS.items():
        try:
            module: Any = importlib.import_module(name)
        except ImportError:
            continue
        loads, dumps = adapt(module)
        found.append(JsonLibrary(name, str(getattr(module, "__version__", "?")), loads, dumps))
    return found


type _Codec = tuple[Callable[[bytes], Any], Callable[[Any], bytes]]


def _ujson_codec(module: Any) -> _Codec:
    """ujson writes text, so its output is encoded to be compared with the bytes writers."""

    def dumps(value: Any) -> bytes:
        return bytes(module.dumps(value, ensure_ascii=False).encode("utf-8"))

    return module.loads, dumps


_BYTES_ADAPTERS: dict[str, Callable[[Any], _Codec]] = {
    "orjson": lambda module: (module.loads, module.dumps),
    "msgspec": lambda module: (module.json.decode, module.json.encode),
    "ujson": _ujson_codec,
}
"""Optional JSON libraries by module name, each with how to read and write bytes through it."""


def fastest_json(bodies: list[bytes], quick: bool = False) -> JsonLibrary:
    """The installed library that parses and re-serialises ``bodies`` fastest, measured here."""
    best: tuple[float, JsonLibrary] | None = None
    for library in _candidate_libraries():
        parsed = [library.loads(body) for body in bodies]

        def work(lib: JsonLibrary = library, docs: list[Any] = parsed) -> None:
            for body, doc in zip(bodies, docs, strict=True):
                lib.loads(body)
                lib.dumps(doc)

        seconds = _best_of(work, rounds=3 if quick else 7, target_seconds=0.005 if quick else 0.02)
        if best is None or seconds < best[0]:
            best = (seconds, library)
    assert best is not None
    return best[1]


def _best_of(work: Callable[[], object], *, rounds: int, target_seconds: float) -> float:
    loops = _loops_for(work, target_seconds)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(loops):
            work()
        times.append((time.perf_counter() - started) / loops)
    return min(times)


def _loops_for(work: Callable[[], object], target_seconds: float) -> int:
    """How many calls of ``work`` take about ``target_seconds`` (at least one)."""
    started = time.perf_counter()
    work()
    once = max(time.perf_counter() - started, 1e-7)
    return max(1, int(target_seconds / once))


@contextmanager
def one_core() -> Iterator[int | None]:
    """Pin this process to one CPU while measuring, where the OS allows it."""
    if not hasattr(os, "sched_getaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    core = max(before)
    os.sched_setaffinity(0, {core})
    try:
        yield core
    finally:
        os.sched_setaffinity(0, before)


@dataclass
class _Input:
    fixture: Fixture
    meta: WebhookMeta
    body: bytes
    remembered: Order | None


def _inputs() -> list[_Input]:
    inputs = []
    for index, fixture in enumerate(FIXTURE_SET):
        remembered = None
        if fixture.remembered_order:
            order_body = (FIXTURES / fixture.remembered_order).read_bytes()
            remembered = parse_webhook(WebhookMeta(shop=SHOP, topic="orders/updated"), order_body, RECEIVED_AT).order
        meta = WebhookMeta(shop=SHOP, topic=fixture.topic, webhook_id=f"bench-{index}", event_id=f"{index}")
        inputs.append(_Input(fixture, meta, (FIXTURES / fixture.name).read_bytes(), remembered))
    return inputs


def bench_settings(vendor: Vendor) -> VendorSettings:
    """The vendor's placeholder settings, relaying test orders (two fixtures are test orders)."""
    return vendor.settings_model.parse({**vendor.placeholder_settings, "send_test_orders": True})


def _event(item: _Input) -> CanonicalEvent:
    event = parse_webhook(item.meta, item.body, RECEIVED_AT)
    if item.remembered is not None:
        event = msgspec.structs.replace(event, order=item.remembered, order_remembered=True)
    return event


def _body_data(request: Any) -> Any:
    return dict(request.form_body) if request.form_body is not None else request.json_body


def measure_vendor(name: str, library: JsonLibrary, *, quick: bool = False) -> dict[str, Any]:
    """Orders per second for one vendor over the fixture set, and its floor."""
    vendor = load_vendor(name)
    inputs = _inputs()
    produced = _produce(vendor, inputs)
    seconds = _median_seconds(_workloads(vendor, inputs, produced, library), quick=quick)
    count = len(inputs)
    ours_s = seconds["ours"] / count
    floor_s = seconds["floor"] / count
    ratio = ours_s / floor_s
    return {
        "orders_per_second": 1 / ours_s,
        "us_per_order": ours_s * 1e6,
        "floor_us_per_order": floor_s * 1e6,
        "ratio": ratio,
        "canonical_us_per_order": seconds["canonical"] / count * 1e6,
        "canonical_ratio": seconds["canonical"] / count / floor_s,
        "delivery_us_per_message": seconds["delivery"] / count * 1e6,
        "requests": produced.requests,
        "request_bytes": produced.request_bytes,
        "non_repeatable_requests": produced.non_repeatable,
        "vendor_deduplicated_requests": produced.deduplicated,
        "skipped": produced.skipped,
        "routed": produced.routed,
        "budget_ratio": BUDGET_RATIO,
        "met": ratio <= BUDGET_RATIO,
    }


@dataclass
class _Produced:
    """What one vendor makes of the fixture set, computed once so the floor serialises the same bodies."""

    bodies: list[list[Any]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    """The canonical events as the vendor function's SQS messages carry them."""
    requests: int = 0
    request_bytes: int = 0
    """The requests as HTTP/1.1 writes them: request line, headers, body."""
    non_repeatable: int = 0
    deduplicated: int = 0
    """Requests whose effect is marked in one write, since the vendor ignores a repeat."""
    skipped: int = 0
    routed: int = 0
    """Events the ingress routes to the vendor: those of a kind its translator takes."""


CLIENT_HEADERS = {
    "Host": "api.vendor.example",
    "User-Agent": "shoprelay/0.1",
    "Accept-Encoding": "gzip, deflate",
    "Accept": "*/*",
    "Connection": "keep-alive",
    EVENT_ID_HEADER: "00000000-0000-0000-0000-000000000000",
}
"""What the HTTP client and the delivery add to every request, as representative values."""


def http_bytes(request: VendorRequest) -> int:
    """The request's size on the wire before TLS: request line, headers and body."""
    body = request.body_bytes() or b""
    headers = {**CLIENT_HEADERS, **request.wire_headers()}
    if body:
        headers["Content-Length"] = str(len(body))
    head = f"{request.method} {request.url} HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    return len(head.encode("utf-8")) + len(body)


def _produce(vendor: Vendor, inputs: list[_Input]) -> _Produced:
    settings = bench_settings(vendor)
    produced = _Produced()
    for item in inputs:
        event = _event(item)
        produced.messages.append(to_json_text(event))
        translation = translate_for_shop(vendor, event, settings)
        produced.skipped += translation.skipped is not None
        produced.routed += vendor.translate.reason_to_skip_kind(event.kind) is None
        produced.requests += len(translation.requests)
        produced.request_bytes += sum(map(http_bytes, translation.requests))
        produced.non_repeatable += sum(1 for request in translation.requests if not request.repeatable)
        produced.deduplicated += sum(1 for request in translation.requests if request.vendor_ignores_repeats)
        produced.bodies.append([data for data in map(_body_data, translation.requests) if data is not None])
    return produced


def _workloads(
    vendor: Vendor, inputs: list[_Input], produced: _Produced, library: JsonLibrary
) -> dict[str, Callable[[], None]]:
    """One pass over the fixture set for each figure, in the order the rounds interleave them."""
    raw_settings = {**vendor.placeholder_settings, "send_test_orders": True}
    return {
        "ours": partial(_translate_all, vendor, bench_settings(vendor), inputs),
        "floor": partial(_floor, library, inputs, produced.bodies),
        "canonical": partial(_canonical_all, inputs),
        "delivery": partial(_deliver_all, vendor, raw_settings, produced.messages),
    }


def _translate_all(vendor: Vendor, settings: VendorSettings, inputs: list[_Input]) -> None:
    for item in inputs:
        for request in translate_for_shop(vendor, _event(item), settings).requests:
            request.body_bytes()


def _floor(library: JsonLibrary, inputs: list[_Input], produced_bodies: list[list[Any]]) -> None:
    for item, bodies in zip(inputs, produced_bodies, strict=True):
        library.loads(item.body)
        for data in bodies:
            library.dumps(data)


def _canonical_all(inputs: list[_Input]) -> None:
    for item in inputs:
        _event(item)


def _deliver_all(vendor: Vendor, raw_settings: dict[str, Any], messages: list[str]) -> None:
    """Settings are validated per message, as a vendor function does for each one it receives."""
    for message in messages:
        event = from_json(CanonicalEvent, message)
        shop_settings = vendor.settings_model.parse(raw_settings)
        for request in translate_for_shop(vendor, event, shop_settings).requests:
            request.body_bytes()


def _median_seconds(workloads: dict[str, Callable[[], None]], *, quick: bool) -> dict[str, float]:
    """Median seconds per pass of each workload, run interleaved so machine noise hits them all."""
    rounds = 3 if quick else 15
    target = 0.002 if quick else 0.03
    loops = {name: _loops_for(work, target) for name, work in workloads.items()}
    samples: dict[str, list[float]] = {name: [] for name in workloads}
    gc.collect()
    for _ in range(rounds):
        for name, runs in loops.items():
            work = workloads[name]
            started = time.perf_counter()
            for _ in range(runs):
                work()
            samples[name].append((time.perf_counter() - started) / runs)
    return {name: statistics.median(times) for name, times in samples.items()}


def run(quick: bool = False, vendors: tuple[str, ...] | None = None) -> dict[str, Any]:
    inputs = _inputs()
    library = fastest_json([item.body for item in inputs], quick=quick)
    with one_core() as core:
        results = {name: measure_vendor(name, library, quick=quick) for name in vendors or vendor_names()}
    order_documents = [
        len(to_json(order))
        for order in (_event(item).order for item in inputs if item.fixture.topic.startswith("orders/"))
        if order is not None
    ]
    return {
        "fixtures": [f"{item.fixture.name} ({item.fixture.topic})" for item in inputs],
        "fixture_bytes": [len(item.body) for item in inputs],
        "order_document_bytes": order_documents,
        "json_library": f"{library.name} {library.version}",
        "pinned_core": core,
        "vendors": results,
    }
