"""Who an order belongs to for MyTracker: the web visitor (``lvid``) or the shop's customer id.

MyTracker refuses a web order without ``lvid`` or ``customUserId``, and refuses the whole
request when one of them breaks its format, so malformed values are left out here rather
than sent.
"""

from __future__ import annotations

import ipaddress
import re

from shoprelay.canonical import ClientContext, Order
from shoprelay.vendors.mytracker.settings import MyTrackerSettings

LVID_LENGTH = 32
MAX_CUSTOM_USER_ID = 1024
MAX_USER_AGENT = 2048
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")
"""An IPv4 address in the one spelling ``ipaddress`` would print: checked without building an object."""


def lvid_of(order: Order, settings: MyTrackerSettings) -> str | None:
    """The visitor id the storefront copied into the cart, when it has MyTracker's 32 chars."""
    value = order.cart_attributes.get(settings.lvid_attribute, "").strip()
    return value if len(value) == LVID_LENGTH else None


def custom_user_id_of(order: Order) -> str | None:
    value = (order.customer.id or "").strip()
    return value if 0 < len(value) <= MAX_CUSTOM_USER_ID else None


def identity_fields(order: Order, settings: MyTrackerSettings) -> dict[str, str] | None:
    """``lvid`` when captured, else ``customUserId``; None when MyTracker could not attribute it."""
    lvid = lvid_of(order, settings)
    user_id = custom_user_id_of(order)
    if lvid and (settings.send_custom_user_id_with_lvid and user_id):
        return {"lvid": lvid, "customUserId": user_id}
    if lvid:
        return {"lvid": lvid}
    if user_id:
        return {"customUserId": user_id}
    return None


def client_fields(client: ClientContext) -> dict[str, str]:
    """``ipv4``/``ipv6`` and ``userAgent`` as far as they fit MyTracker's formats."""
    fields: dict[str, str] = {}
    ip = (client.ip or "").strip()
    if _IPV4.fullmatch(ip):
        fields["ipv4"] = ip
    elif ip:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            address = None
        if address is not None:
            fields["ipv4" if address.version == 4 else "ipv6"] = str(address)
    user_agent = (client.user_agent or "").strip()
    if user_agent and len(user_agent) <= MAX_USER_AGENT:
        fields["userAgent"] = user_agent
    return fields
