"""Every function can read exactly the parameters it needs, and nothing that belongs to another.

The grants in template.yaml are matched the way IAM matches them (``*`` and ``?`` span any
characters, ``/`` included) against the names the code reads and against the names it must
never reach: a vendor function must not reach a webhook secret, the shops' vendor lists or
another vendor's settings; the ingress must not reach any vendor's settings. Any statement that
could widen that (``ssm:*``, ``*`` actions or resources, managed policies, KMS grants,
``NotAction``/``NotResource``) fails here too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shoprelay.config.shops import PREVIOUS_SECRET_LEAF, SECRET_LEAF, VENDORS_LEAF, parameter_name, vendor_leaf
from shoprelay.vendors import vendor_names
from shoprelay_tools.stack.template import load_template

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
FUNCTIONS = {
    name: resource
    for name, resource in TEMPLATE["Resources"].items()
    if resource["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")
}
STAGE = "dev"
REGION, ACCOUNT = "eu-west-1", "123456789012"
PREFIX = f"/shoprelay/{STAGE}"
SHOPS = ("demo-shop.myshopify.com", "shop.example.com")
ALLOWED_SSM_ACTIONS = {"ssm:GetParameter", "ssm:GetParameters"}


def _substitute(value: Any) -> str:
    """A ``!Sub`` ARN with the pseudo parameters and Stage filled in."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    if not isinstance(text, str):
        raise AssertionError(f"an SSM resource this test cannot read: {value!r}")
    for name, filled in {
        "AWS::Partition": "aws",
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "Stage": STAGE,
    }.items():
        text = text.replace("${" + name + "}", filled)
    return text


def _arn(name: str) -> str:
    return f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}"


def _matches(pattern: str, arn: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, arn) is not None


def _statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in resource["Properties"].get("Policies", []):
        assert isinstance(policy, dict), f"managed or SAM policy template: {policy!r}"
        assert "Statement" in policy, f"managed or SAM policy template: {policy!r}"
        statements.extend(policy["Statement"])
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _ssm_grants(resource: dict[str, Any]) -> list[str]:
    """The parameter ARN patterns a function may read, after checking nothing else touches SSM."""
    patterns: list[str] = []
    for statement in _statements(resource):
        assert "NotAction" not in statement, statement
        assert "NotResource" not in statement, statement
        actions = [str(action) for action in _as_list(statement["Action"])]
        assert all(not action.startswith("kms:") for action in actions), "SecureStrings use the aws/ssm key"
        touches_ssm = [action for action in actions if action.startswith("ssm:") or action == "*"]
        if not touches_ssm:
            continue
        assert statement["Effect"] == "Allow"
        assert set(touches_ssm) <= ALLOWED_SSM_ACTIONS, f"reads by name only: {touches_ssm}"
        patterns.extend(_substitute(item) for item in _as_list(statement["Resource"]))
    return patterns


def _readable(patterns: list[str], name: str) -> bool:
    return any(_matches(pattern, _arn(name)) for pattern in patterns)


def _vendor_functions() -> dict[str, dict[str, Any]]:
    found = {
        resource["Properties"]["Environment"]["Variables"]["VENDOR"]: resource
        for resource in FUNCTIONS.values()
        if "VENDOR" in resource["Properties"].get("Environment", {}).get("Variables", {})
    }
    assert set(found) == set(vendor_names())
    return found


def test_no_function_has_managed_or_template_policies() -> None:
    for name, resource in FUNCTIONS.items():
        properties = resource["Properties"]
        assert "Role" not in properties, f"{name}: a role defined elsewhere escapes this test"
        for policy in properties.get("Policies", []):
            assert isinstance(policy, dict), f"{name}: {policy!r}"
            assert set(policy) == {"Version", "Statement"}, f"{name}: {policy!r}"


@pytest.mark.parametrize("vendor", vendor_names())
def test_a_vendor_function_reads_only_its_own_settings(vendor: str) -> None:
    patterns = _ssm_grants(_vendor_functions()[vendor])
    assert patterns, f"{vendor} cannot read its settings"
    for shop in SHOPS:
        assert _readable(patterns, parameter_name(PREFIX, shop, vendor_leaf(vendor)))
        forbidden = [SECRET_LEAF, PREVIOUS_SECRET_LEAF, VENDORS_LEAF, "anything-else"]
        forbidden += [vendor_leaf(other) for other in vendor_names() if other != vendor]
        for leaf in forbidden:
            assert not _readable(patterns, parameter_name(PREFIX, shop, leaf)), f"{vendor} can read {leaf}"
    assert not _readable(patterns, f"/shoprelay/prod/shops/{SHOPS[0]}/{vendor_leaf(vendor)}"), "another stage"
    assert not _readable(patterns, f"{PREFIX}/other/{vendor_leaf(vendor)}")


def test_both_ways_in_are_checked() -> None:
    assert "IngressFunction" in INGRESS_FUNCTIONS


INGRESS_FUNCTIONS = sorted(
    name for name, resource in FUNCTIONS.items() if resource["Properties"].get("CodeUri") == "functions/ingress/"
)
"""Every way in (HTTPS, EventBridge) runs the ingress code and needs the same parameters."""


@pytest.mark.parametrize("function", INGRESS_FUNCTIONS)
def test_the_ingress_reads_secrets_and_vendor_lists_but_no_vendor_settings(function: str) -> None:
    patterns = _ssm_grants(FUNCTIONS[function])
    for shop in SHOPS:
        for leaf in (SECRET_LEAF, PREVIOUS_SECRET_LEAF, VENDORS_LEAF):
            assert _readable(patterns, parameter_name(PREFIX, shop, leaf)), leaf
        for vendor in (*vendor_names(), "futurevendor"):
            assert not _readable(patterns, parameter_name(PREFIX, shop, vendor_leaf(vendor))), vendor
    assert not _readable(patterns, f"/shoprelay/prod/shops/{SHOPS[0]}/{SECRET_LEAF}"), "another stage"


def test_every_other_function_reads_no_parameter() -> None:
    vendor_functions = {id(resource) for resource in _vendor_functions().values()}
    for name, resource in FUNCTIONS.items():
        if name in INGRESS_FUNCTIONS or id(resource) in vendor_functions:
            continue
        assert _ssm_grants(resource) == [], name


def test_no_vendor_is_named_like_a_shop_parameter() -> None:
    """``shops/*/vendors`` would also match ``shops/<shop>/vendors/vendors``."""
    assert not {VENDORS_LEAF, SECRET_LEAF, PREVIOUS_SECRET_LEAF} & set(vendor_names())


def test_the_matcher_sees_a_broad_grant() -> None:
    """The old grant (the whole stage) must fail the vendor check, or the test proves nothing."""
    broad = [_arn(f"{PREFIX}/*")]
    assert _readable(broad, parameter_name(PREFIX, SHOPS[0], SECRET_LEAF))
    wildcard_vendor = [_arn(f"{PREFIX}/shops/*/vendors/*")]
    assert _readable(wildcard_vendor, parameter_name(PREFIX, SHOPS[0], vendor_leaf("other")))
