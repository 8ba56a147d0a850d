"""An HTTP proxy in front of the AWS emulator that makes chosen AWS calls fail.

Functions reach AWS through ``AWS_ENDPOINT_URL``; pointing it at this proxy instead of
moto's server lets a test or ``shoprelay prove`` make our own side fail the ways AWS does:
a call that hangs (and whose connection is then dropped), a 5xx with the service's own error
body, or throttling with the service's own error code. Every call is recognised (service
from the SigV4 credential scope, operation from ``X-Amz-Target`` for JSON protocols or
``Action=`` for the query protocol) and recorded; whatever no rule matches is forwarded
unchanged.

Usage::

    with AwsFaultProxy(moto_url, seed=7) as proxy:
        environment = {"AWS_ENDPOINT_URL": proxy.url}
        proxy.hang("sns", "Publish")                     # the next publish hangs until release()
        proxy.throttle("dynamodb", times=2)              # the next two DynamoDB calls
        proxy.fail("ssm", status=503, probability=0.1)   # one SSM call in ten, for ever
        ...
        proxy.calls_to("sns", "Publish")                 # what happened, in order

A rule applies to the next ``times`` matching calls (``None``: no limit), each with
``probability`` (drawn from the proxy's seeded generator, so a run can be repeated). The
first rule added that matches and fires decides the call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import random
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal
from urllib.parse import parse_qs, urlsplit

FaultKind = Literal["hang", "error", "throttle"]

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")
_TARGET_SERVICES = {"DynamoDB": "dynamodb", "AmazonSSM": "ssm", "AmazonSQS": "sqs"}
"""``X-Amz-Target`` prefixes, for requests whose credential scope is missing (unsigned)."""
_JSON_CONTENT_TYPES = {"dynamodb": "application/x-amz-json-1.0", "sqs": "application/x-amz-json-1.0"}
_JSON_ERROR_NAMESPACES = {
    "dynamodb": "com.amazonaws.dynamodb.v20120810",
    "ssm": "com.amazonaws.ssm",
    "sqs": "com.amazonaws.sqs",
}
_THROTTLING_CODES = {
    "dynamodb": "ThrottlingException",
    "ssm": "ThrottlingException",
    "sns": "Throttling",
    "sqs": "RequestThrottled",
    "s3": "SlowDown",
}
_SERVER_ERROR_CODES = {"dynamodb": "InternalServerError", "ssm": "InternalServerError"}
"""5xx codes that differ from the common ``InternalError``."""
_OBJECT_OPERATIONS = {"GET": "GetObject", "PUT": "PutObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}
_BUCKET_OPERATIONS = {"GET": "ListObjects", "PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}
"""REST services (S3) name no operation on the wire: it is told from the method and whether the
(path-style) path names an object. Sub-resources (``?tagging``, ``?uploads``) are not told apart."""
_TRICKLE_INTERVAL = 0.1
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
)


@dataclass
class Rule:
    """One fault to inject into the calls it matches; returned so a test can inspect ``hits``."""

    service: str
    operation: str | None
    """None matches every operation of the service."""
    kind: FaultKind
    times: int | None
    """Calls it still applies to; None for no limit."""
    probability: float
    status: int = 500
    code: str | None = None
    hang_seconds: float | None = None
    """How long a hang holds the connection; None until :meth:`AwsFaultProxy.release`."""
    forward_first: bool = False
    """For a hang: let the service do the work, then lose its answer."""
    trickle: bool = False
    """For a hang: send a 200 and then one byte of body at a time, so no read timeout fires."""
    skip: int = 0
    """Matching calls still to let through before the rule starts to apply."""
    hits: int = 0

    def matches(self, service: str, operation: str) -> bool:
        active = self.times is None or self.times > 0
        return active and self.service == service and self.operation in {None, operation}


@dataclass
class Call:
    """One request that reached the proxy."""

    service: str
    operation: str
    fault: FaultKind | None
    started: float
    """``time.monotonic()`` when it arrived."""
    status: int | None = None
    """What the client got; None while in flight, or when its connection was dropped."""
    finished: float | None = None


@dataclass
class _Request:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes
    service: str
    operation: str


class AwsFaultProxy:
    """A threaded proxy to ``upstream`` (moto's server) with fault rules; start it before use."""

    def __init__(self, upstream: str, *, seed: int = 0, host: str = "127.0.0.1", port: int = 0) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream!r}")
        self.upstream = (parts.hostname, parts.port or 80)
        self._random = random.Random(seed)
        self._rules: list[Rule] = []
        self._calls: list[Call] = []
        self._lock = threading.Condition()
        self._release_generation = 0
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The endpoint to give clients (``AWS_ENDPOINT_URL``).

        On loopback it is named ``localhost``: an endpoint URL quoted in a logged error must not
        look like a client's IP address to the log scans for personal data.
        """
        host, port = self._server.server_address[:2]
        name = "localhost" if host == "127.0.0.1" else str(host)
        return f"http://{name}:{port}"

    def start(self) -> AwsFaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Drop every held connection and stop serving."""
        self.clear()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> AwsFaultProxy:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # -- rules --------------------------------------------------------------------------------

    def hang(
        self,
        service: str,
        operation: str | None = None,
        *,
        seconds: float | None = None,
        times: int | None = 1,
        probability: float = 1.0,
        skip: int = 0,
        forward_first: bool = False,
        trickle: bool = False,
    ) -> Rule:
        """Hold matching calls for ``seconds`` (or until :meth:`release`), then drop the connection.

        Silent by default, which the client's read timeout ends. With ``trickle`` the answer
        starts and then crawls, a byte every half second, which no read timeout ends: only the
        function's own timeout does. With ``forward_first`` the service handles the call first
        (the effect happens, its answer is lost).
        """
        rule = Rule(service, operation, "hang", times, probability, hang_seconds=seconds, skip=skip)
        return self._add(dataclasses.replace(rule, forward_first=forward_first, trickle=trickle))

    def fail(
        self,
        service: str,
        operation: str | None = None,
        *,
        status: int = 500,
        code: str | None = None,
        times: int | None = 1,
        probability: float = 1.0,
        skip: int = 0,
    ) -> Rule:
        """Answer matching calls with a server error (``status`` 5xx) in the service's format."""
        if not 500 <= status <= 599:
            raise ValueError(f"a server error has a 5xx status, not {status}")
        return self._add(Rule(service, operation, "error", times, probability, status=status, code=code, skip=skip))

    def throttle(
        self,
        service: str,
        operation: str | None = None,
        *,
        code: str | None = None,
        times: int | None = 1,
        probability: float = 1.0,
        skip: int = 0,
    ) -> Rule:
        """Answer matching calls with the service's throttling error; ``code`` picks another one
        (DynamoDB's ``ProvisionedThroughputExceededException``, for example)."""
        status = 503 if service == "s3" else 400
        return self._add(Rule(service, operation, "throttle", times, probability, status=status, code=code, skip=skip))

    def release(self) -> None:
        """Let every call held so far go: its connection is dropped now."""
        with self._lock:
            self._release_generation += 1
            self._lock.notify_all()

    def clear(self) -> None:
        """Remove every rule and release the held calls; later calls are forwarded."""
        with self._lock:
            self._rules.clear()
        self.release()

    def _add(self, rule: Rule) -> Rule:
        if not 0.0 <= rule.probability <= 1.0:
            raise ValueError(f"probability must be within [0, 1], not {rule.probability}")
        with self._lock:
            self._rules.append(rule)
        return rule

    # -- what happened ------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call so far, in arrival order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, service: str, operation: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.service == service and operation in {None, c.operation}]

    def forget_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(
        self, service: str, operation: str | None = None, *, count: int = 1, timeout: float = 10.0
    ) -> list[Call]:
        """Block until ``count`` matching calls have arrived (for example, a publish now hanging)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self._calls if c.service == service and operation in {None, c.operation}]
                left = deadline - time.monotonic()
                if len(found) >= count:
                    return found
                if left <= 0:
                    raise TimeoutError(f"{len(found)} of {count} calls to {service} {operation or ''} arrived")
                self._lock.wait(left)

    # -- handling (on the server's threads) ---------------------------------------------------

    def _decide(self, service: str, operation: str) -> tuple[Rule | None, Call, int]:
        with self._lock:
            chosen = None
            for rule in self._rules:
                if not rule.matches(service, operation):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if rule.probability >= 1.0 or self._random.random() < rule.probability:
                    chosen = rule
                    rule.hits += 1
                    if rule.times is not None:
                        rule.times -= 1
                    break
            call = Call(service, operation, chosen.kind if chosen else None, time.monotonic())
            self._calls.append(call)
            self._lock.notify_all()
            return chosen, call, self._release_generation

    def _released(self, generation: int, timeout: float | None) -> bool:
        """Wait up to ``timeout`` for :meth:`release`; True once it came."""
        with self._lock:
            return self._lock.wait_for(lambda: self._release_generation != generation, timeout)

    def _finish(self, call: Call, status: int | None) -> None:
        with self._lock:
            call.status = status
            call.finished = time.monotonic()
            self._lock.notify_all()

    def _forward(self, request: _Request) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*self.upstream, timeout=120)
        try:
            connection.putrequest(request.method, request.path, skip_host=True, skip_accept_encoding=True)
            for name, value in request.headers:
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(request.body)))
            connection.endheaders(request.body)
            response = connection.getresponse()
            body = response.read()
            headers = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
            return response.status, headers, body
        finally:
            connection.close()


def recognise(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[str, str]:
    """(service, operation) of one AWS request; ``unknown`` where the request does not say."""
    lowered = {k.lower(): v for k, v in headers.items()}
    target = lowered.get("x-amz-target", "")
    scope = _CREDENTIAL_SCOPE.search(lowered.get("authorization", "")) or _CREDENTIAL_SCOPE.search(
        "Credential=" + (parse_qs(urlsplit(path).query).get("X-Amz-Credential", [""])[0])
    )
    prefix, _, target_operation = target.partition(".")
    service = scope["service"] if scope else _TARGET_SERVICES.get(prefix.split("_")[0], "unknown")
    if target_operation:
        return service, target_operation
    if "x-www-form-urlencoded" in lowered.get("content-type", ""):
        action = parse_qs(body.decode("utf-8", errors="replace")).get("Action")
        if action:
            return service, action[0]
    names_object = len([part for part in urlsplit(path).path.split("/") if part]) > 1
    return service, (_OBJECT_OPERATIONS if names_object else _BUCKET_OPERATIONS).get(method, method)


def error_response(service: str, status: int, code: str, message: str) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and body of an error as ``service`` words it, so botocore parses its code."""
    request_id = f"fault-{time.monotonic_ns()}"
    if service in _JSON_ERROR_NAMESPACES:
        body = json.dumps({"__type": f"{_JSON_ERROR_NAMESPACES[service]}#{code}", "message": message}).encode()
        content_type = _JSON_CONTENT_TYPES.get(service, "application/x-amz-json-1.1")
        return [
            ("Content-Type", content_type),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", code),
            ("x-amzn-query-error", f"{code};{'Receiver' if status >= 500 else 'Sender'}"),
        ], body
    if service == "s3":
        text = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    else:
        kind = "Receiver" if status >= 500 else "Sender"
        text = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return [("Content-Type", "text/xml"), ("x-amz-request-id", request_id)], text.encode()


def _fault_code(rule: Rule, service: str) -> str:
    if rule.code:
        return rule.code
    if rule.kind == "throttle":
        return _THROTTLING_CODES.get(service, "ThrottlingException")
    if rule.status == 503:
        return "ServiceUnavailable"
    return _SERVER_ERROR_CODES.get(service, "InternalError")


class _ProxyHandler(BaseHTTPRequestHandler):
    """One request through the proxy; ``proxy`` is set on the subclass each proxy serves with."""

    proxy: AwsFaultProxy

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle and delayed ACKs
    # hold the second back for tens of milliseconds on every answer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: calls are recorded, not printed."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in {b"\r\n", b"\n", b""}:
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        body = self._read_body()
        headers = list(self.headers.items())
        service, operation = recognise(self.command, self.path, dict(headers), body)
        request = _Request(self.command, self.path, headers, body, service, operation)
        rule, call, generation = self.proxy._decide(service, operation)
        if rule is None:
            self._relay(request, call)
        elif rule.kind == "hang":
            self._hang(request, call, rule, generation)
        else:
            extra, payload = error_response(service, rule.status, _fault_code(rule, service), "injected fault")
            self._answer(call, rule.status, extra, payload)

    def _relay(self, request: _Request, call: Call) -> None:
        try:
            status, headers, payload = self.proxy._forward(request)
        except OSError as error:
            status, headers, payload = 502, [("Content-Type", "text/plain")], str(error).encode()
        self._answer(call, status, headers, payload)

    def _hang(self, request: _Request, call: Call, rule: Rule, generation: int) -> None:
        if rule.forward_first:
            with contextlib.suppress(OSError):
                self.proxy._forward(request)
        deadline = None if rule.hang_seconds is None else time.monotonic() + rule.hang_seconds
        with contextlib.suppress(OSError):
            if rule.trickle:
                self._start_trickle(request.service)
            while True:
                step = _TRICKLE_INTERVAL if rule.trickle else None
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    step = left if step is None else min(step, left)
                if self.proxy._released(generation, step):
                    break
                if rule.trickle:
                    self.wfile.write(b" ")
                    self.wfile.flush()
        self.proxy._finish(call, None)
        self.close_connection = True
        with contextlib.suppress(OSError):
            # A reset, not an orderly close: a cut-off body must not read as a complete one.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _start_trickle(self, service: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", _JSON_CONTENT_TYPES.get(service, "text/xml"))
        self.send_header("Content-Length", str(1 << 30))
        self.end_headers()
        self.wfile.flush()

    def _answer(self, call: Call, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        # Recorded before the answer goes out, so whoever got the answer finds the call recorded.
        self.proxy._finish(call, status)
        try:
            self.send_response(status)
            for name, value in headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except OSError:
            # The client gave up (its read timeout) before the answer: it got nothing.
            self.close_connection = True
            self.proxy._finish(call, None)

    do_GET = _handle  # noqa: N815
    do_POST = _handle  # noqa: N815
    do_PUT = _handle  # noqa: N815
    do_DELETE = _handle  # noqa: N815
    do_HEAD = _handle  # noqa: N815
    do_PATCH = _handle  # noqa: N815


def _handler_for(proxy: AwsFaultProxy) -> type[BaseHTTPRequestHandler]:
    return type("ProxyHandler", (_ProxyHandler,), {"proxy": proxy})
