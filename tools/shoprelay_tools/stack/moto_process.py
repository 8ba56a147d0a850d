"""moto's server in a process of its own, for tests and benchmarks that call AWS over HTTP.

In the caller's process, moto's server thread shares the interpreter with the code under test:
a long garbage collection there stops both, and a client waiting on its read timeout (half a
second for DynamoDB) sees AWS hang when only the test process paused. A process of its own
answers like a remote service, and uses the machine's other core.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator


@contextlib.contextmanager
def moto_process(host_name: str = "127.0.0.1") -> Iterator[str]:
    """moto's server on a free loopback port; its endpoint, named ``host_name``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and moto's module
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}", process)
        yield f"http://{host_name}:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(endpoint: str, process: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto's server exited with {process.returncode}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()  # noqa: S310 - loopback
            return
        time.sleep(0.1)
    raise RuntimeError(f"moto's server did not answer on {endpoint} within {seconds:.0f} s")
