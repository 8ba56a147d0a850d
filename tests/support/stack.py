"""The stack from template.yaml on the test's moto server, with handlers loaded from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shoprelay_tools.demo import DEMO_SECRET, DEMO_SHOP, seed_shop
from shoprelay_tools.stack.dlq import dead_letter_write, message_attributes
from shoprelay_tools.stack.lambda_runtime import FakeContext, Handler, PollResult, load_function, poll_once
from shoprelay_tools.stack.provision import Stack, aws_clients, provision

_HANDLERS: dict[tuple[str, str, str], Handler] = {}
FAST_RETRIES = {"RETRY_BASE_SECONDS": "0", "RETRY_HOURS": "0"}
"""Backoff of zero seconds, so a test sees its retries at once, and no retry window beyond
the fixed attempts, so a test sees a failing record reach the DLQ after them."""


@dataclass
class LocalAws:
    endpoint: str
    stack: Stack
    clients: dict[str, Any] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return str(self.stack.parameters.get("Stage") and f"/shoprelay/{self.stack.parameters['Stage']}")

    def seed_shop(
        self,
        vendors: Mapping[str, Mapping[str, Any]],
        *,
        shop: str = DEMO_SHOP,
        secret: str = DEMO_SECRET,
        previous_secret: str | None = None,
    ) -> None:
        seed_shop(
            self.clients["ssm"],
            self.prefix,
            shop,
            secret,
            vendors,
            previous_secret=previous_secret,
            dynamodb=self.clients["dynamodb"],
            table=self.stack.tables["StateTable"],
        )

    extra_env: dict[str, str] = field(default_factory=lambda: dict(FAST_RETRIES))

    def handler(self, logical_id: str) -> Handler:
        """Load each function once per test session (names are stable across moto resets)."""
        key = (self.endpoint, logical_id, repr(sorted(self.extra_env.items())))
        if key not in _HANDLERS:
            _HANDLERS[key] = load_function(self.stack.functions[logical_id], self.extra_env)
        return _HANDLERS[key]

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        return self.handler(logical_id)(event, FakeContext(function_name=logical_id))

    def answer_after_retries(self, logical_id: str, event: dict[str, Any], attempts: int = 3) -> Any:
        """The answer a sender that retries 5xx ends with (Shopify does): the first below 500,
        else the last. A request the code mishandles fails every attempt; a 503 because moto
        answered a loaded machine's call after its read timeout does not."""
        response = self.invoke(logical_id, event)
        for _ in range(attempts - 1):
            if int(response["statusCode"]) < 500:
                break
            response = self.invoke(logical_id, event)
        return response

    def poll(self, logical_id: str) -> PollResult:
        spec = self.stack.functions[logical_id]
        handler = self.handler(logical_id)
        total = PollResult(0, 0, 0)
        for source in spec.sqs_sources:
            result = poll_once(self.clients["sqs"], source, handler, FakeContext(function_name=logical_id))
            total = PollResult(
                total.received + result.received, total.deleted + result.deleted, total.failed + result.failed
            )
        return total

    def receive_all(self, logical_queue_id: str) -> list[dict[str, Any]]:
        """Every message in a queue right now, left in place (visibility 0)."""
        response = self.clients["sqs"].receive_message(
            QueueUrl=self.stack.queues[logical_queue_id],
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def dead_letters(self, logical_queue_id: str) -> list[dict[str, Any]]:
        """A vendor DLQ's dead letters, one message each: on a loaded machine SQS may answer the
        function's send after its client gave up waiting, and the client's repeated send leaves
        a second copy of the same write (``shoprelay replay`` sends such copies back once)."""
        letters: dict[str, dict[str, Any]] = {}
        for message in self.receive_all(logical_queue_id):
            letters.setdefault(dead_letter_write(message_attributes(message), message["MessageId"]), message)
        return list(letters.values())

    def receive_batch(self, logical_queue_id: str, size: int = 10) -> list[dict[str, Any]]:
        """Up to ``size`` visible messages, received as the SQS event source mapping batches them.

        moto, like SQS, may answer a receive with fewer messages than are visible, so this asks
        again until the batch is full or a receive comes back empty (five receives at most).
        """
        messages: list[dict[str, Any]] = []
        for _ in range(5):
            response = self.clients["sqs"].receive_message(
                QueueUrl=self.stack.queues[logical_queue_id],
                MaxNumberOfMessages=size - len(messages),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            messages += response.get("Messages", [])
            if len(messages) == size or not response.get("Messages"):
                break
        return messages

    def queue_depth(self, logical_queue_id: str) -> int:
        attributes = self.clients["sqs"].get_queue_attributes(
            QueueUrl=self.stack.queues[logical_queue_id],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def local_aws(endpoint: str, root: Any) -> LocalAws:
    clients = aws_clients(endpoint)
    stack = provision(root, clients)
    return LocalAws(endpoint=endpoint, stack=stack, clients=clients)
