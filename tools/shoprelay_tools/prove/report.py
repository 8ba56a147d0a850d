"""The text ``shoprelay prove`` prints: the run's parameters first, then one table per phase,
then every invariant with PASS or FAIL (and the first failures of each)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shoprelay.delivery.backoff import RETRY_HOURS, attempt_budget
from shoprelay_tools.prove.outcome import ProveConfig, ProveOutcome
from shoprelay_tools.prove.reconcile import Check, SoakResult, VendorCounts, percentile
from shoprelay_tools.prove.shopify import ANSWER_TIMEOUT_SECONDS, RetrySchedule
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


def _restart_line(config: ProveConfig) -> str:
    if config.restart_at is None:
        return "none"
    return (
        f"crash every vendor function once {config.restart_at:.0%} of the webhooks are posted, "
        f"restart {config.restart_pause:g} s later in fresh processes"
    )


def header(config: ProveConfig, plan: Plan, parameters: dict[str, Any]) -> str:
    described = plan.describe()
    topics = ", ".join(f"{t} {n}" for t, n in described["topics"].items())
    duplicates = sum(described["duplicates"].values())
    modes = ", ".join(f"{n} {m}" for m, n in described["duplicates"].items())
    budget = attempt_budget(parameters["max_receive_count"])
    own = config.own_rates.describe() if config.own_rates else "none (the functions reach the emulator directly)"
    lines = [
        f"shoprelay prove: seed {parameters['seed']} (repeat with --seed {parameters['seed']})",
        f"  soak        {described['webhooks']} signed webhooks (about a quarter through EventBridge, the rest "
        f"over HTTPS) from {config.posters} client threads; "
        f"{len(parameters['shops'])} shops; {topics}",
        f"              {described['lines'][0]}-{described['lines'][1]} lines ({described['over_100_lines']} webhooks "
        f"over 100, largest body {described['largest_body']} B of {parameters['max_body_bytes']}); shop/buyer "
        f"currencies {len(described['currencies'])} pairs ({described['cross_currency']} webhooks buyer != shop, "
        f"{described['zero_decimal']} in JPY, zero-decimal); {duplicates} re-posted with the same webhook id ({modes})",
        f"  shopify     no 2xx within {ANSWER_TIMEOUT_SECONDS:g} s (or any 4xx/5xx): the same webhook again, "
        f"{RetrySchedule(config.shopify_retry_window).describe()}",
        f"  functions   each environment a process, killed at the template timeout (ingress "
        f"{parameters['ingress_timeout']} s, vendors {parameters['vendor_timeout']} s); AWS {parameters['aws']}",
        f"  our side    {own}",
        f"  vendors     every sandbox, at random: {config.rates.describe()}",
        f"  retries     RETRY_BASE_SECONDS={config.retry_base_seconds}, time scale {config.retry_time_scale:.4g} "
        f"(the retry window of {RETRY_HOURS} h lasts {RETRY_HOURS * 3600 * config.retry_time_scale:.0f} s), "
        f"vendor timeout {config.vendor_timeout_seconds:g} s, "
        f"maxReceiveCount {parameters['max_receive_count']} (template), at least {budget} attempts; a one-request "
        f"record meets a retryable fault on {budget} in a row with p = {config.rates.exhaustion_chance(budget):.1e}",
        f"  pollers     MaximumConcurrency {config.concurrency} per vendor queue (template "
        f"{'/'.join(map(str, parameters['template_max_concurrency']))}); VisibilityTimeout "
        f"{parameters['visibility_timeout']} s (template {parameters['template_visibility_timeout']}) so crashed "
        "and killed batches return within the run",
        f"  restart     {_restart_line(config)}",
        f"  bad input   {config.bad} malformed or hostile requests in 12 classes (MaxBodyBytes "
        f"{parameters['max_body_bytes']})",
        "  emulator    moto in-process; DynamoDB requests made atomic and queries per partition, SQS "
        "short polls serialised (see prove/emulator.py)",
        "  shops       " + "; ".join(f"{d.split('.')[0]}: {','.join(v)}" for d, v in parameters["shops"].items()),
        f"  logs        {parameters['log_file']}",
    ]
    return "\n".join(lines)


_COUNTED = ("accepted", "delivered", "skipped", "dead_lettered", "lost", "requests")


def _vendor_row(vendor: str, c: VendorCounts) -> tuple[Any, ...]:
    return (
        vendor,
        c.accepted,
        c.delivered,
        c.skipped,
        c.dead_lettered,
        f"{c.dlq_retryable}/{c.dlq_permanent}",
        c.lost,
        c.duplicate_requests + c.duplicate_effects,
        c.requests,
        *[c.faults.get(key, 0) for key, _label in FAULT_COLUMNS],
        "yes" if c.balanced else "NO",
    )


def _total(vendors: dict[str, VendorCounts]) -> VendorCounts:
    total = VendorCounts()
    for c in vendors.values():
        for key in (*_COUNTED, "dlq_retryable", "dlq_permanent", "duplicate_requests", "duplicate_effects"):
            setattr(total, key, getattr(total, key) + getattr(c, key))
        total.faults.update(c.faults)
    return total


def _vendor_table(result: SoakResult) -> list[str]:
    rows = [_vendor_row(vendor, c) for vendor, c in result.vendors.items()]
    rows.append(_vendor_row("all", _total(result.vendors)))
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
    return [
        *_table(header_row, rows),
        "  accepted: (event, vendor) pairs the ingress routed; balanced: accepted = delivered + skipped + DLQ; "
        "retry/perm: DLQ messages with a retryable / permanent reason; dup: effects delivered twice; "
        "503..400: faults the sandboxes injected",
    ]


def _soak_section(outcome: ProveOutcome) -> list[str]:
    run, result = outcome.soak, outcome.result
    total = _total(result.vendors)
    answers = ", ".join(f"{k}: {n}" for k, n in sorted(run.answers.items()))
    posting = max(run.posting_done - run.started, 1e-9)
    delivering = max(run.last_final - run.started, 1e-9)
    return [
        "",
        "SOAK",
        *_vendor_table(result),
        f"  ingress     {len(run.posted)} webhooks, {result.accepted} accepted; {result.reposts} re-posted with the "
        f"same id, {result.duplicates_answered} answers 'duplicate'; {run.retried} attempts retried by Shopify; "
        f"answers {answers}",
        f"  latency     accept -> delivered p50 {_seconds(percentile(result.latency_delivered, 0.5))}, "
        f"p99 {_seconds(percentile(result.latency_delivered, 0.99))} (n={len(result.latency_delivered)}); "
        f"accept -> any final state p50 {_seconds(percentile(result.latency_final, 0.5))}, "
        f"p99 {_seconds(percentile(result.latency_final, 0.99))}",
        f"  throughput  {result.accepted / posting:.1f} webhooks/s accepted over {_duration(posting)} of posting; "
        f"{result.delivered / delivering:.1f} deliveries/s ({total.requests / delivering:.1f} vendor requests/s) "
        f"until the last final state at {_duration(delivering)}; settled {'cleanly' if run.settled_ok else 'NOT'} "
        f"after {_duration(run.settled - run.started)}",
    ]


def _restart_section(outcome: ProveOutcome) -> list[str]:
    run, restart = outcome.soak, outcome.restart
    crash = restart.crash
    if crash is None:
        return ["", "RESTART", "  not exercised"]
    total = _total(outcome.result.vendors)
    return [
        "",
        "RESTART",
        f"  crashed at {_duration(crash.at - run.started)} into the soak with {crash.in_flight_invocations} "
        f"invocation(s) running ({crash.in_flight_records} records); {len(crash.crashed)} invocation(s) lost "
        f"their answer, holding {restart.records} (vendor, event) records, {restart.did_work} of them already "
        f"handled (outcome logged, never acknowledged)",
        f"  restarted after {crash.restarted_at - crash.at:.1f} s in fresh processes; "
        f"{restart.final_after}/{restart.records} of those records reached a final state afterwards; "
        f"effects delivered twice in the whole soak: {total.duplicate_requests + total.duplicate_effects}",
    ]


def _own_side_section(outcome: ProveOutcome) -> list[str]:
    own = outcome.own
    ingress = own.ingress
    killed_records = sum(len(i.event_ids) for i in own.killed_vendor)
    fired = ", ".join(f"{name} {hits}" for name, hits in own.hits.items()) or "none injected"
    calls = "; ".join(
        f"{service} {len(took)} (p50 {_seconds(percentile(took, 0.5))}, p99 {_seconds(percentile(took, 0.99))})"
        for service, took in own.calls.items()
    )
    return [
        "",
        "OUR SIDE",
        f"  injected    {fired} (calls the proxy faulted, per rule)",
        f"  aws calls   {calls or 'none through the proxy'} answered, with the time the proxy took",
        f"  ingress     {ingress.invocations} invocations, {ingress.killed} killed at the timeout, "
        f"{ingress.errors} failed; duration p50 {_seconds(percentile(ingress.durations, 0.5))}, "
        f"max {_seconds(max(ingress.durations, default=None))}",
        f"  vendors     {len(own.killed_vendor)} invocation(s) killed at the timeout, holding {killed_records} records",
    ]


def _ssm_calls(count: int | None) -> str:
    return f"{count} SSM call(s)" if count is not None else "uncounted SSM calls (no proxy)"


def _bad_input_section(outcome: ProveOutcome) -> list[str]:
    bad = outcome.bad
    rows: list[tuple[Any, ...]] = []
    for kind, cls in bad.classes.items():
        answered = ", ".join(f"{status}x{n}" for status, n in sorted(cls.answers.items(), key=lambda i: str(i[0])))
        rows.append((kind, cls.sent, answered, len(cls.server_errors), len(cls.undocumented)))
    rows.append(
        (
            "all",
            sum(cls.sent for cls in bad.classes.values()),
            "",
            sum(len(cls.server_errors) for cls in bad.classes.values()),
            sum(len(cls.undocumented) for cls in bad.classes.values()),
        )
    )
    return [
        "",
        "BAD INPUT",
        *_table(("class", "sent", "answers (status x count)", "5xx", "undocumented"), rows),
        f"  published   {bad.tapped} message(s) on a tap subscription to the topic; {bad.new_outcomes} new delivery "
        f"outcome(s); {bad.new_requests} new vendor request(s); {bad.queued} message(s) queued",
        f"  flood       {bad.flood_sent} request(s) naming unknown shops made {_ssm_calls(bad.flood_ssm_calls)}",
    ]


def _check_lines(check: Check) -> list[str]:
    lines = [f"  {'PASS' if check.ok else 'FAIL'}  {check.name}" + ("" if check.ok else f" ({len(check.failures)})")]
    lines += [f"          - {failure}" for failure in check.failures[:SHOWN_FAILURES]]
    if len(check.failures) > SHOWN_FAILURES:
        lines.append(f"          ... and {len(check.failures) - SHOWN_FAILURES} more")
    return lines


def _invariants_section(outcome: ProveOutcome) -> list[str]:
    lines = ["", "INVARIANTS"]
    for check in outcome.checks:
        lines += _check_lines(check)
    lines += [f"  note  {note}" for note in outcome.result.notes]
    failed = [c for c in outcome.checks if not c.ok]
    verdict = "PASS" if not failed else f"FAIL ({len(failed)} of {len(outcome.checks)} invariants broken)"
    return [
        *lines,
        "",
        f"RESULT: {verdict} in {_duration(outcome.finished - outcome.started)} "
        f"(stack started in {outcome.parameters['startup_seconds']:.1f} s; seed {outcome.seed})",
    ]


SECTIONS: tuple[Callable[[ProveOutcome], list[str]], ...] = (
    _soak_section,
    _restart_section,
    _own_side_section,
    _bad_input_section,
    _invariants_section,
)


def render(outcome: ProveOutcome) -> str:
    return "\n".join(line for section in SECTIONS for line in section(outcome))
