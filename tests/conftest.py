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

from collections.abc import Iterator
from pathlib import Path

import moto  # noqa: F401  - must come before anything creates a boto3 client
import pytest
import requests
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = url
    yield url
    if previous is None:
        os.environ.pop("AWS_ENDPOINT_URL", None)
    else:
        os.environ["AWS_ENDPOINT_URL"] = previous
    server.stop()


@pytest.fixture
def aws(moto_server: str) -> str:
    """A clean emulator for one test, and no parameter values cached from the last one."""
    from aws_lambda_powertools.utilities import parameters

    requests.post(f"{moto_server}/moto-api/reset", timeout=5).raise_for_status()
    parameters.clear_caches()
    return moto_server


@pytest.fixture
def local(aws: str) -> object:
    """template.yaml's topic, queues, subscriptions and table, freshly created on moto."""
    from support.stack import local_aws

    return local_aws(aws, ROOT)
