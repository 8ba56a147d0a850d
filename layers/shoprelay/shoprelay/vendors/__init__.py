"""Vendor registry: each vendor lives in its own package and is imported only when used."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from shoprelay import VENDORS

if TYPE_CHECKING:
    from shoprelay.vendors.base import Vendor


class UnknownVendorError(KeyError):
    """A vendor name that shoprelay does not know."""


def load_vendor(name: str) -> Vendor:
    """Import one vendor's package, so a function pays only for the vendor it serves."""
    if name not in VENDORS:
        raise UnknownVendorError(f"unknown vendor {name!r}; known: {', '.join(VENDORS)}")
    module = import_module(f"shoprelay.vendors.{name}")
    vendor: Vendor = module.VENDOR
    return vendor
