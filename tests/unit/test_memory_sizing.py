"""The memory sizes the bench asks for follow from what the functions' processes used.

The figures here stand for what a delivery bench run reports; the rules and the template are
the real ones, so a rule that stopped reading a figure, or a size the template no longer
matches, fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from shoprelay_tools.bench import memory
from shoprelay_tools.bench.coldstart import functions

RECORD_CALLS = {"table": 2, "vendor": 1}


def usage(
    *, cpu_ms_per_item: float = 4.0, cold_cpu_ms: float = 450.0, peak_mb: float = 70.0, items: int = 1
) -> dict[str, Any]:
    return {
        "items_per_invocation": items,
        "cpu_ms_per_item": cpu_ms_per_item,
        "cold_init_cpu_ms": cold_cpu_ms / 3,
        "cold_first_invocation_cpu_ms": cold_cpu_ms * 2 / 3,
        "peak_mb": peak_mb,
    }


def delivery(ingress: dict[str, Any], vendor: dict[str, Any]) -> dict[str, Any]:
    return {"usage": {"ingress": ingress, "vendor": vendor}, "record_calls": RECORD_CALLS}


def test_a_cold_ingress_gets_the_smallest_size_that_answers_within_half_of_shopifys_timeout() -> None:
    figures = usage(cold_cpu_ms=450.0)
    needed = memory.needed_mb("ingress", figures)
    assert needed is not None
    assert memory.cold_answer_seconds(figures, needed) <= memory.COLD_ANSWER_SECONDS
    assert memory.cold_answer_seconds(figures, needed - memory.STEP_MB) > memory.COLD_ANSWER_SECONDS
    # Twice the CPU at cold start needs about twice the share of a vCPU.
    heavier = memory.needed_mb("ingress", usage(cold_cpu_ms=900.0))
    assert heavier is not None
    assert heavier >= 2 * needed - memory.STEP_MB


def test_a_vendor_function_gets_the_smallest_size_at_which_a_batch_is_bound_by_its_waiting() -> None:
    figures = {**usage(cpu_ms_per_item=4.0, items=10), "record_calls": RECORD_CALLS}
    needed = memory.needed_mb("vendor", figures)
    wait = memory.bench_record_wait_ms(RECORD_CALLS)
    assert needed is not None
    assert memory.batch_cpu_ms(figures, needed) <= wait < memory.batch_cpu_ms(figures, needed - memory.STEP_MB)


def test_memory_that_does_not_fit_with_room_to_spare_raises_the_size() -> None:
    light = {**usage(cpu_ms_per_item=0.1, items=10, peak_mb=70.0), "record_calls": RECORD_CALLS}
    heavy = {**light, "peak_mb": 300.0}
    assert memory.needed_mb("vendor", light) == 128
    needed = memory.needed_mb("vendor", heavy)
    assert needed is not None
    assert needed >= 300 * memory.HEADROOM > needed - memory.STEP_MB


def test_no_size_up_to_one_vcpu_is_an_answer_not_a_guess() -> None:
    assert memory.needed_mb("ingress", usage(cold_cpu_ms=5000.0)) is None


@pytest.mark.parametrize(
    ("vendor_cpu_ms", "met"),
    [
        (4.0, True),  # needs about 448 MB: the template's size is enough and not twice too much
        (20.0, False),  # a batch this busy needs more than the template gives
        (0.5, False),  # this light, the template's size would be mostly paid-for idle CPU
    ],
)
def test_the_template_is_judged_by_the_sizes_it_gives_each_kind(vendor_cpu_ms: float, met: bool) -> None:
    report = memory.run(delivery(usage(), usage(cpu_ms_per_item=vendor_cpu_ms, items=10)), functions())
    vendor = report["kinds"]["vendor"]
    assert vendor["met"] is met
    assert set(vendor["template_mb"]) == {name for name, spec in functions().items() if "VENDOR" in spec["environment"]}
    assert set(report["kinds"]["ingress"]["template_mb"]) == {"IngressFunction"}
