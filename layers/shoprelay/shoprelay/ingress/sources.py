"""Where each way in differs: who sent a webhook, whether to trust it, and how to read it.

A source's front checks a request up to and including its signature and returns an
:class:`Inbound`: the shop, its configuration and a ``parse`` step that maps the body to the
canonical events to publish, each with the key that makes it once (:class:`Delivery`).
Everything after that (parsing errors, order memory, leases, publishing) is the pipeline's,
the same for every source.

Per-source body checks (a topic that disagrees with its body, say) belong in the source's
``*_CHECKS`` tuple: each runs on the raw body before mapping and raises
:class:`~shoprelay.sources.errors.PayloadError` to refuse it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shoprelay.config.shops import SHOP_DOMAIN_PATTERN, ShopConfig
from shoprelay.ingress.http import RequestError, WebhookRequest

if TYPE_CHECKING:
    from shoprelay.canonical import CanonicalEvent
    from shoprelay.sources.shopify.adapter import WebhookMeta
    from shoprelay.sources.woocommerce.adapter import WooMeta

UNAUTHORIZED = RequestError(401, "unauthorized")
LoadShop = Callable[[str], ShopConfig | None]


@dataclass(frozen=True)
class Delivery:
    """One canonical event to publish, and the delivery key that makes it happen once."""

    event: CanonicalEvent
    key: str
    lasting: bool = False
    """Keep the key as long as orders are remembered, not just the usual delivery window:
    an effect such as "paid" must stay done through every later update of the order."""


@dataclass(frozen=True)
class Inbound:
    """A webhook its source has authenticated: whose it is and how to read it."""

    shop: str
    config: ShopConfig
    parse: Callable[[datetime], list[Delivery]]
    """Map the body (at the given receive time) to its deliveries; raises
    :class:`~shoprelay.sources.errors.UnsupportedTopicError` or
    :class:`~shoprelay.sources.errors.PayloadError`."""
    correlation_id: str | None = None


@dataclass(frozen=True)
class Acknowledged:
    """A request to answer 200 without relaying anything (WooCommerce's activation ping)."""

    reason: str


type Front = Callable[[WebhookRequest, LoadShop], Inbound | Acknowledged]

# ---------------------------------------------------------------------------- Shopify


def _shopify_topic_agrees(meta: WebhookMeta, body: bytes) -> None:
    from shoprelay.sources.shopify.topic_rules import check_topic  # deferred like the adapter

    check_topic(meta, body)


SHOPIFY_CHECKS: tuple[Callable[[WebhookMeta, bytes], None], ...] = (_shopify_topic_agrees,)
"""Checks of a Shopify body against its headers, run on HTTPS and EventBridge deliveries alike."""


def shopify_header(headers: Mapping[str, str], name: str) -> str | None:
    """Shopify's header, with or without the ``X-`` prefix (Events deliveries drop it)."""
    value = headers.get(f"x-shopify-{name}") or headers.get(f"shopify-{name}")
    return value.strip() if value and value.strip() else None


def _required_shopify_header(headers: Mapping[str, str], name: str) -> str:
    value = shopify_header(headers, name)
    if value is None:
        raise RequestError(400, f"missing required header X-Shopify-{name.title()}", field=f"X-Shopify-{name.title()}")
    return value


def _triggered_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def shopify_meta(headers: Mapping[str, str]) -> WebhookMeta:
    """The webhook's description from Shopify's headers (HTTPS) or envelope metadata (EventBridge)."""
    from shoprelay.sources.shopify.adapter import WebhookMeta

    return WebhookMeta(
        shop=_required_shopify_header(headers, "shop-domain").lower(),
        topic=_required_shopify_header(headers, "topic").lower(),
        webhook_id=_required_shopify_header(headers, "webhook-id"),
        event_id=shopify_header(headers, "event-id"),
        triggered_at=_triggered_at(shopify_header(headers, "triggered-at")),
        api_version=shopify_header(headers, "api-version"),
    )


def shopify_inbound(meta: WebhookMeta, body: bytes, config: ShopConfig) -> Inbound:
    """What follows authentication for a Shopify webhook, however it arrived."""

    def parse(received_at: datetime) -> list[Delivery]:
        from shoprelay.sources.shopify.adapter import parse_webhook

        for check in SHOPIFY_CHECKS:
            check(meta, body)
        canonical = parse_webhook(meta, body, received_at)
        # Every delivery of one event (retries, one per subscription, either channel) carries
        # its event id; the webhook id stands in when a sender leaves the event id out.
        key = f"{meta.shop}#event#{meta.event_id}" if meta.event_id else f"{meta.shop}#webhook#{meta.webhook_id}"
        return [Delivery(canonical, key)]

    return Inbound(meta.shop, config, parse, correlation_id=meta.webhook_id)


def shopify_http(request: WebhookRequest, load_shop: LoadShop) -> Inbound:
    """A Shopify HTTPS delivery, if the body was signed with one of the shop's secrets.

    Unknown shop, missing signature and wrong signature all get the same answer, so a
    caller cannot probe which shops exist.
    """
    from shoprelay.sources.shopify.signature import signature_matches

    meta = shopify_meta(request.headers)
    config = load_shop(meta.shop) if SHOP_DOMAIN_PATTERN.fullmatch(meta.shop) else None
    signature = shopify_header(request.headers, "hmac-sha256")
    if config is None or not signature_matches(request.body, signature, config.secrets):
        raise UNAUTHORIZED
    return shopify_inbound(meta, request.body, config)


# ---------------------------------------------------------------------------- WooCommerce

WOOCOMMERCE_CHECKS: tuple[Callable[[WooMeta, bytes], None], ...] = ()
"""Checks of a WooCommerce body against its headers, run before mapping."""


def _woo_header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(f"x-wc-webhook-{name}")
    return value.strip() if value and value.strip() else None


def _required_woo_header(headers: Mapping[str, str], name: str) -> str:
    value = _woo_header(headers, name)
    if value is None:
        label = f"X-WC-Webhook-{name.title()}".replace("-Id", "-ID")
        raise RequestError(400, f"missing required header {label}", field=label)
    return value


def is_woocommerce_ping(request: WebhookRequest) -> bool:
    """WooCommerce's activation ping: an unsigned form post ``webhook_id=<id>`` and nothing else."""
    if _woo_header(request.headers, "signature") or _woo_header(request.headers, "topic"):
        return False
    name, equals, value = request.body.strip().partition(b"=")
    return name == b"webhook_id" and bool(equals) and value.isdigit()


def woocommerce_http(request: WebhookRequest, load_shop: LoadShop) -> Inbound | Acknowledged:
    """A WooCommerce delivery, if signed with the site's secret; the ping is acknowledged unsigned."""
    if is_woocommerce_ping(request):
        return Acknowledged("webhook activation ping")
    from shoprelay.sources.woocommerce import ShopSourceError, shop_key, signature_matches

    source = _required_woo_header(request.headers, "source")
    topic = _required_woo_header(request.headers, "topic").lower()
    delivery_id = _required_woo_header(request.headers, "delivery-id")
    try:
        shop = shop_key(source)
    except ShopSourceError:
        raise UNAUTHORIZED from None
    config = load_shop(shop)
    if config is None or not signature_matches(request.body, _woo_header(request.headers, "signature"), config.secrets):
        raise UNAUTHORIZED
    body = request.body
    webhook_id = _woo_header(request.headers, "id")

    def parse(received_at: datetime) -> list[Delivery]:
        from shoprelay.sources.woocommerce.adapter import WooMeta, parse_webhook

        meta = WooMeta(shop=shop, topic=topic, delivery_id=delivery_id, webhook_id=webhook_id)
        for check in WOOCOMMERCE_CHECKS:
            check(meta, body)
        return [
            Delivery(effect.event, f"{shop}#wc#{effect.basis}", lasting=effect.lasting)
            for effect in parse_webhook(meta, body, received_at)
        ]

    return Inbound(shop, config, parse, correlation_id=delivery_id)


FRONTS: dict[str, Front] = {
    "/webhooks/shopify": shopify_http,
    "/webhooks/woocommerce": woocommerce_http,
}
"""Route path → its source's front."""


def front_for(event: Mapping[str, Any]) -> Front:
    """The front for an API Gateway event's route; Shopify's when the event names none."""
    path = event.get("rawPath")
    if not isinstance(path, str):
        context = event.get("requestContext")
        http = context.get("http") if isinstance(context, Mapping) else None
        path = http.get("path") if isinstance(http, Mapping) else None
    return FRONTS.get(str(path or "").rstrip("/"), shopify_http)
