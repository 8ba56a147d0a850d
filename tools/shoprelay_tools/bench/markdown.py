"""The memory and cost tables of a ``make bench`` run as Markdown, for docs/performance.md.

``python -m shoprelay_tools.bench.markdown [.aws-sam/bench.json]`` prints them; the page then
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


def _sizes(kind: dict[str, Any], unit: str, digits: int) -> str:
    """The deciding figure at the template's size and at the smallest, e.g. "at 512 MB: 1.64 s"."""
    by_size = sorted(kind["by_size"].items(), key=lambda item: -int(item[0]))
    return "; ".join(f"at {size} MB: {value:.{digits}f}{unit}" for size, value in by_size)


def memory_table(report: dict[str, Any]) -> str:
    """One row per function kind: what its processes used, its rule, what it needs, what it has."""
    memory, usage = report["memory"], report["delivery"]["usage"]
    ingress, vendor = usage["ingress"], usage["vendor"]
    kinds = memory["kinds"]
    rows = [
        (
            "ingress",
            f"peak {ingress['peak_mb']:.0f} MB; {ingress['cpu_ms_per_item']:.1f} ms a warm webhook; a cold start "
            f"{ingress['cold_init_cpu_ms']:.0f} ms of init and {ingress['cold_first_invocation_cpu_ms']:.0f} ms of "
            "first invocation (its clients, its settings)",
            f"a cold start answers within {memory['cold_answer_budget_s']:g} s, half of Shopify's timeout, at the "
            f"size's CPU share, with {memory['ingress_wait_ms']:.0f} ms of AWS calls; the peak with "
            f"{memory['headroom'] - 1:.0%} to spare fits",
            kinds["ingress"],
            _sizes(kinds["ingress"], " s", 2),
        ),
        (
            "vendor functions",
            f"peak {vendor['peak_mb']:.0f} MB; {vendor['cpu_ms_per_item']:.1f} ms a record (its table calls, its "
            f"vendor call, translation), batches of {vendor['items_per_invocation']} side by side",
            f"a full batch's CPU at the size's share stays within one record's wait "
            f"({memory['vendor_record_wait_ms']:.0f} ms); the peak fits as above",
            kinds["vendor"],
            _sizes(kinds["vendor"], " ms of CPU a batch", 0),
        ),
    ]
    out = [
        "| function | measured (CPU on one core of the bench's machine) | rule | needs | template |",
        "|---|---|---|---|---|",
    ]
    for name, measured, rule, kind, figures in rows:
        needed = "no size up to one vCPU" if kind["needed_mb"] is None else f"{kind['needed_mb']} MB"
        template = ", ".join(f"{size} MB" for size in sorted(set(kind["template_mb"].values())))
        out.append(f"| {name} | {measured} | {rule} | {needed} ({figures}) | {template} |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_JSON
    report = json.loads(path.read_text(encoding="utf-8"))
    print(f"From the run of {report.get('generated_at', 'unknown date')}:\n")
    print(memory_table(report))
    print()
    print(cost_table(report["cost"]))
    print()
    print(floor_sentence(report["cost"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
