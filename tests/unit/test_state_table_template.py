"""template.yaml's state table: backups are a deploy's choice, and a plain deploy has them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shoprelay_tools.stack.template import load_template, parameter_defaults

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
TABLE: dict[str, Any] = TEMPLATE["Resources"]["StateTable"]["Properties"]


def test_point_in_time_recovery_is_the_parameter_and_on_by_default() -> None:
    assert TABLE["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": {"Ref": "PointInTimeRecovery"}}
    assert parameter_defaults(TEMPLATE)["PointInTimeRecovery"] == "true"
    assert TEMPLATE["Parameters"]["PointInTimeRecovery"]["AllowedValues"] == ["false", "true"]
