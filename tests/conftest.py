"""Test-wide setup: fake credentials, and moto imported before any boto3 client exists.

AWS runs on moto's server over real HTTP on 127.0.0.1 (``AWS_ENDPOINT_URL`` points every
boto3 client there), so handlers create their clients exactly as they do on Lambda.
"""

from __future__ import annotations

import os

os.environ.update(
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_EC2_METADATA_DISABLED="true",
    POWERTOOLS_SERVICE_NAME="shoprelay",
    POWERTOOLS_METRICS_NAMESPACE="shoprelay",
    POWERTOOLS_TRACE_DISABLED="true",
)

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import moto  # noqa: F401  - must come before anything creates a boto3 client
import pytest
import requests

from shoprelay_tools.stack.moto_process import moto_process
from shoprelay_tools.stack.process_runtime import OUTPUT_SINKS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


SUITES = ("unit", "functional", "e2e", "performance", "built")
"""Folders of tests/; each test carries the marker of its folder, so `-m` selects a suite."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        suite = item.path.relative_to(Path(__file__).parent).parts[0]
        if suite in SUITES:
            item.add_marker(suite)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto in a process of its own, so a pause of the test process is not AWS hanging."""
    # Named, as an AWS endpoint is: a timeout's logged traceback quotes the endpoint URL, and
    # an IP address there would read as a client's to the log scan below.
    with moto_process(host_name="localhost") as url:
        previous = os.environ.get("AWS_ENDPOINT_URL")
        os.environ["AWS_ENDPOINT_URL"] = url
        yield url
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous


@pytest.fixture
def aws(moto_server: str) -> str:
    """A clean emulator for one test, and no parameter values cached from the last one."""
    from aws_lambda_powertools.utilities import parameters

    requests.post(f"{moto_server}/moto-api/reset", timeout=5).raise_for_status()
    parameters.clear_caches()
    return moto_server


@pytest.fixture
def local(aws: str) -> Iterator[object]:
    """template.yaml's topic, queues, subscriptions and table, freshly created on moto.

    When the test ends, the attributes of every message left in a dead-letter queue join the
    log lines the session scans for secrets and personal data (see :func:`dead_letter_lines`).
    """
    from support.stack import local_aws

    stack = local_aws(aws, ROOT)
    yield stack
    COLLECTOR.lines.extend(dead_letter_lines(stack))


def dead_letter_lines(stack: Any) -> list[str]:
    """One line per message in any dead-letter queue: its attributes, as the scan reads them."""
    lines: list[str] = []
    sqs = stack.clients["sqs"]
    for url in stack.stack.dead_letter_queues().values():
        answer = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
        )
        for message in answer.get("Messages", []):
            found = message.get("MessageAttributes", {})
            attributes = {name: value.get("StringValue") for name, value in found.items()}
            lines.append("dead-letter attributes " + json.dumps(attributes, sort_keys=True))
    return lines


# -- every log line the suite produces, for the no-secrets/no-PII scan -----------------------

FORBIDDEN_IN_LOGS = (
    "shoprelay-demo-secret",
    "other-shop-secret",
    "old-secret",
    "new-secret",
    "secret-app-id",
    "demo-key",
    "PLACEHOLDER-S2S-TOKEN",
)
"""Test secrets and credentials the suite uses; none may reach a log line."""
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
PHONE = re.compile(r"\+\d{8,15}\b")


class LogCollector(logging.Handler):
    """Formats shoprelay's records exactly as Powertools writes them to CloudWatch."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        """Every line of the session."""
        self.current: list[str] = []
        """The lines of the running test that asked for them."""

    def extend(self, lines: list[str]) -> None:
        """Lines a function wrote in a process of its own (see process_runtime)."""
        self.lines.extend(lines)
        self.current.extend(lines)

    def emit(self, record: logging.LogRecord) -> None:
        owner = logging.getLogger(record.name)
        formatter = next((h.formatter for h in owner.handlers if h is not self and h.formatter), None)
        line = formatter.format(record) if formatter else record.getMessage()
        self.lines.append(line)
        self.current.append(line)


def log_problems(lines: list[str]) -> list[str]:
    """The lines that carry a test secret, an email, a phone number or an IPv4 address."""
    patterns = (EMAIL, IPV4, PHONE)
    return [
        line
        for line in lines
        if any(value in line for value in FORBIDDEN_IN_LOGS) or any(p.search(line) for p in patterns)
    ]


COLLECTOR = LogCollector()
logging.getLogger("shoprelay").addHandler(COLLECTOR)
OUTPUT_SINKS.append(COLLECTOR.extend)


@pytest.fixture
def log_lines() -> list[str]:
    """The log lines written from now on (a list that grows as the test runs)."""
    COLLECTOR.current = []
    return COLLECTOR.current


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any log line of any test carried a secret, email, phone or IP."""
    problems = log_problems(COLLECTOR.lines)
    if problems:
        print(f"\n{len(problems)} log line(s) carry secrets or personal data, e.g.:\n" + "\n".join(problems[:20]))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
