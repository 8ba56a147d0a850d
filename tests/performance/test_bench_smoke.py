"""`shoprelay bench --quick` runs end to end and reports every figure the issue asks for.

Structure and sanity only: the numbers must exist and be positive. Nothing here is timed
against a budget; a quick run on a busy machine says nothing about budgets.
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest

from shoprelay.vendors import vendor_names
from shoprelay_tools.bench.coldstart import functions
from shoprelay_tools.cli import main


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """One quick run through the command line, as `make bench` runs it: figures and output."""
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["bench", "--quick", "--json", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8")), printed.getvalue()


def positive(value: Any) -> bool:
    return isinstance(value, int | float) and value > 0


def test_translate_reports_every_vendor_against_its_floor(bench: tuple[dict[str, Any], str]) -> None:
    translate = bench[0]["translate"]
    assert set(translate["vendors"]) == set(vendor_names())
    assert any("order-12-line-items" in name for name in translate["fixtures"])
    assert translate["json_library"]
    for figures in translate["vendors"].values():
        for key in (
            "orders_per_second",
            "us_per_order",
            "floor_us_per_order",
            "ratio",
            "canonical_us_per_order",
            "canonical_ratio",
            "delivery_us_per_message",
            "request_bytes",
        ):
            assert positive(figures[key]), key
        assert figures["us_per_order"] == pytest.approx(1e6 / figures["orders_per_second"])
        assert figures["ratio"] == pytest.approx(figures["us_per_order"] / figures["floor_us_per_order"])
        assert figures["canonical_ratio"] == pytest.approx(
            figures["canonical_us_per_order"] / figures["floor_us_per_order"]
        )
        assert isinstance(figures["met"], bool)


def test_ingress_accepts_every_webhook_and_reports_percentiles(bench: tuple[dict[str, Any], str]) -> None:
    ingress = bench[0]["ingress"]
    assert ingress["statuses"] == {"202": ingress["webhooks"]}
    assert "fake" in ingress["aws"]
    assert positive(ingress["accepted_per_second"])
    assert 0 < ingress["p50_ms"] <= ingress["p99_ms"]
    assert ingress["ssm_calls"] >= 1


def test_cold_start_covers_every_function_in_the_template(bench: tuple[dict[str, Any], str]) -> None:
    cold = bench[0]["cold_start"]
    assert set(cold["functions"]) == set(functions())
    assert positive(cold["floor_ms"])
    for figures in cold["functions"].values():
        assert positive(figures["median_ms"])
        assert figures["ratio"] == pytest.approx(figures["median_ms"] / cold["floor_ms"])
        assert figures["imports_xray"] is False


def test_size_reports_the_layer_and_functions_when_built(bench: tuple[dict[str, Any], str]) -> None:
    size = bench[0]["size"]
    if not size["built"]:
        assert "make build" in size["note"]
        return
    kinds = {artifact["kind"] for artifact in size["artifacts"].values()}
    assert kinds == {"AWS::Serverless::Function", "AWS::Serverless::LayerVersion"}
    for artifact in size["artifacts"].values():
        assert artifact["zipped_bytes"] > 0
        assert artifact["unzipped_bytes"] > 0


def test_cost_adds_up_at_both_volumes_and_states_its_assumptions(bench: tuple[dict[str, Any], str]) -> None:
    cost = bench[0]["cost"]
    for volume in ("low", "volume"):
        lines = cost[volume]["lines"]
        services = {line["service"] for line in lines}
        paid_for = {"API Gateway", "Lambda", "SNS", "SQS", "DynamoDB", "CloudWatch", "Data transfer", "X-Ray", "KMS"}
        assert paid_for <= services
        assert all(line["usd_per_million_orders"] >= 0 and line["assumption"] for line in lines)
        assert cost[volume]["total_usd_per_million_orders"] == pytest.approx(
            sum(line["usd_per_million_orders"] for line in lines)
        )
        assert positive(cost[volume]["total_usd_per_million_orders"])
    items = {line["item"] for line in cost["volume"]["lines"]}
    assert {
        "storage: order memory",
        "point-in-time recovery: order memory",
        "idle long polling",
        "logs: storage",
        "vendor requests out to the internet",
    } <= items
    # Batches of 10 share invocations and receives, so volume costs less per order than low traffic.
    assert cost["volume"]["total_usd_per_million_orders"] < cost["low"]["total_usd_per_million_orders"]
    assert cost["checked"]
    assert all(price["source"] for price in cost["prices"].values())
    # The floor is part of the total: the shape's lines, and some of the effect writes.
    floor = cost["volume"]["floor"]
    effect_writes = next(line for line in cost["volume"]["lines"] if line["item"] == "vendor effect writes")
    assert 0 < floor["effect_pairs_usd"] <= effect_writes["usd_per_million_orders"]
    assert floor["usd_per_million_orders"] == pytest.approx(floor["shape_usd"] + floor["effect_pairs_usd"])
    assert floor["usd_per_million_orders"] < cost["volume"]["total_usd_per_million_orders"]


def test_queues_are_paid_for_only_the_events_routed_to_them(bench: tuple[dict[str, Any], str]) -> None:
    translate, cost = bench[0]["translate"], bench[0]["cost"]
    webhooks = len(translate["fixtures"])
    # Corvidae and Tracify take no cancellation or refund, two of the fixture set's four webhooks
    assert translate["vendors"]["corvidae"]["routed"] == translate["vendors"]["tracify"]["routed"] == 2
    routed = sum(figures["routed"] for figures in translate["vendors"].values()) / webhooks
    assert routed < len(translate["vendors"])
    (into_queues,) = [line for line in cost["volume"]["lines"] if line["item"] == "SNS into each queue"]
    assert into_queues["per_order"] == pytest.approx(routed)


def test_delivery_measures_both_ways_in_one_run_and_judges_the_speedup(bench: tuple[dict[str, Any], str]) -> None:
    delivery = bench[0]["delivery"]
    assert positive(delivery["sequential_per_s"])
    assert positive(delivery["concurrent_per_s"])
    assert delivery["speedup"] == pytest.approx(delivery["concurrent_per_s"] / delivery["sequential_per_s"])
    assert delivery["budget_speedup"] == 6
    assert delivery["met"] is (delivery["speedup"] >= delivery["budget_speedup"])
    sequential, concurrent = delivery["runs"]["sequential"], delivery["runs"]["concurrent"]
    assert sequential["max_in_flight"] == 1
    assert concurrent["max_in_flight"] == delivery["batch_size"]
    # each run really was what it claims: one record at a time, then the whole batch at once
    assert sequential["most_at_the_vendor_at_once"] == 1
    assert concurrent["most_at_the_vendor_at_once"] == delivery["batch_size"]
    assert sequential["records"] == concurrent["records"] == delivery["batches"] * delivery["batch_size"]
    budget = next(entry for entry in bench[0]["budgets"] if entry["budget"].startswith("delivery speedup"))
    assert budget["met"] is delivery["met"]
    assert "concurrent / sequential" in bench[1]


def test_the_functions_processes_report_what_sizes_their_memory(bench: tuple[dict[str, Any], str]) -> None:
    usage, sizing = bench[0]["delivery"]["usage"], bench[0]["memory"]
    for kind in ("ingress", "vendor"):
        figures = usage[kind]
        assert positive(figures["cpu_ms_per_item"])
        assert positive(figures["peak_mb"])
        assert positive(figures["cold_init_cpu_ms"])
        assert positive(figures["cold_first_invocation_cpu_ms"])
        assert figures["warm_invocations"] > 0
        assert figures["cold_starts"] > 0
        judged = sizing["kinds"][kind]
        assert judged["peak_mb"] == figures["peak_mb"]
        assert judged["template_mb"]
        assert all(positive(size) for size in judged["template_mb"].values())
        budget = next(entry for entry in bench[0]["budgets"] if entry["budget"].startswith(f"memory {kind}"))
        assert budget["met"] is judged["met"]
    assert usage["vendor"]["items_per_invocation"] == bench[0]["delivery"]["batch_size"]
    # The vendor functions' Lambda time is priced from the CPU their process used.
    lines = [line for line in bench[0]["cost"]["volume"]["lines"] if line["item"].startswith("CorvidaeFunction ")]
    assert "ms of CPU at its share" in lines[-1]["assumption"]


def test_one_table_is_printed_with_the_same_budgets(bench: tuple[dict[str, Any], str]) -> None:
    figures, printed = bench
    assert printed.splitlines()[0].split() == ["item", "value", "floor", "ratio", "budget", "met"]
    headings = [line for line in printed.splitlines() if line and not line.startswith(" ")]
    for section in ("translate", "ingress", "delivery", "memory", "cold start", "size", "cost/M orders"):
        assert section in headings
    assert "cost assumptions" in printed
    assert figures["quick"] is True
    assert all(entry["met"] in {True, False, None} for entry in figures["budgets"])


def test_the_table_shows_the_share_every_vendor_pays_before_translating(bench: tuple[dict[str, Any], str]) -> None:
    lines = bench[1].splitlines()
    translate = lines[lines.index("translate") + 1 : lines.index("ingress")]
    shared = [line for line in translate if line.strip().startswith("of which raw body")]
    assert len(shared) == 1


def test_the_printed_report_fits_100_columns(bench: tuple[dict[str, Any], str]) -> None:
    too_wide = [line for line in bench[1].splitlines() if len(line) > 100]
    assert not too_wide


def test_the_memory_table_for_the_docs_has_a_row_per_kind_with_the_template_sizes(
    bench: tuple[dict[str, Any], str],
) -> None:
    from shoprelay_tools.bench.markdown import memory_table

    rows = memory_table(bench[0]).splitlines()[2:]
    assert [row.split(" | ")[0] for row in rows] == ["| ingress", "| vendor functions"]
    for row, kind in zip(rows, ("ingress", "vendor"), strict=True):
        sizes = set(bench[0]["memory"]["kinds"][kind]["template_mb"].values())
        assert row.endswith(" | " + ", ".join(f"{size} MB" for size in sorted(sizes)) + " |")


def test_the_cost_table_for_the_docs_has_every_line_of_both_volumes(bench: tuple[dict[str, Any], str]) -> None:
    from shoprelay_tools.bench.markdown import cost_table

    cost = bench[0]["cost"]
    table = cost_table(cost).splitlines()
    lines = table[2:-1]
    # a function's time is one row, though each volume bills it at its own duration
    rows = {(line["service"], line.get("function", line["item"])) for line in cost["volume"]["lines"]}
    assert len(lines) == len(rows)
    cells = [row.strip("|").split(" | ") for row in lines]
    for volume, column in (("low", 2), ("volume", 3)):
        assert sum(float(cell[column] or 0) for cell in cells) == pytest.approx(
            cost[volume]["total_usd_per_million_orders"], abs=0.01 * len(cells)
        )
    assert table[-1].startswith("| **total** |")
