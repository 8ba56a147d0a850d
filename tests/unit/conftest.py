"""Fixtures the unit tests share."""

from __future__ import annotations

import boto3
import pytest

from shoprelay.state import StateTable
from shoprelay_tools.stack.template import find_root, load_template


@pytest.fixture
def state_table(aws: str) -> StateTable:
    """template.yaml's state table, alone and empty, on moto's server."""
    properties = load_template(find_root() / "template.yaml")["Resources"]["StateTable"]["Properties"]
    client = boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1")
    client.create_table(
        TableName="state",
        AttributeDefinitions=properties["AttributeDefinitions"],
        KeySchema=properties["KeySchema"],
        BillingMode=properties["BillingMode"],
    )
    return StateTable("state", client)
