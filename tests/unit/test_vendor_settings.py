"""Every vendor's settings model: what people may write into SSM, and what they are told when it is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from shoprelay.problems import SettingsError
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay.vendors.base import VendorSettings

VENDORS = vendor_names()
SENTINEL = "sk_live_Zq8pasted_here"
"""A value that looks like a credential, pasted into the wrong setting."""


def placeholders(vendor: str) -> dict[str, Any]:
    return dict(load_vendor(vendor).placeholder_settings)


def model(vendor: str) -> type[VendorSettings]:
    found: type[VendorSettings] = load_vendor(vendor).settings_model
    return found


def refused(vendor: str, **changes: Any) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        model(vendor).parse(placeholders(vendor) | changes)
    return caught.value


def secret_fields(vendor: str) -> list[str]:
    return [name for name, field in model(vendor).model_fields.items() if field.annotation is SecretStr]


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_field_has_a_description(vendor: str) -> None:
    undescribed = [name for name, field in model(vendor).model_fields.items() if not (field.description or "").strip()]
    assert undescribed == []


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_placeholders_are_valid_settings(vendor: str) -> None:
    assert isinstance(model(vendor).parse(placeholders(vendor)), model(vendor))


@pytest.mark.parametrize("vendor", VENDORS)
def test_an_unknown_key_is_refused_by_name(vendor: str) -> None:
    error = refused(vendor, timout_seconds=5)
    assert [(p.path, p.kind) for p in error.problems] == [("timout_seconds", "unknown")]


@pytest.mark.parametrize("vendor", VENDORS)
def test_settings_are_frozen(vendor: str) -> None:
    settings = model(vendor).parse(placeholders(vendor))
    with pytest.raises(ValidationError):
        settings.enabled = False


@pytest.mark.parametrize("vendor", VENDORS)
def test_numbers_and_flags_may_be_written_as_text(vendor: str) -> None:
    settings = model(vendor).parse(
        placeholders(vendor) | {"timeout_seconds": "5", "max_in_flight": "3", "send_test_orders": "true"}
    )
    assert (settings.timeout_seconds, settings.max_in_flight, settings.send_test_orders) == (5.0, 3, True)


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_number_in_words_gets_a_clear_error(vendor: str) -> None:
    (problem,) = refused(vendor, timeout_seconds="five").problems
    assert str(problem) == 'timeout_seconds: must be a number (written as a number, or as text such as "5")'


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_problem_is_named_at_once(vendor: str) -> None:
    error = refused(vendor, currency="euro", max_in_flight=11, enabled="maybe")
    assert sorted(p.path for p in error.problems) == ["currency", "enabled", "max_in_flight"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_missing_required_field_is_named(vendor: str) -> None:
    required = [name for name, field in model(vendor).model_fields.items() if field.is_required()]
    assert required, f"{vendor} has no required setting"
    values = placeholders(vendor)
    for name in required:
        values.pop(name)
    with pytest.raises(SettingsError) as caught:
        model(vendor).parse(values)
    assert [(p.path, p.message, p.kind) for p in caught.value.problems] == [
        (name, "Field required", "missing") for name in required
    ]


def messages_for(vendor: str, name: str, value: Any) -> list[tuple[str, str]]:
    """The (path, message) of each problem when ``value`` is written into setting ``name``."""
    try:
        model(vendor).parse(placeholders(vendor) | {name: value})
    except SettingsError as error:
        return [(p.path, p.message) for p in error.problems]
    return []


@pytest.mark.parametrize("vendor", VENDORS)
def test_no_rejected_value_reaches_the_message(vendor: str) -> None:
    """Whatever field the value lands in, the error names the field, never the value."""
    values = (SENTINEL, {"nested": SENTINEL}, [SENTINEL], f"https://{SENTINEL}.example.com?{SENTINEL}")
    said = [
        (name, path, message)
        for name in model(vendor).model_fields
        for value in values
        for path, message in messages_for(vendor, name, value)
    ]
    assert len({name for name, _, _ in said}) == len(model(vendor).model_fields), "some field took every value"
    assert [(name, path) for name, path, _ in said if path != name] == []
    assert [message for _, _, message in said if SENTINEL.lower() in message.lower()] == []


@pytest.mark.parametrize("vendor", [v for v in VENDORS if secret_fields(v)])
def test_credentials_never_show_in_repr_str_or_json(vendor: str) -> None:
    values = placeholders(vendor) | dict.fromkeys(secret_fields(vendor), SENTINEL)
    settings = model(vendor).parse(values)
    shown = [repr(settings), str(settings), settings.model_dump_json(), json.dumps(settings.model_dump(mode="json"))]
    assert not [text for text in shown if SENTINEL in text]
    assert {getattr(settings, name).get_secret_value() for name in secret_fields(vendor)} == {SENTINEL}


@pytest.mark.parametrize("vendor", [v for v in VENDORS if secret_fields(v)])
def test_a_blank_credential_is_refused(vendor: str) -> None:
    for blank in ("", "   "):
        error = refused(vendor, **dict.fromkeys(secret_fields(vendor), blank))
        assert {p.path for p in error.problems} == set(secret_fields(vendor))


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_json_schema_describes_every_field_and_hides_credentials(vendor: str) -> None:
    schema = model(vendor).model_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(model(vendor).model_fields)
    assert all(field.get("description") for field in schema["properties"].values())
    for name in secret_fields(vendor):
        assert schema["properties"][name]["writeOnly"] is True
    assert schema["properties"]["endpoint"]["anyOf"][0] == {"type": "string", "format": "uri"}


def test_tracify_site_id_error_states_the_uuid_format() -> None:
    (problem,) = refused("tracify", customer_site_id="YOUR-CSID-UUID").problems
    assert problem.path == "customer_site_id"
    assert "8-4-4-4-12" in problem.message
    assert "YOUR-CSID-UUID" not in problem.message
    example = problem.message.rsplit("such as ", 1)[1]
    assert model("tracify").parse(placeholders("tracify") | {"customer_site_id": example})


def test_tracify_takes_the_buyers_currency_by_default_and_the_shops_on_request() -> None:
    assert model("tracify").parse(placeholders("tracify")).currency == "buyer"
    assert model("tracify").parse(placeholders("tracify") | {"currency": "shop"}).currency == "shop"


def test_corvidae_tracking_host_is_a_public_bare_host_kept_in_lower_case() -> None:
    assert model("corvidae").parse(placeholders("corvidae") | {"tracking_host": "T.Shop.Example"}).tracking_host == (
        "t.shop.example"
    )
    for host in ("https://t.shop.example", "t.shop.example/i", "10.0.0.7", "169.254.169.254", "tracking.internal"):
        (problem,) = refused("corvidae", tracking_host=host).problems
        assert problem.path == "tracking_host"


def test_the_shared_fields_are_the_same_for_every_vendor() -> None:
    shared = set(VendorSettings.model_fields)
    for vendor in VENDORS:
        assert shared <= set(model(vendor).model_fields)
        assert issubclass(model(vendor), BaseModel)
