"""edrone value formats: product columns made safe as a whole."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoprelay.vendors.edrone.formats import safe_text, text_list

ENTRY = st.lists(
    st.sampled_from(["a", "B", " ", "  ", "\t", "\n", "\u00a0", "|", "~", "\x00", "é", "x y", "\x1f"]),
    max_size=8,
).map("".join)


def entry_by_entry(texts: list[str]) -> str:
    return "|".join(safe_text(text) for text in texts)


@given(st.lists(ENTRY, max_size=6))
def test_text_list_is_safe_text_joined(texts: list[str]) -> None:
    assert text_list(texts) == entry_by_entry(texts)


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [""],
        ["", ""],
        ["  Linen   shirt ", "Wool socks | 3 pack", "Tea ~ green"],
        [" ", "a", " "],
        ["with\x00nul", "b"],
    ],
)
def test_text_list_examples(texts: list[str]) -> None:
    assert text_list(texts) == entry_by_entry(texts)
