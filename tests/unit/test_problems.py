"""Decode errors from real decoders (msgspec for webhooks, pydantic for settings) as located problems."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
import pytest
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from shoprelay.problems import Problem, SettingsError, first_problem, settings_problems


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


def test_a_quoted_value_msgspec_rejects_is_left_out() -> None:
    """An enum value in a webhook may be personal data; problems reach logs and DLQ reasons."""

    class Status(msgspec.Struct):
        state: Literal["open", "closed"]

    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.convert({"state": "jane@example.com"}, Status)
    problem = first_problem(raised.value)
    assert problem.path == "state"
    assert "jane@example.com" not in str(problem)


# --- pydantic: every problem of a settings document, located as data -------------------


def _not_shouting(value: str) -> str:
    if value.isupper():
        raise ValueError("must not be all capitals")
    return value


class Nested(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Annotated[str, AfterValidator(_not_shouting)]


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    key: SecretStr
    mode: Literal["event", "orders"] = "event"
    timeout_seconds: float = Field(5.0, gt=0, le=30)
    retries: int = 3
    enabled: bool = True
    nested: Nested | None = None


def problems_in(document: object) -> tuple[Problem, ...]:
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate(document)
    error: ValidationError = caught.value
    return settings_problems(error)


def test_every_problem_is_reported_in_document_order() -> None:
    problems = problems_in({"mode": "batch", "timeout_seconds": "five", "colour": "red"})
    assert [(p.path, p.kind) for p in problems] == [
        ("key", "missing"),
        ("mode", "value"),
        ("timeout_seconds", "value"),
        ("colour", "unknown"),
    ]
    assert str(problems[0]) == "key: Field required"
    assert str(problems[3]) == "colour: not a known field"


def test_a_number_written_as_words_says_text_numbers_are_welcome() -> None:
    (problem,) = problems_in({"key": "k", "timeout_seconds": "five"})
    assert problem == Problem(
        "timeout_seconds", 'must be a number (written as a number, or as text such as "5")', "value"
    )


def test_numbers_and_flags_written_as_text_are_taken() -> None:
    settings = Settings.model_validate({"key": "k", "timeout_seconds": "2.5", "retries": "4", "enabled": "false"})
    assert (settings.timeout_seconds, settings.retries, settings.enabled) == (2.5, 4, False)


def test_our_validators_speak_without_pydantics_prefix() -> None:
    (problem,) = problems_in({"key": "k", "nested": {"label": "LOUD"}})
    assert problem == Problem("nested.label", "must not be all capitals", "value")


def test_a_bound_keeps_pydantics_words() -> None:
    (problem,) = problems_in({"key": "k", "timeout_seconds": 31})
    assert problem == Problem("timeout_seconds", "Input should be less than or equal to 30", "value")


@pytest.mark.parametrize("document", [[], "settings", 42, None])
def test_a_document_that_is_not_an_object(document: object) -> None:
    assert problems_in(document) == (Problem("", "must be a JSON object", "type"),)


@pytest.mark.parametrize(
    "document",
    [
        {"key": "k", "mode": "sk_live_pasted_here"},
        {"key": "k", "timeout_seconds": "sk_live_pasted_here"},
        {"key": "k", "retries": "sk_live_pasted_here"},
        {"key": "k", "enabled": "sk_live_pasted_here"},
        {"key": "k", "nested": {"label": "sk_live_pasted_here".upper()}},
        {"key": "k", "nested": "sk_live_pasted_here"},
    ],
)
def test_a_rejected_value_is_never_repeated(document: dict[str, object]) -> None:
    """A credential pasted into the wrong setting must not reach logs or DLQ reasons."""
    (problem,) = problems_in(document)
    assert "sk_live_pasted_here" not in str(problem).lower()


def test_a_validator_that_quotes_the_value_is_redacted() -> None:
    class Quoting(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def _refuse(cls, value: str) -> str:
            raise ValueError(f"{value} is not allowed")

    with pytest.raises(ValidationError) as caught:
        Quoting.model_validate({"name": "sk_live_pasted_here"})
    (problem,) = settings_problems(caught.value)
    assert problem == Problem("name", "… is not allowed", "value")


def test_settings_error_joins_every_problem_on_one_line() -> None:
    error = SettingsError(problems_in({"mode": "batch"}))
    assert str(error) == "key: Field required; mode: Input should be 'event' or 'orders'"
    assert "\n" not in str(error)
