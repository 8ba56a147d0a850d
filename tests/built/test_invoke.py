"""`shoprelay invoke`: the built functions, run once each under the runtime's Python, on moto.

Every command runs as a user would run it, in a process of its own from a shell with no AWS
variables; the functions reach the emulator only through what `invoke` gives them. The
samples are the ones in events/, as the README shows them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from support.stack import LocalAws

from shoprelay.vendors import vendor_names
from shoprelay_tools.demo import demo_sandboxes, demo_vendor_settings
from shoprelay_tools.sandboxes.server import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"

pytestmark = pytest.mark.built


@pytest.fixture
def runtime() -> str:
    python = os.environ.get("SHOPRELAY_RUNTIME_PYTHON")
    if not python:
        pytest.skip("run through `make smoke` (needs the build and the runtime venv)")
    return python


def invoke(runtime: str, home: Path, *arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(home)}
    return subprocess.run(  # noqa: S603 - this interpreter, our own command
        [sys.executable, "-m", "shoprelay_tools.cli", "invoke", *arguments, "--runtime-python", runtime],
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def sandboxes(local: LocalAws) -> Iterator[SandboxServer]:
    server = SandboxServer(demo_sandboxes()).start()
    local.seed_shop(demo_vendor_settings(server.url_for))
    yield server
    server.stop()


def on_stack(local: LocalAws) -> tuple[str, ...]:
    return ("--endpoint-url", local.endpoint, "--stack-name", local.stack.name)


def test_the_ingress_sample_is_accepted_and_published_to_every_vendor_queue(
    local: LocalAws, sandboxes: SandboxServer, runtime: str, tmp_path: Path
) -> None:
    # WHEN the ingress runs the signed sample, against the stack on the emulator
    event = str(EVENTS / "ingress" / "orders-paid.json")
    first = invoke(runtime, tmp_path, "IngressFunction", "-e", event, *on_stack(local))
    # THEN it answers 202, logs what it did, and each vendor's queue holds the event
    assert first.returncode == 0, first.stderr
    answer = json.loads(first.stdout)
    assert answer["statusCode"] == 202
    assert json.loads(answer["body"])["status"] == "accepted"
    assert '"message":"webhook answered"' in first.stderr
    assert "IngressFunction: ok in" in first.stderr
    assert local.queue_depth("MytrackerQueue") == 1
    # AND a second run (a fresh process) sees the delivery as already published
    again = invoke(runtime, tmp_path, "IngressFunction", "-e", event, *on_stack(local))
    assert again.returncode == 0, again.stderr
    assert json.loads(json.loads(again.stdout)["body"])["status"] == "duplicate"
    assert local.queue_depth("MytrackerQueue") == 1


def test_a_vendor_sample_is_delivered_to_the_vendor(
    local: LocalAws, sandboxes: SandboxServer, runtime: str, tmp_path: Path
) -> None:
    # GIVEN events/env.json as shipped (its REPLACE-with-… values are filled from the stack)
    result = invoke(
        runtime,
        tmp_path,
        "MytrackerFunction",
        "-e",
        str(EVENTS / "mytracker" / "order-paid.json"),
        "--env-vars",
        str(EVENTS / "env.json"),
        *on_stack(local),
    )
    # THEN the record is delivered to the vendor and no record is handed back
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"batchItemFailures": []}
    assert {d.vendor for d in sandboxes.recorded()} == {"mytracker"}
    assert '"outcome":"delivered"' in result.stderr


@pytest.mark.parametrize("vendor", vendor_names())
def test_every_vendor_function_takes_its_placed_order_sample(
    vendor: str, local: LocalAws, sandboxes: SandboxServer, runtime: str, tmp_path: Path
) -> None:
    function = f"{vendor.capitalize()}Function"
    sample = str(EVENTS / vendor / "order-placed.json")
    result = invoke(runtime, tmp_path, function, "-e", sample, *on_stack(local))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"batchItemFailures": []}
    outcomes = [json.loads(line) for line in result.stderr.splitlines() if '"message":"delivery outcome"' in line]
    assert [o["outcome"] for o in outcomes] in (["delivered"], ["skipped"]), result.stderr


def test_a_function_that_raises_exits_1_with_its_error(local: LocalAws, runtime: str, tmp_path: Path) -> None:
    result = invoke(runtime, tmp_path, "IngressFunction", "-e", "-", *on_stack(local), stdin="[]")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "IngressFunction: error in" in result.stderr
    assert "AttributeError" in result.stderr


# -- a build of our own: what the function sees -------------------------------------------------


def fake_build(tmp_path: Path, handler_code: str, *, timeout: int = 3, variables: dict[str, Any] | None = None) -> Path:
    """A build tree shaped like sam build's: template, one function folder, one layer."""
    build = tmp_path / "build"
    (build / "Probe").mkdir(parents=True)
    (build / "Probe" / "app.py").write_text(textwrap.dedent(handler_code), encoding="utf-8")
    (build / "Layer" / "python").mkdir(parents=True)
    (build / "Layer" / "python" / "from_layer.py").write_text("WHERE = 'layer'\n", encoding="utf-8")
    template = {
        "Globals": {"Function": {"Timeout": timeout, "Environment": {"Variables": {"SHARED": "template"}}}},
        "Resources": {
            "Layer": {"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": "Layer"}},
            "Probe": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "Probe",
                    "Handler": "app.handler",
                    "Environment": {
                        "Variables": variables or {"OWN": "template", "FROM_FILE": "template", "KEPT": "template"}
                    },
                },
            },
        },
    }
    template["Parameters"] = {"Stage": {"Type": "String", "Default": "dev"}}
    template["Resources"]["Queue"] = {"Type": "AWS::SQS::Queue"}
    (build / "template.yaml").write_text(json.dumps(template), encoding="utf-8")
    return build


PROBE = """
    import importlib.util, os, sys
    import from_layer

    def handler(event, context):
        return {
            "event": event,
            "layer": from_layer.WHERE,
            "python": sys.executable,
            "importable": {name: importlib.util.find_spec(name) is not None
                           for name in ("boto3", "shoprelay_tools", "moto", "pytest", "process_runtime")},
            "env": {name: os.environ.get(name) for name in ("SHARED", "OWN", "FROM_FILE", "KEPT", "UNDECLARED")},
            "remaining_ms": context.get_remaining_time_in_millis(),
        }
"""


def test_the_function_sees_its_artifacts_the_layer_and_boto3_only(runtime: str, tmp_path: Path) -> None:
    build = fake_build(tmp_path, PROBE)
    env_vars = tmp_path / "env.json"
    env_vars.write_text(
        json.dumps(
            {
                "Parameters": {"SHARED": "all functions", "FROM_FILE": "all functions"},
                "Probe": {"FROM_FILE": "this function", "UNDECLARED": "x"},
            }
        ),
        encoding="utf-8",
    )
    result = invoke(
        runtime, tmp_path, "Probe", "--build-dir", str(build), "-e", "-", "--env-vars", str(env_vars), stdin='{"a": 1}'
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["event"] == {"a": 1}
    assert seen["layer"] == "layer"
    assert Path(seen["python"]).parent == Path(runtime).parent, "runs under the runtime's interpreter"
    assert seen["importable"] == {
        "boto3": True,
        "shoprelay_tools": False,
        "moto": False,
        "pytest": False,
        "process_runtime": False,
    }
    # SAM's rules: "Parameters" for all, the function's own entry over it, undeclared names ignored
    assert seen["env"] == {
        "SHARED": "all functions",
        "OWN": "template",
        "FROM_FILE": "this function",
        "KEPT": "template",
        "UNDECLARED": None,
    }
    assert "ignored: UNDECLARED" in result.stderr
    assert 0 < seen["remaining_ms"] <= 3000


def test_an_invocation_past_the_timeout_is_killed_and_exits_1(runtime: str, tmp_path: Path) -> None:
    build = fake_build(tmp_path, "import time\ndef handler(event, context):\n    time.sleep(30)\n", timeout=1)
    result = invoke(runtime, tmp_path, "Probe", "--build-dir", str(build))
    assert result.returncode == 1
    assert "Probe: timeout in" in result.stderr
    assert "killed at the 1 s timeout" in result.stderr


def test_a_function_that_fails_to_import_exits_1(runtime: str, tmp_path: Path) -> None:
    build = fake_build(tmp_path, "import pydantic_settings_nowhere\n")
    result = invoke(runtime, tmp_path, "Probe", "--build-dir", str(build))
    assert result.returncode == 1
    assert "ModuleNotFoundError" in result.stderr
    assert "Probe failed during init" in result.stderr


def test_without_a_stack_the_missing_values_are_named(runtime: str, tmp_path: Path) -> None:
    result = invoke(runtime, tmp_path, "IngressFunction", "-e", str(EVENTS / "ingress" / "orders-paid.json"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "STATE_TABLE (the StateTable)" in lines[0]
    assert "--stack-name" in lines[0]


def test_on_the_emulator_without_the_stack(aws: str, runtime: str, tmp_path: Path) -> None:
    arguments = ("MytrackerFunction", "--endpoint-url", aws, "--stack-name", "shoprelay-local")
    result = invoke(runtime, tmp_path, *arguments)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "no StateTable of stack shoprelay-local at " in result.stderr


ENVIRONMENT_PROBE = """
    import os

    def handler(event, context):
        return {name: os.environ.get(name) for name in ("QUEUE", "STAGE", "AWS_REGION")}
"""


def test_on_a_deployed_stack_references_and_parameters_come_from_cloudformation(
    aws: str, runtime: str, tmp_path: Path
) -> None:
    # GIVEN a stack deployed with Stage=prod (moto's CloudFormation, reached as AWS would be)
    template = {"Parameters": {"Stage": {"Type": "String"}}, "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
    cloudformation = boto3.client("cloudformation", region_name="eu-west-1", endpoint_url=aws)
    cloudformation.create_stack(
        StackName="probe-prod",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "Stage", "ParameterValue": "prod"}],
    )
    queue = cloudformation.describe_stack_resource(StackName="probe-prod", LogicalResourceId="Queue")
    build = fake_build(
        tmp_path,
        ENVIRONMENT_PROBE,
        variables={"QUEUE": {"Ref": "Queue"}, "STAGE": {"Fn::Sub": "/shoprelay/${Stage}"}},
    )
    # WHEN invoke runs against it with the shell's credentials and --region, no emulator flag
    result = subprocess.run(  # noqa: S603 - this interpreter, our own command
        [
            sys.executable,
            "-m",
            "shoprelay_tools.cli",
            "invoke",
            "Probe",
            "--build-dir",
            str(build),
            "--stack-name",
            "probe-prod",
            "--region",
            "eu-west-1",
            "--runtime-python",
            runtime,
        ],
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "AWS_ENDPOINT_URL": aws,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN the queue is the stack's, the stage its parameter, the region the one asked for
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "QUEUE": queue["StackResourceDetail"]["PhysicalResourceId"],
        "STAGE": "/shoprelay/prod",
        "AWS_REGION": "eu-west-1",
    }


def test_parameter_overrides_take_sams_short_and_long_forms(runtime: str, tmp_path: Path) -> None:
    build = fake_build(
        tmp_path,
        ENVIRONMENT_PROBE,
        variables={"STAGE": {"Fn::Sub": "/shoprelay/${Stage}"}, "QUEUE": "none"},
    )
    for overrides in ("Stage=qa", "ParameterKey=Stage,ParameterValue=qa"):
        result = invoke(runtime, tmp_path, "Probe", "--build-dir", str(build), "--parameter-overrides", overrides)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["STAGE"] == "/shoprelay/qa"
