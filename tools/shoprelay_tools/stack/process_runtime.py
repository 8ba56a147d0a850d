"""Run a template.yaml function the way Lambda does: each execution environment a process.

In-process handlers (``lambda_runtime``) cannot be killed, so they cannot show what happens
when Lambda ends an invocation at its timeout: work stops wherever it is, nothing after that
point runs, and the next invocation gets a fresh environment. Fault tests and ``shoprelay
prove`` need exactly that, so here every environment is a ``python`` process running
:mod:`shoprelay_tools.stack.process_worker`, and an invocation that outlives the timeout is
ended with SIGKILL.

The environment a process gets is this process's (so ``AWS_ENDPOINT_URL`` and credentials
carry over), then the function's template environment, then ``extra_env``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, BinaryIO, Literal

from shoprelay_tools.stack.process_worker import END_OF_INVOCATION
from shoprelay_tools.stack.provision import FunctionSpec

INIT_TIMEOUT_SECONDS = 30.0
"""Lambda allows 10 s of init; a loaded CI machine importing boto3 cold needs more."""
_LOG_DRAIN_SECONDS = 2.0
_TIMEOUT_TOLERANCE_SECONDS = 0.05
"""select() may wake a hair before the timeout it was given."""

Status = Literal["ok", "error", "timeout"]

WORKER: tuple[str, ...] = (sys.executable, "-m", "shoprelay_tools.stack.process_worker")
"""The default worker command: this interpreter, with this process's packages."""

OUTPUT_SINKS: list[Callable[[list[str]], None]] = []
"""Called with every invocation's output lines: the test suite scans them for secrets and PII."""


class FunctionInitError(RuntimeError):
    """The function's module could not be imported: every invocation would fail the same way."""


@dataclass
class Invocation:
    """What one invocation came to, as Lambda's caller would see it, plus its output."""

    status: Status
    payload: Any = None
    error: str | None = None
    duration: float = 0.0
    logs: list[str] = field(default_factory=list)
    cpu_seconds: float | None = None
    """CPU time the environment's process used for this invocation, every thread counted."""
    peak_mb: float | None = None
    """The process's peak resident memory so far, in MB (what Lambda's "Max Memory Used" reports)."""
    init_cpu_seconds: float | None = None
    """On an environment's first invocation (a cold start), the CPU time its init phase took."""

    def json_logs(self) -> list[dict[str, Any]]:
        """The output lines that are JSON objects (Powertools' structured log records)."""
        records = []
        for line in self.logs:
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                records.append(parsed)
        return records


class _Environment:
    """One worker process: init once, then one invocation at a time."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], worker: Sequence[str]) -> None:
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                *worker,
                str(request_read),
                str(response_write),
                str(spec.code_dir),
                spec.handler,
                spec.logical_id,
            ],
            env=dict(environment),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(request_read, response_write),
        )
        os.close(request_read)
        os.close(response_write)
        self._requests: BinaryIO = os.fdopen(self._request_write, "wb")
        self._responses: BinaryIO = os.fdopen(self._response_read, "rb")
        self._lines: list[str] = []
        self._ends = 0
        self._output_changed = threading.Condition()
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        ready = self._response(INIT_TIMEOUT_SECONDS)
        if ready is None or ready.get("status") != "ready":
            self.kill()
            problem = ready.get("error") if ready else "no answer"
            raise FunctionInitError(f"{spec.logical_id} failed to initialise: {problem}\n" + "\n".join(self._lines))
        self._take_lines()  # init output belongs to no invocation
        self._init_cpu_seconds: float | None = ready.get("cpu_seconds")
        """CPU time of the init phase, reported with the first invocation and then forgotten."""

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            with self._output_changed:
                if line == END_OF_INVOCATION:
                    self._ends += 1
                else:
                    self._lines.append(line)
                self._output_changed.notify_all()
        with self._output_changed:
            self._ends += 1
            self._output_changed.notify_all()

    def _take_lines(self) -> list[str]:
        with self._output_changed:
            lines, self._lines = self._lines, []
            return lines

    def _response(self, timeout: float) -> dict[str, Any] | None:
        """The next response line, or None when none came within ``timeout`` or the process died."""
        readable, _, _ = select.select([self._responses], [], [], max(timeout, 0.0))
        if not readable:
            return None
        line = self._responses.readline()
        if not line:
            return None
        answer: dict[str, Any] = json.loads(line)
        return answer

    def invoke(self, event: Any, timeout: float, request_id: str) -> Invocation:
        started = time.monotonic()
        with self._output_changed:
            ends_before = self._ends
        request = {"event": event, "timeout_ms": int(timeout * 1000), "request_id": request_id}
        self._requests.write(json.dumps(request, separators=(",", ":")).encode() + b"\n")
        self._requests.flush()
        answer = self._response(timeout - (time.monotonic() - started))
        duration = time.monotonic() - started
        if answer is None:
            # Silent past the timeout: killed here. Silent before it: the process died (or was
            # killed from outside, which may not have been reaped yet).
            timed_out = duration >= timeout - _TIMEOUT_TOLERANCE_SECONDS
            self.kill()
            status: Status = "timeout" if timed_out else "error"
            error = (
                f"killed at the {timeout:g} s timeout" if timed_out else f"process exited ({self.process.returncode})"
            )
            return Invocation(status, error=error, duration=duration, logs=self._take_lines())
        with self._output_changed:
            self._output_changed.wait_for(lambda: self._ends > ends_before, timeout=_LOG_DRAIN_SECONDS)
        return Invocation(
            answer["status"],
            payload=answer.get("payload"),
            error=answer.get("error"),
            duration=duration,
            logs=self._take_lines(),
            cpu_seconds=answer.get("cpu_seconds"),
            peak_mb=answer.get("peak_mb"),
            init_cpu_seconds=self._take_init_cpu(),
        )

    def _take_init_cpu(self) -> float | None:
        seconds, self._init_cpu_seconds = self._init_cpu_seconds, None
        return seconds

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self._requests, self._responses):
            with contextlib.suppress(OSError):
                stream.close()
        self._reader.join(timeout=_LOG_DRAIN_SECONDS)


class FunctionProcesses:
    """A function's execution environments: one process each, reused until killed.

    ``invoke`` is thread-safe: concurrent calls get separate environments, as on Lambda.
    ``worker`` is the command that starts :mod:`~shoprelay_tools.stack.process_worker` (this
    interpreter by default); ``shoprelay invoke`` runs it under the Lambda runtime's Python.
    """

    def __init__(
        self,
        spec: FunctionSpec,
        extra_env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        worker: Sequence[str] = WORKER,
    ) -> None:
        self.spec = spec
        self.worker = tuple(worker)
        self.timeout = float(timeout if timeout is not None else spec.timeout)
        self.environment = {
            **os.environ,
            **spec.environment,
            **(extra_env or {}),
            "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "PYTHONUNBUFFERED": "1",
        }
        self._idle: list[_Environment] = []
        self._all: list[_Environment] = []
        self._lock = threading.Lock()
        self._request_ids = itertools.count(1)
        self.started = 0
        """Environments (processes) started so far."""
        self.killed = 0
        """Invocations ended by the timeout."""

    def _environment(self) -> _Environment:
        with self._lock:
            while self._idle:
                environment = self._idle.pop()
                if environment.alive:
                    return environment
        environment = _Environment(self.spec, self.environment, self.worker)
        with self._lock:
            self._all.append(environment)
            self.started += 1
        return environment

    def invoke(self, event: Any) -> Invocation:
        environment = self._environment()
        request_id = f"{self.spec.logical_id}-{next(self._request_ids)}"
        result = environment.invoke(event, self.timeout, request_id)
        for sink in OUTPUT_SINKS:
            sink(result.logs)
        with self._lock:
            if environment.alive:
                self._idle.append(environment)
            if result.status == "timeout":
                self.killed += 1
        return result

    def kill_all(self) -> int:
        """SIGKILL every environment now, as when a runtime dies under its invocations.

        An invocation in flight ends without an answer (status ``"error"``, the exit code in
        ``error``), its pipes closed by the thread that waits on them; the next invocation
        starts a fresh process. Returns how many processes were running.
        """
        with self._lock:
            environments, idle, self._idle = list(self._all), self._idle, []
        running = [environment for environment in environments if environment.alive]
        for environment in running:
            environment.process.kill()
        for environment in idle:
            environment.kill()
        return len(running)

    def close(self) -> None:
        with self._lock:
            environments, self._all, self._idle = self._all, [], []
        for environment in environments:
            environment.kill()

    def __enter__(self) -> FunctionProcesses:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
