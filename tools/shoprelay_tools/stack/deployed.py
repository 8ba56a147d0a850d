"""A stack that already exists: deployed by CloudFormation, or provisioned on an emulator.

Commands that act on a running stack (``replay``, ``invoke``) need its resources' physical
ids: what ``Ref`` gives for a queue (its URL), a topic (its ARN), a table or a bucket (its
name). On AWS they come from CloudFormation. On an emulator they follow the names
:mod:`~shoprelay_tools.stack.provision` gives (``<stack>-<LogicalId>``), and each is looked
up, so a stack that is not there is reported as such rather than failing later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from shoprelay_tools.aws_access import AwsAccessError, AwsTarget

LOCAL_STACK_NAME = "shoprelay-local"


class StackNotFoundError(AwsAccessError):
    """The stack, or one of its resources, is not where the command looked."""


@dataclass
class DeployedStack:
    name: str
    target: AwsTarget
    _session: Any = field(default=None, repr=False)
    _physical: dict[str, str] | None = field(default=None, repr=False)
    _described: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = self.target.session()
        return self._session

    def client(self, service: str) -> Any:
        return self.target.client(service, self.session)

    def parameters(self) -> dict[str, str]:
        """The parameter values the stack was deployed with (none on an emulator)."""
        if self.target.emulated:
            return {}
        return {p["ParameterKey"]: p.get("ParameterValue", "") for p in self._describe().get("Parameters", [])}

    def output(self, key: str) -> str:
        """One of the deployed stack's outputs."""
        outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in self._describe().get("Outputs", [])}
        if key not in outputs:
            raise StackNotFoundError(f"stack {self.name} has no output {key}: is it this project's stack?")
        return str(outputs[key])

    def physical_id(self, logical_id: str, resource_type: str) -> str:
        """What ``Ref`` on the resource gives, for the types the functions' environment uses."""
        if self.target.emulated:
            return self._emulated(logical_id, resource_type)
        if self._physical is None:
            resources = self._cloudformation("describe_stack_resources", StackName=self.name)["StackResources"]
            self._physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in resources}
        if logical_id not in self._physical:
            raise StackNotFoundError(f"stack {self.name} has no resource {logical_id}: is it this project's stack?")
        return self._physical[logical_id]

    # -- AWS ----------------------------------------------------------------------------------

    def _describe(self) -> dict[str, Any]:
        if self._described is None:
            self._described = self._cloudformation("describe_stacks", StackName=self.name)["Stacks"][0]
        return self._described

    def _cloudformation(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client("cloudformation"), operation)(**kwargs)
        except ClientError as error:
            if "does not exist" in str(error.response.get("Error", {}).get("Message", "")):
                raise StackNotFoundError(
                    f"no stack {self.name} in {self.session.region_name}: pass --stack-name (and --region)"
                    " for the deployed one, or --endpoint-url for the local stack"
                ) from None
            raise

    # -- emulator -----------------------------------------------------------------------------

    def _emulated(self, logical_id: str, resource_type: str) -> str:
        lookup = _EMULATED.get(resource_type)
        if lookup is None:
            raise StackNotFoundError(f"{logical_id} ({resource_type}) is not emulated")
        name = f"{self.name}-{logical_id}"
        try:
            return lookup(self, name)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in _MISSING_CODES:
                raise StackNotFoundError(self._not_on_emulator(logical_id)) from None
            raise

    def _not_on_emulator(self, logical_id: str) -> str:
        hint = "" if self.name == LOCAL_STACK_NAME else f" (the local stack is --stack-name {LOCAL_STACK_NAME})"
        return (
            f"no {logical_id} of stack {self.name} at {self.target.endpoint_url}: is `shoprelay local` running"
            f" there, and is --stack-name right?{hint}"
        )

    def _queue(self, name: str) -> str:
        return str(self.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])

    def _topic(self, name: str) -> str:
        for page in self.client("sns").get_paginator("list_topics").paginate():
            for topic in page.get("Topics", []):
                if str(topic["TopicArn"]).rsplit(":", 1)[-1] == name:
                    return str(topic["TopicArn"])
        raise ClientError({"Error": {"Code": "NotFound", "Message": name}}, "ListTopics")

    def _table(self, name: str) -> str:
        self.client("dynamodb").describe_table(TableName=name)
        return name

    def _bucket(self, name: str) -> str:
        self.client("s3").head_bucket(Bucket=name.lower())
        return name.lower()


_MISSING_CODES = frozenset(
    {
        "NotFound",
        "404",
        "NoSuchBucket",
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    }
)

_EMULATED: dict[str, Callable[[DeployedStack, str], str]] = {
    "AWS::SQS::Queue": DeployedStack._queue,
    "AWS::SNS::Topic": DeployedStack._topic,
    "AWS::DynamoDB::Table": DeployedStack._table,
    "AWS::S3::Bucket": DeployedStack._bucket,
}
