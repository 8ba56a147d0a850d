"""`shoprelay local`: the whole stack from template.yaml on this machine, no Docker, no AWS.

The webhook endpoint, an AWS emulator (moto's server on loopback) with the topic, queues,
DLQs, table and the demo shop's SSM parameters, the real function handlers and one sandbox
per vendor. ``--demo`` posts every bundled sample and prints where each one ended up.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=3000, help="gateway port on 127.0.0.1 (default 3000, 0 = any)")
    parser.add_argument(
        "--demo", action="store_true", help="post every bundled sample, print the outcome table and exit"
    )
    parser.add_argument(
        "--settings",
        type=Path,
        metavar="FILE",
        help='JSON {"<vendor>": {...}} merged over the demo vendor settings; a null value removes a key '
        '(e.g. {"tracify": {"endpoint": null, "api_key": "..."}} points Tracify at its real API)',
    )
    parser.add_argument("--root", type=Path, help="directory holding template.yaml (default: found automatically)")
    parser.add_argument("--timeout", type=float, default=30.0, help="--demo: seconds to wait for each sample")


def _read_settings(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} must hold a JSON object of vendor settings")
    return loaded


def _curl(stack: Any) -> str:
    from shoprelay.sources.shopify import sign
    from shoprelay_tools.local.samples import CURL_SAMPLE

    path = CURL_SAMPLE.path()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": CURL_SAMPLE.topic,
        "X-Shopify-Shop-Domain": stack.shop,
        "X-Shopify-Webhook-Id": "local-curl-1",
        "X-Shopify-Hmac-Sha256": sign(stack.secret, path.read_bytes()),
    }
    parts = ["curl", "-sS", "-i", "-X", "POST", stack.webhook_url()]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    parts += ["--data-binary", f"@{path}"]
    return " ".join(shlex.quote(p) for p in parts)


def vendor_lines(settings: dict[str, dict[str, Any]], sandbox_url: Callable[[str], str]) -> list[str]:
    """Where each vendor's deliveries go: its sandbox, or what ``--settings`` made of it."""
    places: dict[str, list[str]] = {}
    for vendor in sorted(settings):
        values = settings[vendor]
        endpoint = values.get("endpoint")
        if values.get("enabled") is False:
            place = "disabled by --settings"
        elif endpoint is None:
            place = "on its real API (--settings)"
        elif endpoint == sandbox_url(vendor):
            place = f"on sandboxes at {sandbox_url('<vendor>')}"
        else:
            place = f"at {endpoint} (--settings)"
        places.setdefault(place, []).append(vendor)
    return [f"{', '.join(vendors)}: {place}" for place, vendors in places.items()]


def command_name() -> str:
    """How this shell runs `shoprelay`: the bare name when it is on PATH, else the path to it."""
    argv0 = Path(sys.argv[0])
    executable = argv0 if argv0.name == "shoprelay" else Path(sys.prefix) / "bin" / "shoprelay"
    on_path = shutil.which("shoprelay")
    if on_path and Path(on_path).resolve() == executable.resolve():
        return "shoprelay"
    return _relative(executable)


def _relative(path: Path) -> str:
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path.absolute())


def _banner(stack: Any, log_file: Path) -> str:
    base = stack.base_url
    vendors = vendor_lines(stack.vendor_settings, stack.sandboxes.url_for)
    aws = f"--endpoint-url {stack.aws_endpoint} --stack-name {stack.stack.name}"
    sample = _relative(stack.root / "events" / "mytracker" / "order-paid.json")
    lines = [
        f"shoprelay local: ready in {stack.startup_seconds:.1f} s (AWS emulator at {stack.aws_endpoint})",
        f"  webhook URL   {stack.webhook_url()}",
        f"  demo shop     {stack.shop}",
        f"  demo secret   {stack.secret}",
        f"  WooCommerce   {stack.webhook_url('woocommerce')} (site https://demo-woo.example.com/, same secret)",
        f"  vendors       {vendors[0]}",
        *(f"                {line}" for line in vendors[1:]),
        f"  deliveries    curl -s {base}/_local/deliveries",
        f"  dead letters  curl -s {base}/_local/dlq",
        f"  outcomes      curl -s {base}/_local/outcomes",
        f"  faults        curl -s {base}/_local/faults -d "
        + shlex.quote('{"vendor": "mytracker", "status": 503, "times": 2}'),
        f"  function logs {log_file}",
        f"  replay DLQ    {command_name()} replay --vendor mytracker {aws}",
        f"  invoke        {command_name()} invoke MytrackerFunction -e {shlex.quote(sample)} {aws}  # after make build",
        "",
        "Post a bundled sample order, signed with the demo secret (again: answered as a duplicate):",
        f"  {_curl(stack)}",
        f"Sign any other body with: {command_name()} sign --secret {shlex.quote(stack.secret)} FILE",
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from shoprelay_tools.local.runner import LocalStack
    from shoprelay_tools.stack.template import find_root

    try:
        root = args.root.resolve() if args.root else find_root()
        overrides = _read_settings(args.settings)
    except (OSError, ValueError) as error:
        print(f"shoprelay local: {error}", file=sys.stderr)
        return 2
    log_file = Path(tempfile.mkdtemp(prefix="shoprelay-local-")) / "functions.log"
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    stack = LocalStack(root, port=0 if args.demo else args.port, settings_overrides=overrides, log_file=log_file)
    try:
        try:
            stack.start()
        except ValueError as error:  # settings the vendor functions would refuse
            print(f"shoprelay local: {error}", file=sys.stderr)
            return 2
        except OSError as error:
            print(f"shoprelay local: cannot start: {error}", file=sys.stderr)
            return 2
        if args.demo:
            from shoprelay_tools.local.demo import run_demo

            print(f"shoprelay local --demo: stack ready in {stack.startup_seconds:.1f} s; function logs: {log_file}")
            return run_demo(stack, sys.stdout, timeout=args.timeout)
        print(_banner(stack, log_file), flush=True)
        while not stop.wait(0.5):
            pass
        print("\nshoprelay local: stopping", flush=True)
        return 0
    finally:
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
