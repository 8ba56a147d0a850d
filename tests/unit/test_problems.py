"""msgspec decode errors from real decoders → the first problem as a dotted path, a message and a kind."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest

from shoprelay.problems import Problem, first_problem
from shoprelay.vendors import load_vendor


class Line(msgspec.Struct):
    quantity: Annotated[int, msgspec.Meta(ge=0)]


class Child(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class Order(msgspec.Struct, forbid_unknown_fields=True):
    id: int
    items: list[Line] = []
    child: Child | None = None


ORDERS = msgspec.json.Decoder(Order)


def problem_in(document: bytes) -> Problem:
    with pytest.raises(msgspec.DecodeError) as caught:
        ORDERS.decode(document)
    return first_problem(caught.value)


def test_malformed_json_is_json_invalid() -> None:
    problem = problem_in(b'{"id": 1,')
    assert problem.kind == "json_invalid"
    assert problem.path == ""
    assert problem.message


def test_wrong_type_deep_in_a_list_has_a_dotted_path() -> None:
    problem = problem_in(b'{"id": 1, "items": [{"quantity": 1}, {"quantity": "two"}]}')
    assert problem == Problem("items.1.quantity", "Expected `int`, got `str`", "value")


def test_wrong_type_in_the_first_item() -> None:
    problem = problem_in(b'{"id": 1, "items": [{"quantity": "two"}]}')
    assert problem.path == "items.0.quantity"
    assert problem.kind == "value"


def test_missing_field_at_the_root_names_the_field() -> None:
    assert problem_in(b"{}") == Problem("id", "Field required", "missing")


def test_missing_field_in_a_nested_object() -> None:
    assert problem_in(b'{"id": 1, "child": {}}') == Problem("child.name", "Field required", "missing")


def test_unknown_field_at_the_root() -> None:
    problem = problem_in(b'{"id": 1, "extra": true}')
    assert problem.path == "extra"
    assert problem.kind == "unknown"


def test_unknown_field_in_a_nested_object() -> None:
    problem = problem_in(b'{"id": 1, "child": {"name": "a", "nickname": "b"}}')
    assert problem.path == "child.nickname"
    assert problem.kind == "unknown"


@pytest.mark.parametrize("document", [b"[]", b'"order"', b"42", b"null"])
def test_document_that_is_not_an_object(document: bytes) -> None:
    problem = problem_in(document)
    assert problem.kind == "type"
    assert problem.path == ""
    assert problem.message.startswith("Expected `object`")


def test_constraint_failure_keeps_msgspec_message() -> None:
    problem = problem_in(b'{"id": 1, "items": [{"quantity": -1}]}')
    assert problem == Problem("items.0.quantity", "Expected `int` >= 0", "value")


def test_str_joins_path_and_message() -> None:
    assert str(problem_in(b'{"id": 1, "items": [{"quantity": -1}]}')) == "items.0.quantity: Expected `int` >= 0"
    assert str(Problem("id", "Field required", "missing")) == "id: Field required"


def test_str_is_just_the_message_without_a_path() -> None:
    problem = problem_in(b"[]")
    assert str(problem) == problem.message
    assert str(Problem("", "Input data was truncated", "json_invalid")) == "Input data was truncated"


def test_a_rejected_value_is_not_repeated_in_the_message() -> None:
    """A credential pasted into the wrong setting must not reach logs or DLQ reasons."""
    settings = load_vendor("mytracker").settings_model
    with pytest.raises(msgspec.ValidationError) as raised:
        settings.parse({"app_id": "a", "api_token": "t", "currency": "sk_live_pasted_here"})
    problem = first_problem(raised.value)
    assert problem.path == "currency"
    assert "sk_live_pasted_here" not in str(problem)


def test_settings_take_numbers_and_flags_written_as_text() -> None:
    settings = load_vendor("mytracker").settings_model.parse(
        {"app_id": "a", "api_token": "t", "timeout_seconds": "2.5", "enabled": "false"}
    )
    assert (settings.timeout_seconds, settings.enabled) == (2.5, False)
