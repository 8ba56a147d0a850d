"""The soak's invariants, checked from evidence that is plain data (so a test can forge it).

Evidence comes from four independent places: the ingress's HTTP answers (what was accepted,
with which event id and vendors), the vendor functions' "delivery outcome" and "vendor call"
log records (tagged with whether their invocation's answer reached Lambda), the sandboxes'
request records (what each vendor actually received), and the dead-letter queues.

Invariants, per vendor and event:

* every accepted event reaches exactly one final state (delivered, skipped or dead-lettered)
  at every vendor the ingress routed it to, and the ingress routes to the shop's enabled vendors;
* a webhook re-posted with the same id is answered ``duplicate`` with the original's event id;
* no vendor effect happens twice: no request is answered 2xx twice for one event at a
  sandbox, and no effect of an order is reported delivered twice (repeatable requests, which
  the vendor modules declare harmless to repeat, excepted);
* every DLQ message says why; a retryable failure is dead-lettered only on the last attempt
  of its budget (``maxReceiveCount - 1``); a permanent one only when the vendor answered an injected 400;
  each dead-lettered outcome has exactly one DLQ message and each DLQ message such an outcome.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shoprelay.delivery.backoff import attempt_budget

FINAL = frozenset({"delivered", "skipped", "dead_lettered"})
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_EXHAUSTED = re.compile(r"^retries exhausted after (\d+) attempts")


@dataclass(frozen=True)
class Accepted:
    """A webhook the ingress answered 202."""

    webhook_id: str
    event_id: str
    shop: str
    topic: str
    subject: str
    vendors: tuple[str, ...]
    """As the ingress answered."""
    expected_vendors: tuple[str, ...]
    """The shop's enabled vendors, as seeded."""
    accepted_at: float


@dataclass(frozen=True)
class Repost:
    """A second copy of a webhook (same webhook id) and the ingress's answer to it."""

    webhook_id: str
    mode: str
    status: int | None
    answer_status: str | None
    answer_id: str | None
    original_event_id: str | None


@dataclass(frozen=True)
class Rejected:
    """A soak webhook that never got a 202 (after retrying 5xx the way Shopify would)."""

    webhook_id: str
    status: int | None
    detail: str


@dataclass(frozen=True)
class Outcome:
    vendor: str
    event_id: str | None
    outcome: str
    reason: str | None
    at: float
    acknowledged: bool = True
    """False when the invocation that logged it never answered (crashed or failed)."""


@dataclass(frozen=True)
class Call:
    vendor: str
    event_id: str | None
    effect: str
    part: int
    verdict: str


@dataclass(frozen=True)
class Hit:
    """One request a sandbox received."""

    vendor: str
    event_id: str | None
    method: str
    url: str
    body: str
    status: int | None
    fault: str | None


@dataclass(frozen=True)
class DeadLetter:
    vendor: str | None
    event_id: str | None
    reason: str | None
    status: str | None
    vendor_error: str | None


@dataclass
class SoakEvidence:
    accepted: list[Accepted]
    reposts: list[Repost]
    rejected: list[Rejected]
    outcomes: list[Outcome]
    calls: list[Call]
    hits: list[Hit]
    dead_letters: list[DeadLetter]
    max_receive_count: int
    repeatable_effects: frozenset[tuple[str, str]] = frozenset()
    """(vendor, effect) of requests the vendor modules mark ``repeatable``."""
    repeatable_paths: frozenset[tuple[str, str, str]] = frozenset()
    """(vendor, method, URL path at the sandbox) of those requests."""


@dataclass
class VendorCounts:
    accepted: int = 0
    delivered: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    dlq_retryable: int = 0
    dlq_permanent: int = 0
    lost: int = 0
    reprocessed: int = 0
    duplicate_requests: int = 0
    duplicate_effects: int = 0
    requests: int = 0
    answered_2xx: int = 0
    faults: Counter[str] = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        return self.accepted == self.delivered + self.skipped + self.dead_lettered


@dataclass(frozen=True)
class Check:
    name: str
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class SoakResult:
    vendors: dict[str, VendorCounts]
    checks: list[Check]
    notes: list[str]
    latency_delivered: list[float]
    latency_final: list[float]
    accepted: int
    reposts: int
    duplicates_answered: int

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def delivered(self) -> int:
        return sum(c.delivered for c in self.vendors.values())


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def _path(url: str) -> str:
    return urlsplit(url).path


def is_retryable(letter: DeadLetter) -> bool:
    """Whether the failure behind a DLQ message was one that retrying could cure."""
    reason = letter.reason or ""
    if _EXHAUSTED.match(reason):
        return True
    if letter.status and letter.status.isdigit() and int(letter.status) in RETRYABLE_STATUSES:
        return True
    return "timed out" in reason or "network error" in reason or "another attempt" in reason


def reconcile(evidence: SoakEvidence) -> SoakResult:  # noqa: PLR0915 - one pass per invariant
    vendors: dict[str, VendorCounts] = defaultdict(VendorCounts)
    notes: list[str] = []
    by_event = {a.event_id: a for a in evidence.accepted}

    # -- routing and ingress idempotency ---------------------------------------------------------
    routing = [
        f"{a.webhook_id} ({a.shop}, {a.topic}): routed to {list(a.vendors)}, shop has {list(a.expected_vendors)}"
        for a in evidence.accepted
        if tuple(sorted(a.vendors)) != tuple(sorted(a.expected_vendors))
    ]
    twice = Counter(a.webhook_id for a in evidence.accepted)
    idempotency = [f"webhook {w} accepted {n} times" for w, n in twice.items() if n > 1]
    idempotency += [
        f"duplicate of {r.webhook_id} ({r.mode}) answered HTTP {r.status} {r.answer_status!r} "
        f"id {r.answer_id} (original {r.original_event_id})"
        for r in evidence.reposts
        if r.status != 200 or r.answer_status != "duplicate" or r.answer_id != r.original_event_id
    ]
    idempotency += [f"webhook {r.webhook_id} never accepted: HTTP {r.status} {r.detail}" for r in evidence.rejected]
    duplicates_answered = sum(1 for r in evidence.reposts if r.status == 200 and r.answer_status == "duplicate")

    # -- final states --------------------------------------------------------------------------------
    expected: dict[tuple[str, str], Accepted] = {}
    for accepted in evidence.accepted:
        for vendor in accepted.vendors:
            expected[(vendor, accepted.event_id)] = accepted
    finals: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    unacknowledged_dead: set[tuple[str, str]] = set()
    for outcome in evidence.outcomes:
        if outcome.event_id is None or outcome.outcome not in FINAL:
            continue
        pair = (outcome.vendor, outcome.event_id)
        if outcome.acknowledged:
            finals[pair].append(outcome)
        elif outcome.outcome == "dead_lettered":
            unacknowledged_dead.add(pair)
    letters: dict[tuple[str | None, str | None], list[DeadLetter]] = defaultdict(list)
    for letter in evidence.dead_letters:
        letters[(letter.vendor, letter.event_id)].append(letter)

    final_state: list[str] = []
    dlq_match: list[str] = []
    latency_delivered: list[float] = []
    latency_final: list[float] = []
    crash_copies = 0
    for pair, accepted in sorted(expected.items()):
        vendor, event_id = pair
        counts = vendors[vendor]
        counts.accepted += 1
        outcomes = sorted(finals.get(pair, []), key=lambda o: o.at)
        in_dlq = letters.get(pair, [])
        kinds = {o.outcome for o in outcomes}
        if not outcomes:
            if in_dlq:
                counts.dead_lettered += 1
                final_state.append(f"{vendor} {event_id}: in the DLQ without a dead-lettered outcome (SQS redrive?)")
            else:
                counts.lost += 1
                final_state.append(f"{vendor} {event_id} ({accepted.topic}, {accepted.shop}): no final state")
            continue
        if len(outcomes) > 1:
            counts.reprocessed += 1
        if "dead_lettered" in kinds and "delivered" in kinds:
            final_state.append(f"{vendor} {event_id}: both delivered and dead-lettered")
        if "dead_lettered" in kinds:
            counts.dead_lettered += 1
            dead = sum(1 for o in outcomes if o.outcome == "dead_lettered")
            if not in_dlq:
                dlq_match.append(f"{vendor} {event_id}: dead-lettered, but no message in the DLQ")
            elif len(in_dlq) > dead:
                if pair in unacknowledged_dead:
                    crash_copies += len(in_dlq) - dead
                else:
                    dlq_match.append(f"{vendor} {event_id}: {len(in_dlq)} DLQ messages for {dead} dead-lettering")
        else:
            if "delivered" in kinds:
                counts.delivered += 1
                first = next(o for o in outcomes if o.outcome == "delivered")
                latency_delivered.append(first.at - accepted.accepted_at)
            else:
                counts.skipped += 1
            if in_dlq:
                if pair in unacknowledged_dead:
                    crash_copies += len(in_dlq)
                else:
                    dlq_match.append(f"{vendor} {event_id}: {outcomes[-1].outcome}, yet {len(in_dlq)} DLQ message(s)")
        latency_final.append(outcomes[0].at - accepted.accepted_at)
    for (letter_vendor, letter_event), found in letters.items():
        if (letter_vendor or "", letter_event or "") not in expected:
            dlq_match.append(
                f"{len(found)} DLQ message(s) for {letter_vendor} {letter_event}, which was not routed there"
            )
    if crash_copies:
        notes.append(
            f"{crash_copies} DLQ message(s) were written by invocations the restart crashed before they answered; "
            "their records were handled again (a replay would pass through idempotency)"
        )

    # -- dead-letter reasons -----------------------------------------------------------------------
    reasons: list[str] = []
    too_early: list[str] = []
    unexplained: list[str] = []
    fault_400 = {(h.vendor, h.event_id) for h in evidence.hits if h.fault == "status 400"}
    for letter in evidence.dead_letters:
        vendor = letter.vendor or "?"
        where = f"{vendor} {letter.event_id}"
        if not letter.reason:
            reasons.append(f"{where}: no reason attribute")
            continue
        exhausted = _EXHAUSTED.match(letter.reason)
        if is_retryable(letter):
            vendors[vendor].dlq_retryable += 1
            if exhausted is None:
                too_early.append(f"{where}: retryable failure dead-lettered at once: {letter.reason[:160]}")
            elif int(exhausted.group(1)) < (budget := attempt_budget(evidence.max_receive_count)):
                too_early.append(f"{where}: dead-lettered after {exhausted.group(1)} of {budget} attempts")
            continue
        vendors[vendor].dlq_permanent += 1
        injected = (
            letter.status == "400"
            and "injected fault 400" in (letter.vendor_error or "")
            and (letter.vendor, letter.event_id) in fault_400
        )
        if not injected:
            unexplained.append(f"{where}: HTTP {letter.status}: {letter.reason[:200]}")

    # -- duplicate effects ------------------------------------------------------------------------------
    duplicates: list[str] = []
    sent: Counter[tuple[str, str | None, str, str, str]] = Counter()
    for hit in evidence.hits:
        vendors[hit.vendor].requests += 1
        if hit.fault:
            vendors[hit.vendor].faults[hit.fault] += 1
        if hit.status is None or not 200 <= hit.status < 300:
            continue
        vendors[hit.vendor].answered_2xx += 1
        if (hit.vendor, hit.method, _path(hit.url)) in evidence.repeatable_paths:
            continue
        sent[(hit.vendor, hit.event_id, hit.method, hit.url, hit.body)] += 1
    for (hit_vendor, hit_event, method, url, _body), times in sent.items():
        if times > 1:
            vendors[hit_vendor].duplicate_requests += times - 1
            duplicates.append(f"{hit_vendor} {hit_event}: {method} {_path(url)} answered 2xx {times} times")
    effects: Counter[tuple[str, str, str, str, int]] = Counter()
    for call in evidence.calls:
        if call.verdict != "delivered" or (call.vendor, call.effect) in evidence.repeatable_effects:
            continue
        owner = by_event.get(call.event_id or "")
        shop, subject = (owner.shop, owner.subject) if owner else ("?", f"event:{call.event_id}")
        effects[(call.vendor, shop, subject, call.effect, call.part)] += 1
    for (vendor, shop, subject, effect, part), times in effects.items():
        if times > 1:
            vendors[vendor].duplicate_effects += times - 1
            duplicates.append(f"{vendor} {shop} {subject}: effect {effect}#{part} delivered {times} times")

    reprocessed = sum(c.reprocessed for c in vendors.values())
    if reprocessed:
        notes.append(
            f"{reprocessed} record(s) reached a final state twice (SQS delivers at least once); "
            "each agreed with the first and no effect was repeated unless reported above"
        )
    checks = [
        Check("every accepted event reached exactly one final state at each routed vendor", final_state),
        Check("the ingress routed every event to exactly the shop's enabled vendors", routing),
        Check("every re-posted webhook was answered 'duplicate' with the original's event id", idempotency),
        Check("no vendor effect was delivered twice (sandbox 2xx per request; effects per order)", duplicates),
        Check("every DLQ message carries a reason", reasons),
        Check(
            f"retryable failures reached a DLQ only after all {attempt_budget(evidence.max_receive_count)} attempts",
            too_early,
        ),
        Check("permanent DLQ messages are explained by an injected 400", unexplained),
        Check("dead-lettered outcomes and DLQ messages match one to one", dlq_match),
    ]
    return SoakResult(
        vendors=dict(sorted(vendors.items())),
        checks=checks,
        notes=notes,
        latency_delivered=latency_delivered,
        latency_final=latency_final,
        accepted=len(evidence.accepted),
        reposts=len(evidence.reposts),
        duplicates_answered=duplicates_answered,
    )
