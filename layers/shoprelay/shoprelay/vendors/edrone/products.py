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
from shoprelay.vendors.edrone.formats import category_path, product_list, safe_text, safe_url
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
    "product": lambda line: line.product_id or line.sku or line.line_id,
    "variant": lambda line: line.item_id,
}


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
    columns: dict[str, list[str]] = {
        "product_ids": [safe_text(product_id(line)) for line in lines],
        "product_skus": [safe_text(line.sku or "") for line in lines],
        "product_titles": [safe_text(line.title, shape.title_limit) for line in lines],
        "product_counts": [str(_units(line)) for line in lines],
        "product_category_names": [category_path(line.category) for line in lines],
    }
    if shape.with_links:
        columns["product_images"] = [safe_url(line.image_url) for line in lines]
        columns["product_urls"] = [safe_url(line.url) for line in lines]
    return {name: product_list(values) for name, values in columns.items() if any(values)}


def _units(line: LineItem) -> int:
    return line.current_quantity if line.current_quantity is not None else line.quantity
