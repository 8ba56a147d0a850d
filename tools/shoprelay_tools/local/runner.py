"""The local stack: template.yaml's wiring on moto's server, real handlers, vendor sandboxes.

Everything runs in this process: moto's server on loopback holds the topic, queues, DLQs,
table and SSM parameters (created by :func:`~shoprelay_tools.stack.provision.provision`
from template.yaml); the functions' handlers are imported with their template environment;
one poller per SQS event source invokes the vendor handlers the way Lambda's event source
mapping does; an HTTP gateway turns requests into API Gateway HTTP API events.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import threading
import time
import urllib.request
import uuid
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from shoprelay_tools.demo import DEMO_SECRET, DEMO_SHOP, demo_sandboxes, demo_vendor_settings, seed_shop
from shoprelay_tools.local.gateway import Gateway
from shoprelay_tools.sandboxes.server import SandboxServer
from shoprelay_tools.source_samples import DEMO_EVENT_SOURCE, DEMO_WOO_SHOP
from shoprelay_tools.stack.dlq import read_all
from shoprelay_tools.stack.lambda_runtime import Environments, FakeContext, Handler, load_function, poll_once
from shoprelay_tools.stack.provision import REGION, FunctionSpec, SqsSource, Stack, aws_clients, provision

log = logging.getLogger("shoprelay_tools.local")
LOCAL_PARAMETERS = {"ShopifyEventSourceName": DEMO_EVENT_SOURCE}
"""Template parameters of the local stack (the rest are the template's defaults)."""

LOCAL_ENV: dict[str, str] = {
    # Configuration edits in the emulated SSM take effect within seconds, not minutes.
    "POWERTOOLS_PARAMETERS_MAX_AGE": "5",
    # No X-Ray daemon and no CloudWatch here: keep tracing off and EMF metrics off stdout.
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
}
"""Added to every function's environment locally (after the template's own values)."""

_AWS_ENV: dict[str, str | None] = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",  # moto accepts any credentials
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}

FINAL_OUTCOMES = frozenset({"delivered", "skipped", "dead_lettered"})
DEFAULT_CONCURRENCY = 5
"""Concurrent invocations per source when the template sets no ``MaximumConcurrency``."""


# -- delivery outcomes, read from the vendor functions' own log records --------------------------


@dataclass(frozen=True)
class Outcome:
    vendor: str
    event_id: str | None
    outcome: str
    """``delivered``, ``skipped``, ``dead_lettered`` or ``retrying``."""
    reason: str | None
    at: float

    def as_dict(self) -> dict[str, Any]:
        return {"vendor": self.vendor, "event_id": self.event_id, "outcome": self.outcome, "reason": self.reason}


class OutcomeLog(logging.Handler):
    """Collects the "delivery outcome" records the vendor functions log through Powertools."""

    MESSAGE = "delivery outcome"

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self._outcomes: list[Outcome] = []
        self._changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() != self.MESSAGE:
            return
        fields = record.__dict__
        outcome = Outcome(
            vendor=str(fields.get("vendor")),
            event_id=fields.get("event_id"),
            outcome=str(fields.get("outcome")),
            reason=fields.get("reason"),
            at=record.created,
        )
        with self._changed:
            self._outcomes.append(outcome)
            self._changed.notify_all()

    def all(self) -> list[Outcome]:
        with self._changed:
            return list(self._outcomes)

    def final_words(self) -> list[dict[str, Any]]:
        """Each vendor's latest word on each event, whether it is final, and how many it said."""
        with self._changed:
            outcomes = list(self._outcomes)
        latest: dict[tuple[str, str | None], Outcome] = {}
        counts: dict[tuple[str, str | None], int] = {}
        for outcome in outcomes:
            key = (outcome.vendor, outcome.event_id)
            latest[key] = outcome
            counts[key] = counts.get(key, 0) + 1
        return [
            {**outcome.as_dict(), "final": outcome.outcome in FINAL_OUTCOMES, "words": counts[key]}
            for key, outcome in latest.items()
        ]

    def final(self, event_id: str) -> dict[str, Outcome]:
        """The final outcome of ``event_id`` at each vendor that has reached one."""
        with self._changed:
            return {o.vendor: o for o in self._outcomes if o.event_id == event_id and o.outcome in FINAL_OUTCOMES}

    def wait_final(self, event_id: str, vendors: list[str], timeout: float) -> dict[str, Outcome]:
        """Wait until every vendor in ``vendors`` has a final outcome (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = {o.vendor: o for o in self._outcomes if o.event_id == event_id and o.outcome in FINAL_OUTCOMES}
                left = deadline - time.monotonic()
                if all(v in found for v in vendors) or left <= 0:
                    return found
                self._changed.wait(min(left, 0.5))


# -- Lambda's SQS event source mapping ---------------------------------------------------------


class SourcePoller:
    """One SQS event source: a dispatcher thread and up to ``MaximumConcurrency`` invocations.

    Like Lambda, it waits up to ``MaximumBatchingWindowInSeconds`` for a full batch of
    ``BatchSize`` records before invoking; :func:`poll_once` then does the receive → invoke →
    delete-the-successes cycle.
    """

    def __init__(
        self, sqs: Any, spec: FunctionSpec, source: SqsSource, handler: Handler, *, idle_seconds: float = 0.05
    ) -> None:
        self.sqs = sqs
        self.spec = spec
        self.source = source
        self.handler = handler
        self.idle_seconds = idle_seconds
        self.concurrency = source.maximum_concurrency or DEFAULT_CONCURRENCY
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix=f"{spec.logical_id}-invoke")
        self._thread = threading.Thread(target=self._run, name=f"poller-{source.queue_logical_id}", daemon=True)
        self.invocations = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _visible(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.source.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", "0"))

    def _run(self) -> None:
        window_opened: float | None = None
        while not self._stop.is_set():
            try:
                visible = self._visible()
            except Exception:  # the emulator is stopping, or hiccuped: try again shortly
                self._stop.wait(0.5)
                continue
            if visible == 0:
                window_opened = None
                self._stop.wait(self.idle_seconds)
                continue
            if visible < self.source.batch_size and self.source.batching_window_seconds > 0:
                now = time.monotonic()
                window_opened = window_opened or now
                if now - window_opened < self.source.batching_window_seconds:
                    self._stop.wait(self.idle_seconds)
                    continue
            window_opened = None
            if not self._slots.acquire(timeout=0.2):
                continue
            self.invocations += 1
            self._pool.submit(self._invoke)
            # Give the invocation time to receive, so the count we read next excludes its batch.
            self._stop.wait(self.idle_seconds)

    def _invoke(self) -> None:
        context = FakeContext(
            function_name=self.spec.logical_id, aws_request_id=str(uuid.uuid4()), timeout_seconds=self.spec.timeout
        )
        try:
            poll_once(self.sqs, self.source, self.handler, context)
        except Exception:
            if not self._stop.is_set():
                log.exception("polling %s failed", self.source.queue_logical_id)
        finally:
            self._slots.release()


# -- the stack ----------------------------------------------------------------------------------


def merge_settings(
    base: Mapping[str, Mapping[str, Any]], overrides: Mapping[str, Mapping[str, Any] | None]
) -> dict[str, dict[str, Any]]:
    """Overlay per-vendor settings: keys replace, ``null`` removes a key, a ``null`` vendor disables it."""
    merged = {vendor: dict(settings) for vendor, settings in base.items()}
    for vendor, changes in overrides.items():
        if vendor not in merged:
            raise ValueError(f"unknown vendor {vendor!r}; known: {', '.join(merged)}")
        if changes is None:
            merged[vendor] = {**merged[vendor], "enabled": False}
            continue
        if not isinstance(changes, Mapping):
            raise ValueError(f"settings for {vendor} must be a JSON object")
        for key, value in changes.items():
            if value is None:
                merged[vendor].pop(key, None)
            else:
                merged[vendor][key] = value
    return merged


def validate_settings(settings: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse settings the vendor functions would refuse, before anything starts."""
    from shoprelay.problems import SettingsError
    from shoprelay.vendors import load_vendor

    for vendor, values in settings.items():
        try:
            load_vendor(vendor).settings_model.parse(dict(values))
        except SettingsError as error:
            raise ValueError(f"invalid {vendor} settings: {error}") from None


@dataclass
class LocalStack:
    """Start with :meth:`start`, stop with :meth:`stop` (also a context manager)."""

    root: Path
    port: int = 3000
    host: str = "127.0.0.1"
    settings_overrides: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    """Extra function environment, e.g. ``{"RETRY_BASE_SECONDS": "0"}`` for fast retries."""
    log_file: Path | None = None
    """Where the functions' JSON logs go; None leaves them on stdout."""
    shop: str = DEMO_SHOP
    secret: str = DEMO_SECRET
    sandbox_factory: Callable[[], Mapping[str, Any]] = demo_sandboxes
    parameters: Mapping[str, str] = field(default_factory=lambda: dict(LOCAL_PARAMETERS))
    """Template parameter overrides; by default the demo partner event source, so the stack
    has the EventBridge ingress and its dead-letter queue too."""

    stack: Stack = field(init=False)
    clients: dict[str, Any] = field(init=False, default_factory=dict)
    sandboxes: SandboxServer = field(init=False)
    handlers: dict[str, Handler] = field(init=False, default_factory=dict)
    pollers: list[SourcePoller] = field(init=False, default_factory=list)
    outcomes: OutcomeLog = field(init=False, default_factory=OutcomeLog)
    vendor_settings: dict[str, dict[str, Any]] = field(init=False, default_factory=dict)
    startup_seconds: float = field(init=False, default=0.0)
    aws_endpoint: str = field(init=False, default="")

    _moto: Any = field(init=False, default=None)
    _gateway: Any = field(init=False, default=None)
    _saved_env: dict[str, str | None] = field(init=False, default_factory=dict)
    _log_stream: IO[str] | None = field(init=False, default=None)
    _redirected: list[tuple[logging.StreamHandler[Any], Any]] = field(init=False, default_factory=list)
    _service_logger: logging.Logger | None = field(init=False, default=None)
    _werkzeug_level: int = field(init=False, default=logging.NOTSET)
    _modules: list[str] = field(init=False, default_factory=list)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> LocalStack:
        started = time.perf_counter()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - started
        return self

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start(self) -> None:
        from moto.server import ThreadedMotoServer

        # moto's server logs every request through werkzeug; the console is ours.
        werkzeug = logging.getLogger("werkzeug")
        self._werkzeug_level = werkzeug.level
        werkzeug.setLevel(logging.ERROR)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.aws_endpoint = f"http://{host}:{port}"
        # moto keeps one set of resources per process, whichever server serves them: start
        # from nothing, so a stack started earlier in this process cannot leak into this one.
        reset = urllib.request.Request(f"{self.aws_endpoint}/moto-api/reset", method="POST")  # noqa: S310
        urllib.request.urlopen(reset, timeout=10).close()  # noqa: S310 - our own emulator on loopback
        self._set_env({**_AWS_ENV, "AWS_ENDPOINT_URL": self.aws_endpoint})
        self.clients = aws_clients(self.aws_endpoint)
        self.stack = provision(self.root, self.clients, parameters=dict(self.parameters) or None)

        self.sandboxes = SandboxServer(self.sandbox_factory()).start()
        settings = demo_vendor_settings(self.sandboxes.url_for)
        settings = {vendor: values for vendor, values in settings.items() if vendor in self.sandboxes.sandboxes}
        self.vendor_settings = merge_settings(settings, self.settings_overrides)
        validate_settings(self.vendor_settings)
        self._seed_shops()

        # Values every function shares (stage, SSM prefix, table, Powertools settings) are read
        # at call time, so they are set for the process; per-function values only at import.
        self._set_env({**self._shared_function_env(), **LOCAL_ENV, **self.extra_env})
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()  # type: ignore[no-untyped-call]  # providers made before now would point at another endpoint
        # All vendor functions share the layer's module-level Metrics here, unlike on Lambda.
        warnings.filterwarnings("ignore", message="Dimension 'vendor' has already been added")
        # A rejected webhook is counted with a metric of its own, so the handler's set is empty.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        function_env = {**LOCAL_ENV, **self.extra_env}
        before = set(sys.modules)
        for logical_id, spec in self.stack.functions.items():
            # Like Lambda, one invocation per execution environment at a time: concurrent
            # batches get environments of their own, as module-level state would on Lambda.
            self.handlers[logical_id] = Environments(spec, function_env, first=load_function(spec, function_env))
        self._modules = [name for name in sys.modules if name not in before and name.startswith("shoprelay_fn_")]
        self._capture_logs()

        for logical_id, spec in self.stack.functions.items():
            for source in spec.sqs_sources:
                poller = SourcePoller(self.clients["sqs"], spec, source, self.handlers[logical_id])
                self.pollers.append(poller)
                poller.start()

        self._gateway = Gateway(self, host=self.host, port=self.port).start()

    def _seed_shops(self) -> None:
        """The demo shop, and the demo WooCommerce site with the same secret and vendors."""
        for shop in (self.shop, DEMO_WOO_SHOP):
            seed_shop(
                self.clients["ssm"],
                self.ssm_prefix,
                shop,
                self.secret,
                self.vendor_settings,
                dynamodb=self.clients["dynamodb"],
                table=self.stack.tables["StateTable"],
            )

    def stop(self) -> None:
        """Stop everything :meth:`start` started; safe to call more than once."""
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        for poller in self.pollers:
            poller.stop()
        self.pollers.clear()
        if getattr(self, "sandboxes", None) is not None:
            self.sandboxes.stop()
            del self.sandboxes
        self._release_logs()
        if self._moto is not None:
            self._moto.stop()
            server = getattr(self._moto, "_server", None)  # stop() shuts it down but keeps the socket
            if server is not None:
                server.server_close()
            self._moto = None
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()  # type: ignore[no-untyped-call]
        self._forget_handlers()
        self._restore_env()
        logging.getLogger("werkzeug").setLevel(self._werkzeug_level)

    # -- what the gateway and the demo read ------------------------------------------------------

    @property
    def base_url(self) -> str:
        return str(self._gateway.base_url)

    @property
    def ssm_prefix(self) -> str:
        """The functions' ``SSM_PREFIX`` from template.yaml."""
        for spec in self.stack.functions.values():
            if "SSM_PREFIX" in spec.environment:
                return spec.environment["SSM_PREFIX"]
        return f"/shoprelay/{self.stack.parameters.get('Stage', 'dev')}"

    def routes(self) -> list[tuple[str, str, str]]:
        """(method, path, function logical id) for every HTTP route in the template."""
        return [
            (route.method, route.path, logical_id)
            for logical_id, spec in self.stack.functions.items()
            for route in spec.routes
        ]

    def webhook_url(self, source: str = "shopify") -> str:
        """The URL of a source's webhook route (``/webhooks/<source>``)."""
        for _method, path, _logical_id in self.routes():
            if path == f"/webhooks/{source}":
                return f"{self.base_url}{path}"
        _method, path, _logical_id = self.routes()[0]
        return f"{self.base_url}{path}"

    def dead_letters(self) -> list[dict[str, Any]]:
        """Every message in every DLQ, left in place."""
        vendor_of_dlq = {
            spec.environment["DEAD_LETTER_QUEUE_URL"]: spec.environment.get("VENDOR")
            for spec in self.stack.functions.values()
            if "DEAD_LETTER_QUEUE_URL" in spec.environment
        }
        found: list[dict[str, Any]] = []
        for logical_id, url in sorted(self.stack.dead_letter_queues().items()):
            for message in read_all(self.clients["sqs"], url):
                attributes = {k: v.get("StringValue") for k, v in message.get("MessageAttributes", {}).items()}
                try:
                    body: Any = json.loads(message["Body"])
                except ValueError:
                    body = message["Body"]
                found.append(
                    {
                        "queue": logical_id,
                        "vendor": attributes.get("vendor") or vendor_of_dlq.get(url),
                        "message_id": message["MessageId"],
                        "event_id": attributes.get("event_id") or (body.get("id") if isinstance(body, dict) else None),
                        "reason": attributes.get("reason"),
                        "attributes": attributes,
                        "body": body,
                    }
                )
        return found

    def source_queue_attributes(self) -> dict[str, dict[str, str]]:
        """Each polled queue's attributes as the emulator holds them (RedrivePolicy, visibility)."""
        return {
            p.source.queue_logical_id: self.clients["sqs"].get_queue_attributes(
                QueueUrl=p.source.queue_url, AttributeNames=["All"]
            )["Attributes"]
            for p in self.pollers
        }

    # -- environment and logs ----------------------------------------------------------------------

    def _shared_function_env(self) -> dict[str, str]:
        specs = list(self.stack.functions.values())
        if not specs:
            return {}
        shared = dict(specs[0].environment)
        for spec in specs[1:]:
            shared = {k: v for k, v in shared.items() if spec.environment.get(k) == v}
        return shared

    def _forget_handlers(self) -> None:
        """Drop the functions and their boto3 clients, so their connections to moto close."""
        self.handlers.clear()
        for name in self._modules:
            sys.modules.pop(name, None)
        self._modules.clear()
        for client in self.clients.values():
            client.close()
        self.clients.clear()
        gc.collect()

    def _set_env(self, values: Mapping[str, str | None]) -> None:
        for key, value in values.items():
            if key not in self._saved_env:
                self._saved_env[key] = os.environ.get(key)
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def _restore_env(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def _capture_logs(self) -> None:
        """Collect delivery outcomes; send the functions' JSON log lines to ``log_file``."""
        service = os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined")
        self._service_logger = logging.getLogger(service)
        self._service_logger.addHandler(self.outcomes)
        if self.log_file is None:
            return
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log_stream = self.log_file.open("a", encoding="utf-8")
        for handler in self._service_logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                self._redirected.append((handler, handler.setStream(self._log_stream)))

    def _release_logs(self) -> None:
        for handler, stream in self._redirected:
            handler.setStream(stream)
        self._redirected.clear()
        if self._service_logger is not None:
            self._service_logger.removeHandler(self.outcomes)
            self._service_logger = None
        if self._log_stream is not None:
            self._log_stream.close()
            self._log_stream = None
