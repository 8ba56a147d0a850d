"""One local HTTP server for all vendor sandboxes: routing, recording and fault injection.

``http://127.0.0.1:<port>/<vendor>/<path>`` reaches the vendor's sandbox with ``<path>``.
Every request is recorded with the answer given. Faults make a vendor answer a chosen
status (with an optional ``Retry-After``), hang past the client's timeout, or reset the
connection, for its next N requests: the raw material of the retry and DLQ tests.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from shoprelay_tools.sandboxes.base import Sandbox, SandboxAnswer, SandboxRequest

EVENT_ID_HEADER = "x-shoprelay-event-id"


@dataclass(frozen=True)
class Fault:
    status: int | None = None
    """Answer this status instead of asking the sandbox."""
    retry_after: str | None = None
    kind: Literal["status", "timeout", "reset"] = "status"
    delay_seconds: float = 6.0
    """For ``timeout``: how long to hang before answering (beyond the client's timeout)."""
    error: str | None = None
    """For ``status``: the error text to answer with (a vendor echoing what it was sent, say)."""


@dataclass(frozen=True)
class Delivery:
    vendor: str
    method: str
    url: str
    headers: dict[str, str]
    body: str
    status: int | None
    """None when the connection was reset or the client gave up."""
    event_id: str | None
    fault: str | None = None
    received_at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SandboxServer:
    """All sandboxes behind one port; thread-safe recording and faults."""

    def __init__(self, sandboxes: Mapping[str, Sandbox], host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandboxes = dict(sandboxes)
        self._lock = threading.Lock()
        self._faults: dict[str, deque[Fault]] = {name: deque() for name in self.sandboxes}
        self.deliveries: list[Delivery] = []
        self.fault_source: Callable[[str], Fault | None] | None = None
        """Asked for a fault when the vendor has no queued one left (e.g. random faults in a soak)."""
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sandboxes", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url_for(self, vendor: str) -> str:
        return f"{self.base_url}/{vendor}"

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def add_faults(self, vendor: str, fault: Fault, times: int) -> None:
        if vendor not in self._faults:
            raise KeyError(f"no sandbox for {vendor!r}")
        with self._lock:
            self._faults[vendor].extend([fault] * times)

    def clear(self) -> None:
        with self._lock:
            self.deliveries.clear()
            for queue in self._faults.values():
                queue.clear()

    def recorded(self, vendor: str | None = None) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if vendor is None or d.vendor == vendor]

    def _next_fault(self, vendor: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(vendor)
            if queue:
                return queue.popleft()
        source = self.fault_source
        return source(vendor) if source is not None else None

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self.deliveries.append(delivery)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_SandboxHandler,), {"sandbox_server": self})


class _SandboxHandler(BaseHTTPRequestHandler):
    """Routes a request to its vendor's sandbox, unless a fault answers for it first."""

    sandbox_server: SandboxServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle and delayed ACKs
    # hold the second back for tens of milliseconds on every answer.
    disable_nagle_algorithm = True
    timeout = 10
    """Idle keep-alive connections close after this, so stop() leaves no thread behind."""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: deliveries are recorded, not printed."""

    def _serve(self) -> None:
        server = self.sandbox_server
        parts = urlsplit(self.path)
        vendor, _, rest = parts.path.lstrip("/").partition("/")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        sandbox = server.sandboxes.get(vendor)
        if sandbox is None:
            self._send(SandboxAnswer.text(404, f"no sandbox for {vendor!r}"))
            return
        seen = Delivery(
            vendor=vendor,
            method=self.command,
            url=f"{server.base_url}{self.path}",
            headers=headers,
            body=body.decode("utf-8", errors="replace"),
            status=None,
            event_id=headers.get(EVENT_ID_HEADER),
        )
        fault = server._next_fault(vendor)
        if fault is not None and _FAULT_ACTIONS[fault.kind](self, fault, seen):
            return
        request = SandboxRequest(
            method=self.command,
            path="/" + rest,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
            body=body,
        )
        answer = sandbox.answer(request)
        server._record(replace(seen, status=answer.status))
        self._send(answer)

    def _reset(self, fault: Fault, seen: Delivery) -> bool:
        self.sandbox_server._record(replace(seen, fault="reset"))
        # SO_LINGER 0 makes close() send RST: the client sees "connection reset".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        return True

    def _time_out(self, fault: Fault, seen: Delivery) -> bool:
        time.sleep(fault.delay_seconds)
        self.sandbox_server._record(replace(seen, fault="timeout"))
        self._send(SandboxAnswer.text(504, "sandbox timed out on purpose"), quiet=True)
        return True

    def _fail_with_status(self, fault: Fault, seen: Delivery) -> bool:
        """A status fault without a status lets the sandbox answer, so it only counts a request."""
        if fault.status is None:
            return False
        extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        answer = SandboxAnswer.json(fault.status, {"error": fault.error or f"injected fault {fault.status}"}, extra)
        self.sandbox_server._record(replace(seen, status=answer.status, fault=f"status {fault.status}"))
        self._send(answer)
        return True

    def _send(self, answer: SandboxAnswer, quiet: bool = False) -> None:
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            if not quiet:
                raise

    do_GET = _serve  # noqa: N815
    do_POST = _serve  # noqa: N815
    do_PUT = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815


_FAULT_ACTIONS: dict[str, Callable[[_SandboxHandler, Fault, Delivery], bool]] = {
    "reset": _SandboxHandler._reset,
    "timeout": _SandboxHandler._time_out,
    "status": _SandboxHandler._fail_with_status,
}
"""Each plays one kind of fault and says whether it answered the request."""
