"""The text ``shoprelay prove`` prints: the run's parameters first, then one table per phase,
then every invariant with PASS or FAIL (and the first failures of each)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from shoprelay.delivery.backoff import attempt_budget
from shoprelay_tools.prove.reconcile import percentile

if TYPE_CHECKING:
    from shoprelay_tools.prove.run import ProveConfig, ProveOutcome
    from shoprelay_tools.prove.workload import Plan

SHOWN_FAILURES = 8
FAULT_COLUMNS = (
    ("status 503", "503"),
    ("status 429", "429"),
    ("timeout", "hang"),
    ("reset", "reset"),
    ("status 400", "400"),
)


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]], indent: str = "  ") -> list[str]:
    cells = [tuple(str(c) for c in row) for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        first = row[0].ljust(widths[0])
        rest = "  ".join(cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        lines.append(f"{indent}{first}  {rest}".rstrip())
    return lines


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


def header(config: ProveConfig, plan: Plan, parameters: dict[str, Any]) -> str:
    described = plan.describe()
    topics = ", ".join(f"{t} {n}" for t, n in described["topics"].items())
    duplicates = sum(described["duplicates"].values())
    modes = ", ".join(f"{n} {m}" for m, n in described["duplicates"].items())
    lines = [
        f"shoprelay prove: seed {parameters['seed']} (repeat with --seed {parameters['seed']})",
        f"  soak        {described['webhooks']} signed webhooks over HTTP from {config.posters} client threads; "
        f"{len(parameters['shops'])} shops; {topics}",
        f"              1-{described['lines'][1]} lines; shop/buyer currencies {len(described['currencies'])} pairs "
        f"({described['cross_currency']} webhooks buyer != shop, {described['zero_decimal']} in JPY, zero-decimal); "
        f"{duplicates} re-posted with the same webhook id ({modes})",
        f"  faults      every vendor sandbox, at random: {config.rates.describe()}",
        f"  retries     RETRY_BASE_SECONDS={config.retry_base_seconds}, "
        f"vendor timeout {config.vendor_timeout_seconds:g} s, "
        f"maxReceiveCount {parameters['max_receive_count']} (template), so "
        f"{attempt_budget(parameters['max_receive_count'])} attempts; a one-request record meets a retryable fault "
        f"on all of them with p = "
        f"{config.rates.exhaustion_chance(attempt_budget(parameters['max_receive_count'])):.1e}",
        f"  pollers     MaximumConcurrency {config.concurrency} per vendor queue (template "
        f"{'/'.join(map(str, parameters['template_max_concurrency']))}); VisibilityTimeout "
        f"{config.visibility_timeout} s (template 360) so crashed batches return within the run",
        "  restart     "
        + (
            f"crash every vendor function once {config.restart_at:.0%} of the webhooks are posted, "
            f"restart {config.restart_pause:g} s later with re-imported functions"
            if config.restart_at is not None
            else "none"
        ),
        f"  bad input   {config.bad} malformed or hostile requests in 12 classes (MaxBodyBytes "
        f"{parameters['max_body_bytes']})",
        "  emulator    moto in-process; DynamoDB requests made atomic and queries per partition, SQS "
        "short polls serialised (see prove/emulator.py)",
        "  shops       " + "; ".join(f"{d.split('.')[0]}: {','.join(v)}" for d, v in parameters["shops"].items()),
        f"  logs        {parameters['log_file']}",
    ]
    return "\n".join(lines)


def render(outcome: ProveOutcome) -> str:
    run, result, restart, bad = outcome.soak, outcome.result, outcome.restart, outcome.bad
    lines = ["", "SOAK"]
    rows = []
    total: Counter[str] = Counter()
    for vendor, c in result.vendors.items():
        faults = [c.faults.get(key, 0) for key, _label in FAULT_COLUMNS]
        row = (
            vendor,
            c.accepted,
            c.delivered,
            c.skipped,
            c.dead_lettered,
            f"{c.dlq_retryable}/{c.dlq_permanent}",
            c.lost,
            c.duplicate_requests + c.duplicate_effects,
            c.requests,
            *faults,
            "yes" if c.balanced else "NO",
        )
        rows.append(row)
        for key in ("accepted", "delivered", "skipped", "dead_lettered", "lost", "requests"):
            total[key] += getattr(c, key)
        total["dup"] += c.duplicate_requests + c.duplicate_effects
        total["retry"] += c.dlq_retryable
        total["perm"] += c.dlq_permanent
        for key, _label in FAULT_COLUMNS:
            total[key] += c.faults.get(key, 0)
    rows.append(
        (
            "all",
            total["accepted"],
            total["delivered"],
            total["skipped"],
            total["dead_lettered"],
            f"{total['retry']}/{total['perm']}",
            total["lost"],
            total["dup"],
            total["requests"],
            *[total[key] for key, _label in FAULT_COLUMNS],
            "yes" if total["accepted"] == total["delivered"] + total["skipped"] + total["dead_lettered"] else "NO",
        )
    )
    header_row = (
        "vendor",
        "accepted",
        "delivered",
        "skipped",
        "DLQ",
        "retry/perm",
        "lost",
        "dup",
        "requests",
        *[label for _key, label in FAULT_COLUMNS],
        "balanced",
    )
    lines += _table(header_row, rows)
    lines.append(
        "  accepted: (event, vendor) pairs the ingress routed; balanced: accepted = delivered + skipped + DLQ; "
        "retry/perm: DLQ messages with a retryable / permanent reason; dup: effects delivered twice; "
        "503..400: faults the sandboxes injected"
    )
    webhooks = len(run.posted)
    answers = ", ".join(f"{k}: {n}" for k, n in sorted(run.answers.items()))
    lines.append(
        f"  ingress     {webhooks} webhooks, {result.accepted} accepted; {result.reposts} re-posted duplicates, "
        f"{result.duplicates_answered} answered 'duplicate'; answers {answers}; 5xx retried: {run.server_errors}"
    )
    lines.append(
        f"  latency     accept -> delivered p50 {_seconds(percentile(result.latency_delivered, 0.5))}, "
        f"p99 {_seconds(percentile(result.latency_delivered, 0.99))} (n={len(result.latency_delivered)}); "
        f"accept -> any final state p50 {_seconds(percentile(result.latency_final, 0.5))}, "
        f"p99 {_seconds(percentile(result.latency_final, 0.99))}"
    )
    posting = max(run.posting_done - run.started, 1e-9)
    delivering = max(run.last_final - run.started, 1e-9)
    lines.append(
        f"  throughput  {result.accepted / posting:.1f} webhooks/s accepted over {_duration(posting)} of posting; "
        f"{result.delivered / delivering:.1f} deliveries/s ({total['requests'] / delivering:.1f} vendor requests/s) "
        f"until the last final state at {_duration(delivering)}; settled {'cleanly' if run.settled_ok else 'NOT'} "
        f"after {_duration(run.settled - run.started)}"
    )

    lines += ["", "RESTART"]
    crash = restart.crash
    if crash is None:
        lines.append("  not exercised")
    else:
        lines.append(
            f"  crashed at {_duration(crash.at - run.started)} into the soak with {crash.in_flight_invocations} "
            f"invocation(s) running ({crash.in_flight_records} records); {len(crash.crashed)} invocation(s) lost "
            f"their answer, holding {restart.records} (vendor, event) records, {restart.did_work} of them already "
            f"handled (outcome logged, never acknowledged)"
        )
        lines.append(
            f"  restarted after {crash.restarted_at - crash.at:.1f} s with re-imported functions; "
            f"{restart.final_after}/{restart.records} of those records reached a final state afterwards; "
            f"effects delivered twice in the whole soak: {total['dup']}"
        )

    lines += ["", "BAD INPUT"]
    bad_rows = []
    for kind, cls in bad.classes.items():
        answered = ", ".join(f"{status}x{n}" for status, n in sorted(cls.answers.items(), key=lambda i: str(i[0])))
        bad_rows.append((kind, cls.sent, answered, len(cls.server_errors), len(cls.undocumented)))
    bad_rows.append(
        (
            "all",
            sum(cls.sent for cls in bad.classes.values()),
            "",
            sum(len(cls.server_errors) for cls in bad.classes.values()),
            sum(len(cls.undocumented) for cls in bad.classes.values()),
        )
    )
    lines += _table(("class", "sent", "answers (status x count)", "5xx", "undocumented"), bad_rows)
    lines.append(
        f"  published   {bad.tapped} message(s) on a tap subscription to the topic; {bad.new_outcomes} new delivery "
        f"outcome(s); {bad.new_requests} new vendor request(s); {bad.queued} message(s) queued"
    )

    lines += ["", "INVARIANTS"]
    for check in outcome.checks:
        lines.append(
            f"  {'PASS' if check.ok else 'FAIL'}  {check.name}" + ("" if check.ok else f" ({len(check.failures)})")
        )
        lines += [f"          - {failure}" for failure in check.failures[:SHOWN_FAILURES]]
        if len(check.failures) > SHOWN_FAILURES:
            lines.append(f"          ... and {len(check.failures) - SHOWN_FAILURES} more")
    for note in result.notes:
        lines.append(f"  note  {note}")
    failed = [c for c in outcome.checks if not c.ok]
    verdict = "PASS" if not failed else f"FAIL ({len(failed)} of {len(outcome.checks)} invariants broken)"
    lines += [
        "",
        f"RESULT: {verdict} in {_duration(outcome.finished - outcome.started)} "
        f"(stack started in {outcome.parameters['startup_seconds']:.1f} s; seed {outcome.seed})",
    ]
    return "\n".join(lines)
