"""`shoprelay translate`: the requests a webhook would produce for one vendor, without sending them.

The command runs the same steps as production (Shopify adapter → optional order memory →
the vendor's settings gates and translator) on a file, and prints one JSON object:
``{"vendor", "kind", "requests": [{"method", "url", "headers", "body"}], "skipped"}``.
Every problem with the input is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from shoprelay.canonical import CanonicalEvent, EventKind
from shoprelay.ingress.http import RequestError, read_request
from shoprelay.problems import SettingsError
from shoprelay.sources import PayloadError, UnsupportedTopicError
from shoprelay.sources.shopify import TOPIC_KINDS, WebhookMeta, parse_webhook
from shoprelay.vendors import UnknownVendorError, load_vendor, vendor_names
from shoprelay.vendors.base import Translation, TranslationError, Vendor, VendorSettings, translate_for_shop

PROG = "shoprelay translate"
DEFAULT_SHOP = "demo-shop.myshopify.com"
DEFAULT_WOO_SHOP = "demo-woo.example.com"
SOURCES = ("shopify", "woocommerce")
STDIN = "-"

_DESCRIPTION = """\
Print, as one JSON object, the HTTP requests shoprelay would send to VENDOR for a webhook
(or the reason it would send none). Nothing is sent.

FILE is one of:
  - a raw webhook body, exactly as Shopify posts it (then --topic is required);
  - an API Gateway HTTP API (payload 2.0) event, with "headers" and "body" (and maybe
    "isBase64Encoded"); topic and shop come from its X-Shopify-Topic and
    X-Shopify-Shop-Domain headers;
  - an EventBridge envelope from Shopify's partner event source: the headers are in
    "detail.metadata", the body in "detail.payload".

The time the webhook was received (which some vendors send, e.g. Corvidae's timestamp) is
the webhook's own time when the file says it: the EventBridge envelope's "time", else the
X-Shopify-Triggered-At header; for a raw body, or without either, it is now.

Without --settings, the vendor's placeholder settings (clearly fake credentials) are used,
so anyone can see a vendor's requests without an account. The settings file is JSON:
either the vendor's settings object itself, or an object keyed by vendor name such as
{"edrone": {...}, "tracify": {...}}. As in production, a vendor with "enabled": false
and test orders without "send_test_orders": true are skipped.

With --source woocommerce, FILE is a WooCommerce body (then --topic, such as order.updated,
is required) or an API Gateway event with X-WC-Webhook-* headers; the shop key comes from
X-WC-Webhook-Source (or --shop). One WooCommerce order body stands for several events (placed,
paid, one per refund, ...), so the output is {"vendor", "source", "events": [{"kind",
"requests", "skipped"}, ...]}, each as if it were the first time ingress saw it.

Exit status: 0 when the event was translated (requests or a skip), 2 for bad input."""


class _BadInputError(Exception):
    """A problem with what the user gave us: reported as one line, exit status 2."""


@dataclass(frozen=True)
class _Webhook:
    """What a FILE says about the webhook, whichever of the three shapes it has."""

    body: bytes
    headers: Mapping[str, str]
    """Header names lower-cased."""
    body_location: str
    """Where the body sits inside FILE, to point error messages at the right place."""
    raw: bool
    envelope_time: datetime | None = None


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = _DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--vendor", required=True, metavar="VENDOR", help=f"one of: {', '.join(vendor_names())}")
    parser.add_argument(
        "--source", choices=SOURCES, default="shopify", help="the platform that sent the webhook (default: shopify)"
    )
    parser.add_argument(
        "--topic",
        metavar="TOPIC",
        help=f"Shopify topic, such as orders/create; required for a raw body, and overrides the file's "
        f"(relayed: {', '.join(TOPIC_KINDS)})",
    )
    parser.add_argument(
        "--settings",
        type=Path,
        metavar="FILE",
        help="JSON settings: the vendor's settings object, or an object keyed by vendor name "
        "(default: the vendor's placeholder settings)",
    )
    parser.add_argument(
        "--order",
        type=Path,
        metavar="ORDER_FILE",
        help="for a refund: the earlier order's raw orders/* body, as order memory would supply it",
    )
    parser.add_argument(
        "--shop",
        metavar="SHOP",
        help=f"shop domain; overrides the file's X-Shopify-Shop-Domain (default: {DEFAULT_SHOP})",
    )
    parser.add_argument("file", metavar="FILE", help="the webhook: raw body, API Gateway event or EventBridge envelope")


def run(args: argparse.Namespace) -> int:
    try:
        result = _translate(args)
    except _BadInputError as problem:
        print(f"{PROG}: {problem}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def _now() -> datetime:
    """When the dry run pretends the webhook arrived, if the file does not say (tests pin it)."""
    return datetime.now(UTC)


def _translate(args: argparse.Namespace) -> dict[str, Any]:
    vendor = _vendor(args.vendor)
    settings = _settings(vendor, args.settings)
    if getattr(args, "source", "shopify") == "woocommerce":
        if args.order is not None:
            raise _BadInputError("--order applies to Shopify refunds; a WooCommerce order carries its refunds")
        events = _woo_events(args)
        return {
            "vendor": vendor.name,
            "source": "woocommerce",
            "events": [_translated(vendor, settings, event, args.file) for event in events],
        }
    event = _event(args)
    if args.order is not None:
        event = _with_remembered_order(event, args.order, args.file)
    translation = _gated_translation(vendor, settings, event, args.file)
    return {
        "vendor": vendor.name,
        "kind": event.kind.value,
        "requests": [request.describe() for request in translation.requests],
        "skipped": translation.skipped,
    }


def _translated(vendor: Vendor, settings: VendorSettings, event: CanonicalEvent, name: str) -> dict[str, Any]:
    translation = _gated_translation(vendor, settings, event, name)
    return {
        "kind": event.kind.value,
        "requests": [request.describe() for request in translation.requests],
        "skipped": translation.skipped,
    }


def _woo_events(args: argparse.Namespace) -> list[CanonicalEvent]:
    """The events ingress would publish for a WooCommerce webhook, first time seen."""
    from shoprelay.sources.woocommerce import ShopSourceError, WooMeta, parse_webhook, shop_key

    name: str = args.file
    webhook = _webhook(name)
    headers = webhook.headers
    topic = args.topic or headers.get("x-wc-webhook-topic")
    if not topic:
        if webhook.raw:
            raise _BadInputError(f"{name}: --topic is required for a raw webhook body")
        raise _BadInputError(f"{name}: no X-WC-Webhook-Topic header; pass --topic")
    shop = args.shop
    if not shop:
        source = headers.get("x-wc-webhook-source")
        try:
            shop = shop_key(source) if source else DEFAULT_WOO_SHOP
        except ShopSourceError as error:
            raise _BadInputError(f"{name}: {error}") from None
    meta = WooMeta(
        shop=shop.lower(),
        topic=topic.strip().lower(),
        delivery_id=headers.get("x-wc-webhook-delivery-id"),
        webhook_id=headers.get("x-wc-webhook-id"),
    )
    try:
        return [effect.event for effect in parse_webhook(meta, webhook.body, _now())]
    except UnsupportedTopicError as error:
        raise _BadInputError(f"{name}: topic {error.topic!r} is not relayed") from None
    except PayloadError as error:
        raise _BadInputError(f"{name}: {_payload_problem(webhook.body_location, error)}") from None


def _vendor(name: str) -> Vendor:
    try:
        return load_vendor(name)
    except UnknownVendorError as error:
        raise _BadInputError(str(error.args[0])) from None


def _settings(vendor: Vendor, path: Path | None) -> VendorSettings:
    if path is None:
        return vendor.settings_model.parse(vendor.placeholder_settings)
    document = _read_json(path)
    if not isinstance(document, dict):
        raise _BadInputError(f"{path}: settings must be a JSON object")
    data: Any = document
    prefix: tuple[str, ...] = ()
    # Keyed by vendor name when every top-level key is one; no vendor's settings has such a field.
    if document and all(key in vendor_names() for key in document):
        if vendor.name not in document:
            raise _BadInputError(f"{path}: no {vendor.name!r} settings in the file (it has: {', '.join(document)})")
        data = document[vendor.name]
        prefix = (vendor.name,)
        if not isinstance(data, dict):
            raise _BadInputError(f"{path}: {vendor.name}: settings must be a JSON object")
    try:
        return vendor.settings_model.parse(data)
    except SettingsError as error:
        said = []
        for problem in error.problems:
            where = ".".join(part for part in (*prefix, problem.path) if part)
            said.append(f"{where}: {problem.message}" if where else problem.message)
        raise _BadInputError(f"{path}: {'; '.join(said)}") from None


def _read_bytes(name: str | Path) -> bytes:
    try:
        if str(name) == STDIN:
            return sys.stdin.buffer.read()
        return Path(name).read_bytes()
    except OSError as error:
        raise _BadInputError(f"cannot read {name}: {error.strerror or error}") from None


def _read_json(name: str | Path) -> Any:
    return _loads(name, _read_bytes(name))


def _loads(name: str | Path, data: bytes) -> Any:
    try:
        return json.loads(data)
    except UnicodeDecodeError as error:
        raise _BadInputError(f"{name}: not valid JSON: not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise _BadInputError(
            f"{name}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None


def _webhook(name: str) -> _Webhook:
    """Recognise FILE's shape and take the body and headers out of it."""
    raw_bytes = _read_bytes(name)
    document = _loads(name, raw_bytes)
    if isinstance(document, dict):
        detail = document.get("detail")
        if isinstance(detail, dict) and "payload" in detail:
            metadata = detail.get("metadata") or {}
            if not isinstance(metadata, dict):
                raise _BadInputError(f"{name}: detail.metadata must be a JSON object of headers")
            return _Webhook(
                # Re-encoded: the envelope carries the body as JSON, not as the bytes Shopify signed.
                body=json.dumps(detail["payload"], ensure_ascii=False).encode("utf-8"),
                headers={str(k).lower(): str(v) for k, v in metadata.items()},
                body_location="detail.payload",
                raw=False,
                envelope_time=_parse_time(document.get("time")),
            )
        if "headers" in document and "body" in document:
            try:
                request = read_request(document, max_body_bytes=sys.maxsize)
            except RequestError as error:
                raise _BadInputError(f"{name}: {error}") from None
            return _Webhook(body=request.body, headers=request.headers, body_location="body", raw=False)
    return _Webhook(body=raw_bytes, headers={}, body_location="", raw=True)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Shopify's header, with or without the ``X-`` prefix, as ingress reads it."""
    value = headers.get(f"x-shopify-{name}") or headers.get(f"shopify-{name}")
    return value.strip() if value and value.strip() else None


def _parse_time(value: object) -> datetime | None:
    """A timestamp the file gives, or None when it gives none that parses (as ingress does)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _event(args: argparse.Namespace) -> CanonicalEvent:
    name: str = args.file
    webhook = _webhook(name)
    headers = webhook.headers
    topic = args.topic or _header(headers, "topic")
    if not topic:
        if webhook.raw:
            raise _BadInputError(f"{name}: --topic is required for a raw webhook body")
        raise _BadInputError(f"{name}: no X-Shopify-Topic header; pass --topic")
    triggered_at = _parse_time(_header(headers, "triggered-at"))
    meta = WebhookMeta(
        shop=(args.shop or _header(headers, "shop-domain") or DEFAULT_SHOP).lower(),
        topic=topic.strip().lower(),
        webhook_id=_header(headers, "webhook-id"),
        event_id=_header(headers, "event-id"),
        triggered_at=triggered_at,
        api_version=_header(headers, "api-version"),
    )
    received_at = webhook.envelope_time or triggered_at or _now()
    try:
        return parse_webhook(meta, webhook.body, received_at)
    except UnsupportedTopicError as error:
        raise _BadInputError(
            f"{name}: topic {error.topic!r} is not relayed (relayed topics: {', '.join(TOPIC_KINDS)})"
        ) from None
    except PayloadError as error:
        raise _BadInputError(f"{name}: {_payload_problem(webhook.body_location, error)}") from None


def _payload_problem(location: str, error: PayloadError) -> str:
    if location == "body":
        # The API Gateway body is a string holding the JSON: say so, then the path inside it.
        return f"body: {error.path}: {error.message}" if error.path else f"body: {error.message}"
    path = ".".join(part for part in (location, error.path) if part)
    return f"{path}: {error.message}" if path else error.message


def _with_remembered_order(event: CanonicalEvent, order_file: Path, name: str) -> CanonicalEvent:
    """Give a refund its earlier order, as ingress's order memory does."""
    if event.kind is not EventKind.ORDER_REFUNDED or event.refund is None:
        raise _BadInputError(f"--order applies to refunds only, and {name} is {event.topic}")
    try:
        remembered = parse_webhook(
            WebhookMeta(shop=event.shop, topic="orders/updated"), _read_bytes(order_file), event.received_at
        )
    except PayloadError as error:
        raise _BadInputError(f"{order_file}: {error}") from None
    order = remembered.order
    if order is None:  # pragma: no cover - the adapter always sets it for orders/* topics
        raise _BadInputError(f"{order_file}: not an order")
    if event.refund.order_id != order.id:
        raise _BadInputError(
            f"{order_file}: order {order.id} is not the order of refund {event.refund.id} "
            f"in {name}, which belongs to order {event.refund.order_id}"
        )
    return msgspec.structs.replace(event, order=order, order_remembered=True)


def _gated_translation(vendor: Vendor, settings: VendorSettings, event: CanonicalEvent, name: str) -> Translation:
    """The translation, after the same settings gates delivery applies before translating."""
    try:
        return translate_for_shop(vendor, event, settings)
    except TranslationError as error:
        raise _BadInputError(f"{name}: {vendor.name} cannot translate this event: {error}") from None
