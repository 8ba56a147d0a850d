"""All benchmarks in one report: the figures as a dict (for JSON) and as one printed table."""

from __future__ import annotations

import platform
import statistics
import sys
import textwrap
from datetime import UTC, datetime
from typing import Any

from shoprelay_tools.bench import coldstart, cost, delivery, ingress, memory, size, translate

Row = tuple[str, str, str, str, str, str, str]
VOLUME_BUDGET_USD = 8.0
"""Most a million orders may cost at volume with every vendor enabled."""
HEADER: Row = ("section", "item", "value", "floor", "ratio", "budget", "met")
WIDTH = 100
"""Columns the printed report fits in; the JSON holds every figure unwrapped."""
_INDENT = 2
_GAP = 2
_WRAPPABLE = (0, 1)
"""The item and value columns, wrapped onto more lines when the row would not fit."""
_NARROWEST = 12


def collect(quick: bool = False) -> dict[str, Any]:
    """Run every benchmark; ``quick`` does a fraction of the work (figures not for budgets)."""
    translated = translate.run(quick=quick)
    ingressed = ingress.run(quick=quick)
    report: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "processor": platform.machine(),
        },
        "translate": translated,
        "ingress": ingressed,
        "cold_start": coldstart.run(quick=quick),
        "size": size.run(),
        "delivery": delivery.run(quick=quick),
    }
    # Last: the functions' measured CPU time and memory size their memory and price their time.
    report["memory"] = memory.run(report["delivery"], coldstart.functions())
    report["cost"] = cost.run(translated, ingressed, report["delivery"])
    report["budgets"] = budgets(report)
    return report


def budgets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every budget with its figure and whether it is met (None: not measured)."""
    found: list[dict[str, Any]] = []
    for vendor, figures in report["translate"]["vendors"].items():
        found.append(
            {
                "budget": f"translate {vendor} <= {figures['budget_ratio']:g}x floor",
                "value": figures["ratio"],
                "met": figures["met"],
            }
        )
    found.append(
        {
            "budget": f"ingress p99 < {report['ingress']['budget_p99_ms']:g} ms",
            "value": report["ingress"]["p99_ms"],
            "met": report["ingress"]["met"],
        }
    )
    found.append(
        {
            "budget": f"delivery speedup >= {report['delivery']['budget_speedup']:g}x",
            "value": report["delivery"]["speedup"],
            "met": report["delivery"]["met"],
        }
    )
    for kind, figures in report["memory"]["kinds"].items():
        found.append(
            {
                "budget": f"memory {kind}: the template's size meets the measured rules",
                "value": figures["needed_mb"],
                "met": figures["met"],
            }
        )
    for name, figures in report["cold_start"]["functions"].items():
        found.append(
            {
                "budget": f"cold start {name} <= {figures['budget_ratio']:g}x floor",
                "value": figures["ratio"],
                "met": figures["met"],
            }
        )
    volume = report["cost"]["volume"]["total_usd_per_million_orders"]
    found.append(
        {
            "budget": f"cost at volume <= ${VOLUME_BUDGET_USD:g} per million orders",
            "value": volume,
            "met": volume <= VOLUME_BUDGET_USD,
        }
    )
    layer = [a for a in report["size"]["artifacts"].values() if a["kind"] == "AWS::Serverless::LayerVersion"]
    found.append(
        {
            "budget": f"layer < {report['size']['layer_budget_bytes'] / 1e6:g} MB unzipped",
            "value": layer[0]["unzipped_bytes"] if layer else None,
            "met": report["size"]["met"],
        }
    )
    return found


def _met(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def _mb(size_bytes: int) -> str:
    return f"{size_bytes / 1e6:.2f} MB" if size_bytes >= 100_000 else f"{size_bytes / 1e3:.1f} kB"


def rows(report: dict[str, Any]) -> list[Row]:
    return [row for section in _SECTIONS for row in section(report)]


def _translate_rows(report: dict[str, Any]) -> list[Row]:
    vendors = report["translate"]["vendors"]
    table: list[Row] = [
        (
            "translate",
            vendor,
            f"{v['orders_per_second']:,.0f} orders/s ({v['us_per_order']:.0f} us)",
            f"{v['floor_us_per_order']:.0f} us",
            f"{v['ratio']:.1f}x",
            f"<= {v['budget_ratio']:g}x",
            _met(v["met"]),
        )
        for vendor, v in vendors.items()
    ]
    shared = statistics.median(v["canonical_us_per_order"] for v in vendors.values())
    shared_ratio = statistics.median(v["canonical_ratio"] for v in vendors.values())
    floor = statistics.median(v["floor_us_per_order"] for v in vendors.values())
    item = "of which raw body -> canonical event"
    table.append(("translate", item, f"{shared:.0f} us", f"{floor:.0f} us", f"{shared_ratio:.1f}x", "", ""))
    return table


def _ingress_rows(report: dict[str, Any]) -> list[Row]:
    i = report["ingress"]
    return [
        ("ingress", "accepted webhooks/s", f"{i['accepted_per_second']:,.0f}/s", "", "", "", ""),
        ("ingress", "handler p50", f"{i['p50_ms']:.2f} ms", "", "", "", ""),
        ("ingress", "handler p99", f"{i['p99_ms']:.2f} ms", "", "", f"< {i['budget_p99_ms']:g} ms", _met(i["met"])),
    ]


def _delivery_rows(report: dict[str, Any]) -> list[Row]:
    d = report["delivery"]
    runs = d["runs"]
    return [
        (
            "delivery",
            f"{name} (max_in_flight {run['max_in_flight']})",
            f"{run['per_s']:,.1f} records/s",
            "",
            "",
            "",
            "",
        )
        for name, run in runs.items()
    ] + [
        (
            "delivery",
            "concurrent / sequential",
            f"{d['speedup']:.1f}x",
            "",
            "",
            f">= {d['budget_speedup']:g}x",
            _met(d["met"]),
        )
    ]


def _memory_rows(report: dict[str, Any]) -> list[Row]:
    m = report["memory"]
    table: list[Row] = []
    for kind, k in m["kinds"].items():
        sizes = sorted(set(k["template_mb"].values()))
        needed = "none fits" if k["needed_mb"] is None else f">= {k['needed_mb']} MB"
        table.append(
            (
                "memory",
                f"{kind}: peak {k['peak_mb']:.0f} MB; {_MEMORY_FIGURES[k['figure']].format(**m)}",
                ", ".join(f"{size} MB" for size in sizes),
                "",
                "",
                needed,
                _met(k["met"]),
            )
        )
    return table


_MEMORY_FIGURES = {
    "cold_answer_s": "cold answer in <= {cold_answer_budget_s:g} s",
    "batch_cpu_ms": "batch CPU <= a record's wait",
}
"""How each kind's deciding rule reads in the table, filled from the memory figures (the rules
are in bench/memory.py)."""


def _cold_start_rows(report: dict[str, Any]) -> list[Row]:
    c = report["cold_start"]
    floor = f"{c['floor_ms']:.0f} ms"
    table: list[Row] = [("cold start", f"floor (median of {c['runs']})", floor, "", "", "", "")]
    table.extend(
        (
            "cold start",
            name,
            f"{f['median_ms']:.0f} ms",
            floor,
            f"{f['ratio']:.2f}x",
            f"<= {f['budget_ratio']:g}x",
            _met(f["met"]),
        )
        for name, f in c["functions"].items()
    )
    return table


def _size_rows(report: dict[str, Any]) -> list[Row]:
    s = report["size"]
    table: list[Row] = [] if s["built"] else [("size", "all", s["note"], "", "", "", "")]
    table.extend(
        (
            "size",
            f"{name} (layer)",
            _sizes(a),
            "",
            "",
            f"< {s['layer_budget_bytes'] / 1e6:g} MB",
            _met(a["unzipped_bytes"] < s["layer_budget_bytes"]),
        )
        for name, a in s["artifacts"].items()
        if a["kind"] == "AWS::Serverless::LayerVersion"
    )
    functions = [a for a in s["artifacts"].values() if a["kind"] == "AWS::Serverless::Function"]
    if functions:
        largest = max(functions, key=lambda a: a["unzipped_bytes"])
        table.append(("size", f"each of {len(functions)} functions (largest)", _sizes(largest), "", "", "", ""))
    return table


def _sizes(artifact: dict[str, Any]) -> str:
    return f"{_mb(artifact['unzipped_bytes'])} ({_mb(artifact['zipped_bytes'])} zipped)"


def _by_service(lines: list[dict[str, Any]]) -> dict[str, float]:
    found: dict[str, float] = {}
    for entry in lines:
        found[entry["service"]] = found.get(entry["service"], 0.0) + entry["usd_per_million_orders"]
    return found


def _cost_rows(report: dict[str, Any]) -> list[Row]:
    """Per service, at low traffic and at volume ("low / volume"); the JSON has every line."""
    cost = report["cost"]
    low, volume = _by_service(cost["low"]["lines"]), _by_service(cost["volume"]["lines"])
    lambda_item = _lambda_item([entry for entry in cost["volume"]["lines"] if "billed_ms" in entry])
    table: list[Row] = [
        (
            "cost/M orders",
            lambda_item if service == "Lambda" else service,
            f"${low[service]:.2f} / ${usd:.2f}",
            "",
            "",
            "",
            "",
        )
        for service, usd in volume.items()
    ]
    totals = (
        f"${cost['low']['total_usd_per_million_orders']:.2f} / ${cost['volume']['total_usd_per_million_orders']:.2f}"
    )
    table.append(
        (
            "cost/M orders",
            "total (low / volume)",
            totals,
            "",
            "",
            "<= $8 at volume",
            _met(cost["volume"]["total_usd_per_million_orders"] <= VOLUME_BUDGET_USD),
        )
    )
    floor = cost["volume"]["floor"]
    table.append(
        (
            "cost/M orders",
            "floor at volume: the shape + effect claims and completions",
            f"${floor['usd_per_million_orders']:.2f}",
            "",
            "",
            "",
            "",
        )
    )
    return table


def _lambda_item(durations: list[dict[str, Any]]) -> str:
    """Lambda's cost rides on billed time, so its row names the durations it was priced at (volume)."""
    if not durations:
        return "Lambda"
    ingress, vendors = durations[0], durations[1:]
    item = f"Lambda ({ingress['billed_ms']} ms x {ingress['memory_mb']} MB ingress"
    if vendors:
        billed = [entry["billed_ms"] for entry in vendors]
        sizes = "/".join(sorted({str(entry["memory_mb"]) for entry in vendors}))
        item += f", {min(billed)}-{max(billed)} ms x {sizes} MB per vendor batch"
    return item + ")"


def _cost_notes(cost: dict[str, Any]) -> list[str]:
    notes = ["cost assumptions (every line's own is in the JSON):"]
    notes.extend(f"  - {name}: {cost[name]['about']}" for name in ("low", "volume"))
    notes.append(
        "  - Lambda time: the CPU the functions' processes used in the delivery bench, at the memory "
        "size's share of a vCPU, plus the AWS and vendor waits assumed (a batch's records wait side by side)"
    )
    notes.append(f"  - prices: us-east-1, arm64, checked {cost['checked']}; free tiers left out:")
    for name, price in cost["prices"].items():
        source = price["source"] + (f"; {price['note']}" if price["note"] else "")
        notes.append(f"      {name}: ${price['usd']:g} per {price['per']} ({source})")
    return notes


_SECTIONS = (
    _translate_rows,
    _ingress_rows,
    _delivery_rows,
    _memory_rows,
    _cold_start_rows,
    _size_rows,
    _cost_rows,
)
"""The report's sections, in the order they are printed."""


def render(report: dict[str, Any], width: int = WIDTH) -> str:
    lines = table_lines(rows(report), width)
    t, i = report["translate"], report["ingress"]
    lines.append("")
    lines.append(
        f"translate: {len(t['fixtures'])} fixtures ({', '.join(t['fixtures'])}); floor = parse the raw body "
        f"+ serialise the request bodies with {t['json_library']}; one core (CPU {t['pinned_core']})"
    )
    lines.append(f"ingress: {i['webhooks']} signed webhooks through the production handler; AWS = {i['aws']}")
    d = report["delivery"]
    lines.append(
        f"delivery: {d['batches']} timed batch(es) of {d['batch_size']} different orders per run, one invocation "
        f"each; vendor = {d['vendor']}; AWS = {d['aws']}"
    )
    cold = report["cold_start"]
    lines.append(f"cold start: {cold['interpreter']}; floor = {cold['floor']}")
    for kind, stages in cold.get("stages_ms", {}).items():
        steps = ", ".join(f"{name} {ms:.0f}" for name, ms in stages.items())
        lines.append(f"  {kind} import stages (ms): {steps}")
    lines.extend(_cost_notes(report["cost"]))
    if report["quick"]:
        lines.append("QUICK RUN: fewer rounds and processes; the figures are for smoke tests, not budgets")
    return "\n".join(wrapped for line in lines for wrapped in _wrap_note(line, width))


def table_lines(table: list[Row], width: int = WIDTH) -> list[str]:
    """The rows under a heading per section, the wordy columns wrapped so no line is wider than ``width``."""
    cells = [row[1:] for row in [HEADER, *table]]
    widths = [max(len(cell[col]) for cell in cells) for col in range(len(HEADER) - 1)]
    spare = width - _INDENT - sum(widths) - _GAP * (len(widths) - 1)
    while spare < 0 and any(widths[col] > _NARROWEST for col in _WRAPPABLE):
        widest = max(_WRAPPABLE, key=lambda col: widths[col])
        widths[widest] -= 1
        spare += 1
    lines = _physical_lines(HEADER[1:], widths)
    lines.append(" " * _INDENT + (" " * _GAP).join("-" * w for w in widths))
    section = None
    for row in table:
        if row[0] != section:
            section = row[0]
            lines.append(section)
        lines.extend(_physical_lines(row[1:], widths))
    return lines


def _physical_lines(cells: tuple[str, ...], widths: list[int]) -> list[str]:
    """One table row, as many lines as its longest wrapped cell needs."""
    wrapped = [textwrap.wrap(cell, w, break_on_hyphens=False) or [""] for cell, w in zip(cells, widths, strict=True)]
    height = max(len(parts) for parts in wrapped)
    lines = []
    for index in range(height):
        parts = [
            (column[index] if index < len(column) else "").ljust(w) for column, w in zip(wrapped, widths, strict=True)
        ]
        lines.append((" " * _INDENT + (" " * _GAP).join(parts)).rstrip())
    return lines


def _wrap_note(line: str, width: int) -> list[str]:
    if len(line) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False, break_long_words=False)
