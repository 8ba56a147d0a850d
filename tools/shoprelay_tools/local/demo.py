"""``shoprelay local --demo``: post every bundled sample and show where each one ended up.

The Shopify samples go to ``/webhooks/shopify``; the WooCommerce ones to
``/webhooks/woocommerce`` for the demo site, where one delivery can stand for several events
(placed and paid, a refund): each of them gets its row per vendor.

Each sample is signed with the demo secret and posted through the gateway; the next one
goes only when the previous one has reached a final state at every vendor it was routed
to, so a refund always follows its order. A cell is final when the vendor function logged
``delivered`` or ``skipped``, or the event sits in the vendor's dead-letter queue.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TextIO

import requests

from shoprelay.ingress.pipeline import Route
from shoprelay.sources.shopify import sign
from shoprelay.sources.woocommerce import sign as woocommerce_sign
from shoprelay_tools.local.runner import LocalStack
from shoprelay_tools.local.samples import SAMPLES, WOO_SAMPLES, Sample, WooSample
from shoprelay_tools.source_samples import DEMO_WOO_SOURCE


@dataclass(frozen=True)
class Cell:
    sample: Sample | WooSample
    vendor: str
    result: str
    """``delivered``, ``skipped: <reason>``, ``DLQ: <reason>`` or a problem."""
    ok: bool


def signed_headers(stack: LocalStack, sample: Sample, body: bytes, webhook_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": sample.topic,
        "X-Shopify-Shop-Domain": stack.shop,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Api-Version": "2026-04",
        "X-Shopify-Hmac-Sha256": sign(stack.secret, body),
    }


def woo_signed_headers(stack: LocalStack, sample: WooSample, body: bytes, delivery_id: str) -> dict[str, str]:
    resource, _, action = sample.topic.partition(".")
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": DEMO_WOO_SOURCE,
        "X-WC-Webhook-Topic": sample.topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": action,
        "X-WC-Webhook-ID": "16",
        "X-WC-Webhook-Delivery-ID": delivery_id,
        "X-WC-Webhook-Signature": woocommerce_sign(stack.secret, body),
    }


def _dead_lettered(stack: LocalStack, event_id: str) -> dict[str, str]:
    """vendor → reason, for DLQ messages of ``event_id`` (also those SQS redrove by itself)."""
    return {
        str(m["vendor"]): str(m.get("reason") or "redriven after maxReceiveCount")
        for m in stack.dead_letters()
        if m.get("event_id") == event_id
    }


def _delivered_cell(stack: LocalStack, event_id: str, vendor: str) -> tuple[str, bool]:
    calls = [d for d in stack.sandboxes.recorded(vendor) if d.event_id == event_id]
    if not calls:
        return "delivered", True  # pointed at a real API by --settings: nothing recorded here
    statuses = sorted({d.status for d in calls if d.status is not None})
    ok = any(200 <= s < 300 for s in statuses)
    label = f"delivered ({len(calls)} request{'s' if len(calls) > 1 else ''}, HTTP {'/'.join(map(str, statuses))})"
    return (label if ok else f"{label}: no 2xx from the sandbox"), ok


def _post(stack: LocalStack, sample: Sample | WooSample) -> requests.Response:
    body = sample.body()
    if isinstance(sample, WooSample):
        headers = woo_signed_headers(stack, sample, body, uuid.uuid4().hex)
        return requests.post(stack.webhook_url("woocommerce"), data=body, headers=headers, timeout=30)
    headers = signed_headers(stack, sample, body, str(uuid.uuid4()))
    return requests.post(stack.webhook_url(), data=body, headers=headers, timeout=30)


def run_sample(stack: LocalStack, sample: Sample | WooSample, timeout: float) -> list[Cell]:
    response = _post(stack, sample)
    if response.status_code != 202:
        problem = f"ingress answered HTTP {response.status_code}: {response.text.strip()[:200]}"
        return [Cell(sample, "-", problem, False)]
    answer = response.json()
    events = answer.get("events") or [{**answer, "kind": ""}]
    cells: list[Cell] = []
    for event in events:
        route = Route([str(v) for v in event["vendors"]], {str(v): str(r) for v, r in event["skipped"].items()})
        found = _event_cells(stack, sample, str(event["id"]), route, timeout)
        if len(events) > 1:
            found = [Cell(c.sample, c.vendor, f"{event['kind']}: {c.result}", c.ok) for c in found]
        cells.extend(found)
    return cells


def _event_cells(
    stack: LocalStack, sample: Sample | WooSample, event_id: str, route: Route, timeout: float
) -> list[Cell]:
    vendors = route.vendors
    cells: list[Cell] = [
        Cell(sample, vendor, f"skipped by the ingress: {route.skipped[vendor]}", True)
        if vendor in route.skipped
        else Cell(sample, vendor, "not routed to this vendor by the ingress", False)
        for vendor in sorted(stack.vendor_settings)
        if vendor not in vendors and stack.vendor_settings[vendor].get("enabled", True) is not False
    ]
    deadline = time.monotonic() + timeout
    final = stack.outcomes.final(event_id)
    dead = _dead_lettered(stack, event_id)
    while not all(v in final or v in dead for v in vendors) and time.monotonic() < deadline:
        final = stack.outcomes.wait_final(event_id, vendors, min(1.0, max(deadline - time.monotonic(), 0)))
        dead = _dead_lettered(stack, event_id)
    for vendor in vendors:
        outcome = final.get(vendor)
        if vendor in dead or (outcome is not None and outcome.outcome == "dead_lettered"):
            reason = dead.get(vendor) or (outcome.reason if outcome else None) or "no reason given"
            cells.append(Cell(sample, vendor, f"DLQ: {reason}", False))
        elif outcome is None:
            cells.append(Cell(sample, vendor, f"no final state within {timeout:g} s", False))
        elif outcome.outcome == "skipped":
            cells.append(Cell(sample, vendor, f"skipped: {outcome.reason or 'no reason given'}", True))
        else:
            label, ok = _delivered_cell(stack, event_id, vendor)
            cells.append(Cell(sample, vendor, label, ok))
    return cells


def print_table(cells: list[Cell], out: TextIO) -> None:
    rows = [(f"{c.sample.label}", c.sample.topic, c.vendor, c.result) for c in cells]
    header = ("SAMPLE", "TOPIC", "VENDOR", "RESULT")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    previous = None
    for row in [header, *rows]:
        first = row is header or row[0] != previous
        previous = row[0]
        label, topic = (row[0], row[1]) if first else ("", "")
        print(f"{label:<{widths[0]}}  {topic:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}", file=out)


def run_demo(stack: LocalStack, out: TextIO, timeout: float = 30.0) -> int:
    """Post every sample, print the table; 0 when every cell is delivered or skipped."""
    cells: list[Cell] = []
    samples: tuple[Sample | WooSample, ...] = (*SAMPLES, *WOO_SAMPLES)
    for sample in samples:
        cells.extend(run_sample(stack, sample, timeout))
    print_table(cells, out)
    failed = [c for c in cells if not c.ok]
    print(file=out)
    if failed:
        for cell in failed:
            print(f"FAILED: {cell.sample.label} ({cell.sample.topic}) at {cell.vendor}: {cell.result}", file=out)
        return 1
    print(
        f"OK: {len(SAMPLES) + len(WOO_SAMPLES)} samples, {len(cells)} results, every one delivered or skipped.",
        file=out,
    )
    return 0
