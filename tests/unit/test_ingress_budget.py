"""The ingress's AWS calls, each at its worst, end before template.yaml's Timeout kills it.

Read from where the numbers are defined: the template (the function's Timeout), the
ingress (which calls it makes, and the time it keeps for itself) and :mod:`shoprelay.aws`
(each call's timeouts and attempts).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shoprelay import aws
from shoprelay.ingress import app
from shoprelay_tools.stack.template import load_template

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")


def ingress_timeout() -> float:
    own = TEMPLATE["Resources"]["IngressFunction"]["Properties"].get("Timeout")
    return float(own if own is not None else TEMPLATE["Globals"]["Function"]["Timeout"])


def test_the_fallback_timeout_is_the_templates() -> None:
    # Without a Lambda context the lease and the time check assume this much time.
    assert ingress_timeout() == app.TIMEOUT_SECONDS


def test_every_ingress_call_at_its_worst_fits_the_timeout_with_margin() -> None:
    worst = aws.worst_case_seconds(app.AWS_CALLS, aws.SYNCHRONOUS_ATTEMPTS)
    assert worst + app.MARGIN_SECONDS <= ingress_timeout(), (
        f"{len(app.AWS_CALLS)} calls take up to {worst:.2f} s; with {app.MARGIN_SECONDS} s margin that exceeds "
        f"the {ingress_timeout():g} s Timeout"
    )


def test_the_calls_after_the_lease_are_part_of_the_longest_path() -> None:
    # The time check before publishing must ask for at least what follows the lease.
    path = list(app.AWS_CALLS)
    for service in app.PUBLISH_CALLS:
        assert service in path
        path.remove(service)
    before_publish = aws.worst_case_seconds(path, aws.SYNCHRONOUS_ATTEMPTS)
    publish = aws.worst_case_seconds(app.PUBLISH_CALLS, aws.SYNCHRONOUS_ATTEMPTS)
    # The check never refuses a webhook whose earlier calls all went at their worst.
    assert before_publish + publish + app.MARGIN_SECONDS <= ingress_timeout()


def test_a_call_at_its_worst_is_every_attempt_timing_out_plus_the_longest_backoffs() -> None:
    budget = aws.CallBudget("dynamodb", aws.Timeouts(connect=0.25, read=0.5), attempts=3)
    assert budget.worst_case_seconds() == pytest.approx(3 * 0.75 + 1 + 2)
    assert aws.budget("sns", 1).worst_case_seconds() == pytest.approx(
        aws.TIMEOUTS["sns"].connect + aws.TIMEOUTS["sns"].read
    )


@pytest.mark.parametrize("service", sorted(aws.TIMEOUTS))
@pytest.mark.parametrize("attempts", [aws.SYNCHRONOUS_ATTEMPTS, aws.QUEUED_ATTEMPTS])
def test_clients_are_built_with_their_budget(service: str, attempts: int) -> None:
    client: Any = aws.aws_client(service, attempts).resolve()
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (
        aws.TIMEOUTS[service].connect,
        aws.TIMEOUTS[service].read,
    )
    assert config.retries == {"mode": "standard", "total_max_attempts": attempts}


@pytest.fixture
def no_ssm_provider() -> Iterator[None]:
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    yield
    parameters.clear_caches()


@pytest.mark.usefixtures("no_ssm_provider")
def test_powertools_parameters_use_the_budgeted_ssm_client() -> None:
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    provider = aws.ssm_provider()
    assert DEFAULT_PROVIDERS["ssm"] is provider  # what parameters.get_parameter(s) then use
    config = provider.client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (aws.TIMEOUTS["ssm"].connect, aws.TIMEOUTS["ssm"].read)
    assert config.retries == {"mode": "standard", "total_max_attempts": aws.SSM_ATTEMPTS}
