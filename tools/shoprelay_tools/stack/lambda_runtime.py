"""Run template.yaml's functions in this process the way Lambda would call them.

A function's module is loaded from its ``CodeUri`` with the environment the template gives
it, under a module name of its own (every function has an ``app.py``). SQS sources are
polled like Lambda's event source mapping: batches up to ``BatchSize``, a partial batch
response deletes only the successes, failed records reappear after their visibility
timeout, and the queue's RedrivePolicy moves them to the DLQ after ``maxReceiveCount``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from shoprelay_tools.stack.provision import REGION, FunctionSpec, SqsSource

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class FakeContext:
    """The parts of the Lambda context object our handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:local"
    aws_request_id: str = "local-request"
    timeout_seconds: int = 60

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000


_ENV_LOCK = threading.Lock()


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    with _ENV_LOCK:
        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old


def load_function(spec: FunctionSpec, extra_env: Mapping[str, str] | None = None) -> Handler:
    """Import the function's handler with its template environment applied during import."""
    module_file, _, attribute = spec.handler.rpartition(".")
    path = spec.code_dir / f"{module_file.replace('.', '/')}.py"
    name = f"shoprelay_fn_{spec.logical_id}_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"  # noqa: S324
    with _environment({**spec.environment, **(extra_env or {})}):
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module: ModuleType = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
    handler: Handler = getattr(module, attribute)
    return handler


class Environments:
    """Execution environments of one function: created on demand, one invocation each at a time."""

    def __init__(self, spec: FunctionSpec, environment: dict[str, str], first: Handler | None = None) -> None:
        self.spec = spec
        self.environment = environment
        self._idle: list[Handler] = [first] if first is not None else []
        self._lock = threading.Lock()
        self.created = len(self._idle)

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        with self._lock:
            handler = self._idle.pop() if self._idle else None
        if handler is None:
            handler = load_function(self.spec, self.environment)
            with self._lock:
                self.created += 1
        try:
            return handler(event, context)
        finally:
            with self._lock:
                self._idle.append(handler)


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The Lambda SQS event for received messages."""
    records = []
    for message in messages:
        attributes = message.get("Attributes", {})
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": attributes.get("SentTimestamp", "0"),
                    "SenderId": attributes.get("SenderId", "local"),
                    "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "0"),
                    **({"MessageGroupId": attributes["MessageGroupId"]} if "MessageGroupId" in attributes else {}),
                },
                "messageAttributes": {
                    key: {
                        "stringValue": value.get("StringValue"),
                        "binaryValue": None,
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value.get("DataType", "String"),
                    }
                    for key, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


@dataclass
class PollResult:
    received: int
    deleted: int
    failed: int


def poll_once(sqs: Any, source: SqsSource, handler: Handler, context: Any, wait_seconds: int = 0) -> PollResult:
    """One receive → invoke → delete cycle of an SQS event source mapping."""
    response = sqs.receive_message(
        QueueUrl=source.queue_url,
        MaxNumberOfMessages=min(source.batch_size, 10),
        WaitTimeSeconds=wait_seconds,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    messages = response.get("Messages", [])
    if not messages:
        return PollResult(0, 0, 0)
    queue_arn = f"arn:aws:sqs:{REGION}:123456789012:{source.queue_url.rsplit('/', 1)[-1]}"
    try:
        answer = handler(sqs_event(messages, queue_arn), context)
    except Exception:
        # A function error (Powertools raises when every record failed): Lambda deletes
        # nothing and the whole batch returns after its visibility timeout.
        return PollResult(len(messages), 0, len(messages))
    failed_ids: set[str] = set()
    if source.report_batch_item_failures and isinstance(answer, dict):
        failed_ids = {item["itemIdentifier"] for item in answer.get("batchItemFailures", [])}
    successes = [m for m in messages if m["MessageId"] not in failed_ids]
    if successes:
        sqs.delete_message_batch(
            QueueUrl=source.queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(successes)],
        )
    return PollResult(len(messages), len(successes), len(failed_ids))
