"""Every AWS client the functions use, built here with timeouts and a retry budget.

botocore's defaults (60 s connect and read timeouts, several retries) let one slow call
outlive a 10 s function: the invocation is killed mid-call and whatever it claimed stays
claimed. Here each call has a bounded worst case, ``attempts x (connect + read)`` plus the
backoff between attempts, so a function can add up the calls it makes and know they end
before its timeout.

How many attempts a client makes depends on who retries after a failure:

* a synchronous caller (the ingress: Shopify retries the whole webhook later) gets one
  attempt, so every call fails fast and the answer is a 503 well inside the timeout;
* a queue consumer (vendor functions) gets three, because a failed record costs one of the
  receives that stand between it and the dead-letter queue.

SSM is read through Powertools parameters, whose provider is process-wide; it gets a single
attempt everywhere, since its values are cached and one call must fit the ingress budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shoprelay.lazy import Lazy

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SSMProvider
    from botocore.config import Config

SYNCHRONOUS_ATTEMPTS = 1
"""Attempts per call when the caller retries the whole request (the ingress)."""
QUEUED_ATTEMPTS = 3
"""Attempts per call when a failure costs a queue receive (vendor functions)."""
SSM_ATTEMPTS = 1

_THROTTLING_BACKOFF_BASE = 1.0
"""botocore's standard mode waits up to ``base * 2**i`` seconds before retry ``i + 1`` after
throttling (far less after other errors); a worst case must assume throttling. A service may
stretch that with an ``x-amz-retry-after`` header; the ones called here do not send it."""


@dataclass(frozen=True)
class Timeouts:
    connect: float
    """Seconds to open the TCP (and TLS) connection."""
    read: float
    """Seconds the socket may stay silent while sending the request or awaiting the answer."""


TIMEOUTS: dict[str, Timeouts] = {
    # Single-item reads and writes answer in milliseconds; half a second is a stall.
    "dynamodb": Timeouts(connect=0.25, read=0.5),
    # A publish carries up to 256 KiB.
    "sns": Timeouts(connect=0.25, read=1.0),
    "ssm": Timeouts(connect=0.25, read=1.0),
    "sqs": Timeouts(connect=0.25, read=1.0),
    # Objects up to the largest accepted webhook body.
    "s3": Timeouts(connect=0.25, read=1.5),
}


@dataclass(frozen=True)
class CallBudget:
    """How long one call to a service may take at worst, and the botocore config enforcing it."""

    service: str
    timeouts: Timeouts
    attempts: int

    def worst_case_seconds(self) -> float:
        """Every attempt times out, and every wait between attempts is the longest possible."""
        backoff = sum(_THROTTLING_BACKOFF_BASE * (1 << retry) for retry in range(self.attempts - 1))
        return self.attempts * (self.timeouts.connect + self.timeouts.read) + backoff

    def config(self) -> Config:
        from botocore.config import Config

        return Config(
            connect_timeout=self.timeouts.connect,
            read_timeout=self.timeouts.read,
            retries={"mode": "standard", "total_max_attempts": self.attempts},
        )


def budget(service: str, attempts: int = QUEUED_ATTEMPTS) -> CallBudget:
    """The budget of one call to ``service``; a service missing from :data:`TIMEOUTS` is a bug."""
    return CallBudget(service=service, timeouts=TIMEOUTS[service], attempts=attempts)


def worst_case_seconds(services: tuple[str, ...] | list[str], attempts: int) -> float:
    """The longest a sequence of calls can take, each at its worst."""
    return sum(budget(service, attempts).worst_case_seconds() for service in services)


def aws_client(service: str, attempts: int = QUEUED_ATTEMPTS) -> Any:
    """A boto3 client for ``service`` (region and endpoint from the environment), built lazily."""
    config = budget(service, attempts)

    def build() -> Any:
        import boto3

        return boto3.client(service, config=config.config())  # type: ignore[call-overload]

    return Lazy(build)


def ssm_provider() -> SSMProvider:
    """The Powertools SSM provider that ``parameters.get_parameter(s)`` use, with our budget.

    Powertools keeps it in a process-wide registry and builds one with botocore's defaults
    when none is there (also after ``parameters.clear_caches()``), so it is put back first.
    """
    from aws_lambda_powertools.utilities.parameters import SSMProvider
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    provider = DEFAULT_PROVIDERS.get("ssm")
    if provider is None:
        provider = SSMProvider(boto_config=budget("ssm", SSM_ATTEMPTS).config())
        DEFAULT_PROVIDERS["ssm"] = provider
    return provider
