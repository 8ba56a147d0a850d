"""The ingress Lambda: wiring from environment variables, logging and metrics.

Logs carry the webhook id as correlation id and never the body, signature, secrets,
e-mail, phone or IP: only shop, topic, event id, outcome and reason.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from shoprelay.config import load_shop_config
from shoprelay.ingress.http import answer
from shoprelay.ingress.pipeline import IngressPipeline
from shoprelay.lazy import aws_client, eager_init
from shoprelay.state import StateTable

logger = Logger()
metrics = Metrics()

_HOUR = 3600
_DAY = 24 * _HOUR


def build_pipeline() -> IngressPipeline:
    """Create the pipeline from the function's environment (see template.yaml)."""
    if eager_init():
        IngressPipeline.load_payload_models()
    return IngressPipeline(
        table=StateTable(),
        sns=aws_client("sns"),
        topic_arn=os.environ["TOPIC_ARN"],
        load_shop=load_shop_config,
        max_body_bytes=int(os.environ.get("MAX_BODY_BYTES", str(2 * 1024 * 1024))),
        memory_ttl_seconds=int(os.environ.get("ORDER_MEMORY_DAYS", "400")) * _DAY,
        delivery_ttl_seconds=int(os.environ.get("DELIVERY_RECORD_HOURS", "24")) * _HOUR,
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
        logger.set_correlation_id(str(headers.get("x-shopify-webhook-id") or headers.get("shopify-webhook-id") or ""))
        try:
            outcome = pipeline.process(event)
        except Exception:
            # Our dependencies failed, not the client: 503 makes Shopify retry the delivery.
            logger.exception("webhook could not be processed")
            metrics.add_metric(name="WebhookFailed", unit=MetricUnit.Count, value=1)
            return answer(503, {"error": "temporarily unavailable, retry later"})
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
            },
        )
        if outcome.metric == "WebhookRejected":
            # Rejections are counted per reason (a dimension), so an alarm can tell a
            # misconfigured secret (unauthorized) from a misbehaving sender (invalid).
            with single_metric(name=outcome.metric, unit=MetricUnit.Count, value=1) as metric:
                metric.add_dimension(name="reason", value=outcome.reason or "unknown")
        else:
            metrics.add_metric(name=outcome.metric, unit=MetricUnit.Count, value=1)
        return outcome.response()

    return handler
