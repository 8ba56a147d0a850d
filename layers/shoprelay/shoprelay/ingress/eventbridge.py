"""Shopify webhooks through Amazon EventBridge: the envelope in, the shared pipeline after it.

Shopify puts the webhook's body in ``detail.payload`` and its headers in ``detail.metadata``.
There is no signature to check: only Shopify can put events on its partner event source,
and only this stack's rule sends them here. From the parsed body on, an envelope takes the
HTTPS webhook's path (:meth:`~shoprelay.ingress.pipeline.IngressPipeline.accept`), deduped
by the same event id, so a shop subscribed on both channels gets each event once.

EventBridge invokes the function asynchronously, so there is no one to answer. What the
HTTPS ingress would answer with a 4xx can never succeed and is put in the dead-letter queue
at once, with the reason; what it would answer with a 503 is raised, so Lambda tries again
and, once its retries are spent, sends the event to the same queue with the error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shoprelay.config.shops import SHOP_DOMAIN_PATTERN
from shoprelay.ingress.http import RequestError
from shoprelay.ingress.message import SNS_MESSAGE_LIMIT
from shoprelay.ingress.sources import UNAUTHORIZED, Inbound, LoadShop, shopify_inbound, shopify_meta

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

    from shoprelay.ingress.pipeline import IngressPipeline, Outcome

SHOPIFY_PARTNER_SOURCE = "aws.partner/shopify.com/"
"""How every Shopify partner event source's name begins."""
DEAD_LETTER_LIMIT = SNS_MESSAGE_LIMIT - 16 * 1024
"""Largest envelope kept whole in the dead-letter queue (SQS shares SNS's limit here); a bigger
one is kept without its payload, which its ids let an operator fetch again from Shopify."""


class EnvelopeError(RequestError):
    """An envelope that is not a Shopify webhook shoprelay can read."""

    def __init__(self, error: str) -> None:
        super().__init__(400, error)


class RetryLaterError(RuntimeError):
    """Raised so Lambda retries the event: the pipeline could not finish it now."""


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EnvelopeError(f"{what} is missing or not an object")
    return value


def envelope_inbound(envelope: Mapping[str, Any], load_shop: LoadShop) -> Inbound:
    """The webhook inside an EventBridge envelope, for a shop shoprelay knows."""
    source = envelope.get("source")
    if not isinstance(source, str) or not source.startswith(SHOPIFY_PARTNER_SOURCE):
        raise EnvelopeError("the event does not come from a Shopify partner event source")
    detail = _mapping(envelope.get("detail"), "detail")
    metadata = _mapping(detail.get("metadata"), "detail.metadata")
    payload = _mapping(detail.get("payload"), "detail.payload")
    if set(payload) == {"id"}:
        raise EnvelopeError(
            "Shopify sent only the resource id (the body was over EventBridge's size limit); "
            "fetch the resource from the Admin API and replay it"
        )
    headers = {str(name).lower(): str(value) for name, value in metadata.items() if value is not None}
    meta = shopify_meta(headers)
    config = load_shop(meta.shop) if SHOP_DOMAIN_PATTERN.fullmatch(meta.shop) else None
    if config is None:
        raise UNAUTHORIZED
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return shopify_inbound(meta, body, config)


def process_envelope(
    pipeline: IngressPipeline, envelope: Mapping[str, Any], remaining_ms: Callable[[], int] | None = None
) -> Outcome:
    """The outcome the HTTPS ingress would answer for the same webhook."""
    from shoprelay.ingress.pipeline import Outcome

    try:
        inbound = envelope_inbound(envelope, pipeline.load_shop)
        return pipeline.accept(inbound, pipeline.deadline_for(remaining_ms))
    except RequestError as refusal:
        reason = "unknown shop" if refusal.status == 401 else str(refusal.payload.get("error", "invalid"))
        return Outcome(refusal.status, refusal.payload, "WebhookRejected", reason)


@dataclass(frozen=True)
class DeadLetters:
    """The queue for envelopes that cannot be relayed, each with its reason in the attributes."""

    sqs: SQSClient
    queue_url: str

    def put(self, envelope: Mapping[str, Any], reason: str, outcome: str) -> None:
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        if len(body.encode("utf-8")) > DEAD_LETTER_LIMIT:
            detail = envelope.get("detail")
            kept = {"metadata": detail.get("metadata"), "payload": None} if isinstance(detail, Mapping) else None
            body = json.dumps({**envelope, "detail": kept}, ensure_ascii=False, separators=(",", ":"))
            reason = f"{reason} (payload left out: too big for the queue)"
        self.sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=body,
            MessageAttributes={
                "reason": {"DataType": "String", "StringValue": reason[:1000]},
                "outcome": {"DataType": "String", "StringValue": outcome},
                "source": {"DataType": "String", "StringValue": "eventbridge"},
            },
        )


def dead_letter_reason(outcome: Outcome) -> str:
    """Why an envelope was not relayed, in words an operator can act on (no personal data)."""
    error = str(outcome.payload.get("error") or outcome.reason or "rejected")
    where = outcome.payload.get("field")
    return f"{where}: {error}" if where else error


def make_eventbridge_handler(pipeline: IngressPipeline, dead_letters: DeadLetters) -> Any:
    """The Lambda entry point for the EventBridge rule's target."""
    from aws_lambda_powertools.metrics import MetricUnit

    from shoprelay.ingress.app import logger, metrics, record_outcome

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        detail = event.get("detail") if isinstance(event, dict) else None
        metadata = detail.get("metadata") if isinstance(detail, Mapping) else None
        webhook_id = metadata.get("X-Shopify-Webhook-Id") if isinstance(metadata, Mapping) else None
        logger.set_correlation_id(str(webhook_id or event.get("id") or ""))
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        try:
            outcome = process_envelope(pipeline, event, remaining if callable(remaining) else None)
        except Exception:
            logger.exception("event could not be processed; Lambda retries it")
            metrics.add_metric(name="WebhookFailed", unit=MetricUnit.Count, value=1)
            raise
        record_outcome(outcome)
        if outcome.status >= 500:
            raise RetryLaterError(outcome.reason or "temporarily unavailable")
        if outcome.status >= 400:
            reason = dead_letter_reason(outcome)
            dead_letters.put(event, reason, outcome.metric)
            metrics.add_metric(name="EventDeadLettered", unit=MetricUnit.Count, value=1)
            return {"status": "dead-lettered", "reason": reason}
        keep = ("status", "id", "vendors", "events")
        return {name: outcome.payload[name] for name in keep if name in outcome.payload}

    return handler


def build_dead_letters() -> DeadLetters:
    """The dead-letter queue from the function's environment (see template.yaml)."""
    import os

    from shoprelay.aws import SYNCHRONOUS_ATTEMPTS, aws_client

    return DeadLetters(sqs=aws_client("sqs", SYNCHRONOUS_ATTEMPTS), queue_url=os.environ["DEAD_LETTER_QUEUE_URL"])
