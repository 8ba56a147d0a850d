"""template.yaml's per-vendor wiring: written once, in template-vendor.yaml, rendered per vendor.

Every vendor gets the same parameter, queues, subscription, alarm, function and outputs,
differing only in the name. They are written once in ``template-vendor.yaml`` (``__vendor__``
stands for the vendor's name, ``__Vendor__`` for the same name capitalised, as logical ids
spell it) and rendered into marked blocks of ``template.yaml`` for every vendor package in
``layers/shoprelay/shoprelay/vendors/``. The rendered template is committed, so ``sam build``,
``sam deploy``, cfn-lint, checkov and the local stack all read plain CloudFormation, and a
review shows every resource as it will be deployed. A unit test renders it again and fails
on any drift.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from shoprelay.vendors import vendor_names

FRAGMENT = "template-vendor.yaml"
TEMPLATE = "template.yaml"
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


def write(root: Path) -> bool:
    """Render template.yaml in place; True when it changed."""
    path = root / TEMPLATE
    before = path.read_text(encoding="utf-8")
    after = rendered_template(root)
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before
