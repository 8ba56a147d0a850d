"""Value formats edrone's Trace API reads: amounts, dates and separator-safe list entries.

edrone packs every product of an order into single form fields: ``|`` separates products and
``~`` separates the levels of one product's category path. A title or category that contains
either character would shift every later entry onto the wrong product, so both are replaced
before joining with look-alikes that read the same in edrone's e-mails and reports:

* ``|`` becomes ``¦`` (U+00A6 BROKEN BAR),
* ``~`` becomes U+223C TILDE OPERATOR, a mathematical tilde that renders like ``~``.

ASCII stand-ins (``/``, ``-``) were rejected because they change meaning ("~50 g" is not
"-50 g"). URLs are different: there ``|`` is percent-encoded as ``%7C``, which addresses the
same resource, and ``~`` is a legal URL character that never needs touching.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

PRODUCT_SEPARATOR = "|"
CATEGORY_SEPARATOR = "~"

_PRODUCT_SEPARATOR_IN_TEXT = "\u00a6"
_CATEGORY_SEPARATOR_IN_TEXT = "\u223c"
_PRODUCT_SEPARATOR_IN_URL = "%7C"
_CATEGORY_LEVEL_MARK = " > "
"""How Shopify writes a category hierarchy in one string ("Apparel > Shirts")."""
_ELLIPSIS = "\u2026"
_ENTRY_MARK = "\x00"


def safe_text(text: str, limit: int | None = None) -> str:
    """``text`` without list separators, cut to ``limit`` characters with an ellipsis."""
    cleaned = _separators_replaced(" ".join(text.split()))
    if limit is not None and len(cleaned) > limit:
        return cleaned[: limit - 1].rstrip() + _ELLIPSIS
    return cleaned


def safe_url(url: str | None) -> str:
    """A URL that cannot split the product list (empty when the line has none)."""
    return (url or "").strip().replace(PRODUCT_SEPARATOR, _PRODUCT_SEPARATOR_IN_URL)


def category_path(category: str | None) -> str:
    """One product's category levels joined by ``~``, each level made separator-safe."""
    if not category:
        return ""
    levels = (safe_text(level) for level in category.split(_CATEGORY_LEVEL_MARK))
    return CATEGORY_SEPARATOR.join(level for level in levels if level)


def product_list(values: Iterable[str]) -> str:
    """Per-product values joined in product order; callers pass separator-safe values."""
    return PRODUCT_SEPARATOR.join(values)


def text_list(texts: Sequence[str]) -> str:
    """``texts`` made safe as :func:`safe_text` makes them, then joined in product order.

    Done on the whole column at once: the entries are joined with NUL, which neither
    whitespace folding nor the separator replacements touch, and NUL becomes ``|`` at the
    end. A column whose text holds NUL itself goes entry by entry.
    """
    joined = _ENTRY_MARK.join(texts)
    if joined.count(_ENTRY_MARK) != len(texts) - 1:
        return product_list(safe_text(text) for text in texts)
    cleaned = " ".join(joined.split())
    if " " + _ENTRY_MARK in cleaned or _ENTRY_MARK + " " in cleaned:
        cleaned = cleaned.replace(" " + _ENTRY_MARK, _ENTRY_MARK).replace(_ENTRY_MARK + " ", _ENTRY_MARK)
    return _separators_replaced(cleaned).replace(_ENTRY_MARK, PRODUCT_SEPARATOR)


def _separators_replaced(text: str) -> str:
    # str.replace only where needed: most titles hold neither separator, and this runs per product.
    if PRODUCT_SEPARATOR in text:
        text = text.replace(PRODUCT_SEPARATOR, _PRODUCT_SEPARATOR_IN_TEXT)
    if CATEGORY_SEPARATOR in text:
        text = text.replace(CATEGORY_SEPARATOR, _CATEGORY_SEPARATOR_IN_TEXT)
    return text
