"""Read template.yaml: CloudFormation tags, parameters, conditions and intrinsic functions.

Only what the local stack needs is resolved (Ref, GetAtt, Sub, If, Equals, Not, Join,
Select); the rest of CloudFormation is left to AWS. Physical ids come from a ``resolve``
callback, so the same code serves moto and any other emulator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_SHORT_TAGS = {
    "Ref": "Ref",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "GetAZs": "Fn::GetAZs",
    "Condition": "Condition",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "ImportValue": "Fn::ImportValue",
}


class TemplateError(ValueError):
    """The template uses something the local stack cannot resolve."""


class _Loader(yaml.SafeLoader):
    pass


def _construct(tag: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def build(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if tag == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type,unused-ignore]
        return {tag: value}

    return build


for _short, _full in _SHORT_TAGS.items():
    _Loader.add_constructor(f"!{_short}", _construct(_full))


def load_template(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(f"{path} is not a CloudFormation template")
    return document


@dataclass
class Resolver:
    """Evaluates intrinsic functions against parameters and already-created resources."""

    template: Mapping[str, Any]
    parameters: dict[str, Any]
    pseudo: dict[str, str]
    physical: Callable[[str, str | None], Any]
    """(logical id, attribute or None for Ref) → value; creates the resource if needed."""
    conditions: dict[str, bool] = field(default_factory=dict)

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.value(self.template.get("Conditions", {})[name]))
        return self.conditions[name]

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, argument),) = node.items()
            handler = _FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, argument)
        return {k: v for k, v in ((k, self.value(v)) for k, v in node.items()) if v is not _NO_VALUE}

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name in self.template["Resources"]:
            return self.physical(name, None)
        raise TemplateError(f"cannot resolve Ref {name}")

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self.value(variables[name]))
            if "." in name:
                logical, attribute = name.split(".", 1)
                return str(self.physical(logical, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


_NO_VALUE = _NoValue()


def _if(resolver: Resolver, argument: list[Any]) -> Any:
    name, when_true, when_false = argument
    return resolver.value(when_true if resolver.condition(name) else when_false)


_FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": lambda r, a: r.ref(a),
    "Fn::GetAtt": lambda r, a: r.physical(a[0], ".".join(a[1:])),
    "Fn::Sub": lambda r, a: r.sub(a),
    "Fn::If": _if,
    "Fn::Equals": lambda r, a: str(r.value(a[0])) == str(r.value(a[1])),
    "Fn::Not": lambda r, a: not r.value(a[0]),
    "Fn::And": lambda r, a: all(r.value(x) for x in a),
    "Fn::Or": lambda r, a: any(r.value(x) for x in a),
    "Fn::Join": lambda r, a: str(a[0]).join(str(x) for x in r.value(a[1])),
    "Fn::Select": lambda r, a: r.value(a[1])[int(r.value(a[0]))],
    "Fn::Split": lambda r, a: str(r.value(a[1])).split(a[0]),
    "Condition": lambda r, a: r.condition(a),
}


LOCAL_STAND_INS: dict[str, Any] = {"AlarmEmail": "alarms@example.invalid"}
"""Values for parameters a real deploy must be given (no default), for stacks that never notify anyone."""


def parameter_defaults(template: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    values = {
        name: spec.get("Default", LOCAL_STAND_INS.get(name)) for name, spec in template.get("Parameters", {}).items()
    }
    values.update(overrides or {})
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise TemplateError(f"parameters without a default need a value: {', '.join(missing)}")
    return values


def find_root(start: Path | None = None) -> Path:
    """The project directory holding template.yaml: the checkout this package lives in, or above cwd."""
    candidates = [Path(__file__).resolve().parents[3]]
    here = (start or Path.cwd()).resolve()
    candidates += [here, *here.parents]
    for candidate in candidates:
        if (candidate / "template.yaml").is_file():
            return candidate
    raise FileNotFoundError("template.yaml not found; run from the shoprelay checkout or pass --root")
