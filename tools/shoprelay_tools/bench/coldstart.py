"""Cold start: each function's import and module-level objects, in fresh interpreters.

For every ``AWS::Serverless::Function`` in template.yaml, a new Python process puts the
function's ``CodeUri`` and the layer's source on ``sys.path``, gets the template's
environment (intrinsic functions resolved to dummy names) plus what the Lambda runtime
sets (region, dummy credentials, ``AWS_LAMBDA_INITIALIZATION_TYPE=on-demand``), and times
``import <handler module>``: the imports and every module-level object, boto3 clients
included. The floor is ``import boto3`` plus a Powertools ``Logger()`` in the same kind of
process. Runs are interleaved (floor, then each function, round after round) after one
untimed warm-up round that compiles bytecode, and the median of each is reported.

The interpreter and packages are this virtualenv's (the same pinned versions the layer
ships); the built layer's native libraries are arm64 and cannot run on every machine.

A vendor function's import includes pydantic and its vendor's settings model, which it
validates each shop's settings with; the stages show that step on its own. The ingress never
loads pydantic (tests/functional/test_function_imports.py watches it through real requests).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from shoprelay_tools.bench import ROOT
from shoprelay_tools.stack.template import Resolver, load_template, parameter_defaults

LAYER_SOURCE = ROOT / "layers" / "shoprelay"
BUDGET_INGRESS = 1.3
BUDGET_VENDOR = 2.0
"""Vendor functions consume queues and nobody waits on their cold start; they also load
pydantic for the shops' settings, which the ingress never does."""
RUNS = 10
QUICK_RUNS = 2

_PROBE = r"""
import json, sys, time
mode, module, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
sys.path[:0] = paths
started = time.perf_counter()
if mode == "floor":
    import boto3
    from aws_lambda_powertools import Logger
    Logger()
else:
    __import__(module)
elapsed = time.perf_counter() - started
loaded = set(sys.modules)
print(json.dumps({
    "ms": elapsed * 1000,
    "xray": "aws_xray_sdk" in loaded,
    "requests": "requests" in loaded,
    "pydantic": "pydantic" in loaded,
    "msgspec": "msgspec" in loaded,
    "modules": sorted({name.partition(".")[0] for name in loaded}),
}))
"""

_STAGES = r"""
import json, sys, time
kind, paths = sys.argv[1], sys.argv[2:]
sys.path[:0] = paths
marks, last = {}, time.perf_counter()
def mark(name):
    global last
    now = time.perf_counter()
    marks[name] = (now - last) * 1000
    last = now
import boto3
from aws_lambda_powertools import Logger, Metrics
Logger(); Metrics()
mark("boto3 + Logger (floor)")
if kind == "vendor":
    import requests
    mark("requests")
import msgspec
mark("import msgspec")
import shoprelay.canonical
mark("canonical models")
import shoprelay.config
mark("config (Powertools parameters)")
if kind == "vendor":
    from pydantic import BaseModel, SecretStr
    mark("pydantic (vendor settings)")
    import shoprelay.delivery.app
    mark("delivery + vendor code")
else:
    import shoprelay.ingress.app
    mark("sources.shopify + ingress code")
boto3.client("dynamodb")
mark("first boto3 client")
boto3.client("sqs" if kind == "vendor" else "sns")
mark("second boto3 client")
print(json.dumps(marks))
"""

_PSEUDO = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "shoprelay-bench",
}


def functions(template_path: Path = ROOT / "template.yaml") -> dict[str, dict[str, Any]]:
    """Logical id → code dir, handler module, environment and memory, from the template."""
    template = load_template(template_path)
    resolver = Resolver(
        template=template,
        parameters=parameter_defaults(template),
        pseudo=_PSEUDO,
        physical=lambda logical, attribute: f"bench-{logical}" + (f"-{attribute}" if attribute else ""),
    )
    globals_ = template.get("Globals", {}).get("Function", {})
    shared_env = globals_.get("Environment", {}).get("Variables", {})
    found: dict[str, dict[str, Any]] = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        variables = {**shared_env, **properties.get("Environment", {}).get("Variables", {})}
        environment = {name: str(resolver.value(value)) for name, value in variables.items()}
        found[logical_id] = {
            "code_dir": ROOT / str(properties["CodeUri"]),
            "module": str(properties.get("Handler", globals_.get("Handler", "app.handler"))).rpartition(".")[0],
            "environment": environment,
            "memory_mb": int(properties.get("MemorySize", globals_.get("MemorySize", 128))),
            "timeout_s": int(properties.get("Timeout", globals_.get("Timeout", 3))),
            "is_ingress": any(
                event.get("Type") in {"HttpApi", "Api"} for event in properties.get("Events", {}).values()
            ),
        }
    return found


def _lambda_environment(logical_id: str, spec: dict[str, Any]) -> dict[str, str]:
    """What a Lambda python3.13 sandbox has in its environment, with dummy credentials."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - only where HOME is unset
        "LANG": "C.UTF-8",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "ASIABENCHBENCHBENCH0",
        "AWS_SECRET_ACCESS_KEY": "bench-secret-access-key",
        "AWS_SESSION_TOKEN": "bench-session-token",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.get("memory_mb", 256)),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        **spec.get("environment", {}),
    }


def _probe(mode: str, module: str, paths: list[Path], env: dict[str, str]) -> dict[str, Any]:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and probe script
        [sys.executable, "-c", _PROBE, mode, module, *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{module or mode} failed to import:\n{completed.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _stages(kind: str, env: dict[str, str]) -> dict[str, float]:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and probe script
        [sys.executable, "-c", _STAGES, kind, str(LAYER_SOURCE)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    marks: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return marks


def imported_modules(logical_id: str) -> list[str]:
    """The top-level modules a fresh process holds after importing the function's handler."""
    spec = functions()[logical_id]
    env = _lambda_environment(logical_id, spec)
    found: list[str] = _probe("function", spec["module"], [spec["code_dir"], LAYER_SOURCE], env)["modules"]
    return found


def run(quick: bool = False, runs: int | None = None) -> dict[str, Any]:
    count = runs or (QUICK_RUNS if quick else RUNS)
    specs = functions()
    targets: dict[str, tuple[str, str, list[Path], dict[str, str]]] = {
        "floor": ("floor", "", [], _lambda_environment("floor", {})),
    }
    for logical_id, spec in specs.items():
        targets[logical_id] = (
            "function",
            spec["module"],
            [spec["code_dir"], LAYER_SOURCE],
            _lambda_environment(logical_id, spec),
        )
    samples: dict[str, list[float]] = {name: [] for name in targets}
    seen: dict[str, dict[str, Any]] = {}
    for round_ in range(count + 1):
        for name, (mode, module, paths, env) in targets.items():
            result = _probe(mode, module, paths, env)
            if round_ > 0:  # the first round only warms bytecode caches
                samples[name].append(result["ms"])
            seen[name] = result
    stages: dict[str, dict[str, float]] = {}
    for kind in ("ingress", "vendor"):
        env = _lambda_environment(f"stages-{kind}", {})
        rounds = [_stages(kind, env) for _ in range(max(1, count // 2))]
        stages[kind] = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
    floor = statistics.median(samples["floor"])
    results: dict[str, Any] = {}
    for logical_id, spec in specs.items():
        median = statistics.median(samples[logical_id])
        budget = BUDGET_VENDOR if "VENDOR" in spec["environment"] else BUDGET_INGRESS
        results[logical_id] = {
            "median_ms": median,
            "min_ms": min(samples[logical_id]),
            "ratio": median / floor,
            "budget_ratio": budget,
            "met": median / floor <= budget,
            "memory_mb": spec["memory_mb"],
            "imports_requests": seen[logical_id]["requests"],
            "imports_xray": seen[logical_id]["xray"],
            "imports_pydantic": seen[logical_id]["pydantic"],
        }
    return {
        "runs": count,
        "interpreter": f"{sys.implementation.name} {sys.version.split()[0]} ({sys.executable})",
        "floor_ms": floor,
        "floor": "import boto3; from aws_lambda_powertools import Logger; Logger()",
        "functions": results,
        "stages_ms": stages,
        "stages": "the same imports one after another in a fresh process, in the functions' order (median)",
    }
