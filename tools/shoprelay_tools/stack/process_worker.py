"""One execution environment of a function, in a process of its own (see process_runtime).

Started as ``python -m shoprelay_tools.stack.process_worker <request fd> <response fd>
<code dir> <module.attribute> <function name>``. It imports the handler once (the init
phase), then answers one invocation per request line, each as one response line. The
handler's own output (Powertools logs JSON to stdout) goes to the inherited stdout; after
each invocation a marker line on stdout tells the parent where that invocation's output ends.
Each answer also carries the CPU time the invocation used and the process's peak resident
memory so far: what choosing a function's memory size is measured from (Lambda bills by the
size, and gives CPU in proportion to it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

END_OF_INVOCATION = "\x00shoprelay:end-of-invocation"
"""Printed on stdout after each invocation; never part of a handler's output."""


_MEMORY_SIZE = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
"""Set by the parent from the template's ``MemorySize``, as Lambda sets it."""


@dataclass
class WorkerContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    deadline: float
    """``time.monotonic()`` value at which the parent kills this process."""
    aws_request_id: str
    memory_limit_in_mb: int = field(default_factory=lambda: int(os.environ.get(_MEMORY_SIZE, "128")))
    invoked_function_arn: str = field(default="arn:aws:lambda:us-east-1:123456789012:function:local")

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def _load_handler(code_dir: Path, handler_name: str) -> Callable[[Any, Any], Any]:
    module_name, _, attribute = handler_name.rpartition(".")
    path = code_dir / f"{module_name.replace('.', '/')}.py"
    sys.path.insert(0, str(code_dir))
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    handler: Callable[[Any, Any], Any] = getattr(module, attribute)
    return handler


def _usage() -> tuple[float, float]:
    """CPU seconds this process has used (every thread, user and system) and its peak resident MB.

    On Linux the peak is the address space's high-water mark, which starts afresh at exec:
    ``ru_maxrss`` would carry the peak of the process this one was forked from.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = usage.ru_utime + usage.ru_stime
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        peak_kb = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss  # bytes on macOS
        return cpu_seconds, peak_kb / 1024
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return cpu_seconds, int(line.split()[1]) / 1024


def _send(stream: BinaryIO, message: dict[str, Any]) -> None:
    stream.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
    stream.flush()


def _invoke(handler: Callable[[Any, Any], Any], request: dict[str, Any], function_name: str) -> dict[str, Any]:
    context = WorkerContext(
        function_name=function_name,
        deadline=time.monotonic() + request["timeout_ms"] / 1000,
        aws_request_id=str(request["request_id"]),
    )
    try:
        payload = handler(request["event"], context)
    except Exception as error:
        traceback.print_exc()
        return {"status": "error", "error": f"{type(error).__name__}: {error}"}
    return {"status": "ok", "payload": payload}


def main(argv: list[str]) -> int:
    request_fd, response_fd, code_dir, handler_name, function_name = argv
    with os.fdopen(int(request_fd), "rb") as requests, os.fdopen(int(response_fd), "wb") as responses:
        try:
            handler = _load_handler(Path(code_dir), handler_name)
        except Exception as error:
            traceback.print_exc()
            _send(responses, {"status": "init_error", "error": f"{type(error).__name__}: {error}"})
            return 1
        cpu_seconds, peak_mb = _usage()
        _send(responses, {"status": "ready", "cpu_seconds": cpu_seconds, "peak_mb": peak_mb})
        for line in requests:
            cpu_before, _ = _usage()
            answer = _invoke(handler, json.loads(line), function_name)
            cpu_after, peak_mb = _usage()
            answer.update(cpu_seconds=cpu_after - cpu_before, peak_mb=peak_mb)
            sys.stderr.flush()
            print(END_OF_INVOCATION, flush=True)
            _send(responses, answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
