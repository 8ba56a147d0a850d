"""The cost table of a ``make bench`` run as Markdown, for docs/performance.md.

``python -m shoprelay_tools.bench.markdown [.aws-sam/bench.json]`` prints it; the page then
shows the figures of that one run, line by line, with each line's assumption.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shoprelay_tools.bench.cost import VOLUMES
from shoprelay_tools.bench_command import DEFAULT_JSON


def _line_key(line: dict[str, Any]) -> tuple[str, str]:
    """What one line is across volumes: a function's time is priced at a different duration in each."""
    if "function" in line:
        return line["service"], f"{line['function']} time"
    return line["service"], line["item"]


def cost_table(cost: dict[str, Any]) -> str:
    """One row per cost line: its price per million orders at each volume, and its assumption."""
    names = [volume.name for volume in VOLUMES]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for name in names:
        for line in cost[name]["lines"]:
            row = rows.setdefault(_line_key(line), {"assumption": line["assumption"]})
            row[name] = line
    header = ["service", "line", *(f"{name} $/M" for name in names), "assumption (volume)"]
    out = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    for (service, item), row in rows.items():
        prices = [f"{row[name]['usd_per_million_orders']:.2f}" if name in row else "" for name in names]
        volume = row.get(names[-1], {})
        billed = f" ({volume['billed_ms']} ms x {volume['memory_mb']} MB)" if "billed_ms" in volume else ""
        assumption = volume.get("assumption", row["assumption"])
        out.append(f"| {service} | {item}{billed} | {' | '.join(prices)} | {assumption} |")
    totals = [f"**{cost[name]['total_usd_per_million_orders']:.2f}**" for name in names]
    out.append(f"| **total** | | {' | '.join(totals)} | |")
    return "\n".join(out)


def floor_sentence(cost: dict[str, Any]) -> str:
    """The volume's floor in one sentence: the shape and the effect pairs, before storage and logs."""
    f = cost["volume"]["floor"]
    return (
        f"The floor at volume is ${f['usd_per_million_orders']:.2f}: ${f['shape_usd']:.2f} for "
        f"{', '.join(f['shape_services'])}, and ${f['effect_pairs_usd']:.2f} for the claim and completion "
        f"of the effects whose vendor does not ignore a repeat ({f['effect_pair_writes_per_order']:.1f} "
        "writes an order), before anything is stored or logged."
    )


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_JSON
    report = json.loads(path.read_text(encoding="utf-8"))
    print(f"From the run of {report.get('generated_at', 'unknown date')}:\n")
    print(cost_table(report["cost"]))
    print()
    print(floor_sentence(report["cost"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
