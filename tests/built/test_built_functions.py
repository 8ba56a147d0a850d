"""What `sam build` produced: every function imports with its built layer under the runtime.

The layer is built for arm64, which this machine may not execute. So the check has two
halves: every native library in the layer must be an aarch64 ELF for CPython 3.13, and the
import runs with the layer's pure-Python files as built, with only its native packages
swapped for the host's build of the same version. Anything the layer forgot (a dependency
such as aws-xray-sdk) is missing from both and fails the import.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from shoprelay_tools.stack.template import load_template

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
EM_AARCH64 = 183

pytestmark = pytest.mark.built


def _template() -> dict:
    return load_template(ROOT / "template.yaml")


def _functions() -> list[str]:
    return [name for name, spec in _template()["Resources"].items() if spec["Type"] == "AWS::Serverless::Function"]


def _layer_dir() -> Path:
    layers = [
        name for name, spec in _template()["Resources"].items() if spec["Type"] == "AWS::Serverless::LayerVersion"
    ]
    assert len(layers) == 1, "one shared layer expected"
    return BUILD / layers[0] / "python"


def _elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(header[18:20], "little")


def _native_distributions(layer: Path) -> dict[str, str]:
    """name → version of every distribution in the layer that ships a native library."""
    found: dict[str, str] = {}
    for dist_info in layer.glob("*.dist-info"):
        record = (dist_info / "RECORD").read_text(encoding="utf-8") if (dist_info / "RECORD").exists() else ""
        if ".so," in record:
            name, version = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)
            found[name] = version
    return found


def test_layer_and_functions_are_built_for_arm64_and_python313() -> None:
    layer = _layer_dir()
    assert list(layer.rglob("*.so")), "the layer should contain msgspec's native library"
    for artifact in [layer, *(BUILD / name for name in _functions())]:
        for library in artifact.rglob("*.so"):
            assert _elf_machine(library) == EM_AARCH64, f"{library} is not built for arm64"
            if "cpython-" in library.name:
                assert "cpython-313-aarch64" in library.name, f"{library.name} is not built for CPython 3.13 on arm64"


def test_layer_holds_only_what_the_functions_need() -> None:
    layer = _layer_dir()
    top_level = {p.name for p in layer.iterdir() if p.is_dir() and not p.name.endswith(".dist-info")}
    assert "shoprelay" in top_level
    assert "shoprelay_tools" not in top_level, "developer tools must not be deployed"
    assert not {"boto3", "botocore", "moto", "pytest"} & top_level, "the runtime provides boto3; tests stay out"


@pytest.fixture(scope="module")
def host_native(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This machine's build of the layer's native packages, same versions."""
    shim = tmp_path_factory.mktemp("native")
    packages = [f"{name}=={version}" for name, version in _native_distributions(_layer_dir()).items()]
    if platform.machine() in {"aarch64", "arm64"} or not packages:
        return shim
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--only-binary=:all:",
            "--target",
            str(shim),
            *packages,
        ],
        check=True,
        capture_output=True,
    )
    return shim


@pytest.mark.parametrize("function", _functions())
def test_built_function_imports_under_the_runtime_python(function: str, host_native: Path) -> None:
    runtime = os.environ.get("SHOPRELAY_RUNTIME_PYTHON")
    if not runtime:
        pytest.skip("run through `make smoke` (needs the runtime venv)")
    handler = _template()["Resources"][function]["Properties"]["Handler"]
    module, attribute = handler.rsplit(".", 1)
    script = f"""
import sys, json
sys.path[:0] = [{str(BUILD / function)!r}, {str(host_native)!r}, {str(_layer_dir())!r}]
import {module} as app
handler = getattr(app, {attribute!r})
assert callable(handler), "handler is not callable"
import shoprelay, msgspec
print(json.dumps({{"shoprelay": shoprelay.__file__, "msgspec": msgspec.__file__, "pydantic": "pydantic" in sys.modules,
                  "xray": "aws_xray_sdk" in sys.modules}}))
"""
    # The function's own literal variables from the template (VENDOR picks the vendor).
    variables = _template()["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
    env = {
        **{name: value for name, value in variables.items() if isinstance(value, str)},
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "STATE_TABLE": "table",
        "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:topic",
        "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/queue",
        "DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
        "POWERTOOLS_SERVICE_NAME": "shoprelay",
        "POWERTOOLS_METRICS_NAMESPACE": "shoprelay",
        # Build every lazily created object (clients, HTTP session, models) during the import,
        # so a dependency missing from the artifacts fails here rather than on a first request.
        "SHOPRELAY_EAGER_INIT": "true",
    }
    result = subprocess.run([runtime, "-c", script], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["shoprelay"].startswith(str(_layer_dir())), "shoprelay must come from the built layer"
    # The layer's msgspec is built for arm64; elsewhere the same version stands in from host_native.
    assert loaded["msgspec"].startswith((str(_layer_dir()), str(host_native))), "msgspec must be the layer's"
    # Vendor functions check people's settings with pydantic; the ingress stays on msgspec alone.
    is_ingress = "VENDOR" not in variables
    assert loaded["pydantic"] is not is_ingress, "pydantic is for vendor functions only"
