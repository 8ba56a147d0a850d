"""What a deployment pays AWS per million orders with all five vendors enabled, at two volumes.

*low*: orders arrive one at a time, so every vendor function gets one message per invocation;
*volume*: SQS hands the vendor functions full batches of 10. Each line says what it counts
and what it assumes, and every price names its source and the day it was checked, so the
printed table can be checked line by line.

Figures come from the code as it runs: the CPU time the ingress and a vendor function's
processes used per webhook and per record in the delivery bench (AWS over HTTP, scaled to the
CPU share Lambda gives the memory size), the translate benchmark's per-vendor differences,
the state-table items and log lines the ingress handler actually writes, the remembered
order's real size, and memory sizes, retention and tracing from template.yaml. What no local
run can measure (AWS call and vendor latencies, Lambda's platform log lines, how many warm
containers and shops share a parameter cache) is a stated assumption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shoprelay.vendors import vendor_names
from shoprelay_tools.bench.coldstart import functions
from shoprelay_tools.stack.template import find_root, load_template

CHECKED = "2026-12-03"
"""The day the prices below were read (stored copies of the pages named in each source)."""


@dataclass(frozen=True)
class Price:
    usd: float
    per: str
    source: str
    note: str = ""


PRICES: dict[str, Price] = {
    "api_gateway_http": Price(
        1.00,
        "million requests (first 300 M a month; each 512 KB of a request counts as one)",
        "aws.amazon.com/api-gateway/pricing (HTTP APIs)",
    ),
    "lambda_requests": Price(0.20, "million requests", "aws.amazon.com/lambda/pricing"),
    "lambda_arm64_gb_second": Price(
        0.0000133334, "GB-second (arm64, first 7.5 billion GB-s a month)", "aws.amazon.com/lambda/pricing (Arm price)"
    ),
    "sns_publish": Price(
        0.50,
        "million publishes (each 64 KB of a message counts as one)",
        "aws.amazon.com/sns/pricing (standard topics)",
        "deliveries to SQS queues carry no SNS charge",
    ),
    "sqs_request": Price(
        0.40,
        "million requests (each 64 KB counts as one; a batch of up to 10 is one request)",
        "aws.amazon.com/sqs/pricing (standard queues, first 100 billion a month)",
        "the SendMessage SNS makes into each subscribed queue is counted as a request: "
        "assumed from the SQS pricing page, not stated there in those words",
    ),
    "dynamodb_write_unit": Price(
        0.625,
        "million write request units (on demand; 1 KB each, a transactional write 2)",
        "aws.amazon.com/dynamodb/pricing/on-demand (halved on 1 Nov 2024)",
    ),
    "dynamodb_read_unit": Price(
        0.125,
        "million read request units (on demand; a strongly consistent read of 4 KB)",
        "aws.amazon.com/dynamodb/pricing/on-demand (halved on 1 Nov 2024)",
    ),
    "dynamodb_storage": Price(
        0.25, "GB-month (Standard table class; each item counts 100 bytes more)", "aws.amazon.com/dynamodb/pricing"
    ),
    "dynamodb_pitr": Price(
        0.20,
        "GB-month of table size (continuous backups)",
        "aws.amazon.com/dynamodb/pricing/on-demand",
        "not confirmed on a stored copy of AWS's own page this time; the price AWS has listed for years",
    ),
    "s3_put": Price(0.005, "thousand PUT requests", "aws.amazon.com/s3/pricing (S3 Standard)"),
    "s3_get": Price(0.0004, "thousand GET requests", "aws.amazon.com/s3/pricing (S3 Standard)"),
    "cloudwatch_logs_ingest": Price(
        0.50,
        "GB ingested (Standard class; Lambda logs' first tier, up to 10 TB a month)",
        "aws.amazon.com/cloudwatch/pricing; AWS's Lambda logging price change of 1 May 2025",
    ),
    "cloudwatch_logs_storage": Price(
        0.03,
        "GB-month stored (archived; AWS bills the compressed size)",
        "aws.amazon.com/cloudwatch/pricing",
    ),
    "data_transfer_out": Price(
        0.09,
        "GB out to the internet (first 10 TB a month; the account's first 100 GB a month are free)",
        "aws.amazon.com/ec2/pricing/on-demand (Data Transfer); aws.amazon.com/lambda/pricing applies EC2's rates",
        "within the Region, calls to DynamoDB, SNS, SQS, SSM and S3 carry no transfer charge",
    ),
    "cloudwatch_custom_metric": Price(
        0.30,
        "metric-month (first 10,000 metrics; EMF metrics from the functions' logs)",
        "aws.amazon.com/cloudwatch/pricing",
    ),
    "cloudwatch_alarm": Price(0.10, "alarm-month (standard resolution)", "aws.amazon.com/cloudwatch/pricing"),
    "xray_trace": Price(5.00, "million traces recorded", "aws.amazon.com/xray/pricing"),
    "ssm_standard_parameter": Price(
        0.0,
        "API interaction (standard parameters, standard throughput)",
        "docs.aws.amazon.com/systems-manager (parameter tiers: standard has no additional charge)",
        "higher throughput, which this stack does not enable, costs $0.05 per 10,000 interactions",
    ),
    "kms_request": Price(0.03, "10,000 requests (AWS managed keys have no monthly fee)", "aws.amazon.com/kms/pricing"),
}
"""List prices in us-east-1, with the free tiers left out (they do not scale with orders)."""

type Rate = tuple[str, float]
"""A price's name and how many of its units one item costs."""

GIB = 1024**3
DAYS_PER_MONTH = 30.4
MINUTES_PER_MONTH = 43_800


@dataclass(frozen=True)
class Volume:
    name: str
    messages_per_invocation: int
    orders_per_month: int
    shops: int
    warm_ingress: int
    warm_per_vendor: int
    about: str


VOLUMES = (
    Volume(
        "low",
        1,
        100_000,
        1,
        1,
        1,
        "100,000 orders a month from one shop (about 2 a minute): one message per invocation",
    ),
    Volume(
        "volume",
        10,
        30_000_000,
        10,
        2,
        5,
        "30 million orders a month from 10 shops (about 12 a second): SQS fills batches of 10 within the 1 s window",
    ),
)

ASSUMPTIONS: dict[str, Any] = {
    "webhooks_per_order": 1,
    "webhook_mix": "the translate fixture set: 2 orders/create, 1 orders/paid, 1 refunds/create",
    "delivery_keys": 1,
    "vcpu_at_mb": 1769,
    "dynamodb_call_ms": 6,
    "sns_publish_ms": 15,
    "vendor_http_ms": 150,
    "events_over_sns_limit": 0.0,
    "idle_pollers_per_queue": 5,
    "long_polls_per_poller_minute": 3,
    "platform_log_bytes_per_invocation": 600,
    "access_log_bytes_per_request": 330,
    "vendor_log_bytes": {"outcome_line": 340, "call_line": 320, "metrics_per_invocation": 420},
    "metric_series": {"ingress": 1, "per_vendor": 2},
    "alarms": 6,
    "parameter_cache_seconds": 300,
    "dynamodb_ttl_lag_days": 2,
    "wire_overhead": 0.10,
}
"""Figures no local run measures. The vendor functions' outcome and call lines were measured in
the functions' log of a ``shoprelay prove --burst`` run (which prints them); their EMF metrics
blob and Lambda's JSON ``platform.start`` and ``platform.report`` records are estimates."""


def ingress_wait_ms() -> float:
    """A webhook's AWS calls: the lease, its completion, the order memory, the publish."""
    return float(3 * ASSUMPTIONS["dynamodb_call_ms"] + ASSUMPTIONS["sns_publish_ms"])


def record_wait_ms(table_calls: float, vendor_calls: float) -> float:
    """One vendor message's waiting: its table calls and its vendor calls, one after another."""
    return float(table_calls * ASSUMPTIONS["dynamodb_call_ms"] + vendor_calls * ASSUMPTIONS["vendor_http_ms"])


def cpu_factor(memory_mb: int) -> float:
    """How much longer CPU work takes at ``memory_mb`` than on a full vCPU."""
    return max(1.0, float(ASSUMPTIONS["vcpu_at_mb"]) / memory_mb)


def _billed_ms(duration_ms: float) -> int:
    return max(1, math.ceil(duration_ms))


def _chunks(size_bytes: float, chunk: int = 64 * 1024) -> int:
    return max(1, math.ceil(size_bytes / chunk))


@dataclass(frozen=True)
class Inputs:
    """What the lines are computed from: the benchmarks' figures and the template's settings."""

    translate: dict[str, Any]
    ingress: dict[str, Any]
    specs: dict[str, dict[str, Any]]
    parameters: dict[str, Any]
    usage: dict[str, dict[str, Any]]
    """What the ingress and the vendor function's processes used (the delivery bench's ``usage``)."""
    bench_vendor: str
    """The vendor whose records the delivery bench measured."""

    @property
    def webhooks(self) -> int:
        return len(self.translate["fixtures"])

    @property
    def order_share(self) -> float:
        return sum(1 for f in self.translate["fixtures"] if "(orders/" in f) / self.webhooks

    @property
    def ingress_id(self) -> str:
        return next(name for name, spec in self.specs.items() if spec["is_ingress"])

    def vendor_figures(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(vendor, function, translate figures) for every vendor the template deploys."""
        ids = {spec["environment"].get("VENDOR"): name for name, spec in self.specs.items() if not spec["is_ingress"]}
        found = []
        for vendor in vendor_names():
            figures = self.translate["vendors"].get(vendor)
            if figures is not None and vendor in ids:
                found.append((vendor, ids[vendor], figures))
        return found

    def per_webhook(self, key: str) -> float:
        """A translate figure summed over the vendors, per webhook."""
        return float(sum(figures[key] for _, _, figures in self.vendor_figures())) / self.webhooks

    def routed(self, figures: dict[str, Any] | None = None) -> float:
        """Messages per webhook in one vendor's queue (all vendors' when ``figures`` is None).

        The ingress routes an event only to the vendors whose translator takes its kind.
        """
        chosen = [figures] if figures is not None else [f for _, _, f in self.vendor_figures()]
        return float(sum(f["routed"] for f in chosen)) / self.webhooks

    def sending(self) -> float:
        """Vendor messages per webhook that reach translation's output (not skipped)."""
        return float(sum(self.webhooks - f["skipped"] for _, _, f in self.vendor_figures())) / self.webhooks

    def days(self, name: str, default: float) -> float:
        return float(self.parameters.get(name, {}).get("Default", default))


@dataclass
class Ledger:
    """The cost lines of one volume, per order."""

    volume: Volume
    inputs: Inputs
    lines: list[dict[str, Any]] = field(default_factory=list)

    def add(self, service: str, item: str, per_order: float, rate: Rate, assumption: str) -> None:
        """``per_order`` quantities of ``item``, each costing ``rate``: (price, units of its unit)."""
        price, units = rate
        usd = PRICES[price].usd
        self.lines.append(
            {
                "service": service,
                "item": item,
                "per_order": per_order,
                "price": price,
                "usd_per_million_orders": per_order * units * usd * 1e6,
                "assumption": assumption,
            }
        )

    def monthly(self, service: str, item: str, per_month: float, rate: Rate, assumption: str) -> None:
        """A charge by the month, whatever the traffic, shared out over the volume's orders."""
        per_order = per_month / self.volume.orders_per_month
        self.add(service, item, per_order, rate, f"{assumption}; {per_month:,.0f} a month shared out")

    def lambda_time(self, name: str, invocations: float, duration_ms: float, what: str) -> None:
        memory_mb = self.inputs.specs[name]["memory_mb"]
        billed = _billed_ms(duration_ms)
        gb_seconds = billed / 1000 * memory_mb / 1024
        self.add("Lambda", f"{name} requests", invocations, ("lambda_requests", 1e-6), what)
        self.add(
            "Lambda",
            f"{name} {billed} ms x {memory_mb} MB",
            invocations,
            ("lambda_arm64_gb_second", gb_seconds),
            f"{what}; billed {billed} ms at {memory_mb} MB",
        )
        self.lines[-1].update(function=name, billed_ms=billed, memory_mb=memory_mb)

    def total(self) -> float:
        return float(sum(line["usd_per_million_orders"] for line in self.lines))


def run(translate: dict[str, Any], ingress: dict[str, Any], delivery: dict[str, Any]) -> dict[str, Any]:
    """Both volumes' lines and totals; ``delivery`` gives the CPU time the functions used."""
    template = load_template(find_root() / "template.yaml")
    parameters = dict(template.get("Parameters", {}))
    inputs = Inputs(translate, ingress, functions(), parameters, delivery["usage"], delivery["vendor_name"])
    result: dict[str, Any] = {
        "checked": CHECKED,
        "region": "us-east-1",
        "architecture": "arm64",
        "prices": {name: vars(price) for name, price in PRICES.items()},
        "assumptions": ASSUMPTIONS,
    }
    for volume in VOLUMES:
        ledger = Ledger(volume, inputs)
        for section in SECTIONS:
            section(ledger)
        result[volume.name] = {
            "about": volume.about,
            "messages_per_invocation": volume.messages_per_invocation,
            "orders_per_month": volume.orders_per_month,
            "lines": ledger.lines,
            "total_usd_per_million_orders": ledger.total(),
            "floor": floor(ledger),
        }
    result["lines"] = result["volume"]["lines"]
    result["total_usd_per_million_orders"] = result["volume"]["total_usd_per_million_orders"]
    return result


SHAPE = ("API Gateway", "Lambda", "SNS", "SQS", "Data transfer")
"""The services every webhook passes through on its way to the vendors: the stack's shape."""


def floor(ledger: Ledger) -> dict[str, Any]:
    """What a volume pays before anything is stored or logged: the shape, and the claim and
    completion of every effect whose vendor does not ignore a repeat.

    Those two writes are the least that keeps "never doubled" with queues that may hand two
    attempts the same effect at once: one write before the call (so a second live attempt
    waits) and one after (so every later attempt knows it was sent). Of the stack's settings only
    the memory sizes move it, by cents; a different shape, or vendors that deduplicate, would
    move it by dollars.
    """
    inputs = ledger.inputs
    shape = sum(line["usd_per_million_orders"] for line in ledger.lines if line["service"] in SHAPE)
    pairs = sum(
        figures["non_repeatable_requests"] - figures.get("vendor_deduplicated_requests", 0)
        for _, _, figures in inputs.vendor_figures()
    )
    writes = 2 * pairs / inputs.webhooks
    pairs_usd = writes * PRICES["dynamodb_write_unit"].usd
    return {
        "usd_per_million_orders": shape + pairs_usd,
        "shape_usd": shape,
        "shape_services": list(SHAPE),
        "effect_pair_writes_per_order": writes,
        "effect_pairs_usd": pairs_usd,
    }


# -- the lines, by service --------------------------------------------------------------------------


def _api_gateway(ledger: Ledger) -> None:
    ledger.add(
        "API Gateway", "HTTP API requests", 1, ("api_gateway_http", 1e-6), "one request per webhook, under 512 KB"
    )


def _ingress_lambda(ledger: Ledger) -> None:
    a, inputs = ASSUMPTIONS, ledger.inputs
    ingress_id = inputs.ingress_id
    measured = inputs.usage["ingress"]["cpu_ms_per_item"]
    cpu_ms = measured * cpu_factor(inputs.specs[ingress_id]["memory_mb"])
    what = (
        f"CPU {measured:.1f} ms a webhook (the function's process, AWS over HTTP) scaled to its CPU share "
        f"({cpu_ms:.0f} ms), plus the lease, its completion and the order memory ({a['dynamodb_call_ms']} ms "
        f"each) and the publish ({a['sns_publish_ms']} ms); SSM answered from the cache"
    )
    ledger.lambda_time(ingress_id, 1, cpu_ms + ingress_wait_ms(), what)


def _effect_writes(figures: dict[str, Any]) -> int:
    """Writes for the effects of the fixture set: a claim and a completion each, or one mark
    where the vendor ignores a repeat."""
    return int(2 * figures["non_repeatable_requests"] - figures.get("vendor_deduplicated_requests", 0))


def _calls(ledger: Ledger, figures: dict[str, Any]) -> tuple[float, float]:
    """(table calls, vendor calls) of one routed message: its effect query, its effect writes,
    its requests."""
    inputs = ledger.inputs
    messages = max(figures["routed"], 1)
    sending = (inputs.webhooks - figures["skipped"]) / messages
    return sending + _effect_writes(figures) / messages, figures["requests"] / messages


def _record_cpu_ms(ledger: Ledger, figures: dict[str, Any]) -> float:
    """One message's CPU time on a full vCPU: the delivery bench's measured record, with this
    vendor's translation and calls in place of the bench vendor's (each call costing what the
    bench's calls cost on average)."""
    usage = ledger.inputs.usage["vendor"]
    bench = ledger.inputs.translate["vendors"][ledger.inputs.bench_vendor]
    bench_calls = sum(_calls(ledger, bench))
    per_call = (usage["cpu_ms_per_item"] - bench["delivery_us_per_message"] / 1000) / bench_calls
    return float(figures["delivery_us_per_message"] / 1000 + sum(_calls(ledger, figures)) * per_call)


def _vendor_lambda(ledger: Ledger) -> None:
    a, batch = ASSUMPTIONS, ledger.volume.messages_per_invocation
    for vendor, name, figures in ledger.inputs.vendor_figures():
        table, vendor_calls = _calls(ledger, figures)
        cpu_ms = _record_cpu_ms(ledger, figures) * cpu_factor(ledger.inputs.specs[name]["memory_mb"])
        wait_ms = record_wait_ms(table, vendor_calls)
        routed = ledger.inputs.routed(figures)
        what = (
            f"{vendor}: {routed:.2f} message(s) per webhook (the kinds it takes), {batch} per invocation; each "
            f"{cpu_ms:.0f} ms of CPU at its share, one after another, and {wait_ms:.0f} ms waiting "
            f"({table:.1f} table calls at {a['dynamodb_call_ms']} ms, {vendor_calls:.1f} vendor calls at "
            f"{a['vendor_http_ms']} ms), which a batch's records do side by side"
        )
        ledger.lambda_time(name, routed / batch, batch * cpu_ms + wait_ms, what)


def _sns_and_s3(ledger: Ledger) -> None:
    inputs, a = ledger.inputs, ASSUMPTIONS
    size = inputs.ingress["largest_message_bytes"]
    ledger.add(
        "SNS", "publishes", _chunks(size), ("sns_publish", 1e-6), f"one per webhook; messages up to {size} bytes"
    )
    vendors = len(inputs.vendor_figures())
    share = a["events_over_sns_limit"]
    what = (
        f"share of events over SNS's 256 KiB: {share:g} in the fixture set; each such event costs one PUT and "
        f"one GET per vendor"
    )
    ledger.add("S3", "large events: PUT", share, ("s3_put", 1e-3), what)
    ledger.add("S3", "large events: GET", share * vendors, ("s3_get", 1e-3), what)


def _sqs(ledger: Ledger) -> None:
    inputs, volume, a = ledger.inputs, ledger.volume, ASSUMPTIONS
    vendors = len(inputs.vendor_figures())
    size = inputs.ingress["largest_message_bytes"]
    batch = volume.messages_per_invocation
    routed = inputs.routed()
    what = f"{routed:.2f} of the {vendors} queues per webhook: an event goes only to the vendors that take its kind"
    ledger.add("SQS", "SNS into each queue", routed * _chunks(size), ("sqs_request", 1e-6), what)
    receive = routed / batch * _chunks(size * batch)
    what = f"ReceiveMessage and DeleteMessageBatch, {batch} message(s) each"
    ledger.add("SQS", "receive + delete", 2 * receive, ("sqs_request", 1e-6), what)
    polls = vendors * a["idle_pollers_per_queue"] * a["long_polls_per_poller_minute"] * MINUTES_PER_MONTH
    what = (
        f"the event source's {a['idle_pollers_per_queue']} long polls (20 s) per queue while idle, "
        f"{vendors} queues, a month; the poller count is AWS's description, not a published price"
    )
    ledger.monthly("SQS", "idle long polling", polls, ("sqs_request", 1e-6), what)


def _dynamodb_requests(ledger: Ledger) -> None:
    inputs, a = ledger.inputs, ASSUMPTIONS
    keys = a["delivery_keys"]
    lease = f"{keys} delivery key (the event id) per webhook, a conditional write of one item under 1 KB: 1 unit"
    ledger.add("DynamoDB", "delivery lease (claim)", keys, ("dynamodb_write_unit", 1e-6), lease)
    ledger.add("DynamoDB", "delivery lease (marked done)", keys, ("dynamodb_write_unit", 1e-6), lease)
    item_units = [math.ceil(size / 1024) for size in inputs.ingress["order_item_bytes"]] or [1]
    memory = sum(item_units) / len(item_units) * inputs.order_share
    what = f"put_order on order topics: items of {inputs.ingress['order_item_bytes']} bytes, 1 unit per KB"
    ledger.add("DynamoDB", "order memory writes", memory, ("dynamodb_write_unit", 1e-6), what)
    what = "a refund reads its order, strongly consistent (1 unit per 4 KB)"
    ledger.add("DynamoDB", "order memory reads", 1 - inputs.order_share, ("dynamodb_read_unit", 1e-6), what)
    effects = sum(_effect_writes(figures) for _, _, figures in inputs.vendor_figures()) / inputs.webhooks
    what = (
        "a claim and a completion (1 unit each) per request that is not repeatable; one mark where the vendor "
        "ignores a repeat (Corvidae, Tracify, edrone's orders)"
    )
    ledger.add("DynamoDB", "vendor effect writes", effects, ("dynamodb_write_unit", 1e-6), what)
    what = "one strongly consistent query of the order's effects per message a vendor sends for"
    ledger.add("DynamoDB", "vendor effect queries", inputs.sending(), ("dynamodb_read_unit", 1e-6), what)


def _dynamodb_storage(ledger: Ledger) -> None:
    inputs, a = ledger.inputs, ASSUMPTIONS
    memory_days = inputs.days("OrderMemoryDays", 400) + a["dynamodb_ttl_lag_days"]
    delivery_days = inputs.days("DeliveryRecordHours", 24) / 24 + a["dynamodb_ttl_lag_days"]
    sizes = inputs.ingress["order_item_bytes"] or [0]
    order_bytes = sum(sizes) / len(sizes) + 100
    effect_bytes = inputs.ingress["effect_item_bytes"] + 100
    kept = {
        "order memory": (order_bytes, memory_days),
        "vendor effects": (inputs.per_webhook("non_repeatable_requests") * effect_bytes, memory_days),
        "delivery keys": (a["delivery_keys"] * (inputs.ingress["delivery_item_bytes"] + 100), delivery_days),
    }
    backups = str(inputs.parameters.get("PointInTimeRecovery", {}).get("Default", "true")) == "true"
    for what, (size, days) in kept.items():
        gb_months = size * days / DAYS_PER_MONTH / GIB
        note = f"{size:.0f} bytes an order (items + 100 each) for {days:g} days (TTL + deletion lag)"
        ledger.add("DynamoDB", f"storage: {what}", gb_months, ("dynamodb_storage", 1.0), note)
        note += f"; PointInTimeRecovery is {'on' if backups else 'off'} by default"
        backed_up = gb_months if backups else 0.0
        ledger.add("DynamoDB", f"point-in-time recovery: {what}", backed_up, ("dynamodb_pitr", 1.0), note)


def _logs(ledger: Ledger) -> None:
    inputs, volume, a = ledger.inputs, ledger.volume, ASSUMPTIONS
    platform = a["platform_log_bytes_per_invocation"]
    ingress = inputs.ingress["log_bytes_per_webhook"] + platform
    what = (
        f"{inputs.ingress['log_lines_per_webhook']:.1f} lines, {inputs.ingress['log_bytes_per_webhook']:.0f} bytes "
        f"per webhook written by the handler (log level from the template), plus {platform} bytes of platform lines"
    )
    ledger.add("CloudWatch", "logs: ingress", ingress / GIB, ("cloudwatch_logs_ingest", 1.0), what)
    ledger.add(
        "CloudWatch",
        "logs: API access log",
        a["access_log_bytes_per_request"] / GIB,
        ("cloudwatch_logs_ingest", 1.0),
        "one JSON access-log line per request (HttpApiAccessLogs)",
    )
    logged = a["vendor_log_bytes"]
    per_record = inputs.routed() * logged["outcome_line"] + inputs.per_webhook("requests") * logged["call_line"]
    per_invocation = inputs.routed() / volume.messages_per_invocation
    per_invocation *= logged["metrics_per_invocation"] + platform
    what = "an outcome line per routed message and a line per vendor call, metrics and platform lines per invocation"
    ledger.add(
        "CloudWatch",
        "logs: vendor functions",
        (per_record + per_invocation) / GIB,
        ("cloudwatch_logs_ingest", 1.0),
        what,
    )
    logged_bytes = ingress + a["access_log_bytes_per_request"] + per_record + per_invocation
    months = inputs.days("LogRetentionDays", 30) / DAYS_PER_MONTH
    what = (
        f"{logged_bytes:,.0f} bytes an order kept for LogRetentionDays ({months * DAYS_PER_MONTH:g}), as ingested: "
        "an upper bound, since AWS bills the compressed size"
    )
    ledger.add("CloudWatch", "logs: storage", logged_bytes / GIB * months, ("cloudwatch_logs_storage", 1.0), what)
    series = a["metric_series"]["ingress"] + a["metric_series"]["per_vendor"] * len(inputs.vendor_figures())
    what = (
        f"{series} metric series published every hour (WebhookAccepted, and delivered and skipped per vendor); "
        "the others are billed only for the hours in which they occur"
    )
    ledger.monthly("CloudWatch", "custom metrics (EMF)", series, ("cloudwatch_custom_metric", 1.0), what)
    ledger.monthly("CloudWatch", "alarms", a["alarms"], ("cloudwatch_alarm", 1.0), "the ingress alarm and one per DLQ")


def _data_transfer(ledger: Ledger) -> None:
    inputs = ledger.inputs
    request_bytes = inputs.per_webhook("request_bytes")
    overhead = ASSUMPTIONS["wire_overhead"]
    what = (
        f"the vendor requests, {request_bytes:,.0f} bytes an order as HTTP writes them (request line, headers, "
        f"body), plus {overhead:.0%} for TLS, TCP and IP framing; the answers come in free"
    )
    sent = request_bytes * (1 + overhead) / GIB
    ledger.add("Data transfer", "vendor requests out to the internet", sent, ("data_transfer_out", 1.0), what)


def _sampled_per_second(rate: float) -> float:
    """Traces Lambda records of a function invoked ``rate`` times a second: 1 a second and 5 % of the rest."""
    return min(rate, 1.0) + 0.05 * max(rate - 1.0, 0.0)


def _traces(ledger: Ledger) -> None:
    inputs, volume = ledger.inputs, ledger.volume
    enabled = str(inputs.parameters.get("EnableTracing", {}).get("Default", "true")) == "true"
    orders = volume.orders_per_month / (MINUTES_PER_MONTH * 60)
    per_second = _sampled_per_second(orders) + sum(
        _sampled_per_second(orders * inputs.routed(figures) / volume.messages_per_invocation)
        for _, _, figures in inputs.vendor_figures()
    )
    traces = per_second / orders
    what = (
        f"EnableTracing is {'on' if enabled else 'off'} by default; on, Lambda records 1 request a second "
        f"and 5 % of the rest of each function: {traces:.2f} traces an order, "
        f"${traces * PRICES['xray_trace'].usd:.2f} per million"
    )
    ledger.add("X-Ray", "traces", traces if enabled else 0.0, ("xray_trace", 1e-6), what)


def _parameters(ledger: Ledger) -> None:
    inputs, volume, a = ledger.inputs, ledger.volume, ASSUMPTIONS
    vendors = len(inputs.vendor_figures())
    refreshes = 3600 / a["parameter_cache_seconds"] * 24 * DAYS_PER_MONTH
    ingress = volume.warm_ingress * volume.shops * (1 + vendors)
    vendor = vendors * volume.warm_per_vendor * volume.shops
    what = (
        f"{volume.shops} shop(s), {volume.warm_ingress} warm ingress and {volume.warm_per_vendor} warm container(s) "
        f"per vendor, each reading its SecureStrings once per {a['parameter_cache_seconds']} s"
    )
    reads = (volume.warm_ingress + vendors * volume.warm_per_vendor) * volume.shops * refreshes
    ledger.monthly("SSM", "parameter reads", reads, ("ssm_standard_parameter", 1.0), what)
    what += "; one decrypt per SecureString read (aws/ssm key)"
    ledger.monthly("KMS", "SecureString decrypts", (ingress + vendor) * refreshes, ("kms_request", 1e-4), what)
    ledger.add(
        "KMS",
        "SNS topic and payload bucket keys",
        0.0,
        ("kms_request", 1e-4),
        "SNS (aws/sns) and S3 (bucket key) reuse data keys, so their KMS calls do not grow with orders: "
        "assumed, not measured",
    )


SECTIONS = (
    _api_gateway,
    _ingress_lambda,
    _vendor_lambda,
    _sns_and_s3,
    _sqs,
    _dynamodb_requests,
    _dynamodb_storage,
    _logs,
    _data_transfer,
    _traces,
    _parameters,
)
"""Every service a deployment pays for, in the order the table prints them."""
