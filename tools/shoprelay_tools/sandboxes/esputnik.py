"""A stand-in for eSputnik's (Yespo's) REST API: Add/update contacts, Generate event v1, Add orders.

Written from eSputnik's documents alone (the "v1/event" order article, the API guide, the
order resource and the contact methods), independently of shoprelay's translator. Paths are
below the sandbox prefix, as ``/api/v1/contacts``, ``/api/v1/event`` and ``/api/v1/orders``.

What the docs say, and what is our choice where they are silent:

* Auth is HTTP Basic with any user name and the API key as the password. A missing or wrong
  key gets 401 (documented as "4xx with text details"; the wording is ours).
* Generate event: the body is at most 20 kB (read here as 20 * 1024 bytes); ``eventTypeKey``
  at most 100 and ``keyValue`` at most 300 characters, neither containing
  ``< ; \\ / | " ` ' ^ ? ! , >`` or the right single quote; without ``keyValue``, a
  parameter must name the contact. The event must belong to a contact that already exists.
  Order events need the order resource's required parameters (``externalCustomerId``
  among them, as the order resource marks it), ``items`` must be a JSON string of an array
  and ``products`` one of ``{"array": [...]}`` (the docs' example); ``cartUpdated`` needs a
  ``recycleStateId`` and takes ``products`` as a JSON array (an item's optional ``discount``
  is a string, as the docs type it). The docs say an incomplete order event is "ignored";
  we refuse it with 400 and a text instead, so a broken request shows up in tests rather
  than vanishing.
* Add orders: ``{"orders": [...]}``, at most 1000. A malformed request is 400; an order
  with a missing field, or an item without a non-negative numeric ``cost`` (the price of one
  item), is listed in ``failedOrders`` of a 200 answer, as the real API reports rejected
  orders. The same body posted twice in a row is answered 400 with the JSON
  ``{"message": "Duplicated request"}``, the message Yespo's own apps look for.
* Add/update contacts: at most 3000 contacts, each with at least one channel; first and last
  names at most 40 characters. Contacts created here (and by Add orders) are remembered, so
  an event for a contact that was never created is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from shoprelay_tools.sandboxes.base import DemoAccount, SandboxAnswer, SandboxRequest

MAX_EVENT_BODY_BYTES = 20 * 1024
MAX_EVENT_TYPE_KEY = 100
MAX_KEY_VALUE = 300
MAX_ORDERS_PER_REQUEST = 1000
MAX_CONTACTS_PER_REQUEST = 3000
MAX_NAME = 40
FORBIDDEN_IN_KEYS = set("<;\u2019\\/|\"`'^?!,>")

ORDER_STATUSES = {"INITIALIZED", "IN_PROGRESS", "DELIVERED", "CANCELLED", "ABANDONED_SHOPPING_CART"}
ORDER_EVENT_TYPES = {"orderCreated", "orderUpdated", "orderDelivered", "orderCancelled"}
CHANNEL_TYPES = {"email", "sms", "mobilepush", "webpush", "viber", "telegram", "appinbox"}
DEDUPE_FIELDS = {"email", "sms", "externalCustomerId", "id", "contactKey"}

# Parameter names eSputnik searches, case-insensitively, for the contact of an event.
CONTACT_PARAMS = {
    "contactid",
    "contact_id",
    "email",
    "emailaddress",
    "useremail",
    "contactemail",
    "phone",
    "sms",
    "phonenumber",
    "pushtoken",
    "contactkey",
    "contact_key",
    "externalcustomerid",
}
_KEYLESS_LOCATORS = {"contactid", "externalcustomerid", "email", "phone", "pushtoken"}

_DECIMAL = re.compile(r"^-?\d+(?:\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PHONE = re.compile(r"^\+?\d{5,15}$")


class RequestError(ValueError):
    """A request eSputnik would refuse as a whole, with its text for the 400 answer."""


class EsputnikSandbox:
    """Judges requests for one eSputnik account, identified by its API key."""

    name = "esputnik"

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.contacts: list[dict[str, Any]] = []
        """Every contact taken, in order, as sent (from Add contacts or Add orders)."""
        self.events: list[dict[str, Any]] = []
        self.orders: dict[str, dict[str, Any]] = {}
        """Orders taken, by ``externalOrderId``; a later one replaces it (Add orders upserts)."""
        self._known: set[str] = set()
        """Lower-cased emails, phones and external customer ids of the contacts taken."""
        self._last_orders_body: bytes | None = None
        self._sessions = 0

    def answer(self, request: SandboxRequest) -> SandboxAnswer:
        handler = _ROUTES.get(request.path)
        if handler is None:
            return SandboxAnswer.text(404, f"Not found: {request.path}")
        if request.method.upper() != "POST":
            return SandboxAnswer(405, b"Method not allowed", {"Allow": "POST", "Content-Type": "text/plain"})
        if not self._authorised(request.headers.get("authorization", "")):
            return SandboxAnswer(
                401,
                b"Unauthorized: Basic authentication with a valid API key as the password is required",
                {"WWW-Authenticate": 'Basic realm="eSputnik"', "Content-Type": "text/plain; charset=utf-8"},
            )
        if not request.headers.get("content-type", "").lower().startswith("application/json"):
            return SandboxAnswer.text(415, "Unsupported media type: send application/json")
        try:
            return handler(self, request.body)
        except RequestError as error:
            return SandboxAnswer.text(400, str(error))

    def knows(self, identifier: str) -> bool:
        """Whether a contact with this email, phone or external customer id was created."""
        return _normal(identifier) in self._known

    # Routes.

    def _contacts(self, raw: bytes) -> SandboxAnswer:
        body = _json_object(raw)
        contacts = body.get("contacts")
        if not isinstance(contacts, list) or not contacts:
            raise RequestError("contacts: a non-empty array is required")
        if len(contacts) > MAX_CONTACTS_PER_REQUEST:
            raise RequestError(f"contacts: at most {MAX_CONTACTS_PER_REQUEST} per request")
        dedupe = body.get("dedupeOn")
        if dedupe is not None and dedupe not in DEDUPE_FIELDS:
            raise RequestError(f"dedupeOn: unknown value {dedupe!r}")
        for index, contact in enumerate(contacts):
            _check_contact(contact, f"contacts[{index}]")
        for contact in contacts:
            self.contacts.append(contact)
            self._remember(contact.get("externalCustomerId"), *(c["value"] for c in contact["channels"]))
        self._sessions += 1
        return SandboxAnswer.json(200, {"asyncSessionId": f"sandbox-session-{self._sessions}"})

    def _event(self, raw: bytes) -> SandboxAnswer:
        if len(raw) > MAX_EVENT_BODY_BYTES:
            raise RequestError(f"Request body is {len(raw)} bytes; the limit is 20 kB")
        body = _json_object(raw)
        event_type = body.get("eventTypeKey")
        if not isinstance(event_type, str) or not event_type:
            raise RequestError("eventTypeKey is required")
        _check_key("eventTypeKey", event_type, MAX_EVENT_TYPE_KEY)
        key_value = body.get("keyValue")
        if key_value is not None:
            if not isinstance(key_value, str):
                raise RequestError("keyValue must be a string")
            _check_key("keyValue", key_value, MAX_KEY_VALUE)
        params = _params(body.get("params"))
        if key_value is None and not _KEYLESS_LOCATORS.intersection(name.lower() for name in params):
            raise RequestError(
                "keyValue is missing and no contactId, externalCustomerId, email, phone or pushToken param"
            )
        if event_type in ORDER_EVENT_TYPES:
            _check_order_event(event_type, params)
        elif event_type == "cartUpdated":
            _check_cart_event(params)
        if not self._contact_exists(key_value, params):
            raise RequestError("Contact not found: create the contact first (v1/contacts or v1/orders)")
        self.events.append(body)
        return SandboxAnswer(200)

    def _orders(self, raw: bytes) -> SandboxAnswer:
        if raw == self._last_orders_body:
            return SandboxAnswer.json(400, {"message": "Duplicated request"})
        self._last_orders_body = raw
        body = _json_object(raw)
        orders = body.get("orders")
        if not isinstance(orders, list) or not orders:
            raise RequestError("orders: a non-empty array is required")
        if len(orders) > MAX_ORDERS_PER_REQUEST:
            raise RequestError(f"orders: at most {MAX_ORDERS_PER_REQUEST} per request")
        failed = []
        for index, order in enumerate(orders):
            problem = _order_problem(order)
            if problem is not None:
                order_id = order.get("externalOrderId") if isinstance(order, dict) else None
                failed.append({"externalOrderId": order_id, "index": index, "error": problem})
                continue
            self.orders[str(order["externalOrderId"])] = order
            self._remember(order.get("externalCustomerId"), order.get("email"), order.get("phone"))
        self._sessions += 1
        answer: dict[str, Any] = {"asyncSessionId": f"sandbox-session-{self._sessions}"}
        if failed:
            answer["failedOrders"] = failed
        return SandboxAnswer.json(200, answer)

    # Helpers.

    def _authorised(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded:
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, separator, password = decoded.partition(":")
        return bool(user and separator) and password == self.api_key

    def _remember(self, *identifiers: object) -> None:
        self._known.update(_normal(str(value)) for value in identifiers if value)

    def _contact_exists(self, key_value: str | None, params: dict[str, str]) -> bool:
        if key_value is not None:
            return self.knows(key_value)
        return any(self.knows(value) for name, value in params.items() if name.lower() in CONTACT_PARAMS)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as error:
        raise RequestError(f"Invalid JSON: {error}") from None
    if not isinstance(body, dict):
        raise RequestError("Invalid JSON: the body must be an object")
    return body


def _check_key(field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise RequestError(f"{field} is longer than {limit} characters")
    bad = sorted(FORBIDDEN_IN_KEYS.intersection(value))
    if bad:
        raise RequestError(f"{field} contains forbidden characters: {' '.join(bad)}")


def _params(params: object) -> dict[str, str]:
    if params is None:
        return {}
    if not isinstance(params, list):
        raise RequestError("params must be an array of {name, value}")
    found: dict[str, str] = {}
    for index, param in enumerate(params):
        if not isinstance(param, dict) or not isinstance(param.get("name"), str) or not param["name"]:
            raise RequestError(f"params[{index}]: name is required")
        if not isinstance(param.get("value"), str):
            raise RequestError(f"params[{index}] ({param['name']}): value must be a string")
        found[param["name"]] = param["value"]
    return found


def _check_order_event(event_type: str, params: dict[str, str]) -> None:
    required = ["externalOrderId"]
    if event_type in {"orderCreated", "orderUpdated"}:
        required += ["externalCustomerId", "totalCost", "status", "date"]
    missing = [name for name in required if not params.get(name)]
    if missing:
        raise RequestError(f"{event_type}: missing required params: {', '.join(missing)}")
    if "totalCost" in params and not _DECIMAL.match(params["totalCost"]):
        raise RequestError(f"totalCost must be a decimal number, got {params['totalCost']!r}")
    if "status" in params and params["status"] not in ORDER_STATUSES:
        raise RequestError(f"status must be one of {', '.join(sorted(ORDER_STATUSES))}")
    if "date" in params and not _is_iso_datetime(params["date"]):
        raise RequestError(f"date must be ISO 8601 (YYYY-MM-DDTHH:mm[:ss]), got {params['date']!r}")
    if "items" in params:
        for index, item in enumerate(_json_array(params["items"], "items")):
            _check_item(item, f"items[{index}]")
    if "products" in params:
        for index, item in enumerate(_products_array(params["products"])):
            _check_item(item, f"products.array[{index}]")


def _check_cart_event(params: dict[str, str]) -> None:
    if not params.get("recycleStateId"):
        raise RequestError("cartUpdated: missing required param recycleStateId")
    if "products" in params:
        for index, product in enumerate(_json_array(params["products"], "products")):
            if not isinstance(product, dict) or not product.get("productId"):
                raise RequestError(f"products[{index}]: productId is required")
            for number in ("quantity", "price"):
                if not isinstance(product.get(number), int | Decimal):
                    raise RequestError(f"products[{index}]: {number} must be a number")
            if "discount" in product and not isinstance(product["discount"], str):
                raise RequestError(f"products[{index}]: discount must be a string (the amount per item)")


def _json_array(text: str, name: str) -> list[Any]:
    try:
        value = json.loads(text, parse_float=Decimal)
    except ValueError:
        raise RequestError(f"{name} must be a JSON string holding an array") from None
    if not isinstance(value, list):
        raise RequestError(f"{name} must be a JSON string holding an array")
    return value


def _products_array(text: str) -> list[Any]:
    """An order event's ``products``: a JSON string of ``{"array": [...]}``."""
    try:
        value = json.loads(text, parse_float=Decimal)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not isinstance(value.get("array"), list):
        raise RequestError('products must be a JSON string holding {"array": [...]}')
    array: list[Any] = value["array"]
    return array


def _check_item(item: object, where: str) -> None:
    if not isinstance(item, dict) or not item.get("externalItemId"):
        raise RequestError(f"{where}: externalItemId is required")
    if not isinstance(item.get("quantity"), int | Decimal):
        raise RequestError(f"{where}: quantity must be a number")
    if "cost" in item and (not isinstance(item["cost"], int | Decimal) or item["cost"] < 0):
        raise RequestError(f"{where}: cost must be a non-negative number (the price of one item)")


def _check_contact(contact: object, where: str) -> None:
    if not isinstance(contact, dict):
        raise RequestError(f"{where}: must be an object")
    channels = contact.get("channels")
    if not isinstance(channels, list) or not channels:
        raise RequestError(f"{where}.channels: at least one channel is required")
    for index, channel in enumerate(channels):
        if not isinstance(channel, dict) or channel.get("type") not in CHANNEL_TYPES:
            raise RequestError(f"{where}.channels[{index}]: unknown channel type")
        value = channel.get("value")
        if not isinstance(value, str) or not value:
            raise RequestError(f"{where}.channels[{index}]: value is required")
        if channel["type"] == "email" and "@" not in value:
            raise RequestError(f"{where}.channels[{index}]: not an email address")
        if channel["type"] == "sms" and not _PHONE.match(value):
            raise RequestError(f"{where}.channels[{index}]: not a phone number in international format")
    for name in ("firstName", "lastName"):
        if name in contact and (not isinstance(contact[name], str) or len(contact[name]) > MAX_NAME):
            raise RequestError(f"{where}.{name}: at most {MAX_NAME} characters")


def _order_problem(order: object) -> str | None:
    """Why Add orders rejects this order, or None when it takes it."""
    if not isinstance(order, dict):
        return "order must be an object"
    return _missing_problem(order) or _field_problem(order) or _items_problem(order)


def _missing_problem(order: dict[str, Any]) -> str | None:
    required = ("externalOrderId", "externalCustomerId", "totalCost", "status", "date", "currency")
    missing = [name for name in required if order.get(name) in (None, "")]
    if missing:
        return f"missing required fields: {', '.join(missing)}"
    return None


def _field_problem(order: dict[str, Any]) -> str | None:
    if not isinstance(order["totalCost"], int | Decimal):
        return "totalCost must be a number"
    if order["status"] not in ORDER_STATUSES:
        return f"unknown status {order['status']!r}"
    if not isinstance(order["date"], str) or not _is_iso_datetime(order["date"]):
        return "date must be ISO 8601"
    if not isinstance(order["currency"], str) or not _CURRENCY.match(order["currency"]):
        return "currency must be an ISO 4217 code"
    return None


def _items_problem(order: dict[str, Any]) -> str | None:
    items = order.get("items") or []
    if not isinstance(items, list):
        return "items must be an array"
    try:
        for index, item in enumerate(items):
            _check_item(item, f"items[{index}]")
    except RequestError as error:
        return str(error)
    return None


def _is_iso_datetime(text: str) -> bool:
    # eSputnik reads a time without an offset in the API user's time zone, so both are valid.
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return "T" in text


def _normal(identifier: str) -> str:
    """Emails match whatever their case; phones whatever their leading ``+``."""
    trimmed = identifier.strip()
    return trimmed.lstrip("+") if _PHONE.match(trimmed) else trimmed.lower()


_ROUTES = {
    "/api/v1/contacts": EsputnikSandbox._contacts,
    "/api/v1/event": EsputnikSandbox._event,
    "/api/v1/orders": EsputnikSandbox._orders,
}


DEMO = DemoAccount(
    settings={"api_key": "demo-esputnik-api-key"},
    sandbox=lambda: EsputnikSandbox(api_key="demo-esputnik-api-key"),
)
"""The demo shop's esputnik account (local-only, made-up credentials)."""
