"""All benchmarks in one report: the figures as a dict (for JSON) and as one printed table."""

from __future__ import annotations

import platform
import statistics
import sys
from datetime import UTC, datetime
from typing import Any

from shoprelay_tools.bench import coldstart, cost, ingress, size, translate

Row = tuple[str, str, str, str, str, str, str]
HEADER: Row = ("section", "item", "value", "floor", "ratio", "budget", "met")


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
        "cost": cost.run(translated, ingressed),
    }
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
    for name, figures in report["cold_start"]["functions"].items():
        found.append(
            {
                "budget": f"cold start {name} <= {figures['budget_ratio']:g}x floor",
                "value": figures["ratio"],
                "met": figures["met"],
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


def _cost_rows(report: dict[str, Any]) -> list[Row]:
    lines = report["cost"]["lines"]
    by_service: dict[str, float] = {}
    for entry in lines:
        by_service[entry["service"]] = by_service.get(entry["service"], 0.0) + entry["usd_per_million_orders"]
    lambda_item = _lambda_item([entry for entry in lines if "billed_ms" in entry])
    table: list[Row] = [
        ("cost/M orders", lambda_item if service == "Lambda" else service, f"${usd:.2f}", "", "", "", "")
        for service, usd in by_service.items()
    ]
    table.append(("cost/M orders", "total", f"${report['cost']['total_usd_per_million_orders']:.2f}", "", "", "", ""))
    return table


def _lambda_item(durations: list[dict[str, Any]]) -> str:
    """Lambda's cost rides on billed time, so its row names the durations it was priced at."""
    if not durations:
        return "Lambda"
    vendors = [e["billed_ms"] for e in durations[1:]]
    item = f"Lambda ({durations[0]['billed_ms']} ms ingress"
    item += f", {min(vendors)}-{max(vendors)} ms vendors" if vendors else ""
    return item + f", {durations[0]['memory_mb']} MB)"


_SECTIONS = (_translate_rows, _ingress_rows, _cold_start_rows, _size_rows, _cost_rows)
"""The report's sections, in the order they are printed."""


def render(report: dict[str, Any]) -> str:
    table = [HEADER, *rows(report)]
    widths = [max(len(row[col]) for row in table) for col in range(len(HEADER))]
    lines = []
    for index, row in enumerate(table):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    t, i = report["translate"], report["ingress"]
    lines.append("")
    lines.append(
        f"translate: {len(t['fixtures'])} fixtures ({', '.join(t['fixtures'])}); floor = parse the raw body "
        f"+ serialise the request bodies with {t['json_library']}; one core (CPU {t['pinned_core']})"
    )
    lines.append(f"ingress: {i['webhooks']} signed webhooks through the production handler; AWS = {i['aws']}")
    cold = report["cold_start"]
    lines.append(f"cold start: {cold['interpreter']}; floor = {cold['floor']}")
    for kind, stages in cold.get("stages_ms", {}).items():
        steps = ", ".join(f"{name} {ms:.0f}" for name, ms in stages.items())
        lines.append(f"  {kind} import stages (ms): {steps}")
    lines.append("cost assumptions:")
    lines.extend(f"  - {note}" for note in report["cost"]["notes"])
    prices = ", ".join(f"{k} ${v}" for k, v in report["cost"]["prices"].items())
    lines.append(f"  - prices: {prices}")
    if report["quick"]:
        lines.append("QUICK RUN: fewer rounds and processes; the figures are for smoke tests, not budgets")
    return "\n".join(lines)
