"""template.yaml's per-vendor wiring: written once, in template-vendor.yaml, rendered per vendor.

Every vendor gets the same parameter, queues, subscription, alarm, function and outputs,
differing only in the name. They are written once in ``template-vendor.yaml`` (``__vendor__``
stands for the vendor's name, ``__Vendor__`` for the same name capitalised, as logical ids
spell it) and rendered into marked blocks of ``template.yaml`` for every vendor package in
``layers/shoprelay/shoprelay/vendors/``. The rendered template is committed, so ``sam build``,
``sam deploy``, cfn-lint, checkov and the local stack all read plain CloudFormation, and a
review shows every resource as it will be deployed. A unit test renders it again and fails
on any drift.

The same command renders ``shoprelay/vendors/routes.py``: the kinds of event each vendor's
translator skips whatever they hold, with its reason. The ingress reads that table to route an
event only to the vendors that can use it, without importing any vendor package.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from shoprelay.canonical import EventKind
from shoprelay.vendors import load_vendor, vendor_names

FRAGMENT = "template-vendor.yaml"
TEMPLATE = "template.yaml"
ROUTES = "layers/shoprelay/shoprelay/vendors/routes.py"
SECTIONS = ("Parameters", "Resources", "Outputs")
BEGIN = "  # >>> per-vendor wiring: rendered from template-vendor.yaml by `make wiring`; edit that file, not this block"
END = "  # <<< end of per-vendor wiring"
_SECTION_LINE = re.compile(r"^([A-Za-z]+):\s*$")


class WiringError(ValueError):
    """template.yaml or template-vendor.yaml is not shaped as rendering needs."""


def logical_name(vendor: str) -> str:
    """``mytracker`` → ``Mytracker``: the prefix of the vendor's logical ids."""
    return vendor.capitalize()


def fragment_sections(fragment: str) -> dict[str, str]:
    """The text under each top-level section of the fragment (comments before the first are dropped)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in fragment.splitlines():
        match = _SECTION_LINE.match(line)
        if match:
            if match.group(1) not in SECTIONS:
                raise WiringError(f"{FRAGMENT}: unexpected section {match.group(1)!r}; allowed: {', '.join(SECTIONS)}")
            current = sections.setdefault(match.group(1), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip("\n") for name, lines in sections.items()}


def render_section(text: str, vendors: Iterable[str]) -> str:
    blocks = [text.replace("__Vendor__", logical_name(vendor)).replace("__vendor__", vendor) for vendor in vendors]
    return "\n\n".join(blocks)


def _marked_blocks(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Section name → (index of its BEGIN line, index of its END line) in ``lines``."""
    blocks: dict[str, tuple[int, int]] = {}
    section = ""
    begin: int | None = None
    for index, line in enumerate(lines):
        match = _SECTION_LINE.match(line)
        if match:
            section = match.group(1)
        elif line == BEGIN:
            if section in blocks or begin is not None:
                raise WiringError(f"{TEMPLATE}: section {section or '(none)'} has more than one wiring block")
            begin = index
        elif line == END and begin is not None:
            blocks[section] = (begin, index)
            begin = None
    return blocks


def render(template: str, fragment: str, vendors: Iterable[str]) -> str:
    """``template`` with every marked block replaced by its section rendered for ``vendors``."""
    names = list(vendors)
    lines = template.split("\n")
    blocks = _marked_blocks(lines)
    sections = fragment_sections(fragment)
    if set(blocks) != set(sections):
        raise WiringError(
            f"{TEMPLATE} has wiring blocks in {sorted(blocks)}, {FRAGMENT} has sections {sorted(sections)}"
        )
    for section, (begin, end) in sorted(blocks.items(), key=lambda item: item[1], reverse=True):
        lines[begin + 1 : end] = render_section(sections[section], names).split("\n")
    return "\n".join(lines)


def rendered_template(root: Path) -> str:
    return render(
        (root / TEMPLATE).read_text(encoding="utf-8"), (root / FRAGMENT).read_text(encoding="utf-8"), vendor_names()
    )


_ROUTES_HEAD = '''"""Kinds of event a vendor skips whatever they hold, and why: the ingress does not route them.

Rendered from each vendor's translator (``Translator.reason_to_skip_kind``) by ``make wiring``;
do not edit. A unit test renders it again and fails on any drift.
"""

SKIPPED_KINDS: dict[str, dict[str, str]] = {
'''


def skipped_kinds(vendors: Iterable[str]) -> dict[str, dict[str, str]]:
    """Vendor → {kind: reason} for every kind its translator skips whatever the event holds."""
    table: dict[str, dict[str, str]] = {}
    for vendor in vendors:
        translate = load_vendor(vendor).translate
        reasons = ((kind.value, translate.reason_to_skip_kind(kind)) for kind in EventKind)
        table[vendor] = {kind: reason for kind, reason in reasons if reason is not None}
    return table


def render_routes(table: dict[str, dict[str, str]]) -> str:
    """The table as Python source; JSON's string literals are Python's too."""
    lines = [_ROUTES_HEAD]
    for vendor, kinds in table.items():
        lines.append(f"    {json.dumps(vendor)}: {{\n")
        lines.extend(
            f"        {json.dumps(kind)}: {json.dumps(reason, ensure_ascii=False)},\n" for kind, reason in kinds.items()
        )
        lines.append("    },\n")
    lines.append("}\n")
    return "".join(lines)


def rendered_routes() -> str:
    return render_routes(skipped_kinds(vendor_names()))


def rendered_files(root: Path) -> dict[Path, str]:
    """Every file ``make wiring`` writes, as it should read now."""
    return {root / TEMPLATE: rendered_template(root), root / ROUTES: rendered_routes()}


def _differs(path: Path, rendering: str) -> bool:
    return not path.exists() or path.read_text(encoding="utf-8") != rendering


def stale_files(root: Path) -> list[str]:
    """The rendered files that differ from their rendering, relative to ``root``."""
    return [str(path.relative_to(root)) for path, text in rendered_files(root).items() if _differs(path, text)]


def write(root: Path) -> bool:
    """Render template.yaml and the routes table in place; True when either changed."""
    stale = {path: text for path, text in rendered_files(root).items() if _differs(path, text)}
    for path, text in stale.items():
        path.write_text(text, encoding="utf-8")
    return bool(stale)
