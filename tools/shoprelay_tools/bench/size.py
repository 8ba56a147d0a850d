"""Deployment size of each built function and of the layer, from ``sam build``'s output.

Unzipped is the sum of file sizes; zipped is a deflate zip made in memory, as ``sam deploy``
uploads it. Lambda's limit for a function plus its layers is 250 MB unzipped; our budget
for the layer is 15 MB.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

from shoprelay_tools.bench import ROOT
from shoprelay_tools.stack.template import load_template

BUILD_DIR = ROOT / ".aws-sam" / "build"
LAYER_BUDGET_BYTES = 15_000_000


def measure(directory: Path) -> dict[str, int]:
    unzipped = files = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for folder, _, names in sorted(os.walk(directory)):
            for name in sorted(names):
                path = Path(folder) / name
                unzipped += path.stat().st_size
                files += 1
                archive.write(path, path.relative_to(directory))
    return {"unzipped_bytes": unzipped, "zipped_bytes": len(buffer.getvalue()), "files": files}


def run(build_dir: Path = BUILD_DIR) -> dict[str, Any]:
    template = load_template(ROOT / "template.yaml")
    artifacts = {
        logical_id: resource["Type"]
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") in {"AWS::Serverless::Function", "AWS::Serverless::LayerVersion"}
    }
    missing = [logical_id for logical_id in artifacts if not (build_dir / logical_id).is_dir()]
    if missing:
        return {
            "build_dir": str(build_dir),
            "built": False,
            "note": f"not built ({', '.join(missing)} missing): run `make build` first",
            "artifacts": {},
            "layer_budget_bytes": LAYER_BUDGET_BYTES,
            "met": None,
        }
    results = {logical_id: {"kind": kind, **measure(build_dir / logical_id)} for logical_id, kind in artifacts.items()}
    layers = [r for r in results.values() if r["kind"] == "AWS::Serverless::LayerVersion"]
    return {
        "build_dir": str(build_dir),
        "built": True,
        "artifacts": results,
        "layer_budget_bytes": LAYER_BUDGET_BYTES,
        "met": all(layer["unzipped_bytes"] < LAYER_BUDGET_BYTES for layer in layers),
    }
