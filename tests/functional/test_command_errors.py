"""Commands run from a shell with no AWS environment: one clear line when something is missing.

Each command runs as the user runs it, a process of its own, with an environment holding only
PATH and an empty HOME (no ~/.aws). A traceback, or a second line, fails the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from support.stack import LocalAws

SHELL_VARIABLES = ("PATH",)


def shoprelay(home: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {name: os.environ[name] for name in SHELL_VARIABLES if name in os.environ}
    environment.update(HOME=str(home), **variables)
    return subprocess.run(  # noqa: S603 - this interpreter, our own command
        [sys.executable, "-m", "shoprelay_tools.cli", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command (fails the test on anything else)."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_replay_on_the_local_stack_needs_no_aws_environment(local: LocalAws, tmp_path: Path) -> None:
    # GIVEN the local stack's queues on the emulator, and a shell with no AWS variables
    # WHEN replay runs exactly as the local banner prints it
    result = shoprelay(
        tmp_path, "replay", "--vendor", "corvidae", "--endpoint-url", local.endpoint, "--stack-name", local.stack.name
    )
    # THEN it reads the (empty) DLQ without asking for a region or credentials
    assert result.returncode == 0, result.stderr
    assert "replayed 0 corvidae message(s)" in result.stderr


def test_replay_without_the_stack_on_the_emulator_says_so(aws: str, tmp_path: Path) -> None:
    line = one_line(
        shoprelay(tmp_path, "replay", "--vendor", "corvidae", "--endpoint-url", aws, "--stack-name", "shoprelay-local")
    )
    assert line.startswith("shoprelay replay: no CorvidaeQueue of stack shoprelay-local at ")
    assert "`shoprelay local` running" in line


def test_replay_with_a_wrong_stack_name_on_the_emulator_names_the_local_one(local: LocalAws, tmp_path: Path) -> None:
    line = one_line(
        shoprelay(tmp_path, "replay", "--vendor", "corvidae", "--endpoint-url", local.endpoint, "--stack-name", "dev")
    )
    assert "no CorvidaeQueue of stack dev" in line
    assert "--stack-name shoprelay-local" in line


def test_replay_against_an_emulator_that_is_not_running(tmp_path: Path) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    line = one_line(shoprelay(tmp_path, "replay", "--vendor", "corvidae", "--endpoint-url", endpoint))
    assert line.startswith(f"shoprelay replay: cannot reach {endpoint}")


def test_replay_on_aws_without_a_region(tmp_path: Path) -> None:
    line = one_line(shoprelay(tmp_path, "replay", "--vendor", "corvidae"))
    assert line.startswith("shoprelay replay: no AWS region: pass --region")


def test_replay_on_aws_without_credentials(tmp_path: Path) -> None:
    line = one_line(shoprelay(tmp_path, "replay", "--vendor", "corvidae", "--region", "eu-west-1"))
    assert line.startswith("shoprelay replay: no AWS credentials")


def test_replay_with_a_profile_that_does_not_exist(tmp_path: Path) -> None:
    line = one_line(shoprelay(tmp_path, "replay", "--vendor", "corvidae", AWS_PROFILE="nowhere"))
    assert line.startswith("shoprelay replay: ")
    assert "nowhere" in line or "region" in line


def test_replay_on_aws_when_the_stack_is_not_deployed(aws: str, tmp_path: Path) -> None:
    # GIVEN credentials and a region, and an account (moto's, through AWS_ENDPOINT_URL) without the stack
    result = shoprelay(
        tmp_path,
        "replay",
        "--vendor",
        "corvidae",
        "--stack-name",
        "shoprelay-prod",
        AWS_ENDPOINT_URL=aws,
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    # THEN the stack and the region are named
    assert one_line(result).startswith("shoprelay replay: no stack shoprelay-prod in eu-west-1")


def test_invoke_without_a_build_says_how_to_make_one(tmp_path: Path) -> None:
    line = one_line(shoprelay(tmp_path, "invoke", "IngressFunction", "--build-dir", str(tmp_path / "nothing")))
    assert line.startswith("shoprelay invoke: no build in ")
    assert "`make build`" in line
