"""Vendor registry: every package in this folder is a vendor, imported only when used.

Adding a vendor is adding a folder here (``VENDOR`` in its ``__init__``); the template's
per-vendor wiring, the local stack, the sandboxes and the tests all start from this list.
"""

from __future__ import annotations

import pkgutil
import re
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shoprelay.vendors.base import Vendor

_VENDOR_NAME = re.compile(r"^[a-z][a-z0-9]*$")
"""Lower-case letters and digits: the name also spells SSM paths and template logical ids."""


class UnknownVendorError(KeyError):
    """A vendor name that shoprelay does not know."""


def vendor_names() -> tuple[str, ...]:
    """Every vendor, in a stable order."""
    return tuple(sorted(module.name for module in pkgutil.iter_modules(__path__) if module.ispkg))


def load_vendor(name: str) -> Vendor:
    """Import one vendor's package, so a function pays only for the vendor it serves."""
    if not _VENDOR_NAME.fullmatch(name) or name not in vendor_names():
        raise UnknownVendorError(f"unknown vendor {name!r}; known: {', '.join(vendor_names())}")
    module = import_module(f"shoprelay.vendors.{name}")
    vendor: Vendor = module.VENDOR
    return vendor
