"""The `shoprelay` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

# Each subcommand lives in its own module and is imported only when used.
_COMMANDS: dict[str, tuple[str, str]] = {
    "translate": ("shoprelay_tools.translate_command", "print the vendor requests a webhook would produce"),
    "sign": ("shoprelay_tools.sign_command", "print the X-Shopify-Hmac-Sha256 value for a body"),
    "bench": ("shoprelay_tools.bench_command", "benchmarks: translate, ingress, cold start, size, cost"),
    "local": ("shoprelay_tools.local_command", "run the stack from template.yaml locally (no Docker, no AWS)"),
    "replay": ("shoprelay_tools.replay_command", "send a vendor's dead-lettered events back for another attempt"),
    "shops": ("shoprelay_tools.shops_command", "pause or resume a shop, or one of its vendors, without losing events"),
    "prove": ("shoprelay_tools.prove_command", "soak the local stack with faults, a crash and bad input"),
    "wiring": ("shoprelay_tools.wiring_command", "render template.yaml's per-vendor blocks and the routes table"),
    "settings": ("shoprelay_tools.settings_command", "vendor settings: JSON Schema, check a file, put it in SSM, docs"),
    "invoke": (
        "shoprelay_tools.invoke_command",
        "run one built function once, as `sam local invoke` does, without Docker",
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="shoprelay", description="Relay shop webhooks to marketing vendors.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Only the chosen command's module is imported (and configures its options), so
    # `shoprelay sign` does not pay for moto or the payload models; `--help` lists every command.
    chosen = next((a for a in arguments if not a.startswith("-")), None)
    runner: Callable[[argparse.Namespace], int] | None = None
    for name, (module_name, help_text) in _COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = import_module(module_name)
            module.configure(sub)
            runner = module.run
    args = parser.parse_args(arguments)
    assert runner is not None, "argparse accepts only known commands"
    try:
        return runner(args)
    except KeyboardInterrupt:
        print(f"shoprelay {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        # A missing region, credentials or stack is the user's to fix: one line, no traceback.
        problem = _aws_problem(error)
        if problem is None:
            raise
        print(f"shoprelay {args.command}: {problem}", file=sys.stderr)
        return 2


def _aws_problem(error: Exception) -> str | None:
    if not type(error).__module__.startswith(("botocore", "shoprelay_tools")):
        return None
    from shoprelay_tools.aws_access import explain

    return explain(error)


if __name__ == "__main__":
    sys.exit(main())
