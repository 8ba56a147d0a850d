"""The functions of a prove run, each execution environment a process, as on Lambda.

Every function runs through :class:`~shoprelay_tools.stack.process_runtime.FunctionProcesses`:
one process per concurrent invocation, the template's timeout enforced by killing the
process, and the function's own log lines returned per invocation. That is what lets a run
show what Lambda does and an in-process handler cannot: an ingress killed at its 10 s
timeout while its publish hangs, or a vendor function killed at its timeout mid-batch.

* The ingress serves the gateway's requests (:class:`IngressProcesses`); an invocation that
  errs or is killed is answered 500, as API Gateway answers a failed Lambda integration.
* The vendor functions are driven by a *generation* of pollers (one
  :class:`~shoprelay_tools.local.runner.SourcePoller` per SQS source, at a concurrency of the
  run's choosing). Each invocation's "delivery outcome" and "vendor call" lines are read from
  its output and tagged with the invocation, so an outcome can be told apart when its
  invocation never answered (killed, failed, or crashed).
* :meth:`Fleet.crash_and_restart` crashes a generation like its runtimes dying: every process
  is killed (SIGKILL) wherever its invocation is, no answer reaches Lambda (nothing of their
  batch is deleted), and batches received after the crash are never handled. A new generation
  starts with fresh processes.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config

from shoprelay_tools.local.gateway import http_api_event
from shoprelay_tools.local.runner import LOCAL_ENV, LocalStack, SourcePoller
from shoprelay_tools.stack.lambda_runtime import Handler
from shoprelay_tools.stack.process_runtime import FunctionProcesses
from shoprelay_tools.stack.process_runtime import Invocation as ProcessInvocation
from shoprelay_tools.stack.provision import REGION, FunctionSpec

_POWERTOOLS_TIME = "%Y-%m-%d %H:%M:%S,%f%z"
_EMPTY_BATCH: dict[str, Any] = {"Records": []}


def _unsigned_request(path: str) -> dict[str, Any]:
    """A request without Shopify's headers: the ingress refuses it before any AWS call."""
    return http_api_event(
        method="POST",
        target=path,
        headers=[("content-type", "application/json")],
        body=b"{}",
        route_key=f"POST {path}",
        path_parameters={},
        source_ip="127.0.0.1",
        request_id="prove-warm-up",
    )


def warm(environments: list[tuple[FunctionProcesses, int, dict[str, Any]]]) -> None:
    """Start ``count`` environments of each function, with a harmless invocation each.

    A cold start is a process importing boto3 and Powertools: a second or more of CPU on a
    busy machine. Started while webhooks flow, they would eat into Shopify's 5 s; started
    here, each invocation finds one waiting, as on a warm Lambda. One function's environments
    start together (so they are distinct), one function after another: every environment of
    every function at once would share the machine's cores so thinly that an import could
    outlast the harness's init timeout, which is not what a prove run is about.
    """
    for processes, count, event in environments:
        if count < 1:
            continue
        with ThreadPoolExecutor(count, thread_name_prefix="prove-warm") as pool:
            for _result in pool.map(processes.invoke, [event] * count):
                pass


class SimulatedCrashError(RuntimeError):
    """Raised in place of a crashed invocation's answer: Lambda deletes nothing of the batch."""


class FunctionFailedError(RuntimeError):
    """The invocation raised, or was killed at its timeout: Lambda reports a function error."""


@dataclass
class Invocation:
    id: int
    generation: int
    function: str
    event_ids: tuple[str, ...]
    started: float
    finished: bool = False
    failed: bool = False
    """The handler raised or the process died: Lambda treats the whole batch as failed."""
    killed: bool = False
    """Killed at the function's timeout."""
    crashed: bool = False
    """The runtime died around it: its answer never reached Lambda."""
    duration: float = 0.0

    @property
    def acknowledged(self) -> bool:
        return self.finished and not self.failed and not self.killed and not self.crashed


@dataclass(frozen=True)
class LoggedOutcome:
    """A "delivery outcome" log line, with the invocation that wrote it."""

    vendor: str
    event_id: str | None
    outcome: str
    reason: str | None
    status: str | None
    at: float
    invocation: Invocation | None


@dataclass(frozen=True)
class LoggedCall:
    """A "vendor call" log line: one HTTP request to a vendor and its verdict."""

    vendor: str
    event_id: str | None
    effect: str
    part: int
    status: int | None
    verdict: str
    at: float
    invocation: Invocation | None


def logged_at(record: Mapping[str, Any], default: float) -> float:
    """The epoch seconds of a Powertools log line's ``timestamp``, else ``default``."""
    try:
        return datetime.strptime(str(record["timestamp"]), _POWERTOOLS_TIME).timestamp()
    except (KeyError, ValueError):
        return default


def _outcome(record: Mapping[str, Any], at: float, invocation: Invocation | None) -> LoggedOutcome:
    status = record.get("status")
    return LoggedOutcome(
        vendor=str(record.get("vendor")),
        event_id=record.get("event_id"),
        outcome=str(record.get("outcome")),
        reason=record.get("reason"),
        status=None if status is None else str(status),
        at=at,
        invocation=invocation,
    )


def _call(record: Mapping[str, Any], at: float, invocation: Invocation | None) -> LoggedCall:
    return LoggedCall(
        vendor=str(record.get("vendor")),
        event_id=record.get("event_id"),
        effect=str(record.get("effect")),
        part=int(record.get("part") or 1),
        status=record.get("status"),
        verdict=str(record.get("verdict")),
        at=at,
        invocation=invocation,
    )


class Recorder:
    """Collects the vendor functions' outcome and call lines, tagged with their invocation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outcomes: list[LoggedOutcome] = []
        self.calls: list[LoggedCall] = []

    def record(self, records: list[dict[str, Any]], invocation: Invocation | None) -> None:
        now = time.time()
        outcomes = [
            _outcome(r, logged_at(r, now), invocation) for r in records if r.get("message") == "delivery outcome"
        ]
        calls = [_call(r, logged_at(r, now), invocation) for r in records if r.get("message") == "vendor call"]
        with self._lock:
            self.outcomes.extend(outcomes)
            self.calls.extend(calls)

    def snapshot(self) -> tuple[list[LoggedOutcome], list[LoggedCall]]:
        with self._lock:
            return list(self.outcomes), list(self.calls)


class LogSink:
    """The functions' output, appended to one file in the order invocations end."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._stream: IO[str] = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, lines: list[str]) -> None:
        if lines:
            with self._lock:
                self._stream.write("\n".join(lines) + "\n")

    def invocation(self, function: str, result: ProcessInvocation) -> None:
        """An invocation's lines, then one line of ours when it did not end normally."""
        ended = []
        if result.status != "ok":
            note = {"prove": f"invocation {result.status}", "function": function, "error": result.error}
            ended.append(json.dumps({**note, "duration": round(result.duration, 3)}))
        self.write(result.logs + ended)

    def close(self) -> None:
        with self._lock:
            self._stream.close()


@dataclass
class IngressStats:
    invocations: int = 0
    killed: int = 0
    """Killed at the function's timeout."""
    errors: int = 0
    durations: list[float] = field(default_factory=list)


class IngressProcesses:
    """The ingress as the gateway calls it: an invocation per request, in processes."""

    def __init__(self, spec: FunctionSpec, extra_env: Mapping[str, str], sink: LogSink) -> None:
        self.spec = spec
        self.processes = FunctionProcesses(spec, extra_env)
        self.sink = sink
        self.stats = IngressStats()
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        result = self.processes.invoke(event)
        self.sink.invocation(self.processes.spec.logical_id, result)
        with self._lock:
            self.stats.invocations += 1
            self.stats.durations.append(result.duration)
            self.stats.killed += result.status == "timeout"
            self.stats.errors += result.status == "error"
        if result.status != "ok":
            raise FunctionFailedError(f"ingress {result.status}: {result.error}")
        return result.payload

    def close(self) -> None:
        self.processes.close()


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
    """The ingress and generations of vendor-function pollers; see the module docstring."""

    def __init__(
        self,
        stack: LocalStack,
        recorder: Recorder,
        *,
        concurrency: int,
        ingress_environments: int,
        sink: LogSink,
        aws_endpoint: str | None = None,
        idle_seconds: float = 0.25,
    ) -> None:
        self.stack = stack
        self.recorder = recorder
        self.concurrency = concurrency
        self.ingress_environments = ingress_environments
        """Ingress environments started before the soak (about the number of senders)."""
        self.sink = sink
        self.aws_endpoint = aws_endpoint or stack.aws_endpoint
        """Where the functions reach AWS (the fault proxy, when there is one)."""
        self.idle_seconds = idle_seconds
        self.generation = 0
        self.pollers: list[SourcePoller] = []
        self.invocations: list[Invocation] = []
        self.crashes: list[CrashReport] = []
        self.ingress: dict[str, IngressProcesses] = {}
        self._processes: list[FunctionProcesses] = []
        self._crashed: set[int] = set()
        self._retiring: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._clients: list[Any] = []

    # -- lifecycle ------------------------------------------------------------------------------

    def function_env(self) -> dict[str, str]:
        return {**LOCAL_ENV, **self.stack.extra_env, "AWS_ENDPOINT_URL": self.aws_endpoint}

    def take_over(self) -> Fleet:
        """Run the ingress in processes, stop the stack's own pollers (nothing has been posted
        yet) and start generation 1."""
        for poller in self.stack.pollers:
            poller.stop()
        self.stack.pollers.clear()
        for logical_id, spec in self.stack.stack.functions.items():
            # The gateway, or the EventBridge sender, looks the handler up per request.
            if spec.routes or not spec.sqs_sources:
                self.ingress[logical_id] = IngressProcesses(spec, self.function_env(), self.sink)
                self.stack.handlers[logical_id] = self.ingress[logical_id]
        warm(
            [
                (ingress.processes, self.ingress_environments, _unsigned_request(ingress.spec.routes[0].path))
                for ingress in self.ingress.values()
                if ingress.spec.routes
            ]
        )
        self._start(warm_up=True)
        return self

    def close(self) -> None:
        self._stop_pollers()
        for client in self._clients:
            client.close()
        self._clients.clear()
        for processes in self._processes:
            processes.close()
        self._processes.clear()
        for ingress in self.ingress.values():
            ingress.close()

    def _stop_pollers(self) -> None:
        self._retire(self.pollers, [])
        self.pollers = []
        for retiring in self._retiring:
            retiring.join()

    def _retire(self, pollers: list[SourcePoller], processes: list[FunctionProcesses]) -> None:
        """Stop ``pollers`` (all at once; each waits for its running invocations), then end
        ``processes``."""
        stopping = [threading.Thread(target=poller.stop, daemon=True) for poller in pollers]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        for poller in pollers:
            if poller in self.stack.pollers:
                self.stack.pollers.remove(poller)
        for environments in processes:
            environments.close()

    def _sqs(self) -> Any:
        client = boto3.session.Session(region_name=REGION).client(
            "sqs", endpoint_url=self.stack.aws_endpoint, config=Config(max_pool_connections=self.concurrency + 4)
        )
        self._clients.append(client)
        return client

    def _start(self, *, warm_up: bool) -> None:
        """Start a generation; ``warm_up`` starts its environments first (a restart starts cold)."""
        self.generation += 1
        functions = {
            logical_id: FunctionProcesses(spec, self.function_env())
            for logical_id, spec in self.stack.stack.functions.items()
            if spec.sqs_sources
        }
        if warm_up:
            warm([(processes, self.concurrency, _EMPTY_BATCH) for processes in functions.values()])
        for logical_id, processes in functions.items():
            self._processes.append(processes)
            spec = processes.spec
            for source in spec.sqs_sources:
                poller = SourcePoller(
                    self._sqs(),  # the event source mapping is AWS's side: no faults on its calls
                    spec,
                    replace(source, maximum_concurrency=self.concurrency),
                    self._wrap(processes.invoke, self.generation, logical_id),
                    idle_seconds=self.idle_seconds,
                )
                self.pollers.append(poller)
                self.stack.pollers.append(poller)
                poller.start()

    def _finish(self, invocation: Invocation, result: ProcessInvocation) -> None:
        invocation.duration = result.duration
        invocation.killed = result.status == "timeout"
        invocation.failed = result.status == "error"
        invocation.crashed = invocation.generation in self._crashed
        invocation.finished = True
        self.sink.invocation(invocation.function, result)
        self.recorder.record(result.json_logs(), invocation)

    def _wrap(self, invoke: Callable[[Any], ProcessInvocation], generation: int, function: str) -> Handler:
        def handler(event: dict[str, Any], context: Any) -> Any:
            invocation = Invocation(next(self._ids), generation, function, _event_ids(event), time.time())
            with self._lock:
                self.invocations.append(invocation)
            if generation in self._crashed:
                invocation.finished = invocation.crashed = True
                raise SimulatedCrashError(f"{function} crashed before handling its batch")
            result = invoke(event)
            self._finish(invocation, result)
            if invocation.crashed:
                raise SimulatedCrashError(f"{function} crashed before answering")
            if result.status != "ok":
                raise FunctionFailedError(f"{function} {result.status}: {result.error}")
            return result.payload

        return handler

    # -- the crash --------------------------------------------------------------------------------

    def running(self, generation: int | None = None) -> list[Invocation]:
        wanted = self.generation if generation is None else generation
        with self._lock:
            return [i for i in self.invocations if i.generation == wanted and not i.finished]

    def killed(self) -> list[Invocation]:
        """Vendor-function invocations killed at their timeout."""
        with self._lock:
            return [i for i in self.invocations if i.killed]

    def crash_and_restart(self, *, pause_seconds: float = 1.0, wait_for_work: float = 15.0) -> CrashReport:
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
        )
        # The runtimes die under their invocations: work stops wherever it is and no answer
        # reaches the pollers, so nothing of those batches is deleted.
        for processes in self._processes:
            processes.kill_all()
        retiring = threading.Thread(target=self._retire, args=(self.pollers, self._processes), daemon=True)
        self.pollers, self._processes = [], []
        retiring.start()
        self._retiring.append(retiring)
        time.sleep(pause_seconds)
        self._start(warm_up=False)
        report.restarted_at = time.time()
        with self._lock:
            report.crashed = [i for i in self.invocations if i.generation == generation and i.crashed]
        self.crashes.append(report)
        return report
