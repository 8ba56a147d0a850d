"""The tracify delivery Lambda: the SQS event source calls `handler` with a batch."""

from shoprelay.delivery.app import make_handler

handler = make_handler("tracify")
