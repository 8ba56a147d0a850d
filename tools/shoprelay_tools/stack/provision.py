"""Create template.yaml's topic, queues, subscriptions, table and bucket on an AWS emulator.

Functions are not created: their handlers run in this process, and their resolved
configuration (handler, environment, event sources) is returned for the local runner.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from shoprelay_tools.stack.template import Resolver, TemplateError, load_template, parameter_defaults

REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class SqsSource:
    """An SQS event source mapping as Lambda would run it."""

    queue_logical_id: str
    queue_url: str
    batch_size: int
    batching_window_seconds: int
    report_batch_item_failures: bool
    maximum_concurrency: int | None


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    """``module.attribute`` inside ``code_dir``."""
    environment: dict[str, str]
    timeout: int
    sqs_sources: tuple[SqsSource, ...] = ()
    memory_mb: int = 128
    """Lambda's default when the template names no ``MemorySize``."""
    routes: tuple[HttpRoute, ...] = ()


@dataclass
class Stack:
    """Physical ids of what was created, and the functions to run locally."""

    name: str
    root: Path
    parameters: dict[str, Any]
    queues: dict[str, str] = field(default_factory=dict)
    """logical id → queue URL"""
    topics: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    """logical id → bucket name"""
    functions: dict[str, FunctionSpec] = field(default_factory=dict)

    def queue_url(self, logical_id: str) -> str:
        return self.queues[logical_id]

    def dead_letter_queues(self) -> dict[str, str]:
        """Queues that some queue's RedrivePolicy points at, by logical id."""
        return {k: v for k, v in self.queues.items() if k in self._dlq_ids}

    _dlq_ids: set[str] = field(default_factory=set)


class _Provisioner:
    def __init__(self, template: dict[str, Any], stack: Stack, clients: Mapping[str, Any]) -> None:
        self.template = template
        self.resources: dict[str, Any] = template["Resources"]
        self.stack = stack
        self.clients = clients
        self.created: dict[str, dict[str, Any]] = {}
        self.resolver = Resolver(
            template=template,
            parameters=stack.parameters,
            pseudo={
                "AWS::Region": REGION,
                "AWS::AccountId": ACCOUNT,
                "AWS::StackName": stack.name,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
            },
            physical=self.physical,
        )

    def physical(self, logical_id: str, attribute: str | None) -> Any:
        if logical_id not in self.created:
            self.create(logical_id)
        values = self.created[logical_id]
        key = attribute or "Ref"
        if key not in values:
            raise TemplateError(f"{logical_id} has no attribute {key} locally")
        return values[key]

    def create(self, logical_id: str) -> None:
        spec = self.resources[logical_id]
        kind = spec["Type"]
        if "Condition" in spec and not self.resolver.condition(spec["Condition"]):
            self.created[logical_id] = {"Ref": None}
            return
        creator = _CREATORS.get(kind)
        if creator is None:
            # Not emulated (alarms, log groups, APIs, layers, policies): a placeholder id.
            self.created[logical_id] = {"Ref": f"{self.stack.name}-{logical_id}", "Arn": f"arn:aws:local:{logical_id}"}
            return
        self.created[logical_id] = {"Ref": None}  # guards against reference cycles
        self.created[logical_id] = creator(self, logical_id, self.resolver.value(spec.get("Properties", {})))

    # -- resource creators ----------------------------------------------------------------

    def topic(self, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        name = props.get("TopicName") or f"{self.stack.name}-{logical_id}"
        arn = self.clients["sns"].create_topic(Name=name)["TopicArn"]
        self.stack.topics[logical_id] = arn
        return {"Ref": arn, "TopicArn": arn, "TopicName": name}

    def queue(self, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        name = props.get("QueueName") or f"{self.stack.name}-{logical_id}"
        attributes: dict[str, str] = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds"):
            if key in props:
                attributes[key] = str(props[key])
        if "RedrivePolicy" in props:
            policy = props["RedrivePolicy"]
            attributes["RedrivePolicy"] = json.dumps(policy)
            target = policy["deadLetterTargetArn"]
            self.stack._dlq_ids.update(k for k, v in self.created.items() if v.get("Arn") == target)
        url = self.clients["sqs"].create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
        self.stack.queues[logical_id] = url
        return {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}

    def subscription(self, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        attributes: dict[str, str] = {}
        for key in ("RawMessageDelivery", "FilterPolicyScope"):
            if key in props:
                attributes[key] = str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
        if "FilterPolicy" in props:
            policy = props["FilterPolicy"]
            attributes["FilterPolicy"] = policy if isinstance(policy, str) else json.dumps(policy)
        arn = self.clients["sns"].subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return {"Ref": arn}

    def table(self, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        name = props.get("TableName") or f"{self.stack.name}-{logical_id}"
        self.clients["dynamodb"].create_table(
            TableName=name,
            KeySchema=props["KeySchema"],
            AttributeDefinitions=props["AttributeDefinitions"],
            BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"),
        )
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            self.clients["dynamodb"].update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
            )
        self.stack.tables[logical_id] = name
        return {"Ref": name, "Arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"}

    def bucket(self, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        """The bucket with the template's encryption, public access block and lifecycle rules."""
        name = props.get("BucketName") or f"{self.stack.name}-{logical_id}".lower()
        s3 = self.clients["s3"]
        s3.create_bucket(Bucket=name)
        if "BucketEncryption" in props:
            # CloudFormation says ServerSideEncryptionByDefault where the S3 API says Apply...
            rules = [
                {
                    "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                    "BucketKeyEnabled": bool(rule.get("BucketKeyEnabled", False)),
                }
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        lifecycle = props.get("LifecycleConfiguration", {}).get("Rules", [])
        if lifecycle:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in lifecycle]}
            )
        self.stack.buckets[logical_id] = name
        return {"Ref": name, "Arn": f"arn:aws:s3:::{name}", "BucketName": name}

    def function(self, logical_id: str, props: dict[str, Any]) -> FunctionSpec:
        merged = {**self.resolver.value(self.template.get("Globals", {}).get("Function", {})), **props}
        environment = {
            **self.resolver.value(self.template.get("Globals", {}).get("Function", {}))
            .get("Environment", {})
            .get("Variables", {}),
            **props.get("Environment", {}).get("Variables", {}),
        }
        sqs_sources: list[SqsSource] = []
        routes: list[HttpRoute] = []
        for event in props.get("Events", {}).values():
            event_props = event.get("Properties", {})
            if event["Type"] == "SQS":
                queue_arn = event_props["Queue"]
                queue_id = next(k for k, v in self.created.items() if v.get("Arn") == queue_arn)
                scaling = event_props.get("ScalingConfig", {})
                sqs_sources.append(
                    SqsSource(
                        queue_logical_id=queue_id,
                        queue_url=self.stack.queues[queue_id],
                        batch_size=int(event_props.get("BatchSize", 10)),
                        batching_window_seconds=int(event_props.get("MaximumBatchingWindowInSeconds", 0)),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in event_props.get("FunctionResponseTypes", []),
                        maximum_concurrency=int(scaling["MaximumConcurrency"])
                        if "MaximumConcurrency" in scaling
                        else None,
                    )
                )
            elif event["Type"] in {"HttpApi", "Api"}:
                routes.append(HttpRoute(method=str(event_props["Method"]).upper(), path=str(event_props["Path"])))
        return FunctionSpec(
            logical_id=logical_id,
            code_dir=self.stack.root / str(merged["CodeUri"]),
            handler=str(merged["Handler"]),
            environment={k: str(v) for k, v in environment.items()},
            timeout=int(merged.get("Timeout", 3)),
            sqs_sources=tuple(sqs_sources),
            routes=tuple(routes),
            memory_mb=int(merged.get("MemorySize", 128)),
        )

    def run(self) -> Stack:
        order = [
            "AWS::SNS::Topic",
            "AWS::DynamoDB::Table",
            "AWS::S3::Bucket",
            "AWS::SQS::Queue",
            "AWS::SNS::Subscription",
        ]
        for kind in order:
            for logical_id, spec in self.resources.items():
                if spec["Type"] == kind and logical_id not in self.created:
                    self.create(logical_id)
        for logical_id, spec in self.resources.items():
            if spec["Type"] == "AWS::Serverless::Function":
                if "Condition" in spec and not self.resolver.condition(spec["Condition"]):
                    continue
                self.stack.functions[logical_id] = self.function(
                    logical_id, self.resolver.value(spec.get("Properties", {}))
                )
        return self.stack


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the S3 API's shape."""
    converted: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule["Status"]}
    converted["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        converted["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return converted


_CREATORS = {
    "AWS::SNS::Topic": _Provisioner.topic,
    "AWS::SQS::Queue": _Provisioner.queue,
    "AWS::SNS::Subscription": _Provisioner.subscription,
    "AWS::DynamoDB::Table": _Provisioner.table,
    "AWS::S3::Bucket": _Provisioner.bucket,
}


def aws_clients(endpoint_url: str | None = None) -> dict[str, Any]:
    session = boto3.session.Session(region_name=REGION)
    return {name: session.client(name, endpoint_url=endpoint_url) for name in ("sns", "sqs", "dynamodb", "ssm", "s3")}


def provision(
    root: Path,
    clients: Mapping[str, Any],
    *,
    stack_name: str = "shoprelay-local",
    parameters: Mapping[str, Any] | None = None,
) -> Stack:
    """Create the stack's data plane from ``root/template.yaml`` and describe its functions."""
    template = load_template(root / "template.yaml")
    stack = Stack(name=stack_name, root=root, parameters=parameter_defaults(template, parameters))
    return _Provisioner(template, stack, clients).run()
