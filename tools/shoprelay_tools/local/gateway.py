"""The local HTTP front: API Gateway HTTP API (payload 2.0) for the template's routes, plus
the inspection API under ``/_local/``.

Routes come from the functions' ``HttpApi`` events in template.yaml. A request on one becomes
the event API Gateway would send (header names lower-cased, repeated headers joined with
commas, the raw body; base64 with ``isBase64Encoded`` when it is not UTF-8), and the
handler's ``statusCode``/``headers``/``body`` become the HTTP answer.

Inspection API:

* ``GET /_local/deliveries`` every request the vendor sandboxes received, with the answer;
* ``GET /_local/dlq`` every message in every dead-letter queue, with its reason attributes;
* ``GET /_local/outcomes`` each vendor's latest word on each event (``final`` once delivered,
  skipped or dead-lettered; ``words``: how many outcomes it logged for the event);
* ``POST /_local/faults`` ``{"vendor": "mytracker", "status": 503, "times": 2, "retry_after": "1"}``,
  ``{"vendor": ..., "timeout": true, "times": N}`` or ``{"vendor": ..., "reset": true}``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from shoprelay_tools.sandboxes.server import Fault, SandboxServer
from shoprelay_tools.stack.lambda_runtime import FakeContext, Handler
from shoprelay_tools.stack.provision import ACCOUNT

log = logging.getLogger("shoprelay_tools.local")

INSPECTION_PATHS = {
    "deliveries": "GET /_local/deliveries",
    "dlq": "GET /_local/dlq",
    "outcomes": "GET /_local/outcomes",
    "faults": "POST /_local/faults",
}


class FaultRequestError(ValueError):
    """A ``POST /_local/faults`` body that cannot be honoured; the message says why."""


_FAULT_FIELDS = frozenset({"vendor", "times", "status", "retry_after", "timeout", "reset", "delay_seconds"})


def parse_fault(payload: Any, vendors: list[str]) -> tuple[str, Fault, int]:
    """``(vendor, fault, times)`` from a faults request body."""
    if not isinstance(payload, dict):
        raise FaultRequestError("the body must be a JSON object")
    unknown = sorted(set(payload) - _FAULT_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(_FAULT_FIELDS))
        raise FaultRequestError(f"unknown field(s) {', '.join(unknown)}; allowed: {allowed}")
    vendor = payload.get("vendor")
    if vendor not in vendors:
        raise FaultRequestError(f"vendor must be one of {', '.join(vendors)}; got {vendor!r}")
    times = payload.get("times", 1)
    if not (_is_number(times, whole=True) and 1 <= times <= 1000):
        raise FaultRequestError("times must be a whole number from 1 to 1000")
    return vendor, _FAULT_PARSERS[_fault_kind(payload)](payload), times


def _is_number(value: Any, *, whole: bool) -> bool:
    """JSON ``true`` is an int to Python, but never a count, a code or a delay to a caller."""
    kinds = int if whole else (int, float)
    return isinstance(value, kinds) and not isinstance(value, bool)


def _fault_kind(payload: Mapping[str, Any]) -> str:
    kinds = [name for name in _FAULT_PARSERS if payload.get(name) not in (None, False)]
    if len(kinds) != 1:
        raise FaultRequestError('give exactly one of "status": <code>, "timeout": true or "reset": true')
    if payload.get("retry_after") is not None and kinds != ["status"]:
        raise FaultRequestError("retry_after only goes with status")
    return kinds[0]


def _status_fault(payload: Mapping[str, Any]) -> Fault:
    status = payload["status"]
    if not (_is_number(status, whole=True) and 100 <= status <= 599):
        raise FaultRequestError("status must be an HTTP status code (100-599)")
    retry_after = payload.get("retry_after")
    if retry_after is None:
        return Fault(status=status)
    if isinstance(retry_after, bool) or not isinstance(retry_after, (str, int)):
        raise FaultRequestError('retry_after must be seconds or an HTTP date, e.g. "1"')
    return Fault(status=status, retry_after=str(retry_after))


def _reset_fault(payload: Mapping[str, Any]) -> Fault:
    _require_true(payload, "reset")
    return Fault(kind="reset")


def _timeout_fault(payload: Mapping[str, Any]) -> Fault:
    _require_true(payload, "timeout")
    delay = payload.get("delay_seconds", 6.0)
    if not (_is_number(delay, whole=False) and 0 < delay <= 60):
        raise FaultRequestError("delay_seconds must be a number of seconds from 0 to 60")
    return Fault(kind="timeout", delay_seconds=float(delay))


def _require_true(payload: Mapping[str, Any], kind: str) -> None:
    """A flag kind is switched on with ``true`` only, so a typo such as ``1`` is not read as one."""
    if payload[kind] is not True:
        raise FaultRequestError(f"{kind} must be true")


_FAULT_PARSERS: dict[str, Callable[[Mapping[str, Any]], Fault]] = {
    "status": _status_fault,
    "timeout": _timeout_fault,
    "reset": _reset_fault,
}


def _route_pattern(path: str) -> re.Pattern[str]:
    """``/orders/{id}`` → a regex with named groups; ``{proxy+}`` matches the rest."""
    parts = []
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{") and piece.endswith("}"):
            name = piece[1:-1]
            greedy = name.endswith("+")
            parts.append(f"(?P<{name.rstrip('+')}>{'.+' if greedy else '[^/]+'})")
        else:
            parts.append(re.escape(piece))
    return re.compile("^" + "".join(parts) + "$")


def http_api_event(
    *,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    route_key: str,
    path_parameters: Mapping[str, str],
    source_ip: str,
    request_id: str,
) -> dict[str, Any]:
    """The API Gateway HTTP API payload 2.0 event for one request."""
    parts = urlsplit(target)
    merged, cookies = _merged_headers(headers)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": merged,
        "requestContext": _request_context(
            method=method,
            path=parts.path,
            headers=merged,
            route_key=route_key,
            source_ip=source_ip,
            request_id=request_id,
        ),
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if parts.query:
        event["queryStringParameters"] = _joined(parse_qsl(parts.query, keep_blank_values=True))
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if body:
        event.update(_event_body(body))
    return event


def _merged_headers(headers: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """API Gateway moves cookies to their own list and joins the other repeated headers."""
    cookies: list[str] = []
    others: list[tuple[str, str]] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
        else:
            others.append((key, value))
    return _joined(others), cookies


def _joined(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Repeated names keep every value, comma-separated, as payload 2.0 does."""
    joined: dict[str, str] = {}
    for key, value in pairs:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _request_context(
    *, method: str, path: str, headers: Mapping[str, str], route_key: str, source_ip: str, request_id: str
) -> dict[str, Any]:
    now = time.time()
    host = headers.get("host", "localhost")
    return {
        "accountId": ACCOUNT,
        "apiId": "local",
        "domainName": host,
        "domainPrefix": host.split(".")[0],
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }


def _event_body(body: bytes) -> dict[str, Any]:
    """A body that is not UTF-8 travels base64-encoded, flagged so the handler can tell."""
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body": base64.b64encode(body).decode("ascii"), "isBase64Encoded": True}


def http_answer(result: Any) -> tuple[int, dict[str, str], bytes]:
    """What API Gateway makes of a handler's return value (payload format 2.0)."""
    if isinstance(result, dict) and "statusCode" in result:
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        raw = result.get("body")
        if raw is None:
            body = b""
        elif result.get("isBase64Encoded"):
            body = base64.b64decode(raw)
        else:
            body = str(raw).encode("utf-8")
        return int(result["statusCode"]), headers, body
    # Without a statusCode, API Gateway assumes 200 and a JSON body.
    text = result if isinstance(result, str) else json.dumps(result)
    return 200, {"content-type": "application/json"}, text.encode("utf-8")


class _Server(ThreadingHTTPServer):
    """Remembers open connections so that stopping closes idle keep-alive ones too."""

    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.connections_lock:
            open_now = list(self.connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Recorded(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class OutcomeSource(Protocol):
    def all(self) -> Sequence[Recorded]: ...

    def final_words(self) -> list[dict[str, Any]]: ...


class GatewayBackend(Protocol):
    """What the gateway fronts: routes and handlers to call, and what ``/_local`` shows."""

    @property
    def handlers(self) -> Mapping[str, Handler]: ...

    @property
    def sandboxes(self) -> SandboxServer: ...

    @property
    def outcomes(self) -> OutcomeSource: ...

    def routes(self) -> list[tuple[str, str, str]]: ...

    def dead_letters(self) -> list[dict[str, Any]]: ...


class Gateway:
    """A threading HTTP server on loopback in front of the stack."""

    def __init__(self, stack: GatewayBackend, host: str = "127.0.0.1", port: int = 3000) -> None:
        self.stack = stack
        self.routes = [
            (method, _route_pattern(path), f"{method} {path}", logical_id)
            for method, path, logical_id in stack.routes()
        ]
        self._httpd = _Server((host, port), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="gateway", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Gateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()
        self._httpd.close_connections()

    # -- request handling -----------------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[str, str, dict[str, str]] | None:
        for route_method, pattern, route_key, logical_id in self.routes:
            found = pattern.match(path)
            if found and route_method in {method, "ANY"}:
                return route_key, logical_id, found.groupdict()
        return None

    def invoke(self, logical_id: str, event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        handler = self.stack.handlers[logical_id]
        context = FakeContext(function_name=logical_id, aws_request_id=event["requestContext"]["requestId"])
        try:
            result = handler(event, context)
        except Exception:
            log.exception("%s raised", logical_id)
            return 500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}'
        return http_answer(result)

    def inspect(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        show = _INSPECTIONS.get((method, path))
        if show is not None:
            return show(self, body)
        if path in {"/_local", "/_local/"}:
            return 200, {"endpoints": sorted(INSPECTION_PATHS.values())}
        return 404, {"error": f"no {method} {path}", "endpoints": sorted(INSPECTION_PATHS.values())}

    def _deliveries(self, body: bytes) -> tuple[int, Any]:
        return 200, [d.as_dict() for d in self.stack.sandboxes.recorded()]

    def _dead_letters(self, body: bytes) -> tuple[int, Any]:
        return 200, self.stack.dead_letters()

    def _outcomes(self, body: bytes) -> tuple[int, Any]:
        return 200, self.stack.outcomes.final_words()

    def _add_faults(self, body: bytes) -> tuple[int, Any]:
        sandboxes = self.stack.sandboxes
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return 400, {"error": "the body must be JSON"}
        try:
            vendor, fault, times = parse_fault(payload, sorted(sandboxes.sandboxes))
        except FaultRequestError as error:
            return 400, {"error": str(error)}
        sandboxes.add_faults(vendor, fault, times)
        return 200, {"vendor": vendor, "times": times, "fault": fault.__dict__}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("GatewayHandler", (_GatewayHandler,), {"gateway": self})


class _GatewayHandler(BaseHTTPRequestHandler):
    """One request to the gateway; ``gateway`` is set on the subclass each gateway serves with."""

    gateway: Gateway

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle and delayed ACKs
    # hold the second back for tens of milliseconds on every answer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the console belongs to the runner."""

    def _serve(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._send(411, {"content-type": "application/json"}, b'{"message":"Length Required"}')
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path == "/_local" or path.startswith("/_local/"):
            self._inspect(path, body)
        else:
            self._route(path, body)

    def _inspect(self, path: str, body: bytes) -> None:
        status, payload = self.gateway.inspect(self.command, path, body)
        data = json.dumps(payload, indent=2, default=str).encode("utf-8")
        self._send(status, {"content-type": "application/json"}, data)

    def _route(self, path: str, body: bytes) -> None:
        matched = self.gateway.match(self.command, path)
        if matched is None:
            self._send(404, {"content-type": "application/json"}, b'{"message":"Not Found"}')
            return
        route_key, logical_id, path_parameters = matched
        request_id = str(uuid.uuid4())
        event = http_api_event(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            route_key=route_key,
            path_parameters=path_parameters,
            source_ip=self.client_address[0],
            request_id=request_id,
        )
        status, headers, answer = self.gateway.invoke(logical_id, event)
        self._send(status, {**headers, "apigw-requestid": request_id}, answer)

    def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = _serve  # noqa: N815
    do_POST = _serve  # noqa: N815
    do_PUT = _serve  # noqa: N815
    do_PATCH = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815
    do_HEAD = _serve  # noqa: N815
    do_OPTIONS = _serve  # noqa: N815


_INSPECTIONS: dict[tuple[str, str], Callable[[Gateway, bytes], tuple[int, Any]]] = {
    ("GET", "/_local/deliveries"): Gateway._deliveries,
    ("GET", "/_local/dlq"): Gateway._dead_letters,
    ("GET", "/_local/outcomes"): Gateway._outcomes,
    ("POST", "/_local/faults"): Gateway._add_faults,
}
