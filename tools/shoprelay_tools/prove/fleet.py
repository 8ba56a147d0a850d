"""The functions of a prove run: one invocation per execution environment, observed, crashable.

Lambda never runs two invocations in one execution environment at once: it starts more
environments. The local stack imports each function once and calls that one handler from
every poller and gateway thread, so concurrent batches would share module-level state (the
Metrics buffer, cached settings) that Lambda never shares. Here every function gets
:class:`Environments`: a handler instance is imported per concurrent invocation and reused,
never shared.

The local stack's own pollers (one :class:`~shoprelay_tools.local.runner.SourcePoller` per
SQS source, at the template's ``MaximumConcurrency``) are replaced by a *generation* of
pollers with a higher concurrency and a thin wrapper around each handler that

* tags every log record the invocation writes with the invocation (a thread-local), so a
  "delivery outcome" can be told apart when its invocation never answered; and
* can crash the generation like a Lambda runtime dying: invocations still running finish
  their work but their answer is lost (so nothing of their batch is deleted), and batches
  received after the crash are never handled. The records come back after their visibility
  timeout and a new generation, with freshly imported functions, picks them up.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import boto3
from botocore.config import Config

from shoprelay_tools.local.runner import LOCAL_ENV, LocalStack, SourcePoller
from shoprelay_tools.stack.lambda_runtime import Environments, Handler
from shoprelay_tools.stack.provision import REGION


class SimulatedCrashError(RuntimeError):
    """Raised in place of a crashed invocation's answer: Lambda deletes nothing of the batch."""


@dataclass
class Invocation:
    id: int
    generation: int
    function: str
    event_ids: tuple[str, ...]
    started: float
    finished: bool = False
    failed: bool = False
    """The handler raised: Lambda treats the whole batch as failed."""
    crashed: bool = False
    """The runtime died around it: its answer never reached Lambda."""

    @property
    def acknowledged(self) -> bool:
        return self.finished and not self.failed and not self.crashed


@dataclass(frozen=True)
class LoggedOutcome:
    """A "delivery outcome" log record, with the invocation that wrote it."""

    vendor: str
    event_id: str | None
    outcome: str
    reason: str | None
    status: str | None
    at: float
    invocation: Invocation | None


@dataclass(frozen=True)
class LoggedCall:
    """A "vendor call" log record: one HTTP request to a vendor and its verdict."""

    vendor: str
    event_id: str | None
    effect: str
    part: int
    status: int | None
    verdict: str
    at: float
    invocation: Invocation | None


class Recorder(logging.Handler):
    """Collects the vendor functions' outcome and call records, tagged with their invocation."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.current = threading.local()
        self._lock = threading.Lock()
        self.outcomes: list[LoggedOutcome] = []
        self.calls: list[LoggedCall] = []
        self._logger: logging.Logger | None = None

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in ("delivery outcome", "vendor call"):
            return
        fields = record.__dict__
        invocation = getattr(self.current, "invocation", None)
        if message == "delivery outcome":
            status = fields.get("status")
            outcome = LoggedOutcome(
                vendor=str(fields.get("vendor")),
                event_id=fields.get("event_id"),
                outcome=str(fields.get("outcome")),
                reason=fields.get("reason"),
                status=None if status is None else str(status),
                at=record.created,
                invocation=invocation,
            )
            with self._lock:
                self.outcomes.append(outcome)
            return
        call = LoggedCall(
            vendor=str(fields.get("vendor")),
            event_id=fields.get("event_id"),
            effect=str(fields.get("effect")),
            part=int(fields.get("part") or 1),
            status=fields.get("status"),
            verdict=str(fields.get("verdict")),
            at=record.created,
            invocation=invocation,
        )
        with self._lock:
            self.calls.append(call)

    def snapshot(self) -> tuple[list[LoggedOutcome], list[LoggedCall]]:
        with self._lock:
            return list(self.outcomes), list(self.calls)

    def attach(self, service_logger: logging.Logger) -> Recorder:
        service_logger.addHandler(self)
        self._logger = service_logger
        return self

    def detach(self) -> None:
        if self._logger is not None:
            self._logger.removeHandler(self)
            self._logger = None


def _event_ids(event: dict[str, Any]) -> tuple[str, ...]:
    found = []
    for record in event.get("Records", []):
        try:
            found.append(str(json.loads(record["body"])["id"]))
        except (ValueError, KeyError, TypeError):
            continue
    return tuple(found)


@dataclass
class CrashReport:
    generation: int
    at: float
    in_flight_invocations: int
    in_flight_records: int
    pause_seconds: float
    restarted_at: float = 0.0
    reloaded: bool = True
    crashed: list[Invocation] = field(default_factory=list)
    """Every invocation whose answer the crash swallowed (running, or started after the crash)."""


class Fleet:
    """Generations of pollers over the stack's SQS sources; see the module docstring."""

    def __init__(self, stack: LocalStack, recorder: Recorder, *, concurrency: int, idle_seconds: float = 0.1) -> None:
        self.stack = stack
        self.recorder = recorder
        self.concurrency = concurrency
        self.idle_seconds = idle_seconds
        self.generation = 0
        self.pollers: list[SourcePoller] = []
        self.invocations: list[Invocation] = []
        self.crashes: list[CrashReport] = []
        self._crashed: set[int] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._clients: list[Any] = []
        self._handlers: dict[str, Handler] = {}

    # -- lifecycle ------------------------------------------------------------------------------

    def take_over(self) -> Fleet:
        """Give every function environments, stop the stack's own pollers (nothing has been
        posted yet) and start generation 1."""
        for poller in self.stack.pollers:
            poller.stop()
        self.stack.pollers.clear()
        for logical_id, spec in self.stack.stack.functions.items():
            if spec.routes:  # the gateway looks the handler up per request
                self.stack.handlers[logical_id] = Environments(
                    spec, self._function_env(), first=self.stack.handlers[logical_id]
                )
        self._start(self._environments(first=self.stack.handlers))
        return self

    def _function_env(self) -> dict[str, str]:
        return {**LOCAL_ENV, **self.stack.extra_env}

    def _environments(self, first: dict[str, Handler] | None = None) -> dict[str, Handler]:
        """Fresh environments for the vendor functions (imported anew when first used)."""
        first = first or {}
        return {
            logical_id: Environments(spec, self._function_env(), first=first.get(logical_id))
            for logical_id, spec in self.stack.stack.functions.items()
            if spec.sqs_sources
        }

    def close(self) -> None:
        for poller in self.pollers:
            poller.stop()
            if poller in self.stack.pollers:
                self.stack.pollers.remove(poller)
        self.pollers.clear()
        for client in self._clients:
            client.close()
        self._clients.clear()

    def _start(self, handlers: dict[str, Handler]) -> None:
        self._handlers = handlers
        self.generation += 1
        generation = self.generation
        for logical_id, spec in self.stack.stack.functions.items():
            for source in spec.sqs_sources:
                sqs = boto3.session.Session(region_name=REGION).client(
                    "sqs",
                    endpoint_url=self.stack.aws_endpoint,
                    config=Config(max_pool_connections=self.concurrency + 4),
                )
                self._clients.append(sqs)
                poller = SourcePoller(
                    sqs,
                    spec,
                    replace(source, maximum_concurrency=self.concurrency),
                    self._wrap(handlers[logical_id], generation, logical_id),
                    idle_seconds=self.idle_seconds,
                )
                self.pollers.append(poller)
                self.stack.pollers.append(poller)
                poller.start()

    def _wrap(self, handler: Handler, generation: int, function: str) -> Handler:
        def invoke(event: dict[str, Any], context: Any) -> Any:
            invocation = Invocation(next(self._ids), generation, function, _event_ids(event), time.time())
            with self._lock:
                self.invocations.append(invocation)
            if generation in self._crashed:
                invocation.finished = invocation.crashed = True
                raise SimulatedCrashError(f"{function} crashed before handling its batch")
            self.recorder.current.invocation = invocation
            try:
                result = handler(event, context)
            except BaseException:
                invocation.failed = True
                raise
            finally:
                self.recorder.current.invocation = None
                invocation.finished = True
            if generation in self._crashed:
                invocation.crashed = True
                raise SimulatedCrashError(f"{function} crashed before answering")
            return result

        return invoke

    # -- the crash --------------------------------------------------------------------------------

    def running(self, generation: int | None = None) -> list[Invocation]:
        wanted = self.generation if generation is None else generation
        with self._lock:
            return [i for i in self.invocations if i.generation == wanted and not i.finished]

    def crash_and_restart(
        self, *, pause_seconds: float = 1.0, reload: bool = True, wait_for_work: float = 15.0
    ) -> CrashReport:
        """Crash the current generation while records are in flight, then start a new one."""
        generation = self.generation
        deadline = time.monotonic() + wait_for_work
        while not self.running(generation) and time.monotonic() < deadline:
            time.sleep(0.02)
        with self._lock:
            self._crashed.add(generation)
            in_flight = [i for i in self.invocations if i.generation == generation and not i.finished]
        report = CrashReport(
            generation=generation,
            at=time.time(),
            in_flight_invocations=len(in_flight),
            in_flight_records=sum(len(i.event_ids) for i in in_flight),
            pause_seconds=pause_seconds,
            reloaded=reload,
        )
        dying = list(self.pollers)
        self.pollers.clear()
        for poller in dying:  # waits for the running invocations; their answers are lost
            poller.stop()
            if poller in self.stack.pollers:
                self.stack.pollers.remove(poller)
        time.sleep(pause_seconds)
        self._start(self._environments() if reload else self._handlers)
        report.restarted_at = time.time()
        with self._lock:
            report.crashed = [i for i in self.invocations if i.generation == generation and i.crashed]
        self.crashes.append(report)
        return report


def service_logger() -> logging.Logger:
    """The Powertools logger every function logs through (named after POWERTOOLS_SERVICE_NAME)."""
    return logging.getLogger(os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined"))
