"""Who an eSputnik event belongs to, and the contact upsert that must come first.

Generate event only attaches an event to a contact that already exists, so in event mode
each event is preceded by an Add/update contacts call (``/v1/contacts``). That call raises no
event and starts no workflow, which makes repeating it harmless (``repeatable=True``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import msgspec

from shoprelay.canonical import Customer
from shoprelay.vendors.base import VendorRequest
from shoprelay.vendors.esputnik import api
from shoprelay.vendors.esputnik.limits import MAX_NAME_LENGTH, is_valid_key
from shoprelay.vendors.esputnik.settings import EsputnikSettings

CONTACT_EFFECT = "contact"
"""The upsert's effect name; it is repeatable, so delivery keeps no record of it."""

GUEST_ID_PREFIX = "guest-"
GUEST_ID_HEX_DIGITS = 32
"""128 bits of the hash: no two guests of one account share an id by chance."""

_NOT_DIGITS = re.compile(r"\D")
_PHONE_DIGITS = range(5, 16)
"""E.164 allows at most 15 digits; fewer than 5 is no phone number anywhere."""


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    """The buyer as eSputnik identifies contacts: by email, then phone (digits only)."""

    email: str | None
    phone: str | None
    customer_id: str | None
    first_name: str | None
    last_name: str | None

    @property
    def key_value(self) -> str | None:
        """The ``keyValue`` of the buyer's events: the email, else the phone.

        An email that breaks keyValue's rules (an apostrophe or ``!`` is legal in an address
        but forbidden there) gives way to the phone; with no usable key at all the event goes
        without one and eSputnik finds the contact through the ``email`` parameter instead.
        """
        for candidate in (self.email, self.phone):
            if candidate and is_valid_key(candidate):
                return candidate
        return None

    @property
    def external_customer_id(self) -> str:
        """The order's ``externalCustomerId``: the shop's customer id, else one derived for a guest.

        eSputnik's order resource requires the field, and a guest checkout has no customer
        id. The stand-in is ``guest-`` and the first 32 hex digits of the SHA-256 of
        ``email:<address in lower case>`` (or, without an email, ``phone:<digits>``): the same
        guest gets the same id on every order, no shop customer id can look like it, and the
        address itself is not repeated in the field. The contact keeps no such id, so it takes
        the real one once the buyer has an account.
        """
        if self.customer_id:
            return self.customer_id
        basis = f"email:{self.email.lower()}" if self.email else f"phone:{self.phone}"
        return f"{GUEST_ID_PREFIX}{hashlib.sha256(basis.encode()).hexdigest()[:GUEST_ID_HEX_DIGITS]}"

    @property
    def locator_params(self) -> list[dict[str, str]]:
        """The ``email``/``phone`` parameters eSputnik's default contact matching looks for."""
        found = (("email", self.email), ("phone", self.phone))
        return [{"name": name, "value": value} for name, value in found if value]


def contact_for(customer: Customer) -> Contact | None:
    """The eSputnik contact for ``customer``, or None when there is no email or phone to reach."""
    email = (customer.email or "").strip() or None
    phone = normalise_phone(customer.phone)
    if email is None and phone is None:
        return None
    return Contact(
        email=email,
        phone=phone,
        customer_id=customer.id,
        first_name=_name(customer.first_name),
        last_name=_name(customer.last_name),
    )


def normalise_phone(phone: str | None) -> str | None:
    """International digits only (``+61 2 5555 0123`` → ``61255550123``), eSputnik's own form.

    The same form goes into the contact's sms channel and into ``keyValue``, so an event
    always finds the contact its upsert created. Anything that is not 5-15 digits is no
    phone number and is dropped rather than sent.
    """
    digits = _NOT_DIGITS.sub("", phone or "")
    return digits if len(digits) in _PHONE_DIGITS else None


def upsert_request(contact: Contact, settings: EsputnikSettings) -> VendorRequest:
    """Add or update the contact, matched on the channel that will be the events' keyValue."""
    return api.post(
        settings,
        "v1/contacts",
        {"contacts": [_contact_body(contact)], "dedupeOn": "email" if contact.email else "sms"},
        effect=CONTACT_EFFECT,
        repeatable=True,
    )


def _contact_body(contact: Contact) -> dict[str, Any]:
    channels = [{"type": "email", "value": contact.email}] if contact.email else []
    if contact.phone:
        channels.append({"type": "sms", "value": contact.phone})
    body: dict[str, Any] = {}
    if contact.first_name:
        body["firstName"] = contact.first_name
    if contact.last_name:
        body["lastName"] = contact.last_name
    body["channels"] = channels
    if contact.customer_id:
        body["externalCustomerId"] = contact.customer_id
    return body


def _name(name: str | None) -> str | None:
    trimmed = (name or "").strip()[:MAX_NAME_LENGTH].strip()
    return trimmed or None
