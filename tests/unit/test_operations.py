"""What operations need from template.yaml: logs that expire, alarms that reach someone.

Every function writes to a log group the stack declares, with the retention parameter (30 days
by default); every vendor queue has an alarm on its oldest message's age and one on its
dead-letter queue; the ingress has one on its failures; and every alarm notifies the alarm
topic, whose address a deploy must give (no default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shoprelay.vendors import vendor_names
from shoprelay_tools.stack.template import load_template

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}
ALARMS = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def _ref(value: Any) -> str | None:
    return value.get("Ref") if isinstance(value, dict) else None


def _alarms_on(metric: str, queue: str) -> list[str]:
    found = []
    for name, alarm in ALARMS.items():
        properties = alarm["Properties"]
        dimensions = properties.get("Dimensions", [])
        on_queue = any(d.get("Value") == {"Fn::GetAtt": [queue, "QueueName"]} for d in dimensions)
        if properties.get("MetricName") == metric and on_queue:
            found.append(name)
    return found


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_logs_to_a_declared_group_with_retention(function: str) -> None:
    properties = FUNCTIONS[function]["Properties"]
    group = _ref(properties.get("LoggingConfig", {}).get("LogGroup"))
    assert group, f"{function} has no declared log group: Lambda's own never expires"
    declared = RESOURCES[group]
    assert declared["Type"] == "AWS::Logs::LogGroup"
    assert _ref(declared["Properties"].get("RetentionInDays")) == "LogRetentionDays"
    assert declared.get("Condition") == FUNCTIONS[function].get("Condition")


def test_log_retention_is_a_parameter_of_30_days_by_default() -> None:
    assert PARAMETERS["LogRetentionDays"]["Default"] == 30
    assert 30 in PARAMETERS["LogRetentionDays"]["AllowedValues"]
    groups = [r for r in RESOURCES.values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert all(_ref(g["Properties"].get("RetentionInDays")) == "LogRetentionDays" for g in groups)


@pytest.mark.parametrize("vendor", vendor_names())
def test_every_vendor_queue_has_an_age_and_a_dead_letter_alarm(vendor: str) -> None:
    logical = vendor.capitalize()
    assert _alarms_on("ApproximateAgeOfOldestMessage", f"{logical}Queue")
    assert _alarms_on("ApproximateNumberOfMessagesVisible", f"{logical}DeadLetterQueue")


def test_ingress_failures_raise_an_alarm() -> None:
    metrics = {alarm["Properties"].get("MetricName") for alarm in ALARMS.values()}
    assert "WebhookFailed" in metrics


def test_every_alarm_notifies_the_alarm_topic() -> None:
    for name, alarm in ALARMS.items():
        assert "AlarmTopic" in repr(alarm["Properties"].get("AlarmActions")), name


def test_a_deploy_must_name_the_alarm_address() -> None:
    """No default: `sam deploy --guided` asks for it, and a plain deploy without it fails."""
    assert "Default" not in PARAMETERS["AlarmEmail"]
    assert "^$" not in PARAMETERS["AlarmEmail"]["AllowedPattern"]
