"""``sam build`` installs exactly the locked versions, hash-checked, for the layer and every function.

sam build pip-installs the ``requirements.txt`` beside each function's code and the layer's;
when every requirement there is pinned with ``==`` and carries ``--hash`` lines, pip runs in
hash-checking mode and refuses anything else, transitive dependencies included. The files are
written by ``make lock`` from ``requirements.in``; this test fails when one is edited by hand
into something pip would resolve afresh, or falls behind its ``requirements.in``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shoprelay_tools.stack.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
_PINNED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[A-Za-z0-9.+!-]+)(?:\s*;.*)?$")
_HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


def _build_dirs() -> list[Path]:
    """The folders sam build installs requirements for: each function's CodeUri, each layer's ContentUri."""
    dirs = set()
    for resource in TEMPLATE["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            dirs.add(ROOT / properties["CodeUri"])
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            dirs.add(ROOT / properties["ContentUri"])
    return sorted(dirs)


def _requirements(text: str) -> list[tuple[str, list[str]]]:
    """(requirement, its options) per logical line, continuation lines joined, comments dropped."""
    logical = re.sub(r"\\\n", " ", text)
    found = []
    for raw in logical.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        head, *options = line.split()
        found.append((head, options))
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def problems_in(text: str) -> list[str]:
    """Why pip would not install exactly these versions with their hashes (empty: locked)."""
    problems = []
    entries = _requirements(text)
    if not entries:
        return ["no requirement at all: delete the file, or lock what the code needs"]
    for head, options in entries:
        if not _PINNED.match(head):
            problems.append(f"{head}: not an exact pin (name==version)")
            continue
        hashes = [option for option in options if option.startswith("--hash")]
        if not hashes or not all(_HASH.match(option) for option in hashes):
            problems.append(f"{head}: no sha256 hash")
    return problems


def pins(text: str) -> dict[str, str]:
    return {
        _normalise(match["name"]): match["version"] for head, _ in _requirements(text) if (match := _PINNED.match(head))
    }


BUILD_DIRS = _build_dirs()


@pytest.mark.parametrize("folder", BUILD_DIRS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_build_input_is_locked_with_hashes(folder: Path) -> None:
    locked = folder / "requirements.txt"
    source = folder / "requirements.in"
    if not locked.exists():
        assert not source.exists(), f"{source} is not locked: run `make lock`"
        return  # code only: the build installs nothing
    assert source.exists(), f"{locked} needs the requirements.in it is locked from"
    text = locked.read_text(encoding="utf-8")
    assert problems_in(text) == [], f"{locked}: run `make lock` after editing requirements.in"
    wanted = pins(source.read_text(encoding="utf-8"))
    have = pins(text)
    stale = {name: version for name, version in wanted.items() if have.get(name) != version}
    assert stale == {}, f"{locked} is behind {source}: run `make lock`"


def test_the_layer_and_the_vendor_functions_are_among_the_inputs() -> None:
    names = {str(folder.relative_to(ROOT)) for folder in BUILD_DIRS}
    assert {"layers/shoprelay", "functions/vendor"} <= names


def test_the_check_refuses_what_pip_would_resolve_afresh() -> None:
    digest = "--hash=sha256:" + "a" * 64
    assert problems_in(f"requests==2.34.2 \\\n    {digest}\n") == []
    assert problems_in("requests==2.34.2\n") == ["requests==2.34.2: no sha256 hash"]
    assert problems_in(f"requests>=2 {digest}\n") == ["requests>=2: not an exact pin (name==version)"]
    assert problems_in(f"-r other.txt {digest}\n")
    assert problems_in("# nothing\n")
