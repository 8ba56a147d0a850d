"""MyTracker translator: real Shopify bodies (and variants of them) → the exact S2S requests."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mytracker_builders import (
    AUD_USD,
    BATCH_URL,
    DOCS_ORDER,
    DOCS_REFUND,
    HEADERS,
    ORDER_URL,
    SCENARIOS,
    TOKEN,
    TWELVE_LINES,
    Payload,
    Variant,
    event,
    everything_refunded,
    financial,
    fixture_event,
    guest_with_phone_only,
    load,
    long_title,
    lvid,
    money_set,
    refund_for_twelve_lines,
    refund_of_lines,
    remembered,
    settings,
    with_lines,
    without_lvid,
)

from shoprelay.canonical import CanonicalEvent, ClientContext
from shoprelay.vendors import load_vendor
from shoprelay.vendors.base import Translation, TranslationError, VendorRequest, Verdict
from shoprelay.vendors.mytracker import VENDOR, MyTrackerSettings, translate
from shoprelay.vendors.mytracker.identity import client_fields

LIMIT = 10_000
ADD_SUPERSEDED_BY = ("PAY", "CANCEL", "REFUND:cancelled")


def described(request: VendorRequest) -> dict[str, Any]:
    return {
        **request.describe(),
        "effect": request.effect,
        "part": request.part,
        "superseded_by": request.superseded_by,
        "repeatable": request.repeatable,
    }


def expected_request(
    effect: str, body: Any, *, part: int = 1, superseded_by: tuple[str, ...] = (), url: str = ORDER_URL
) -> dict[str, Any]:
    return {
        "method": "POST",
        "url": url,
        "headers": HEADERS,
        "body": body,
        "effect": effect,
        "part": part,
        "superseded_by": superseded_by,
        "repeatable": False,
    }


def items(*rows: tuple[str, str, str, str], **shared: str) -> list[dict[str, str]]:
    """Items from (item_id, item_name, price, quantity) rows plus fields every row shares."""
    return [
        {"item_id": item_id, "item_name": name, **shared, "price": price, "quantity": quantity}
        for item_id, name, price, quantity in rows
    ]


TWELVE_ROWS = (
    ("3000", "Linen shirt", "5.90", "1"),
    ("3001", "Wool socks | 3 pack", "8.90", "2"),
    ("3002", "Café crème mug", "11.90", "3"),
    ("3003", "Tea ~ green, loose", "14.90", "1"),
    ("3004", 'Notebook "A5"', "17.90", "2"),
    ("3005", "Pen & ink set", "20.90", "3"),
    ("3006", "Canvas tote", "23.90", "1"),
    ("3007", "Сумка шоппер", "26.90", "2"),
    ("3008", "手ぬぐい towel", "29.90", "3"),
    ("3009", "Candle 'amber'", "32.90", "1"),
    ("3010", "Soap bar", "35.90", "2"),
    ("3011", "Gift card", "38.90", "3"),
)
TWELVE_SHARED = {"item_variant": "M", "item_brand": "Example Brand"}
TWELVE_VISITOR: dict[str, str] = {
    "lvid": "0123456789abcdef0123456789abcdef",
    "eventTimestamp": "1705310430",
    "ipv4": "198.51.100.23",
    "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
}
TWELVE_PAY: dict[str, Any] = {
    **TWELVE_VISITOR,
    "order": {
        "order_id": "5551234567890",
        "currency_code": "EUR",
        "status": "PAY",
        "action_id": "115998177234292",
        "action_ts": "1705310430",
        "items": items(*TWELVE_ROWS, **TWELVE_SHARED),
    },
}

AUD_BUYER = {
    "customUserId": "4206822293653",
    "eventTimestamp": "1609017525",
    "ipv4": "203.0.113.7",
    "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/87.0.4280.101 Safari/537.36",
}
PEN = {"item_id": "37319198802069", "item_name": "Classic Fountain Pen", "item_variant": "Fine / Bordeaux"}
INK = {"item_id": "37319198834837", "item_name": "Ink Cartridges", "item_variant": "Royal Blue"}
GST = "10"
"""The AUD fixtures' lines carry Australia's GST as a tax line of rate 0.1: 10 percent."""


def pen(price: str, **fields: str) -> dict[str, str]:
    return {**PEN, "item_brand": "Kaweco", "price": price, **fields, "tax": GST, "quantity": "1"}


def ink(price: str, **fields: str) -> dict[str, str]:
    return {**INK, "item_brand": "Kaweco", "price": price, **fields, "tax": GST, "quantity": "3"}


def aud_action(
    currency: str,
    status: str,
    action_id: str,
    item_list: list[dict[str, str]],
    *,
    moment: str = "1609017525",
    order_id: str = "2998548365461",
    **order_fields: str,
) -> dict[str, Any]:
    """An action of the AUD-shop / USD-buyer order (or a discount fixture built from it)."""
    return {
        **AUD_BUYER,
        "eventTimestamp": moment,
        "order": {
            "order_id": order_id,
            "currency_code": currency,
            "status": status,
            "action_id": action_id,
            "action_ts": moment,
            **order_fields,
            "items": item_list,
        },
    }


def aud_pay(currency: str, price: str) -> dict[str, Any]:
    return aud_action(currency, "PAY", "4378213293322011", [pen(price)])


DOCS_ROWS = (
    ("788032119674292900", "Aviator sunglasses", "89.99", "1"),
    ("LENS-PROTECT-2YR", "Lens Protection Plan (2 Year)", "19.99", "1"),
    ("CASE-LEATHER-PREM", "Premium Leather Case", "24.99", "1"),
    ("788032119674292900", "Mid-century lounger", "159.99", "1"),
    ("788032119674292900", "Coffee table", "119.99", "1"),
)


def docs_order(status: str, action_id: str, rows: tuple[tuple[str, str, str, str], ...]) -> dict[str, Any]:
    """The docs order (a guest-less customer, no client details, no lvid) at 2022-01-01."""
    return {
        "customUserId": "115310627314723950",
        "eventTimestamp": "1640995200",
        "order": {
            "order_id": "820982911946154500",
            "currency_code": "USD",
            "status": status,
            "action_id": action_id,
            "action_ts": "1640995200",
            "items": items(*rows),
        },
    }


def forty_line_items(first: int, last: int) -> list[dict[str, str]]:
    """Items of the 40-line variant, from how :func:`with_lines` builds line ``n``."""
    return [
        {
            "item_id": str(20_000 + n),
            "item_name": long_title(n),
            "item_brand": "Atelier",
            "price": f"{n}.50",
            "quantity": str(n % 3 + 1),
        }
        for n in range(first, last + 1)
    ]


def forty_line_body(action_id: str, first: int, last: int) -> dict[str, Any]:
    order = {**TWELVE_PAY["order"], "action_id": action_id, "items": forty_line_items(first, last)}
    return {**TWELVE_VISITOR, "order": order}


def flat(body: dict[str, Any]) -> dict[str, Any]:
    """An ``order`` body as the ``orderBatch`` element the docs' batch example shows: no ``order`` level."""
    return {**{key: value for key, value in body.items() if key != "order"}, **body["order"]}


FORTY_PART_1 = forty_line_body("115998177234292", 1, 33)
FORTY_PART_2 = forty_line_body("3738392608306962", 34, 40)

EXPECTED: dict[str, list[dict[str, Any]]] = {
    "12 lines, paid at placement": [expected_request("PAY", TWELVE_PAY)],
    "12 lines, orders/paid": [expected_request("PAY", TWELVE_PAY)],
    "12 lines, placed unpaid": [
        expected_request(
            "ADD",
            {**TWELVE_PAY, "order": {**TWELVE_PAY["order"], "status": "ADD", "action_id": "408097139164140"}},
            superseded_by=ADD_SUPERSEDED_BY,
        )
    ],
    "12 lines, partial refund": [
        expected_request(
            "REFUND:890088186047892400",
            {
                **TWELVE_VISITOR,
                "eventTimestamp": "1705737600",
                "order": {
                    "order_id": "5551234567890",
                    "currency_code": "EUR",
                    "status": "REFUND",
                    "action_id": "1846539730219308",
                    "action_ts": "1705737600",
                    "items": items(
                        ("3002", "Café crème mug", "11.90", "2"),
                        ("3008", "手ぬぐい towel", "29.90", "1"),
                        **TWELVE_SHARED,
                    ),
                },
            },
        )
    ],
    "shop AUD, buyer USD, shop currency": [expected_request("PAY", aud_pay("AUD", "45.62"))],
    "shop AUD, buyer USD, buyer currency": [expected_request("PAY", aud_pay("USD", "34.67"))],
    "JPY, unpaid, line discount": [
        expected_request(
            "ADD",
            {
                **AUD_BUYER,
                "order": {
                    "order_id": "2998548365461",
                    "currency_code": "JPY",
                    "status": "ADD",
                    "action_id": "3952455973255407",
                    "action_ts": "1609017525",
                    "coupon": "SOMMER-10",
                    # ¥1500 less ¥100/3 per unit, in whole yen: never "1466.67" or "1500.00".
                    "items": [{**pen("1467", discount="33"), "quantity": "3"}],
                },
            },
            superseded_by=ADD_SUPERSEDED_BY,
        )
    ],
    "docs order cancelled unpaid": [expected_request("CANCEL", docs_order("CANCEL", "3375892318485696", DOCS_ROWS))],
    "docs order cancelled paid": [
        expected_request("REFUND:cancelled", docs_order("REFUND", "117371674557940", DOCS_ROWS))
    ],
    "docs order cancelled after a refund": [
        expected_request("REFUND:cancelled", docs_order("REFUND", "117371674557940", DOCS_ROWS[1:]))
    ],
    "docs refund of 2 lines": [
        expected_request(
            "REFUND:890088186047892400",
            docs_order("REFUND", "245189380230082", (DOCS_ROWS[0], DOCS_ROWS[3])),
        )
    ],
    "guest with phone only and lvid, no client details": [
        expected_request(
            "PAY",
            {
                "lvid": "f" * 32,
                "eventTimestamp": "1609017525",
                "order": aud_pay("AUD", "45.62")["order"],
            },
        )
    ],
    "12 lines without client details": [
        expected_request("PAY", {k: v for k, v in TWELVE_PAY.items() if k not in {"ipv4", "userAgent"}})
    ],
    "40 long lines, split": [
        expected_request("PAY", FORTY_PART_1, part=1),
        expected_request("PAY", FORTY_PART_2, part=2),
    ],
    "40 long lines, orderBatch": [
        expected_request("PAY", [flat(FORTY_PART_1)], part=1, url=BATCH_URL),
        expected_request("PAY", [flat(FORTY_PART_2)], part=2, url=BATCH_URL),
    ],
    "AUD/USD orders/paid, buyer currency": [
        expected_request("PAY", aud_action("USD", "PAY", "4378213293322011", [pen("34.67")], moment="1609017528"))
    ],
    "AUD/USD placed unpaid, buyer currency": [
        expected_request(
            "ADD", aud_action("USD", "ADD", "3952455973255407", [pen("34.67")]), superseded_by=ADD_SUPERSEDED_BY
        )
    ],
    "AUD/USD cancelled unpaid, buyer currency": [
        expected_request("CANCEL", aud_action("USD", "CANCEL", "1900727277757081", [pen("34.67")], moment="1609017528"))
    ],
    "AUD/USD cancelled paid, buyer currency": [
        expected_request(
            "REFUND:cancelled", aud_action("USD", "REFUND", "1798718519672689", [pen("34.67")], moment="1609017528")
        )
    ],
    "AUD/USD refund, buyer currency": [
        expected_request(
            "REFUND:890088186047892400",
            aud_action("USD", "REFUND", "792959554387207", [pen("34.67")], moment="1609117200"),
        )
    ],
    "AUD/USD refund, shop currency": [
        expected_request(
            "REFUND:890088186047892400",
            aud_action("AUD", "REFUND", "792959554387207", [pen("45.62")], moment="1609117200"),
        )
    ],
    "percentage code on one line, buyer currency": [
        expected_request(
            "PAY",
            aud_action(
                "USD",
                "PAY",
                "3848112739904320",
                [pen("27.74", discount="6.93"), ink("6.08")],
                order_id="2998548365462",
                coupon="PEN20",
            ),
        )
    ],
    "percentage code on one line, shop currency": [
        expected_request(
            "PAY",
            aud_action(
                "AUD",
                "PAY",
                "3848112739904320",
                [pen("36.50", discount="9.12"), ink("8.00")],
                order_id="2998548365462",
                coupon="PEN20",
            ),
        )
    ],
    "fixed amount across the order": [
        expected_request(
            "PAY",
            aud_action(
                "USD",
                "PAY",
                "2357587849798907",
                [pen("29.69", discount="4.98"), ink("5.21", discount="0.87")],
                order_id="2998548365463",
                coupon="TENOFF",
            ),
        )
    ],
    "automatic discount": [
        expected_request(
            "PAY",
            aud_action(
                "USD",
                "PAY",
                "970990774664961",
                [pen("34.67"), ink("5.17", discount="0.91")],
                order_id="2998548365464",
            ),
        )
    ],
    "free shipping": [
        expected_request(
            "PAY",
            aud_action(
                "USD",
                "PAY",
                "3756876915341801",
                [pen("34.67"), ink("6.08")],
                order_id="2998548365465",
                coupon="FREESHIP",
            ),
        )
    ],
    "legacy total_discount without allocations": [
        expected_request(
            "ADD",
            aud_action("JPY", "ADD", "3952455973255407", [{**pen("1467", discount="33"), "quantity": "3"}]),
            superseded_by=ADD_SUPERSEDED_BY,
        )
    ],
}


def test_every_scenario_has_an_expectation() -> None:
    assert set(EXPECTED) == set(SCENARIOS)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_gives_exactly_the_expected_requests(name: str) -> None:
    build, shop_settings = SCENARIOS[name]
    translation = translate(build(), shop_settings)
    assert translation.skipped is None
    assert [described(request) for request in translation.requests] == EXPECTED[name]


def _skip_of(build_event: CanonicalEvent, shop_settings: MyTrackerSettings | None = None) -> str | None:
    translation = translate(build_event, shop_settings or settings())
    assert translation.requests == ()
    return translation.skipped


CHECKOUT = "checkouts-create.shopify-docs-2026-04.json"
CUSTOMER = "customers-create.shopify-docs-2026-04.json"
NOT_AN_ORDER_ACTION = {
    "orders/fulfilled": "fulfilment does not change a MyTracker order (it knows ADD, PAY, CANCEL and REFUND)",
    "orders/updated": "order edits are not sent: MyTracker hears of placement, payment, cancellation, refunds",
    "checkouts/create": "a checkout is not an order yet; MyTracker gets the order when it is placed",
    "customers/create": "customer changes carry no order for MyTracker",
}


@pytest.mark.parametrize(
    ("name", "topic"),
    [(TWELVE_LINES, "orders/fulfilled"), (TWELVE_LINES, "orders/updated"), (CHECKOUT, "checkouts/create"),
     (CUSTOMER, "customers/create")],
)  # fmt: skip
def test_kinds_without_a_mytracker_action_are_skipped(name: str, topic: str) -> None:
    assert _skip_of(fixture_event(name, topic)) == NOT_AN_ORDER_ACTION[topic]


NO_VISITOR = (
    "no visitor to attribute the order to: no 32-character lvid in cart attribute '_mytracker_lvid' and no customer id"
)


def test_guest_with_only_a_phone_and_no_lvid_is_skipped() -> None:
    assert _skip_of(fixture_event(TWELVE_LINES, "orders/create", guest_with_phone_only, without_lvid)) == NO_VISITOR


def test_lvid_of_the_wrong_length_is_ignored_not_sent() -> None:
    guest = fixture_event(TWELVE_LINES, "orders/create", guest_with_phone_only, lvid("0" * 31))
    assert _skip_of(guest) == NO_VISITOR
    customer = fixture_event(TWELVE_LINES, "orders/create", lvid("0" * 33))
    body = translate(customer, settings()).requests[0].json_body
    assert (body.get("lvid"), body["customUserId"]) == (None, "7770001")


def test_refund_of_an_order_never_seen_is_skipped() -> None:
    refund = remembered(fixture_event(DOCS_REFUND, "refunds/create"), None)
    assert _skip_of(refund) == "order not seen"


def test_refund_without_items_is_skipped() -> None:
    order = fixture_event(DOCS_ORDER, "orders/create", financial("paid"))
    money_only = remembered(fixture_event(DOCS_REFUND, "refunds/create", refund_of_lines()), order)
    assert (
        _skip_of(money_only) == "the refund returns money but no items, and a MyTracker REFUND needs the returned items"
    )


def test_cancelling_a_fully_refunded_order_sends_nothing_more() -> None:
    cancelled = fixture_event(DOCS_ORDER, "orders/cancelled", everything_refunded)
    assert _skip_of(cancelled) == "every item was refunded before the cancellation"


def test_paid_order_gives_the_same_pay_from_create_and_paid() -> None:
    """Delivery sends an effect once per order: both topics must name the same PAY, same parts."""
    placed = translate(fixture_event(TWELVE_LINES, "orders/create"), settings())
    paid_later = event(
        {**load(TWELVE_LINES), "updated_at": "2024-01-15T11:00:00+01:00"},
        "orders/paid",
    )
    paid = translate(paid_later, settings())
    assert [(r.effect, r.part) for r in placed.requests] == [(r.effect, r.part) for r in paid.requests] == [("PAY", 1)]
    placed_order, paid_order = placed.requests[0].json_body["order"], paid.requests[0].json_body["order"]
    assert placed_order["action_id"] == paid_order["action_id"] == "115998177234292"
    assert (placed_order["action_ts"], paid_order["action_ts"]) == ("1705310430", "1705312800")


def test_documented_chain_add_pay_refund_has_distinct_effects_and_action_ids() -> None:
    unpaid = fixture_event(TWELVE_LINES, "orders/create", financial("pending"))
    paid = fixture_event(TWELVE_LINES, "orders/paid")
    refund = remembered(fixture_event(DOCS_REFUND, "refunds/create", refund_for_twelve_lines), paid)
    steps = [translate(e, settings()).requests[0] for e in (unpaid, paid, refund)]
    assert [(r.effect, r.json_body["order"]["status"]) for r in steps] == [
        ("ADD", "ADD"),
        ("PAY", "PAY"),
        ("REFUND:890088186047892400", "REFUND"),
    ]
    assert len({r.json_body["order"]["action_id"] for r in steps}) == 3


def test_split_parts_are_full_and_within_the_limit() -> None:
    requests = translate(fixture_event(TWELVE_LINES, "orders/create", with_lines(40)), settings()).requests
    sizes = [len(r.body_bytes() or b"") for r in requests]
    assert sizes == [9955, 2347]
    first, second = requests[0].json_body, requests[1].json_body
    overfull = {**first, "order": {**first["order"], "items": [*first["order"]["items"], second["order"]["items"][0]]}}
    assert len(json.dumps(overfull, ensure_ascii=False, separators=(",", ":")).encode()) > LIMIT


def test_a_body_of_exactly_10_kb_goes_whole_and_one_byte_more_is_split() -> None:
    """The limit is checked on the bytes sent, with the real action_id: no safety margin splits an order."""

    def padded(extra: int) -> Variant:
        def pad(payload: Payload) -> Payload:
            payload["line_items"][0]["title"] += "x" * extra
            return payload

        return pad

    def sizes(extra: int) -> list[int]:
        requests = translate(fixture_event(TWELVE_LINES, "orders/create", padded(extra)), settings()).requests
        return [len(r.body_bytes() or b"") for r in requests]

    (unpadded,) = sizes(0)
    assert sizes(LIMIT - unpadded) == [LIMIT]
    assert len(sizes(LIMIT - unpadded + 1)) == 2


def test_a_long_order_is_never_truncated() -> None:
    """120 lines: every line and quantity arrives, over several parts, in order."""
    build = with_lines(120, title=lambda n: f"Artikel {n} — 鉄瓶 & «Teekanne» | Größe ~{n}")
    requests = translate(fixture_event(TWELVE_LINES, "orders/create", build), settings()).requests
    sent = [item for r in requests for item in r.json_body["order"]["items"]]
    assert [(i["item_id"], i["quantity"]) for i in sent] == [(str(20_000 + n), str(n % 3 + 1)) for n in range(1, 121)]
    assert [r.part for r in requests] == list(range(1, len(requests) + 1))
    assert len(requests) >= 2
    assert all(len(r.body_bytes() or b"") <= LIMIT for r in requests)
    assert len({r.json_body["order"]["action_id"] for r in requests}) == len(requests)


def test_batch_mode_sends_one_flat_element_per_request_within_the_limit() -> None:
    build = with_lines(150, title=lambda n: f"Artikel {n} " + "·" * 240)
    requests = translate(fixture_event(TWELVE_LINES, "orders/create", build), settings(use_batch=True)).requests
    assert {r.url for r in requests} == {BATCH_URL}
    assert len(requests) > 1
    assert all(isinstance(r.json_body, list) and len(r.json_body) == 1 for r in requests)
    assert all("order" not in r.json_body[0] and r.json_body[0]["status"] == "PAY" for r in requests)
    assert all(len(r.body_bytes() or b"") <= LIMIT for r in requests)
    assert sum(len(e["items"]) for r in requests for e in r.json_body) == 150


def test_an_item_that_alone_exceeds_10_kb_is_an_error_not_a_truncation() -> None:
    def huge_title(payload: Payload) -> Payload:
        payload["line_items"][0]["title"] = "x" * 11_000
        return payload

    with pytest.raises(TranslationError, match="cannot fit one MyTracker request"):
        translate(fixture_event(AUD_USD, "orders/create", huge_title), settings())


def test_settings_choose_order_id_item_id_and_identity() -> None:
    custom = settings(
        order_id_field="name",
        item_id_source="sku",
        send_custom_user_id_with_lvid=True,
        send_client_context=False,
    )
    body = translate(fixture_event(TWELVE_LINES, "orders/create"), custom).requests[0].json_body
    assert {k: v for k, v in body.items() if k != "order"} == {
        "lvid": "0123456789abcdef0123456789abcdef",
        "customUserId": "7770001",
        "eventTimestamp": "1705310430",
    }
    assert body["order"]["order_id"] == "#1123"
    assert [i["item_id"] for i in body["order"]["items"]] == [f"SKU-{n:03d}" for n in range(1, 13)]


def test_titles_reach_the_wire_as_utf8_json_unchanged() -> None:
    wire = (
        translate(fixture_event(TWELVE_LINES, "orders/create"), settings()).requests[0].body_bytes() or b""
    ).decode()
    for fragment in ('"Wool socks | 3 pack"', '"Tea ~ green, loose"', '"Notebook \\"A5\\""', '"Pen & ink set"',
                     '"Сумка шоппер"', '"手ぬぐい towel"', '"Candle \'amber\'"'):  # fmt: skip
        assert fragment in wire


def test_ipv6_buyer_goes_to_ipv6() -> None:
    def ipv6(payload: Payload) -> Payload:
        payload["client_details"]["browser_ip"] = "2001:0db8:85a3:0000:0000:8a2e:0370:7334"
        return payload

    body = translate(fixture_event(TWELVE_LINES, "orders/create", ipv6), settings()).requests[0].json_body
    assert (body.get("ipv4"), body["ipv6"]) == (None, "2001:db8:85a3::8a2e:370:7334")


def test_event_time_outside_mytracker_range_is_an_error() -> None:
    def from_1999(payload: Payload) -> Payload:
        payload["processed_at"] = "1999-06-01T00:00:00Z"
        return payload

    with pytest.raises(TranslationError, match="outside the range MyTracker accepts"):
        translate(fixture_event(AUD_USD, "orders/create", from_1999), settings())


def test_production_url_and_raw_token() -> None:
    production = MyTrackerSettings.parse({"app_id": "001", "api_token": TOKEN})
    request = translate(fixture_event(AUD_USD, "orders/create"), production).requests[0]
    assert request.url == "https://tracker-s2s.my.com/v1/order/?idApp=001"
    assert request.wire_headers() == {"Authorization": TOKEN, "Content-Type": "application/json"}


def test_translation_is_repeatable() -> None:
    build, shop_settings = SCENARIOS["40 long lines, split"]
    assert translate(build(), shop_settings) == translate(build(), shop_settings)


def test_vendor_declaration_and_placeholders() -> None:
    vendor = load_vendor("mytracker")
    assert vendor is VENDOR
    placeholder = vendor.settings_model.parse(vendor.placeholder_settings)
    result = vendor.translate(fixture_event(AUD_USD, "orders/create"), placeholder)
    assert isinstance(result, Translation)
    assert result.requests[0].url == "https://tracker-s2s.my.com/v1/order/?idApp=PLACEHOLDER-APP-ID"
    assert result.requests[0].headers["Authorization"] == "PLACEHOLDER-S2S-TOKEN"
    assert "PLACEHOLDER-S2S-TOKEN" not in repr(placeholder)


@pytest.mark.parametrize(
    ("status", "body", "verdict", "error"),
    [
        (200, b'{"message":"OK"}', Verdict.DELIVERED, None),
        (400, b'{"error":"Bad Request"}', Verdict.PERMANENT, "Bad Request"),
        (403, b'{"error":"Forbidden"}', Verdict.PERMANENT, "Forbidden"),
        (404, b'{"error":"Method not found"}', Verdict.PERMANENT, "Method not found"),
        (429, b"", Verdict.RETRYABLE, "HTTP 429"),
        (500, b'{"error":"Internal Server Error"}', Verdict.RETRYABLE, "Internal Server Error"),
    ],
)
def test_read_response(status: int, body: bytes, verdict: Verdict, error: str | None) -> None:
    reading = VENDOR.read_response(status, {}, body)
    assert (reading.verdict, reading.error) == (verdict, error)


# --- MyTracker's own examples, reproduced from an equivalent order --------------------------

DOCS_EXAMPLE_ITEM = {
    "item_id": "00912",
    "item_name": "Apple",
    "affilation": "Gardens",
    "item_list_id": "5",
    "item_list_name": "Fruits",
    "price": "11.90",
    "discount": "2",
    "coupon": " two-for-one",
    "tax": "20",
    "index": "1",
    "item_brand": "Honey Crisp",
    "item_variant": "Green",
    "item_category1": "Foodstuffs",
    "item_category2": "Fruits",
    "item_category3": "Apples",
    "item_category4": "Sweet",
    "location_id": "Oregon",
}
NOT_IN_A_SHOPIFY_ORDER = {
    "affilation", "item_list_id", "item_list_name", "coupon", "index",
    "item_category2", "item_category3", "item_category4", "location_id",
}  # fmt: skip
"""Item fields of the example that a Shopify line has no source for (list context, store
location, a per-item coupon), so the translator never sends them."""


def docs_example(status: str, action_ts: str, quantity: str) -> dict[str, Any]:
    return {
        "lvid": "00000000000000000000000000000000",
        "order": {
            "order_id": "000919",
            "currency_code": "USD",
            "status": status,
            "action_ts": action_ts,
            "coupon": "two-for-one",
            "items": [{**DOCS_EXAMPLE_ITEM, "quantity": quantity}],
        },
    }


def apple_order(payload: Payload) -> Payload:
    """The AUD fixture turned into the docs' order 000919: five Honey Crisp apples."""
    payload.update(id="000919", currency="USD", presentment_currency="USD", financial_status="pending")
    payload.update(processed_at="2024-03-01T18:22:06Z", client_details=None, browser_ip=None)
    payload["discount_codes"] = [{"code": "two-for-one", "amount": "10.00", "type": "fixed_amount"}]
    payload["note_attributes"] = [{"name": "_mytracker_lvid", "value": "0" * 32}]
    line = payload["line_items"][0]
    line.update(id=919001, variant_id="00912", title="Apple", name="Apple", quantity=5)
    line.update(vendor="Honey Crisp", variant_title="Green", product_type="Foodstuffs")
    line.update(price="13.90", price_set=money_set("13.90", "USD"))
    line.update(total_discount="0.00", total_discount_set=money_set("0.00", "USD"))
    line["discount_allocations"] = [
        {"amount": "10.00", "amount_set": money_set("10.00", "USD"), "discount_application_index": 0}
    ]
    line["tax_lines"] = [{"title": "VAT", "rate": 0.2, "price": "11.90", "price_set": money_set("11.90", "USD")}]
    return payload


def in_substance(example: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The example as we send it: without the fields we have no source for, with the ones
    the example leaves out (a stable ``action_id``, ``eventTimestamp`` = ``action_ts``), and
    the discount written like every other amount ("2.00" for the example's "2")."""
    order = example["order"]
    item = {k: v for k, v in order["items"][0].items() if k not in NOT_IN_A_SHOPIFY_ORDER} | {"discount": "2.00"}
    return {
        "lvid": example["lvid"],
        "eventTimestamp": order["action_ts"],
        "order": {**order, "action_id": action_id, "items": [item]},
    }


def test_reproduces_docs_example_order_placement_without_payment() -> None:
    example = docs_example("ADD", "1709317326", "5")
    request = translate(fixture_event(AUD_USD, "orders/create", apple_order), settings(send_client_context=False))
    assert [described(r) for r in request.requests] == [
        expected_request("ADD", in_substance(example, "2431175706443495"), superseded_by=ADD_SUPERSEDED_BY)
    ]


def test_reproduces_docs_example_partial_refund_of_a_paid_order() -> None:
    example = docs_example("REFUND", "1709652628", "1")
    paid = fixture_event(AUD_USD, "orders/paid", apple_order, financial("paid"))

    def one_apple_back(payload: Payload) -> Payload:
        payload.update(order_id="000919", processed_at="2024-03-05T15:30:28Z")
        payload["refund_line_items"] = payload["refund_line_items"][:1]
        payload["refund_line_items"][0].update(line_item_id=919001, quantity=1)
        return payload

    refund = remembered(fixture_event(DOCS_REFUND, "refunds/create", one_apple_back), paid)
    request = translate(refund, settings(send_client_context=False))
    assert [described(r) for r in request.requests] == [
        expected_request("REFUND:890088186047892400", in_substance(example, "3166028866622102"))
    ]


def test_docs_example_times_are_the_event_times() -> None:
    assert datetime.fromtimestamp(1709317326, UTC) == datetime(2024, 3, 1, 18, 22, 6, tzinfo=UTC)
    assert datetime.fromtimestamp(1709652628, UTC) == datetime(2024, 3, 5, 15, 30, 28, tzinfo=UTC)


def test_the_limit_is_10000_bytes_on_the_wire() -> None:
    """A one-line order of exactly 10,000 bytes goes as is; one byte more cannot be sent."""

    def titled(length: int) -> CanonicalEvent:
        def apply(payload: Payload) -> Payload:
            payload["line_items"][0]["title"] = "x" * length
            return payload

        return fixture_event(AUD_USD, "orders/create", apply)

    probe = translate(titled(1), settings()).requests[0]
    assert probe.json_body["order"]["action_id"] == "4378213293322011"  # the widest id: 16 digits
    fitting = 1 + LIMIT - len(probe.body_bytes() or b"")
    at_limit = translate(titled(fitting), settings()).requests
    assert [len(r.body_bytes() or b"") for r in at_limit] == [LIMIT]
    with pytest.raises(TranslationError, match="cannot fit one MyTracker request"):
        translate(titled(fitting + 1), settings())


@given(
    st.tuples(*[st.integers(0, 300)] * 4).map(lambda parts: ".".join(map(str, parts)))
    | st.from_regex(r"\A[0-9.]{1,16}\Z")
    | st.ip_addresses(v=4).map(str)
)
def test_ipv4_is_sent_exactly_when_python_reads_it_as_an_ipv4_address(text: str) -> None:
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        parsed = None
    expected = {"ipv4": str(parsed)} if parsed is not None and parsed.version == 4 else {}
    assert client_fields(ClientContext(ip=text)) == expected
