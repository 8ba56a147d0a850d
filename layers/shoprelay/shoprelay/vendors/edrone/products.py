"""The product fields of an edrone ``order``: parallel ``|``-separated lists, one entry per line.

Every list has an entry for every product, in the same order (an empty entry when a line
lacks the value), because edrone pairs the n-th title with the n-th id and count. A list that
would be empty for every product is left out altogether.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import msgspec

from shoprelay.canonical import LineItem
from shoprelay.vendors.edrone.formats import (
    PRODUCT_SEPARATOR,
    category_path,
    product_list,
    safe_text,
    safe_url,
    text_list,
)
from shoprelay.vendors.edrone.settings import EdroneSettings


@dataclass(frozen=True)
class _Shape:
    """How much per-product text goes into the request."""

    title_limit: int | None
    with_links: bool


_SHAPES: tuple[_Shape, ...] = (
    _Shape(title_limit=None, with_links=True),
    _Shape(title_limit=60, with_links=True),
    _Shape(title_limit=60, with_links=False),
    _Shape(title_limit=30, with_links=False),
    _Shape(title_limit=15, with_links=False),
)
"""From the full request to the smallest one that still names every product.

Links go before titles get very short because edrone's e-mails show titles, while images
and URLs are also known to edrone from its product feed.
"""

_ID_OF: dict[str, Callable[[LineItem], str]] = {
    "product": lambda line: line.product_id or "",
    "variant": lambda line: line.variant_id or "",
}
"""One kind of id per list, the one ``product_id_field`` names: edrone matches these against
the ids its tag saw on product pages, so a SKU or a line id in their place could only match
the wrong product. A line without that id (a custom item) gets an empty entry; its SKU is
still in ``product_skus``."""


def lines_still_ordered(lines: Sequence[LineItem]) -> tuple[LineItem, ...]:
    """Lines with units left after edits and removals.

    When nothing is left (a payload that zeroed every line), the lines as ordered are sent
    instead: edrone needs at least one product, and what was bought is the best account of it.
    """
    kept = tuple(line for line in lines if _units(line) > 0)
    return kept or tuple(msgspec.structs.replace(line, current_quantity=None) for line in lines)


def product_field_shapes(lines: Sequence[LineItem], settings: EdroneSettings) -> Iterator[dict[str, str]]:
    """The product lists from the fullest shape to the shortest; the caller sends the first that fits."""
    for shape in _SHAPES:
        yield _lists(lines, settings, shape)


def _lists(lines: Sequence[LineItem], settings: EdroneSettings, shape: _Shape) -> dict[str, str]:
    product_id = _ID_OF[settings.product_id_field]
    titles = [line.title for line in lines]
    columns = {
        "product_ids": text_list([product_id(line) for line in lines]),
        "product_skus": text_list([line.sku or "" for line in lines]),
        "product_titles": text_list(titles)
        if shape.title_limit is None
        else product_list(safe_text(title, shape.title_limit) for title in titles),
        "product_counts": product_list([str(_units(line)) for line in lines]),
        "product_category_names": _optional_column([line.category for line in lines], category_path),
    }
    if shape.with_links:
        columns["product_images"] = _optional_column([line.image_url for line in lines], safe_url)
        columns["product_urls"] = _optional_column([line.url for line in lines], safe_url)
    # A list whose every entry is empty is only separators: it is left out, except the ids,
    # which every edrone order carries (an order of custom items has only empty ones).
    return {
        name: values for name, values in columns.items() if name == "product_ids" or values.strip(PRODUCT_SEPARATOR)
    }


def _optional_column(values: list[str | None], entry: Callable[[str | None], str]) -> str:
    """A column of values most lines lack (categories, links): nothing to format when none has one."""
    if not any(values):
        return ""
    return product_list(entry(value) for value in values)


def _units(line: LineItem) -> int:
    return line.current_quantity if line.current_quantity is not None else line.quantity
