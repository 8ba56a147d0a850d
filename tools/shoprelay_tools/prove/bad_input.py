"""Malformed and hostile webhook requests, and the answers README "Ingress answers" allows.

Every request is written byte for byte to a fresh socket, so header values that HTTP
clients refuse to send (CR, LF, NUL, non-ASCII, 60 KB lines, repeated headers) reach the
gateway exactly as an attacker would send them. Each carries its own webhook id, so a
200 can only be the "ignored" no-op, never a duplicate of something else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import socket
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from shoprelay.sources.shopify import sign
from shoprelay_tools.prove.workload import ProveShop, WorkloadBuilder

UNAUTHORIZED = frozenset({401})
INVALID = frozenset({400})
IGNORED = frozenset({200})
ACCEPTED = frozenset({202})
ANY_REFUSAL = frozenset(range(400, 500)) | IGNORED
"""Header injection: any 4xx, or the "ignored" no-op when the topic became unknown."""

CLASSES = (
    "bad signature",
    "missing signature",
    "truncated body",
    "non-UTF-8 body",
    "wrong JSON types",
    "missing ids",
    "missing headers",
    "oversized body",
    "shop A body, shop B domain",
    "unknown shop",
    "unknown topic",
    "header injection",
    "cross-topic replay",
    "shop A body as shop B, shared secret",
    "unknown-shop flood",
)
FLOOD = "unknown-shop flood"
"""Sent after every other class, so the SSM calls it costs can be counted on their own."""
TWIN = "prove-twin.myshopify.com"
"""Registered with the first prove shop's secret (as every shop of one public app shares its
app's secret) and no vendor: a body of that shop, sent as this one, verifies. It is accepted
and reaches no vendor, which is what the threat model says a shared secret allows."""
_TOPICS = ("orders/create", "orders/paid", "refunds/create", "checkouts/create", "customers/update")


@dataclass(frozen=True)
class BadRequest:
    kind: str
    variant: str
    headers: tuple[tuple[str, bytes], ...]
    body: bytes
    expect: frozenset[int]

    def wire(self, host: str, path: str) -> bytes:
        lines = [f"POST {path} HTTP/1.1".encode(), f"Host: {host}".encode()]
        lines += [name.encode("latin-1") + b": " + value for name, value in self.headers]
        lines += [f"Content-Length: {len(self.body)}".encode(), b"Connection: close"]
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body


@dataclass(frozen=True)
class BadAnswer:
    request: BadRequest
    status: int | None
    answer_status: str | None
    detail: str

    @property
    def server_error(self) -> bool:
        return self.status is None or self.status >= 500

    @property
    def as_documented(self) -> bool:
        if self.status not in self.request.expect:
            return False
        return self.status != 200 or self.answer_status == "ignored"


def _headers(shop: str, topic: str, webhook_id: str, signature: str | None) -> list[tuple[str, bytes]]:
    headers = [
        ("Content-Type", b"application/json"),
        ("X-Shopify-Topic", topic.encode()),
        ("X-Shopify-Shop-Domain", shop.encode()),
        ("X-Shopify-Webhook-Id", webhook_id.encode()),
    ]
    if signature is not None:
        headers.append(("X-Shopify-Hmac-Sha256", signature.encode()))
    return headers


def _replace(headers: list[tuple[str, bytes]], name: str, value: bytes | None) -> list[tuple[str, bytes]]:
    kept = [(n, v) for n, v in headers if n != name]
    return kept if value is None else [*kept, (name, value)]


class BadInputBuilder:
    """``count`` requests spread evenly over :data:`CLASSES`, variants drawn from a seed."""

    def __init__(self, seed: int, shops: tuple[ProveShop, ...], max_body_bytes: int) -> None:
        self.rng = random.Random(seed)
        self.shops = shops
        self.max_body_bytes = max_body_bytes
        self.bodies = WorkloadBuilder(seed + 1, shops)
        self._makers: dict[str, Callable[[], BadRequest]] = {
            "bad signature": self._bad_signature,
            "missing signature": self._missing_signature,
            "truncated body": self._truncated,
            "non-UTF-8 body": self._not_utf8,
            "wrong JSON types": self._wrong_types,
            "missing ids": self._missing_ids,
            "missing headers": self._missing_headers,
            "oversized body": self._oversized,
            "shop A body, shop B domain": self._cross_shop,
            "unknown shop": self._unknown_shop,
            "unknown topic": self._unknown_topic,
            "header injection": self._injection,
            "cross-topic replay": self._cross_topic,
            "shop A body as shop B, shared secret": self._shared_secret,
            FLOOD: self._flood_shop,
        }

    def build(self, count: int) -> list[BadRequest]:
        return [self._makers[CLASSES[index % len(CLASSES)]]() for index in range(count)]

    def flood(self, count: int) -> list[BadRequest]:
        """``count`` requests, each naming a shop nobody registered."""
        return [self._flood_shop() for _ in range(count)]

    def echoing_vendor(self) -> BadRequest:
        """A valid webhook of the first shop, for the vendor told to answer with personal data."""
        shop = self.shops[0]
        return self._signed(
            ECHO_CLASS,
            f"{ECHO_VENDOR} answers 400 quoting it",
            shop,
            "orders/create",
            json.dumps(self.bodies.body_for(shop, "orders/create")).encode(),
            expect=ACCEPTED,
        )

    # -- ingredients --------------------------------------------------------------------------------

    def _shop(self) -> ProveShop:
        return self.rng.choice(self.shops)

    def _valid(self, topic: str | None = None) -> tuple[ProveShop, str, dict[str, Any]]:
        shop = self._shop()
        topic = topic or self.rng.choice(_TOPICS)
        return shop, topic, self.bodies.body_for(shop, topic)

    @staticmethod
    def _id() -> str:
        return f"bad-{uuid.uuid4()}"

    def _signed(
        self, kind: str, variant: str, shop: ProveShop, topic: str, body: bytes, *, expect: frozenset[int]
    ) -> BadRequest:
        headers = _headers(shop.domain, topic, self._id(), sign(shop.secret, body))
        return BadRequest(kind, variant, tuple(headers), body, expect)

    # -- the classes -----------------------------------------------------------------------------------

    def _bad_signature(self) -> BadRequest:
        shop, topic, payload = self._valid()
        body = json.dumps(payload).encode()
        digest = hmac.new(shop.secret.encode(), body, hashlib.sha256)
        variants = {
            "signed with another secret": sign("not-the-shop-secret", body),
            "signature of another body": sign(shop.secret, body + b" "),
            "random bytes": base64.b64encode(self.rng.randbytes(32)).decode(),
            "hex instead of base64": digest.hexdigest(),
            "truncated signature": base64.b64encode(digest.digest()).decode()[:20],
            "signature of an empty body": sign(shop.secret, b""),
        }
        variant = self.rng.choice(sorted(variants))
        headers = _headers(shop.domain, topic, self._id(), variants[variant])
        return BadRequest("bad signature", variant, tuple(headers), body, UNAUTHORIZED)

    def _missing_signature(self) -> BadRequest:
        shop, topic, payload = self._valid()
        body = json.dumps(payload).encode()
        headers = _headers(shop.domain, topic, self._id(), None)
        variant = self.rng.choice(["no header", "empty header", "blank header", "misspelt header name"])
        if variant == "empty header":
            headers.append(("X-Shopify-Hmac-Sha256", b""))
        elif variant == "blank header":
            headers.append(("X-Shopify-Hmac-Sha256", b"   "))
        elif variant == "misspelt header name":
            headers.append(("X-Shopify-Hmac-SHA-256", sign(shop.secret, body).encode()))
        return BadRequest("missing signature", variant, tuple(headers), body, UNAUTHORIZED)

    def _truncated(self) -> BadRequest:
        shop, topic, payload = self._valid()
        full = json.dumps(payload).encode()
        cut = full[: self.rng.randint(0, len(full) - 2)]
        if self.rng.random() < 0.7:
            return self._signed("truncated body", "cut, signed as cut", shop, topic, cut, expect=INVALID)
        headers = _headers(shop.domain, topic, self._id(), sign(shop.secret, full))
        return BadRequest("truncated body", "cut after signing", tuple(headers), cut, UNAUTHORIZED)

    def _not_utf8(self) -> BadRequest:
        shop, topic, payload = self._valid()
        text = json.dumps(payload)
        variant = self.rng.choice(["0xFF bytes", "Latin-1 text", "UTF-16", "lone surrogate"])
        if variant == "0xFF bytes":
            body = text.replace('"', '"\xff\xfe', 1).encode("latin-1", errors="replace")
        elif variant == "Latin-1 text":
            payload["note"] = "Grüße aus Köln"
            body = json.dumps(payload, ensure_ascii=False).encode("latin-1", errors="replace")
        elif variant == "UTF-16":
            body = text.encode("utf-16")
        else:
            body = text.encode()[:-1] + b',"x":"\xed\xa0\x80"}'
        return self._signed("non-UTF-8 body", variant, shop, topic, body, expect=INVALID)

    def _wrong_types(self) -> BadRequest:
        topic = self.rng.choice(
            ["orders/create", "orders/paid", "refunds/create", "checkouts/create", "customers/update"]
        )
        shop, topic, payload = self._valid(topic)
        changes: list[tuple[str, Callable[[dict[str, Any]], Any]]]
        if topic.startswith("orders/"):
            changes = [
                ("order id is a boolean", lambda p: p.update(id=True)),
                ("line_items is a string", lambda p: p.update(line_items="many")),
                ("quantity is text", lambda p: p["line_items"][0].update(quantity="two")),
                ("quantity is negative", lambda p: p["line_items"][0].update(quantity=-1)),
                ("created_at is not a date", lambda p: p.update(created_at="yesterday")),
                ("currency is a number", lambda p: p.update(currency=978)),
                ("customer is a string", lambda p: p.update(customer="bob")),
                ("test is not a boolean", lambda p: p.update(test="maybe")),
            ]
        elif topic == "refunds/create":
            changes = [
                ("refund_line_items is an object", lambda p: p.update(refund_line_items={})),
                ("created_at is a number", lambda p: p.update(created_at=[5])),
                ("transactions is a string", lambda p: p.update(transactions="all")),
            ]
        elif topic == "checkouts/create":
            changes = [
                ("line_items is a number", lambda p: p.update(line_items=7)),
                ("currency is too long", lambda p: p.update(currency="EURO")),
                ("token is an object", lambda p: p.update(token={"a": 1})),
            ]
        else:
            changes = [
                ("addresses is a string", lambda p: p.update(addresses="none")),
                ("id is a list", lambda p: p.update(id=[1])),
            ]
        variant, change = self.rng.choice(changes)
        if self.rng.random() < 0.2:
            variant, body = self.rng.choice(
                [("body is an array", b"[]"), ("body is a string", b'"order"'), ("body is null", b"null")]
            )
        else:
            change(payload)
            body = json.dumps(payload).encode()
        return self._signed("wrong JSON types", variant, shop, topic, body, expect=INVALID)

    def _missing_ids(self) -> BadRequest:
        topic = self.rng.choice(["orders/create", "refunds/create", "checkouts/create", "customers/update", "header"])
        shop, real_topic, payload = self._valid(None if topic == "header" else topic)
        if topic == "header":
            body = json.dumps(payload).encode()
            headers = _replace(
                _headers(shop.domain, real_topic, "", sign(shop.secret, body)), "X-Shopify-Webhook-Id", None
            )
            return BadRequest("missing ids", "no X-Shopify-Webhook-Id", tuple(headers), body, INVALID)
        table: dict[str, list[tuple[str, str, str | None]]] = {
            "orders/create": [
                ("order without id", "id", None),
                ("order id null", "id", "null"),
                ("order id empty", "id", ""),
            ],
            "refunds/create": [("refund without id", "id", None), ("refund without order_id", "order_id", None)],
            "checkouts/create": [("checkout without token", "token", None), ("checkout token empty", "token", "")],
            "customers/update": [("customer without id", "id", None), ("customer id empty", "id", "")],
        }
        drops = table[topic]
        variant, key, value = self.rng.choice(drops)
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = None if value == "null" else value
        return self._signed("missing ids", variant, shop, topic, json.dumps(payload).encode(), expect=INVALID)

    def _missing_headers(self) -> BadRequest:
        shop, topic, payload = self._valid()
        body = json.dumps(payload).encode()
        headers = _headers(shop.domain, topic, self._id(), sign(shop.secret, body))
        variant = self.rng.choice(["no topic", "no shop domain", "empty topic", "blank shop domain"])
        if variant == "no topic":
            headers = _replace(headers, "X-Shopify-Topic", None)
        elif variant == "no shop domain":
            headers = _replace(headers, "X-Shopify-Shop-Domain", None)
        elif variant == "empty topic":
            headers = _replace(headers, "X-Shopify-Topic", b"")
        else:
            headers = _replace(headers, "X-Shopify-Shop-Domain", b"   ")
        return BadRequest("missing headers", variant, tuple(headers), body, INVALID)

    def _oversized(self) -> BadRequest:
        shop, topic, payload = self._valid(self.rng.choice(["orders/create", "checkouts/create"]))
        payload["note"] = ""
        base = len(json.dumps(payload).encode())
        payload["note"] = "x" * (self.max_body_bytes - base + self.rng.randint(1, 4096))
        body = json.dumps(payload).encode()
        return self._signed("oversized body", f"{len(body)} bytes", shop, topic, body, expect=INVALID)

    def _cross_shop(self) -> BadRequest:
        signer, target = self.rng.sample(list(self.shops), 2)
        topic = self.rng.choice(_TOPICS)
        body = json.dumps(self.bodies.body_for(signer, topic)).encode()
        headers = _headers(target.domain, topic, self._id(), sign(signer.secret, body))
        return BadRequest("shop A body, shop B domain", "valid for A, sent as B", tuple(headers), body, UNAUTHORIZED)

    def _unknown_shop(self) -> BadRequest:
        shop, topic, payload = self._valid()
        body = json.dumps(payload).encode()
        variant, domain = self.rng.choice(
            [
                ("unseeded shop", f"nobody-{self.rng.randint(1, 10**6)}.myshopify.com"),
                ("not a myshopify domain", "prove-alpha.example.com"),
                ("shop name only", shop.domain.split(".")[0]),
            ]
        )
        headers = _headers(domain, topic, self._id(), sign(shop.secret, body))
        return BadRequest("unknown shop", variant, tuple(headers), body, UNAUTHORIZED)

    def _unknown_topic(self) -> BadRequest:
        shop, _topic, payload = self._valid("orders/create")
        topic = self.rng.choice(
            [
                "products/update",
                "orders/delete",
                "orders/edited",
                "app/uninstalled",
                "carts/update",
                "fulfillments/create",
                "customers/delete",
                "orders/create/extra",
                "shop/redact",
            ]
        )
        return self._signed("unknown topic", topic, shop, topic, json.dumps(payload).encode(), expect=IGNORED)

    def _cross_topic(self) -> BadRequest:
        """A live order's signed body under a topic it does not agree with (README threat model)."""
        shop = self._shop()
        order = self.bodies.body_for(shop, "orders/create")
        order.update(financial_status="paid", cancelled_at=None, fulfillment_status=None, fulfillments=[])
        refund = self.bodies.body_for(shop, "refunds/create")
        variants: dict[str, tuple[str, dict[str, Any]]] = {
            "paid order as orders/cancelled": ("orders/cancelled", order),
            "paid order as refunds/create": ("refunds/create", order),
            "pending order as orders/paid": ("orders/paid", {**order, "financial_status": "pending"}),
            "unfulfilled order as orders/fulfilled": ("orders/fulfilled", order),
            "order as checkouts/update": ("checkouts/update", order),
            "order as customers/update": ("customers/update", order),
            "refund as orders/cancelled": ("orders/cancelled", refund),
        }
        variant = self.rng.choice(sorted(variants))
        topic, body = variants[variant]
        return self._signed("cross-topic replay", variant, shop, topic, json.dumps(body).encode(), expect=INVALID)

    def _shared_secret(self) -> BadRequest:
        signer = self.shops[0]
        topic = self.rng.choice(["orders/create", "orders/paid", "refunds/create"])
        body = json.dumps(self.bodies.body_for(signer, topic)).encode()
        headers = _headers(TWIN, topic, self._id(), sign(signer.secret, body))
        variant = "accepted, reaches no vendor (the twin has none)"
        return BadRequest("shop A body as shop B, shared secret", variant, tuple(headers), body, ACCEPTED)

    def _flood_shop(self) -> BadRequest:
        shop, topic, payload = self._valid()
        body = json.dumps(payload).encode()
        domain = f"flood-{uuid.uuid4().hex[:12]}.myshopify.com"
        headers = _headers(domain, topic, self._id(), sign(shop.secret, body))
        return BadRequest(FLOOD, "a new made-up shop each time", tuple(headers), body, UNAUTHORIZED)

    def _injection(self) -> BadRequest:
        shop, topic, payload = self._valid()
        body = json.dumps(payload).encode()
        headers = _headers(shop.domain, topic, self._id(), sign(shop.secret, body))
        spot = _Spot(shop, next(s for s in self.shops if s != shop), topic, body, headers, self._id())
        variant = self.rng.choice(list(_INJECTIONS))
        return BadRequest("header injection", variant, tuple(_INJECTIONS[variant](spot)), body, ANY_REFUSAL)


@dataclass(frozen=True)
class _Spot:
    """A valid signed request, about to have one header tampered with."""

    shop: ProveShop
    other: ProveShop
    topic: str
    body: bytes
    headers: list[tuple[str, bytes]]
    fresh_id: str

    def replaced(self, name: str, value: bytes) -> list[tuple[str, bytes]]:
        return _replace(self.headers, name, value)

    def shop_domain(self, value: bytes) -> list[tuple[str, bytes]]:
        return self.replaced("X-Shopify-Shop-Domain", value)


_INJECTIONS: dict[str, Callable[[_Spot], list[tuple[str, bytes]]]] = {
    "second shop domain header": lambda s: [*s.headers, ("X-Shopify-Shop-Domain", s.other.domain.encode())],
    "second signature header": lambda s: [*s.headers, ("X-Shopify-Hmac-Sha256", sign(s.other.secret, s.body).encode())],
    "CR-smuggled shop header": lambda s: s.shop_domain(
        s.other.domain.encode() + b"\rX-Shopify-Shop-Domain: " + s.shop.domain.encode()
    ),
    "LF-smuggled signature header": lambda s: s.replaced(
        "X-Shopify-Webhook-Id", s.fresh_id.encode() + b"\nX-Shopify-Hmac-Sha256: " + sign("forged", s.body).encode()
    ),
    "NUL in shop domain": lambda s: s.shop_domain(s.shop.domain.encode() + b"\x00.evil"),
    "NUL in topic": lambda s: s.replaced("X-Shopify-Topic", s.topic.encode() + b"\x00"),
    "non-ASCII shop domain": lambda s: s.shop_domain("prövé-alpha.myshopify.com".encode("latin-1")),
    "8 KB shop domain": lambda s: s.shop_domain(b"a" * 8192 + b".myshopify.com"),
    "16 KB topic": lambda s: s.replaced("X-Shopify-Topic", b"orders/" + b"x" * 16384),
    "32 KB signature": lambda s: s.replaced("X-Shopify-Hmac-Sha256", sign(s.shop.secret, s.body).encode() * 700),
    "70 KB header line": lambda s: s.replaced("X-Shopify-Webhook-Id", b"w" * 70_000),
    "path traversal shop domain": lambda s: s.shop_domain(f"{s.shop.domain}/../{s.other.domain}".encode()),
    "SSM path as shop domain": lambda s: s.shop_domain(f"/shoprelay/dev/shops/{s.shop.domain}/webhook-secret".encode()),
    "encoded slash in shop domain": lambda s: s.shop_domain(f"..%2F{s.shop.domain}".encode()),
    "trailing dot shop domain": lambda s: s.shop_domain(f"{s.shop.domain}.".encode()),
}
"""Ways to tamper with one header of a valid request; any 4xx (or the "ignored" no-op) is right."""


ECHO_CLASS = "vendor error with personal data"
ECHO_VENDOR = "corvidae"
ECHO = (
    'contact {"email": "leak.check@example.com", "phone": "+49 151 2345 6789"} from 198.51.100.77 '
    "rejected; x-api-key: prove-leaked-key, card 4000056655665556"
)
"""What a vendor that echoes its input answers: an e-mail, a phone, an IP, a credential, a card."""
ECHOED = ("leak.check", "2345 6789", "198.51.100.77", "prove-leaked-key", "4000056655665556")


def echo_findings(log_lines: list[str], dead_letter_attributes: list[dict[str, str]]) -> list[str]:
    """Where an echoed value survived: a log line or a DLQ attribute (none, when redaction works)."""
    found = [f"log line carries {value!r}" for value in ECHOED for line in log_lines if value in line]
    for attributes in dead_letter_attributes:
        for name, text in attributes.items():
            found += [f"DLQ attribute {name} carries {value!r}" for value in ECHOED if value in text]
    return found


def send(request: BadRequest, url: str, timeout: float = 60.0) -> BadAnswer:
    """Write the request to a new connection and read the whole answer (the server closes)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(request.wire(f"{host}:{port}", parts.path))
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
    except OSError as error:
        return BadAnswer(request, None, None, f"connection failed: {type(error).__name__}")
    raw = b"".join(chunks)
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else None
    answer_status = None
    try:
        parsed = json.loads(payload or b"null")
        if isinstance(parsed, dict):
            answer_status = parsed.get("status")
    except ValueError:
        pass
    return BadAnswer(request, status, answer_status, payload[:200].decode("utf-8", errors="replace"))


@dataclass
class ClassResult:
    kind: str
    sent: int = 0
    answers: Counter[int | None] = field(default_factory=Counter)
    server_errors: list[BadAnswer] = field(default_factory=list)
    undocumented: list[BadAnswer] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.server_errors and not self.undocumented


def send_all(requests: list[BadRequest], url: str, workers: int = 8) -> dict[str, ClassResult]:
    with ThreadPoolExecutor(workers, thread_name_prefix="prove-bad") as pool:
        answers = list(pool.map(lambda r: send(r, url), requests))
    results = {kind: ClassResult(kind) for kind in CLASSES}
    for answer in answers:
        result = results[answer.request.kind]
        result.sent += 1
        result.answers[answer.status] += 1
        if answer.server_error:
            result.server_errors.append(answer)
        elif not answer.as_documented:
            result.undocumented.append(answer)
    return {kind: result for kind, result in results.items() if result.sent}
