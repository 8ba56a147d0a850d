"""The wire encoders produce exactly the bytes the standard library would."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoprelay.vendors.wire import form_bytes, form_text, form_value, json_bytes, json_text, query_text, query_value

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


@given(TEXT)
def test_form_value_is_quote_plus(text: str) -> None:
    assert form_value(text) == urllib.parse.quote_plus(text)


@given(TEXT)
def test_query_value_is_quote_keeping_slashes(text: str) -> None:
    assert query_value(text) == urllib.parse.quote(text, safe="/")


@given(st.dictionaries(TEXT, TEXT, max_size=6))
def test_query_text_is_urlencode_with_quote(fields: dict[str, str]) -> None:
    assert query_text(fields) == urllib.parse.urlencode(fields, quote_via=urllib.parse.quote, safe="/")


@given(st.dictionaries(TEXT, TEXT, max_size=6))
def test_form_text_is_urlencode(fields: dict[str, str]) -> None:
    assert form_text(fields) == urllib.parse.urlencode(fields)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100%25", "100%2525"),
        ("a+ b", "a%2B+b"),
        (" + ", "+%2B+"),
        ("Zoë", "Zo%C3%AB"),
        ("😀", "%F0%9F%98%80"),
        ("a|b~c", "a%7Cb~c"),
        ("k=v&x", "k%3Dv%26x"),
        ("", ""),
    ],
)
def test_form_value_examples(text: str, expected: str) -> None:
    assert form_value(text) == expected
    assert urllib.parse.quote_plus(text) == expected


def test_form_text_of_empty_mapping_is_empty() -> None:
    assert form_text({}) == ""


@pytest.mark.parametrize(
    "fields",
    [
        {"a": "x\x1fy", "b": "z"},
        {"a\x1e": "1"},
        {"a": "\x1e\x1f", "b": "\x1f"},
        {"only": ""},
        {"": ""},
    ],
)
def test_form_and_query_text_with_the_encoders_own_separator_characters(fields: dict[str, str]) -> None:
    """The encoder joins fields with two control characters; text holding them is still encoded exactly."""
    assert form_text(fields) == urllib.parse.urlencode(fields)
    assert form_bytes(fields) == urllib.parse.urlencode(fields).encode("ascii")
    assert query_text(fields) == urllib.parse.urlencode(fields, quote_via=urllib.parse.quote, safe="/")


def test_form_text_refuses_text_that_is_not_unicode_scalar_values() -> None:
    with pytest.raises(UnicodeEncodeError):
        form_text({"name": "lone \udcff surrogate"})


def test_form_text_keeps_key_order() -> None:
    fields = {"zeta": "1", "alpha": "2 + 2", "mid": "100%"}
    assert form_text(fields) == "zeta=1&alpha=2+%2B+2&mid=100%25"
    assert form_text(fields) == urllib.parse.urlencode(fields)


def test_every_byte_the_one_pass_encoder_meets_is_spelled_as_urlencode_spells_it() -> None:
    """Every ASCII byte but the two separators, and the UTF-8 bytes of Latin-1 and wider characters."""
    text = "".join(map(chr, range(0x1E))) + "".join(map(chr, range(0x20, 0x100))) + "\u0800\uffff\U0010ffff"
    fields = {text: text, "plain": "Az09_.-~", "spaces": "a b  c"}
    assert form_text(fields) == urllib.parse.urlencode(fields)
    assert query_text(fields) == urllib.parse.urlencode(fields, quote_via=urllib.parse.quote, safe="/")
