"""The memory size each function needs, from what its processes used in the delivery bench.

Lambda bills an invocation by its memory size times its duration, and gives a function CPU
in proportion to its size (one vCPU at 1,769 MB). Below that, halving the size doubles the
CPU part of every invocation, so a function that mostly waits pays less at a small size, until
its CPU time outgrows its waiting and it slows down with every step down. A function's size
is the smallest, in 64 MB steps, that meets its rules:

- **memory**: the process's peak resident memory, with half as much again to spare (a larger
  order, a fuller batch, and Lambda's own runtime client need room, and Lambda ends a function
  that runs out);
- **the ingress**: a cold start answers a webhook within half of Shopify's 5 s timeout, its
  init and its first invocation taking their measured CPU time at the size's share of a vCPU
  (the extra CPU Lambda is reported to give during init is not counted on), plus its AWS calls;
- **a vendor function**: a full batch stays bound by its waiting, not by its CPU: the batch's
  CPU time at the size's share is no more than one record's wait on the vendor and the table,
  which its records spend side by side.

CPU time measured on the machine that runs the bench stands in for Lambda's arm64 cores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shoprelay_tools.bench.cost import ASSUMPTIONS, cpu_factor, ingress_wait_ms, record_wait_ms

STEP_MB = 64
SIZES_MB = tuple(range(128, int(ASSUMPTIONS["vcpu_at_mb"]) + 1, STEP_MB))
"""The sizes considered: 128 MB (Lambda's smallest) up to one vCPU."""
HEADROOM = 1.5
"""Peak resident memory times this must fit in the size."""
SHOPIFY_TIMEOUT_SECONDS = 5.0
COLD_ANSWER_SECONDS = SHOPIFY_TIMEOUT_SECONDS / 2


def bench_record_wait_ms(calls: Mapping[str, float]) -> float:
    """What one record of the delivery bench waits on, by the cost model's latencies."""
    return record_wait_ms(calls["table"], calls["vendor"])


def _fits(usage: Mapping[str, Any], memory_mb: int) -> bool:
    return bool(usage["peak_mb"] * HEADROOM <= memory_mb)


def cold_answer_seconds(usage: Mapping[str, Any], memory_mb: int) -> float:
    """A cold ingress's first answer: init and first invocation at the size's CPU share, then AWS."""
    cpu_ms = usage["cold_init_cpu_ms"] + usage["cold_first_invocation_cpu_ms"]
    return float(cpu_ms * cpu_factor(memory_mb) + ingress_wait_ms()) / 1000


def batch_cpu_ms(usage: Mapping[str, Any], memory_mb: int) -> float:
    """A full batch's CPU time at the size's share of a vCPU."""
    return float(usage["cpu_ms_per_item"] * usage["items_per_invocation"] * cpu_factor(memory_mb))


def _ingress_needs(usage: Mapping[str, Any], memory_mb: int) -> bool:
    return _fits(usage, memory_mb) and cold_answer_seconds(usage, memory_mb) <= COLD_ANSWER_SECONDS


def _vendor_needs(usage: Mapping[str, Any], memory_mb: int) -> bool:
    return _fits(usage, memory_mb) and batch_cpu_ms(usage, memory_mb) <= bench_record_wait_ms(usage["record_calls"])


_RULES = {"ingress": _ingress_needs, "vendor": _vendor_needs}
"""Function kind → whether a size meets its rules, given what the kind's process used."""
_FIGURES = {"ingress": ("cold_answer_s", cold_answer_seconds), "vendor": ("batch_cpu_ms", batch_cpu_ms)}
"""Function kind → the figure its deciding rule turns on, by size."""


def needed_mb(kind: str, usage: Mapping[str, Any]) -> int | None:
    """The smallest size meeting ``kind``'s rules; None when no size up to one vCPU does."""
    return next((size for size in SIZES_MB if _RULES[kind](usage, size)), None)


def kind_of(spec: Mapping[str, Any]) -> str | None:
    """Which rules a template function is sized by: the webhook ingress, a vendor function, or none."""
    if spec["is_ingress"]:
        return "ingress"
    return "vendor" if "VENDOR" in spec["environment"] else None


def run(delivery: Mapping[str, Any], specs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Each kind's needed size, from the delivery bench, beside the sizes the template gives.

    Met when every function of the kind has at least the needed size and at most twice it:
    less would fail a rule, more would pay for memory and CPU that buy nothing measured.
    """
    usage = {kind: dict(figures) for kind, figures in delivery["usage"].items()}
    usage["vendor"]["record_calls"] = delivery["record_calls"]
    kinds: dict[str, Any] = {}
    for kind, figures in usage.items():
        needed = needed_mb(kind, figures)
        sized = {name: spec["memory_mb"] for name, spec in specs.items() if kind_of(spec) == kind}
        figure, at = _FIGURES[kind]
        kinds[kind] = {
            "needed_mb": needed,
            "template_mb": sized,
            "peak_mb": figures["peak_mb"],
            "figure": figure,
            "by_size": {str(size): at(figures, size) for size in sorted({*sized.values(), *SIZES_MB[:1]})},
            "met": needed is not None and all(needed <= size <= 2 * needed for size in sized.values()),
        }
    return {
        "full_vcpu_mb": ASSUMPTIONS["vcpu_at_mb"],
        "headroom": HEADROOM,
        "cold_answer_budget_s": COLD_ANSWER_SECONDS,
        "vendor_record_wait_ms": bench_record_wait_ms(delivery["record_calls"]),
        "ingress_wait_ms": ingress_wait_ms(),
        "kinds": kinds,
    }
