"""The wire encoders: JSON exactly as the standard library writes it, forms as vendors read them."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoprelay.vendors.wire import form_bytes, json_bytes, json_text, query_text

AWKWARD = st.sampled_from(
    [
        "%",
        "+",
        " ",
        "|",
        "~",
        "&",
        "=",
        "%25",
        "%2B",
        "\x00",
        "\x1e",
        "\x1f",
        "\n",
        "\t",
        "\x7f",
        "é",
        "ß",
        "中",
        "😀",
        "\u2028",
    ],
)
TEXT = st.lists(st.characters(codec="utf-8") | AWKWARD, max_size=20).map("".join)
"""Any text that can be UTF-8 encoded (no lone surrogates), weighted towards what encoders treat specially."""

AGREED_FLOATS = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False).filter(lambda x: x == 0 or abs(x) >= 1e-4)
"""Finite floats except the band 0 < |x| < 1e-4, where msgspec's float format differs from ``repr``."""

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | AGREED_FLOATS | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def stdlib_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@given(JSON_VALUES)
def test_json_bytes_is_compact_utf8_json_dumps(value: Any) -> None:
    assert json_bytes(value) == stdlib_json(value).encode("utf-8")


@given(JSON_VALUES)
def test_json_text_is_compact_json_dumps(value: Any) -> None:
    assert json_text(value) == stdlib_json(value)


@given(
    st.floats(min_value=1e-9, max_value=1e-4, exclude_max=True)
    | st.floats(min_value=-1e-4, max_value=-1e-9, exclude_min=True)
    | st.floats(min_value=1e16, max_value=1e300)
)
def test_json_bytes_spells_very_small_and_very_large_floats_its_own_way_but_keeps_the_number(value: float) -> None:
    """Outside 1e-4 ≤ |x| < 1e16 the text may differ from json.dumps (``0.00001``), never the value."""
    assert json.loads(json_bytes(value)) == value


@pytest.mark.parametrize(
    "value",
    [
        {"name": "Zoë 😀", "note": "中文"},
        ["\x00\x1f\x7f", '"quoted"', "back\\slash", "a/b", "\u2028"],
        {"nested": {"list": [1, 2.5, None, True, False, ""]}},
        {"b": 1, "a": 2},
        [1e15, -1e15, 0.1, -0.0, 1e-4],
    ],
)
def test_json_bytes_examples(value: Any) -> None:
    assert json_bytes(value) == stdlib_json(value).encode("utf-8")


def test_json_keeps_non_ascii_unescaped() -> None:
    assert json_text({"city": "Zürich"}) == '{"city":"Zürich"}'
    assert json_bytes("😀") == '"😀"'.encode()


@given(st.dictionaries(TEXT, TEXT, max_size=6))
def test_form_bytes_are_urlencode(fields: dict[str, str]) -> None:
    assert form_bytes(fields) == urllib.parse.urlencode(fields).encode("ascii")


@given(st.dictionaries(TEXT, TEXT, max_size=6))
def test_query_text_is_urlencode_with_quote(fields: dict[str, str]) -> None:
    assert query_text(fields) == urllib.parse.urlencode(fields, quote_via=urllib.parse.quote, safe="/")


def test_every_byte_is_spelled_as_urlencode_spells_it() -> None:
    """Every ASCII character, and the UTF-8 bytes of Latin-1 and wider characters."""
    text = "".join(map(chr, range(0x100))) + "\u0800\uffff\U0010ffff"
    fields = {text: text, "plain": "Az09_.-~", "spaces": "a b  c"}
    assert form_bytes(fields) == urllib.parse.urlencode(fields).encode("ascii")
    assert query_text(fields) == urllib.parse.urlencode(fields, quote_via=urllib.parse.quote, safe="/")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"zeta": "1", "alpha": "2 + 2", "mid": "100%"}, b"zeta=1&alpha=2+%2B+2&mid=100%25"),
        (
            {"title": "Zoë|Shirt~M", "url": "https://s.example/p?a=1&b=2"},
            b"title=Zo%C3%AB%7CShirt~M&url=https%3A%2F%2Fs.example%2Fp%3Fa%3D1%26b%3D2",
        ),
        ({"emoji": "😀", "k=v": "a&b"}, b"emoji=%F0%9F%98%80&k%3Dv=a%26b"),
        ({"": ""}, b"="),
        ({}, b""),
    ],
)
def test_form_bytes_keep_field_order_and_escape_everything_but_unreserved(
    fields: dict[str, str], expected: bytes
) -> None:
    assert form_bytes(fields) == expected


def test_query_text_spells_spaces_as_percent_20_and_keeps_slashes() -> None:
    fields = {"timezone": "Europe/London", "name": "Big Sale", "plus": "a+b"}
    assert query_text(fields) == "timezone=Europe/London&name=Big%20Sale&plus=a%2Bb"


def test_form_bytes_refuse_text_that_is_not_unicode_scalar_values() -> None:
    with pytest.raises(UnicodeEncodeError):
        form_bytes({"name": "lone \udcff surrogate"})
