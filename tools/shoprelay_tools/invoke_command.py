"""`shoprelay invoke`: run one built function once, as `sam local invoke` does, without Docker.

The function runs as `sam build` left it in ``.aws-sam/build``: a fresh process of the Lambda
runtime's Python (``.venv-runtime``: the standard library and boto3) that sees only the
function's artifacts and the layer, with the template's timeout enforced by killing it.
Its environment is the template's, resolved for a stack when ``--stack-name`` names one,
then ``--env-vars`` in SAM's format. The answer goes to stdout, the function's logs to
stderr, and the exit code is 0 only when the handler returned.

The layer is built for arm64. On another machine the import system skips its native
libraries, so the same versions built for this machine are put in front of it; nothing
else is swapped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from shoprelay_tools.aws_access import AwsAccessError, AwsTarget

PLACEHOLDER_PREFIX = "REPLACE-with-"
"""How events/env.json marks a value to be filled in from the stack outputs."""
EXIT_RAISED = 1
EXIT_USAGE = 2


class InvokeError(Exception):
    """The invocation could not be set up; the message is the one line the command prints."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", metavar="FUNCTION", help="logical id in template.yaml, e.g. IngressFunction")
    parser.add_argument(
        "-e", "--event", metavar="EVENT", help="JSON event file, or - for stdin (default: an empty object)"
    )
    parser.add_argument(
        "-n",
        "--env-vars",
        metavar="FILE",
        type=Path,
        help='JSON as for `sam local invoke`: {"<FunctionId>": {"VAR": "value"}, "Parameters": {...}}',
    )
    parser.add_argument(
        "--stack-name",
        help="fill the environment's resource references (table, topic, queues, bucket) from this stack",
    )
    parser.add_argument("--endpoint-url", help="an AWS emulator, e.g. the local stack's (its banner prints it)")
    parser.add_argument("--region", help="AWS region (default: the environment's or profile's)")
    parser.add_argument(
        "--parameter-overrides",
        default="",
        metavar="'KEY=VALUE ...'",
        help="template parameters, as for sam (default: the stack's on AWS, else the template defaults)",
    )
    parser.add_argument("--build-dir", type=Path, help="sam build's output (default: .aws-sam/build)")
    parser.add_argument(
        "--runtime-python", type=Path, help="the Lambda runtime's interpreter (default: .venv-runtime/bin/python)"
    )


def run(args: argparse.Namespace) -> int:
    try:
        invocation = _prepare(args)
        with invocation.native_path() as native:
            return invocation.run(native)
    except (InvokeError, AwsAccessError) as error:
        print(f"shoprelay invoke: {error}", file=sys.stderr)
        return EXIT_USAGE


# -- setting up -------------------------------------------------------------------------------


@dataclass
class _Prepared:
    function: str
    spec: Any
    """provision.FunctionSpec of the built function."""
    layer: Path
    runtime_python: Path
    event: Any
    environment: dict[str, str]
    notes: list[str] = field(default_factory=list)

    @contextmanager
    def native_path(self) -> Iterator[list[str]]:
        with tempfile.TemporaryDirectory(prefix="shoprelay-invoke-") as scratch:
            yield _host_native([self.spec.code_dir, self.layer], Path(scratch), self.notes)

    def run(self, native: list[str]) -> int:
        from shoprelay_tools.stack import process_worker
        from shoprelay_tools.stack.process_runtime import FunctionInitError, FunctionProcesses

        for note in self.notes:
            print(f"shoprelay invoke: {note}", file=sys.stderr)
        python_path = os.pathsep.join([*native, str(self.spec.code_dir), str(self.layer)])
        extra = {**self.environment, "PYTHONPATH": python_path, "PYTHONDONTWRITEBYTECODE": "1"}
        # -P: the worker's own folder (shoprelay_tools/stack) must not be importable by the function.
        worker = (str(self.runtime_python), "-P", str(Path(process_worker.__file__).resolve()))
        with FunctionProcesses(self.spec, extra_env=extra, worker=worker) as processes:
            try:
                result = processes.invoke(self.event)
            except FunctionInitError as error:
                print(str(error), file=sys.stderr)
                print(f"shoprelay invoke: {self.function} failed during init", file=sys.stderr)
                return EXIT_RAISED
        for line in result.logs:
            print(line, file=sys.stderr)
        summary = f"{self.function}: {result.status} in {result.duration * 1000:.0f} ms"
        if result.status == "ok":
            print(json.dumps(result.payload))
            print(f"shoprelay invoke: {summary}", file=sys.stderr)
            return 0
        print(f"shoprelay invoke: {summary}: {result.error}", file=sys.stderr)
        return EXIT_RAISED


def _prepare(args: argparse.Namespace) -> _Prepared:
    from shoprelay_tools.stack.template import TemplateError, find_root, load_template

    try:
        root = find_root()
    except FileNotFoundError as error:
        raise InvokeError(str(error)) from None
    build = (args.build_dir or root / ".aws-sam" / "build").resolve()
    built_template = build / "template.yaml"
    if not built_template.is_file():
        raise InvokeError(f"no build in {build}: run `make build` first")
    try:
        template = load_template(built_template)
    except (OSError, TemplateError) as error:
        raise InvokeError(str(error)) from None
    resources = template["Resources"]
    functions = sorted(k for k, v in resources.items() if v.get("Type") == "AWS::Serverless::Function")
    if args.function not in functions:
        raise InvokeError(f"no function {args.function!r} in the build; one of: {', '.join(functions)}")
    runtime_python = (args.runtime_python or root / ".venv-runtime" / "bin" / "python").absolute()
    if not os.access(runtime_python, os.X_OK):
        raise InvokeError(f"{runtime_python} not found: `make install` creates the runtime venv (.venv-runtime)")
    event = _read_event(args.event)
    target = AwsTarget(endpoint_url=args.endpoint_url, region=args.region)
    environment, notes = resolve_environment(template, args.function, args, target)
    properties = {**template.get("Globals", {}).get("Function", {}), **resources[args.function]["Properties"]}
    notes += _stale_build_notes(root, built_template)
    return _Prepared(
        function=args.function,
        spec=_spec(args.function, build, properties, environment),
        layer=_layer_dir(build, resources),
        runtime_python=runtime_python,
        event=event,
        environment=environment,
        notes=notes,
    )


def _read_event(name: str | None) -> Any:
    if name is None:
        return {}
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        return json.loads(text)
    except OSError as error:
        raise InvokeError(f"cannot read the event: {error.strerror}: {name}") from None
    except ValueError as error:
        raise InvokeError(f"{name} is not JSON: {error}") from None


def _spec(function: str, build: Path, properties: Mapping[str, Any], environment: dict[str, str]) -> Any:
    from shoprelay_tools.stack.provision import FunctionSpec

    timeout = properties.get("Timeout", 3)
    if not isinstance(timeout, int):
        raise InvokeError(f"{function}'s Timeout is not a number in the build")
    return FunctionSpec(
        logical_id=function,
        code_dir=build / str(properties["CodeUri"]),
        handler=str(properties["Handler"]),
        environment=environment,
        timeout=timeout,
    )


def _layer_dir(build: Path, resources: Mapping[str, Any]) -> Path:
    layers = [k for k, v in resources.items() if v.get("Type") == "AWS::Serverless::LayerVersion"]
    if len(layers) != 1:
        raise InvokeError(f"expected one layer in the build, found {len(layers)}")
    content = build / str(resources[layers[0]]["Properties"]["ContentUri"]) / "python"
    if not content.is_dir():
        raise InvokeError(f"the layer {content} is missing: run `make build`")
    return content


def _stale_build_notes(root: Path, built_template: Path) -> list[str]:
    built_at = built_template.stat().st_mtime
    sources = [root / "template.yaml", *root.glob("layers/**/*.py"), *root.glob("functions/**/*.py")]
    newer = [path for path in sources if path.is_file() and path.stat().st_mtime > built_at]
    if not newer:
        return []
    newest = max(newer, key=lambda path: path.stat().st_mtime)
    return [f"the build is older than {newest.relative_to(root)}; `make build` to run the current code"]


# -- the environment ----------------------------------------------------------------------------


class _UnresolvedError(Exception):
    """A value needs a stack resource and no stack was named."""


def resolve_environment(
    template: Mapping[str, Any], function: str, args: argparse.Namespace, target: AwsTarget
) -> tuple[dict[str, str], list[str]]:
    """The template's variables for ``function``, resolved, then ``--env-vars`` over them."""
    from shoprelay_tools.stack.deployed import DeployedStack
    from shoprelay_tools.stack.template import Resolver, TemplateError, parameter_defaults

    stack = DeployedStack(args.stack_name, target) if args.stack_name else None
    overrides = {**(stack.parameters() if stack else {}), **_parameter_overrides(args.parameter_overrides)}
    resources = template["Resources"]

    def physical(logical_id: str, attribute: str | None) -> Any:
        if stack is None or attribute is not None:
            raise _UnresolvedError(logical_id)
        return stack.physical_id(logical_id, str(resources[logical_id]["Type"]))

    session_region = stack.session.region_name if stack else (args.region or target.region)
    try:
        parameters = parameter_defaults(template, overrides)
    except TemplateError as error:
        raise InvokeError(f"{error} (--parameter-overrides 'KEY=VALUE ...')") from None
    resolver = Resolver(
        template=template,
        parameters=parameters,
        pseudo={
            "AWS::Region": str(session_region or ""),
            "AWS::StackName": str(args.stack_name or ""),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        },
        physical=physical,
    )
    declared = {
        **template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}),
        **resources[function]["Properties"].get("Environment", {}).get("Variables", {}),
    }
    environment: dict[str, str] = {}
    unresolved: dict[str, str] = {}
    for name, node in declared.items():
        try:
            environment[name] = _text(resolver.value(node))
        except _UnresolvedError as missing:
            unresolved[name] = str(missing)
        except TemplateError as error:
            raise InvokeError(f"{function}'s {name}: {error}") from None
    notes = _apply_env_file(args.env_vars, function, environment, unresolved)
    if unresolved:
        listed = ", ".join(f"{name} (the {logical_id})" for name, logical_id in unresolved.items())
        raise InvokeError(
            f"{function} needs {listed}: pass --stack-name (the deployed stack, or {_local_hint()}),"
            " or give the values in --env-vars"
        )
    try:
        session = stack.session if stack else target.session()
    except AwsAccessError as error:  # the function may not call AWS at all: let it run and see
        return environment, [*notes, f"{error}; the function's AWS calls will fail"]
    return {**environment, **_aws_environment(session, target)}, notes


def _aws_environment(session: Any, target: AwsTarget) -> dict[str, str]:
    """What Lambda gives every function (its region), plus the emulator's address and keys."""
    values = {"AWS_REGION": str(session.region_name), "AWS_DEFAULT_REGION": str(session.region_name)}
    if target.endpoint_url:
        credentials = session.get_credentials()
        values["AWS_ENDPOINT_URL"] = target.endpoint_url
        values["AWS_ACCESS_KEY_ID"] = credentials.access_key
        values["AWS_SECRET_ACCESS_KEY"] = credentials.secret_key
    return values


def _local_hint() -> str:
    from shoprelay_tools.stack.deployed import LOCAL_STACK_NAME

    return f"{LOCAL_STACK_NAME} with the local stack's --endpoint-url"


def _apply_env_file(
    path: Path | None, function: str, environment: dict[str, str], unresolved: dict[str, str]
) -> list[str]:
    """SAM's rules: "Parameters" applies to every function, the function's own object over it;
    only variables the template declares are set. A ``REPLACE-with-…`` placeholder counts as
    unset, so the sample file works once ``--stack-name`` fills those values in."""
    if path is None:
        return []
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvokeError(f"cannot read --env-vars: {error.strerror}: {path}") from None
    except ValueError as error:
        raise InvokeError(f"--env-vars {path} is not JSON: {error}") from None
    if not isinstance(loaded, dict) or not all(isinstance(v, dict) for v in loaded.values()):
        raise InvokeError(f'--env-vars {path} must be {{"<FunctionId>": {{"VAR": "value"}}, ...}} as for SAM')
    values = {**loaded.get("Parameters", {}), **loaded.get(function, {})}
    ignored = sorted(name for name in values if name not in environment and name not in unresolved)
    placeholders: list[str] = []
    for name, value in values.items():
        if name in ignored:
            continue
        text = _text(value)
        if text.startswith(PLACEHOLDER_PREFIX):
            placeholders.append(name)
            continue
        environment[name] = text
        unresolved.pop(name, None)
    notes = []
    if ignored:
        notes.append(f"{path}: not in {function}'s template environment, ignored: {', '.join(ignored)}")
    still = [name for name in placeholders if name in unresolved]
    if still:
        raise InvokeError(
            f"{path} still has placeholders for {', '.join(still)}: put the stack outputs there,"
            " or pass --stack-name to fill them in"
        )
    return notes


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parameter_overrides(text: str) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for pair in text.split():
        long_form = re.fullmatch(r"ParameterKey=([^,]+),ParameterValue=(.*)", pair)
        key, sep, value = (long_form.group(1), "=", long_form.group(2)) if long_form else pair.partition("=")
        if not sep or not key:
            raise InvokeError(f"--parameter-overrides takes KEY=VALUE, got {pair!r}")
        parsed[key] = value
    return parsed


# -- native libraries for this machine ---------------------------------------------------------------


def _host_native(artifacts: list[Path], scratch: Path, notes: list[str]) -> list[str]:
    """Folders holding this machine's build of every native package in ``artifacts``."""
    if platform.machine() in {"aarch64", "arm64"}:
        return []
    wanted: dict[str, str] = {}
    for artifact in artifacts:
        wanted.update(_native_distributions(artifact))
    if not wanted:
        return []
    links = scratch / "native"
    links.mkdir()
    missing = [f"{name}=={version}" for name, version in wanted.items() if not _link_installed(name, version, links)]
    if missing and not _pip_install(missing, links):
        notes.append(f"no build of {', '.join(missing)} for {platform.machine()}; the import may fail")
    return [str(links)]


def _native_distributions(artifact: Path) -> dict[str, str]:
    """name → version of every distribution in ``artifact`` that ships a native library."""
    found: dict[str, str] = {}
    for dist_info in artifact.glob("*.dist-info"):
        record = dist_info / "RECORD"
        if record.is_file() and ".so," in record.read_text(encoding="utf-8"):
            name, version = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)
            found[name] = version
    return found


def _link_installed(name: str, version: str, links: Path) -> bool:
    """Link this interpreter's copy of the distribution when it is the same version."""
    try:
        distribution = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    if distribution.version != version or not distribution.files:
        return False
    tops = {file.parts[0] for file in distribution.files if len(file.parts) > 1 and ".." not in file.parts}
    tops = {top for top in tops if not top.endswith((".dist-info", ".data")) and top != "__pycache__"}
    for top in tops:
        source = Path(str(distribution.locate_file(top)))
        if source.exists() and not (links / top).exists():
            (links / top).symlink_to(source)
    return bool(tops)


def _pip_install(requirements: list[str], target: Path) -> bool:
    done = subprocess.run(  # noqa: S603 - pip of this interpreter
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--only-binary=:all:",
            "--target",
            str(target),
            *requirements,
        ],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0
