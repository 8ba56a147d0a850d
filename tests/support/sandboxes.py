"""Vendor sandboxes for a test, and the shop settings that point a vendor at them.

Both sides come from the demo accounts defined beside each sandbox (``shoprelay_tools.demo``),
so the settings a test seeds and the sandbox it starts accept each other without every module
spelling out credentials twice. A test that depends on a particular value overrides it where
it is used, so the dependency stays in sight.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from shoprelay_tools.demo import demo_account
from shoprelay_tools.sandboxes.base import Sandbox
from shoprelay_tools.sandboxes.server import SandboxServer

LOG_SCANNED_API_KEY = "demo-key"
"""A key tests/conftest.py's log scan looks for (``FORBIDDEN_IN_LOGS``), which the demo accounts'
keys are not: a test that sends it fails the run if the key ever reaches a log line or a
dead letter's attributes."""


def shop_settings(vendor: str, server: SandboxServer, **overrides: Any) -> dict[str, Any]:
    """The demo shop's settings for ``vendor``, sending to its sandbox on ``server``.

    Test orders are relayed because the bundled Shopify orders are test orders, which would
    otherwise never reach a sandbox; a test about skipping them says ``send_test_orders=False``.
    """
    return {**demo_account(vendor).settings, "endpoint": server.url_for(vendor), "send_test_orders": True, **overrides}


@contextmanager
def running_sandboxes(*vendors: str, **custom: Sandbox) -> Iterator[SandboxServer]:
    """A started server with each of ``vendors``' demo sandboxes, and ``custom`` ones by vendor name.

    A custom sandbox is for a test that needs other credentials or a vendor's latency. The
    server stops on the way out, even when the test fails, so no thread or port outlives it.
    """
    sandboxes: dict[str, Sandbox] = {vendor: demo_account(vendor).sandbox() for vendor in vendors}
    server = SandboxServer({**sandboxes, **custom}).start()
    try:
        yield server
    finally:
        server.stop()
