"""The ingress Lambda: wiring from environment variables, logging and metrics.

Logs carry the webhook id as correlation id and never the body, signature, secrets,
e-mail, phone or IP: only shop, topic, event id, outcome and reason.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from shoprelay.aws import SYNCHRONOUS_ATTEMPTS, aws_client, worst_case_seconds
from shoprelay.config import load_shop_config
from shoprelay.config.known import KnownShops
from shoprelay.ingress.http import answer
from shoprelay.ingress.pipeline import IngressPipeline, Outcome
from shoprelay.lazy import eager_init
from shoprelay.state import StateTable
from shoprelay.state.payloads import PayloadStore

logger = Logger()
metrics = Metrics()

_HOUR = 3600
_DAY = 24 * _HOUR

TIMEOUT_SECONDS = 10
"""The function's Timeout in template.yaml, assumed when no Lambda context says what is left."""
AWS_CALLS = ("dynamodb", "ssm", "dynamodb", "dynamodb", "dynamodb", "s3", "sns", "dynamodb")
"""The AWS calls on a webhook's longest path, in order: the list of registered shops, the
shop's parameters, order memory (a cancellation reads the remembered order, then stores its
own), the delivery lease, storing an event too big for SNS, the publish, and marking the lease
done (or releasing it). Each makes :data:`~shoprelay.aws.SYNCHRONOUS_ATTEMPTS`; a test checks
that all of them at their worst fit inside the template's Timeout with :data:`MARGIN_SECONDS`
to spare."""
PUBLISH_CALLS = ("s3", "sns", "dynamodb")
"""The calls that follow the lease: store a big event, publish, then complete or release it."""
MARGIN_SECONDS = 1.0
"""Time kept for our own code around the calls (parsing, signing, logging)."""


def build_pipeline() -> IngressPipeline:
    """Create the pipeline from the function's environment (see template.yaml)."""
    if eager_init():
        IngressPipeline.load_payload_models()
    return IngressPipeline(
        table=StateTable(client=aws_client("dynamodb", SYNCHRONOUS_ATTEMPTS)),
        sns=aws_client("sns", SYNCHRONOUS_ATTEMPTS),
        topic_arn=os.environ["TOPIC_ARN"],
        load_shop=partial(load_shop_config, known=KnownShops(table=os.environ["STATE_TABLE"])),
        max_body_bytes=int(os.environ.get("MAX_BODY_BYTES", str(2 * 1024 * 1024))),
        memory_ttl_seconds=int(os.environ.get("ORDER_MEMORY_DAYS", "400")) * _DAY,
        delivery_ttl_seconds=int(os.environ.get("DELIVERY_RECORD_HOURS", "24")) * _HOUR,
        payloads=PayloadStore(client=aws_client("s3", SYNCHRONOUS_ATTEMPTS)),
        timeout_seconds=TIMEOUT_SECONDS,
        publish_seconds=worst_case_seconds(PUBLISH_CALLS, SYNCHRONOUS_ATTEMPTS) + MARGIN_SECONDS / 2,
    )


def make_handler(pipeline: IngressPipeline) -> Any:
    """The Lambda entry point around ``pipeline``."""

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = (
            {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
            if isinstance(event.get("headers"), dict)
            else {}
        )
        logger.set_correlation_id(
            str(
                headers.get("x-shopify-webhook-id")
                or headers.get("shopify-webhook-id")
                or headers.get("x-wc-webhook-delivery-id")
                or ""
            )
        )
        try:
            remaining = getattr(context, "get_remaining_time_in_millis", None)
            outcome = pipeline.process(event, remaining if callable(remaining) else None)
        except Exception:
            # Our dependencies failed, not the client: 503 makes Shopify retry the delivery.
            logger.exception("webhook could not be processed")
            metrics.add_metric(name="WebhookFailed", unit=MetricUnit.Count, value=1)
            return answer(503, {"error": "temporarily unavailable, retry later"})
        record_outcome(outcome)
        return outcome.response()

    return handler


def record_outcome(outcome: Outcome) -> None:
    """Log and count what happened to one webhook, whichever way it came in."""
    canonical = outcome.event
    logger.info(
        "webhook answered",
        extra={
            "status": outcome.status,
            "outcome": outcome.metric,
            "reason": outcome.reason,
            "shop": canonical.shop if canonical else None,
            "topic": canonical.topic if canonical else None,
            "event_id": canonical.id if canonical else None,
            "vendors": outcome.payload.get("vendors"),
            "not_routed": sorted(outcome.payload.get("skipped") or ()) or None,
        },
    )
    if outcome.metric == "WebhookRejected":
        # Rejections are counted per reason (a dimension), so an alarm can tell a
        # misconfigured secret (unauthorized) from a misbehaving sender (invalid).
        # single_metric prints even when POWERTOOLS_METRICS_DISABLED says not to.
        if not is_metrics_disabled():
            with single_metric(name=outcome.metric, unit=MetricUnit.Count, value=1) as metric:
                metric.add_dimension(name="reason", value=outcome.reason or "unknown")
    else:
        metrics.add_metric(name=outcome.metric, unit=MetricUnit.Count, value=1)
    for name in outcome.also_count:
        logger.warning("webhook needs attention", extra={"problem": name, "reason": outcome.reason})
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
