"""The soak's invariants, checked from evidence that is plain data (so a test can forge it).

Evidence comes from four independent places: every attempt Shopify's simulated deliveries
made and the ingress's answer to it, the vendor functions' "delivery outcome" and "vendor
call" log lines (tagged with whether their invocation's answer reached the event source),
the sandboxes' request records (what each vendor actually received), and the dead-letter
queues.

Each invariant is one function of a :class:`Ledger` (the evidence, indexed once) returning
a :class:`Check`; :data:`CHECKS` lists them in the order the report prints them. Counting
for the report's tables is kept apart from judging, in :func:`count`.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from urllib.parse import urlsplit

from shoprelay.canonical import EventKind
from shoprelay.delivery.backoff import attempt_budget
from shoprelay.vendors import load_vendor

FINAL = frozenset({"delivered", "skipped", "dead_lettered"})
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_EXHAUSTED = re.compile(r"^(?:retries exhausted after (\d+) attempts|unexpected \w+ on attempt (\d+) of \d+)")
"""The reasons a vendor function gives when it dead-letters a record on its last attempt."""

Pair = tuple[str, str]
"""(vendor, event id)."""


# -- evidence ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt of a Shopify delivery and what the ingress answered in time."""

    status: int | None
    """None: no answer within Shopify's timeout, or the connection broke."""
    answer_status: str | None
    answer_id: str | None
    vendors: tuple[str, ...]
    at: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Shopify counts only a 2xx as delivered."""
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        if self.status is None:
            return f"no answer ({self.detail or 'timeout'})"
        return " ".join(part for part in (f"HTTP {self.status}", self.answer_status, self.detail[:120]) if part)


@dataclass(frozen=True)
class Delivery:
    """One delivery of a webhook by Shopify: the first attempt and the retries after it."""

    mode: str
    """``original``, or how the same webhook was sent again (``after``, ``racing``, ``late``)."""
    attempts: tuple[Attempt, ...]

    @property
    def succeeded(self) -> bool:
        return any(a.ok for a in self.attempts)


@dataclass(frozen=True)
class Sent:
    """A webhook of the soak: valid, signed, of a relayed topic, for a configured shop."""

    webhook_id: str
    shop: str
    topic: str
    subject: str
    expected_vendors: tuple[str, ...]
    """The shop's enabled vendors, as seeded, that can use the webhook's kind of event
    (:func:`routed_vendors`)."""
    deliveries: tuple[Delivery, ...]
    lines: int = 0
    size: int = 0
    """Body bytes."""

    @property
    def attempts(self) -> list[Attempt]:
        return [a for d in self.deliveries for a in d.attempts]

    @property
    def answered_2xx(self) -> list[Attempt]:
        return [a for a in self.attempts if a.ok]

    def describe(self) -> str:
        return f"{self.webhook_id} ({self.shop.split('.')[0]}, {self.topic}, {self.lines} lines, {self.size} B)"


@dataclass(frozen=True)
class Accepted:
    """A webhook the ingress answered 2xx: its event, and where it was routed.

    Usually a 202. When the answer to the attempt that published was lost (Shopify timed
    out, or the function died after publishing), a later attempt is answered ``duplicate``
    with the same event id; the event was routed to the shop's enabled vendors then.
    """

    webhook_id: str
    event_id: str
    shop: str
    topic: str
    subject: str
    vendors: tuple[str, ...]
    """As the ingress answered."""
    expected_vendors: tuple[str, ...]
    accepted_at: float


@dataclass(frozen=True)
class Outcome:
    vendor: str
    event_id: str | None
    outcome: str
    reason: str | None
    at: float
    acknowledged: bool = True
    """False when the invocation that logged it never answered (crashed, failed or killed)."""


@dataclass(frozen=True)
class Call:
    vendor: str
    event_id: str | None
    effect: str
    part: int
    verdict: str
    interrupted: bool = False
    """Its invocation died before the record's outcome: whatever the vendor answered, the
    effect's record was never completed, so the record's next attempt may send it again (the
    one window architecture.md names)."""


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
    write: str | None = None
    """What identifies one dead-letter write (source message and time): a write that the
    client repeated after losing the first answer leaves two messages with the same one."""


@dataclass(frozen=True)
class RequestKinds:
    """Requests the vendor modules declare safe to send again, found from their translations."""

    repeatable_effects: frozenset[tuple[str, str]] = frozenset()
    """(vendor, effect) of requests marked ``repeatable``: no record, sent before each attempt."""
    repeatable_paths: frozenset[tuple[str, str, str]] = frozenset()
    """(vendor, method, URL path at the sandbox) of those requests."""
    deduplicated_effects: frozenset[tuple[str, str]] = frozenset()
    """(vendor, effect) of requests marked ``vendor_ignores_repeats``: the vendor keeps the
    first, so the event that marked the effect may send it again; no other event may."""
    deduplicated_paths: frozenset[tuple[str, str, str]] = frozenset()


@dataclass
class SoakEvidence:
    sent: list[Sent]
    outcomes: list[Outcome]
    calls: list[Call]
    hits: list[Hit]
    dead_letters: list[DeadLetter]
    max_receive_count: int
    kinds: RequestKinds = field(default_factory=RequestKinds)


# -- results ---------------------------------------------------------------------------------------


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

    def lines(self, shown: int = 5) -> list[str]:
        """The check as a report prints it: its verdict, then its first ``shown`` failures."""
        return [f"  [{'ok' if self.ok else 'FAILED'}] {self.name}", *(f"      {f}" for f in self.failures[:shown])]


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


def routed_vendors(kind: EventKind, enabled: Iterable[str]) -> tuple[str, ...]:
    """The vendors among ``enabled`` whose translator builds requests for ``kind``.

    Read from the translators themselves, not from the table the ingress routes by, so a
    stale table shows up as a routing failure.
    """
    return tuple(vendor for vendor in enabled if _takes(vendor, kind))


@cache
def _takes(vendor: str, kind: EventKind) -> bool:
    """Asked for every posted webhook on every settling poll: looked up once per pair."""
    return load_vendor(vendor).translate.reason_to_skip_kind(kind) is None


def accepted_of(sent: Sent) -> Accepted | None:
    """The webhook's first 2xx with an event id, as an :class:`Accepted`; None without one."""
    answers = sorted((a for a in sent.attempts if a.ok and a.answer_id), key=lambda a: a.at)
    if not answers:
        return None
    first = answers[0]
    routed = next((a.vendors for a in answers if a.status == 202), sent.expected_vendors)
    return Accepted(
        webhook_id=sent.webhook_id,
        event_id=str(first.answer_id),
        shop=sent.shop,
        topic=sent.topic,
        subject=sent.subject,
        vendors=routed,
        expected_vendors=sent.expected_vendors,
        accepted_at=first.at,
    )


# -- one (vendor, event) pair's fate ----------------------------------------------------------------------


@dataclass(frozen=True)
class PairVerdict:
    state: str
    """``delivered``, ``skipped``, ``dead_lettered`` or ``lost``."""
    problem: str | None = None
    """Why the pair breaks "exactly one final state"."""
    dlq_problem: str | None = None
    """Why its DLQ messages do not match its dead-lettered outcomes."""
    crash_copies: int = 0
    """DLQ messages beyond its dead-letterings: written by invocations that never answered
    (their record ran again), or repeated by a client that lost the first write's answer."""
    reprocessed: bool = False
    first_final: float | None = None
    first_delivered: float | None = None


def _without_outcome(pair: Pair, accepted: Accepted, in_dlq: list[DeadLetter]) -> PairVerdict:
    vendor, event_id = pair
    if in_dlq:
        return PairVerdict(
            "dead_lettered", f"{vendor} {event_id}: in the DLQ without a dead-lettered outcome (SQS redrive?)"
        )
    return PairVerdict("lost", f"{vendor} {event_id} ({accepted.topic}, {accepted.shop}): no final state")


def _dead_lettered(pair: Pair, outcomes: list[Outcome], in_dlq: list[DeadLetter], crashed: bool) -> PairVerdict:
    vendor, event_id = pair
    kinds = {o.outcome for o in outcomes}
    problem = f"{vendor} {event_id}: both delivered and dead-lettered" if "delivered" in kinds else None
    dead = sum(1 for o in outcomes if o.outcome == "dead_lettered")
    writes = len({letter.write or str(index) for index, letter in enumerate(in_dlq)})
    dlq_problem, copies = None, len(in_dlq) - writes
    if not in_dlq:
        dlq_problem = f"{vendor} {event_id}: dead-lettered, but no message in the DLQ"
    elif writes > dead and crashed:
        copies += writes - dead
    elif writes > dead:
        dlq_problem = f"{vendor} {event_id}: {writes} DLQ writes for {dead} dead-lettering"
    return PairVerdict("dead_lettered", problem, dlq_problem, copies, len(outcomes) > 1, outcomes[0].at)


def _relayed(pair: Pair, outcomes: list[Outcome], in_dlq: list[DeadLetter], crashed: bool) -> PairVerdict:
    vendor, event_id = pair
    delivered = next((o for o in outcomes if o.outcome == "delivered"), None)
    dlq_problem, copies = None, 0
    if in_dlq and crashed:
        copies = len(in_dlq)
    elif in_dlq:
        dlq_problem = f"{vendor} {event_id}: {outcomes[-1].outcome}, yet {len(in_dlq)} DLQ message(s)"
    return PairVerdict(
        "delivered" if delivered else "skipped",
        None,
        dlq_problem,
        copies,
        len(outcomes) > 1,
        outcomes[0].at,
        delivered.at if delivered else None,
    )


# -- the evidence, indexed -----------------------------------------------------------------------------


class Ledger:
    """The evidence and the indexes every check reads, built once."""

    def __init__(self, evidence: SoakEvidence) -> None:
        self.evidence = evidence
        self.accepted = [a for a in map(accepted_of, evidence.sent) if a is not None]
        self.by_event = {a.event_id: a for a in self.accepted}
        self.expected: dict[Pair, Accepted] = {(vendor, a.event_id): a for a in self.accepted for vendor in a.vendors}
        self.finals: dict[Pair, list[Outcome]] = defaultdict(list)
        self.unacknowledged_dead: set[Pair] = set()
        for outcome in sorted(evidence.outcomes, key=lambda o: o.at):
            if outcome.event_id is None or outcome.outcome not in FINAL:
                continue
            pair = (outcome.vendor, outcome.event_id)
            if outcome.acknowledged:
                self.finals[pair].append(outcome)
            elif outcome.outcome == "dead_lettered":
                self.unacknowledged_dead.add(pair)
        self.letters: dict[tuple[str | None, str | None], list[DeadLetter]] = defaultdict(list)
        for letter in evidence.dead_letters:
            self.letters[(letter.vendor, letter.event_id)].append(letter)

    @cached_property
    def verdicts(self) -> dict[Pair, PairVerdict]:
        return {pair: self.verdict(pair, accepted) for pair, accepted in sorted(self.expected.items())}

    def verdict(self, pair: Pair, accepted: Accepted) -> PairVerdict:
        outcomes = self.finals.get(pair, [])
        in_dlq = self.letters.get(pair, [])
        if not outcomes:
            return _without_outcome(pair, accepted, in_dlq)
        crashed = pair in self.unacknowledged_dead
        if any(o.outcome == "dead_lettered" for o in outcomes):
            return _dead_lettered(pair, outcomes, in_dlq, crashed)
        return _relayed(pair, outcomes, in_dlq, crashed)

    @property
    def budget(self) -> int:
        return int(attempt_budget(self.evidence.max_receive_count))


# -- the invariants ----------------------------------------------------------------------------------------


def check_final_states(ledger: Ledger) -> Check:
    failures = [v.problem for v in ledger.verdicts.values() if v.problem]
    return Check("every accepted event reached exactly one final state at each routed vendor", failures)


def check_routing(ledger: Ledger) -> Check:
    failures = [
        f"{a.webhook_id} ({a.shop}, {a.topic}): routed to {list(a.vendors)}, shop has {list(a.expected_vendors)}"
        for a in ledger.accepted
        if tuple(sorted(a.vendors)) != tuple(sorted(a.expected_vendors))
    ]
    return Check("the ingress routed every event to exactly the shop's enabled vendors that can use it", failures)


def _idempotency_failures(sent: Sent) -> list[str]:
    answers = sent.answered_2xx
    failures = []
    accepted = [a for a in answers if a.status == 202]
    if len(accepted) > 1:
        failures.append(f"webhook {sent.webhook_id} accepted {len(accepted)} times")
    ids = {a.answer_id for a in answers}
    if len(ids) > 1:
        failures.append(f"webhook {sent.webhook_id} answered with {len(ids)} different event ids")
    failures += [
        f"webhook {sent.webhook_id} answered HTTP {a.status} {a.answer_status!r} besides its acceptance"
        for a in answers
        if a.status != 202 and (a.status != 200 or a.answer_status != "duplicate")
    ]
    return failures


def check_idempotency(ledger: Ledger) -> Check:
    failures = [failure for sent in ledger.evidence.sent for failure in _idempotency_failures(sent)]
    return Check(
        "every webhook was accepted at most once; every other 2xx for it was 'duplicate' with the same event id",
        failures,
    )


def check_eventually_2xx(ledger: Ledger) -> Check:
    failures = [
        f"{sent.describe()}, {delivery.mode} delivery: no 2xx in {len(delivery.attempts)} attempts; "
        f"last {delivery.attempts[-1].describe()}"
        for sent in ledger.evidence.sent
        for delivery in sent.deliveries
        if delivery.attempts and not delivery.succeeded
    ]
    return Check("every delivery of every webhook got a 2xx within Shopify's retries", failures)


def check_no_4xx_for_valid(ledger: Ledger) -> Check:
    failures = [
        f"{sent.describe()}: {attempt.describe()}"
        for sent in ledger.evidence.sent
        for attempt in sent.attempts
        if attempt.status is not None and 400 <= attempt.status < 500
    ]
    return Check("no webhook got a 4xx that Shopify's own payload deserved a 2xx for", failures)


def _settled_at(ledger: Ledger, pair: Pair) -> str | None:
    """How the pair ended, if it ended in a state the promise allows, else None."""
    outcomes = ledger.finals.get(pair, [])
    for outcome in outcomes:
        if outcome.outcome == "delivered" or outcome.reason:
            return outcome.outcome
    if any(letter.reason for letter in ledger.letters.get(pair, [])):
        return "dead_lettered"
    return None


def _unsettled(ledger: Ledger, sent: Sent) -> list[str]:
    answers = sent.answered_2xx
    if not answers:
        return []
    event_id = next((a.answer_id for a in answers if a.answer_id), None)
    if event_id is None:
        return [f"{sent.describe()}: answered 2xx without an event id"]
    return [
        f"{vendor} {event_id} {sent.describe()}: answered {answers[0].status} "
        f"{answers[0].answer_status or ''}, but neither delivered nor skipped or dead-lettered with a reason"
        for vendor in sent.expected_vendors
        if _settled_at(ledger, (vendor, event_id)) is None
    ]


def check_every_2xx_settled(ledger: Ledger) -> Check:
    failures = [failure for sent in ledger.evidence.sent for failure in _unsettled(ledger, sent)]
    return Check(
        "every webhook answered 2xx was delivered, skipped or dead-lettered with a reason at every enabled vendor",
        failures,
    )


def request_counts(ledger: Ledger) -> Counter[tuple[str, str | None, str, str, str]]:
    """(vendor, event, method, URL, body) → times a sandbox answered it 2xx.

    Repeatable requests are left out, and so are those the vendor deduplicates: the event
    that marked their effect may send them again, and :func:`effect_counts` holds them to
    one event each. Such requests are known by their path where the vendor has a path for
    them alone, else by their event sending nothing else (edrone's orders share ``/trace``
    with its cancellations and subscriptions).
    """
    evidence, kinds = ledger.evidence, ledger.evidence.kinds
    skipped_paths = kinds.repeatable_paths | kinds.deduplicated_paths
    only_deduplicated = _events_sending_only(ledger, kinds.deduplicated_effects | kinds.repeatable_effects)
    return Counter(
        (hit.vendor, hit.event_id, hit.method, hit.url, hit.body)
        for hit in evidence.hits
        if hit.status is not None
        and 200 <= hit.status < 300
        and (hit.vendor, hit.method, _path(hit.url)) not in skipped_paths
        and (hit.vendor, hit.event_id) not in only_deduplicated
    )


def _events_sending_only(ledger: Ledger, effects: frozenset[tuple[str, str]]) -> set[tuple[str, str | None]]:
    """(vendor, event) pairs whose every logged vendor call was for one of ``effects``."""
    called: dict[tuple[str, str | None], set[tuple[str, str]]] = defaultdict(set)
    for call in ledger.evidence.calls:
        called[(call.vendor, call.event_id)].add((call.vendor, call.effect))
    return {pair for pair, made in called.items() if made <= effects}


def _effect_of(ledger: Ledger, call: Call) -> tuple[str, str, str, str, int]:
    """(vendor, shop, subject, effect, part): the effect a call caused, by the order it is for."""
    owner = ledger.by_event.get(call.event_id or "")
    shop, subject = (owner.shop, owner.subject) if owner else ("?", f"event:{call.event_id}")
    return (call.vendor, shop, subject, call.effect, call.part)


def effect_counts(ledger: Ledger) -> Counter[tuple[str, str, str, str, int]]:
    """(vendor, shop, subject, effect, part) → times reported delivered (repeatable ones left out).

    An effect the vendor deduplicates counts once per event that delivered it: its one event
    sending it again is the vendor's to ignore, a second event sending it would be a double.
    """
    effects: Counter[tuple[str, str, str, str, int]] = Counter()
    kinds = ledger.evidence.kinds
    counted: set[tuple[str, str, str, str, int, str | None]] = set()
    for call in ledger.evidence.calls:
        if call.verdict != "delivered" or (call.vendor, call.effect) in kinds.repeatable_effects:
            continue
        key = _effect_of(ledger, call)
        if (call.vendor, call.effect) in kinds.deduplicated_effects:
            if (*key, call.event_id) in counted:
                continue
            counted.add((*key, call.event_id))
        effects[key] += 1
    return effects


def window_resends(ledger: Ledger) -> tuple[Counter[tuple[str, str | None]], Counter[tuple[str, str, str, str, int]]]:
    """Deliveries whose record a dying invocation never completed, by (vendor, event) and by
    effect: each may be followed by one more delivery of the same effect, and only by one."""
    kinds = ledger.evidence.kinds
    by_event: Counter[tuple[str, str | None]] = Counter()
    by_effect: Counter[tuple[str, str, str, str, int]] = Counter()
    for call in ledger.evidence.calls:
        if not call.interrupted or call.verdict != "delivered":
            continue
        if (call.vendor, call.effect) in kinds.repeatable_effects | kinds.deduplicated_effects:
            continue
        by_event[(call.vendor, call.event_id)] += 1
        by_effect[_effect_of(ledger, call)] += 1
    return by_event, by_effect


def doubles(
    ledger: Ledger,
) -> tuple[dict[tuple[str, str | None, str, str, str], int], dict[tuple[str, str, str, str, int], int]]:
    """Requests answered 2xx and effects delivered more than once, beyond the re-sends a
    killed invocation's uncompleted record allows (:func:`window_resends`)."""
    by_event, by_effect = window_resends(ledger)
    requests = {key: times for key, times in request_counts(ledger).items() if times - by_event[(key[0], key[1])] > 1}
    effects = {key: times for key, times in effect_counts(ledger).items() if times - by_effect[key] > 1}
    return requests, effects


def check_no_duplicate_effects(ledger: Ledger) -> Check:
    requests, effects = doubles(ledger)
    failures = [
        f"{vendor} {event}: {method} {_path(url)} answered 2xx {times} times"
        for (vendor, event, method, url, _body), times in requests.items()
    ]
    failures += [
        f"{vendor} {shop} {subject}: effect {effect}#{part} delivered {times} times"
        for (vendor, shop, subject, effect, part), times in effects.items()
    ]
    return Check(
        "no vendor effect was delivered twice, but for a killed invocation's uncompleted record "
        "(sandbox 2xx per request; effects per order)",
        failures,
    )


def check_dlq_reasons(ledger: Ledger) -> Check:
    failures = [
        f"{letter.vendor or '?'} {letter.event_id}: no reason attribute"
        for letter in ledger.evidence.dead_letters
        if not letter.reason
    ]
    return Check("no DLQ message lacks a reason", failures)


def _too_early(letter: DeadLetter, budget: int) -> str | None:
    reason = letter.reason or ""
    exhausted = _EXHAUSTED.match(reason)
    where = f"{letter.vendor or '?'} {letter.event_id}"
    if exhausted is None:
        return f"{where}: retryable failure dead-lettered at once: {reason[:160]}"
    attempts = int(exhausted.group(1) or exhausted.group(2))
    if attempts < budget:
        return f"{where}: dead-lettered after {attempts} of {budget} attempts"
    return None


def check_retry_budget(ledger: Ledger) -> Check:
    found = [
        _too_early(letter, ledger.budget)
        for letter in ledger.evidence.dead_letters
        if letter.reason and is_retryable(letter)
    ]
    return Check(f"retryable failures reached a DLQ only after all {ledger.budget} attempts", [f for f in found if f])


def check_permanent_explained(ledger: Ledger) -> Check:
    fault_400 = {(h.vendor, h.event_id) for h in ledger.evidence.hits if h.fault == "status 400"}
    failures = [
        f"{letter.vendor or '?'} {letter.event_id}: HTTP {letter.status}: {(letter.reason or '')[:200]}"
        for letter in ledger.evidence.dead_letters
        if letter.reason
        and not is_retryable(letter)
        and not (
            letter.status == "400"
            and "injected fault 400" in (letter.vendor_error or "")
            and (letter.vendor, letter.event_id) in fault_400
        )
    ]
    return Check("permanent DLQ messages are explained by an injected 400", failures)


def check_dlq_match(ledger: Ledger) -> Check:
    failures = [v.dlq_problem for v in ledger.verdicts.values() if v.dlq_problem]
    failures += [
        f"{len(found)} DLQ message(s) for {vendor} {event}, which was not routed there"
        for (vendor, event), found in ledger.letters.items()
        if (vendor or "", event or "") not in ledger.expected
    ]
    return Check("dead-lettered outcomes and DLQ messages match one to one", failures)


CHECKS: tuple[Callable[[Ledger], Check], ...] = (
    check_final_states,
    check_routing,
    check_idempotency,
    check_eventually_2xx,
    check_no_4xx_for_valid,
    check_every_2xx_settled,
    check_no_duplicate_effects,
    check_dlq_reasons,
    check_retry_budget,
    check_permanent_explained,
    check_dlq_match,
)


# -- counting for the report ------------------------------------------------------------------------------


def _count_finals(ledger: Ledger, vendors: dict[str, VendorCounts]) -> None:
    for (vendor, _event), verdict in ledger.verdicts.items():
        counts = vendors[vendor]
        counts.accepted += 1
        counts.reprocessed += verdict.reprocessed
        if verdict.state == "lost":
            counts.lost += 1
        else:
            setattr(counts, verdict.state, getattr(counts, verdict.state) + 1)


def _count_letters(ledger: Ledger, vendors: dict[str, VendorCounts]) -> None:
    for letter in ledger.evidence.dead_letters:
        if not letter.reason:
            continue
        counts = vendors[letter.vendor or "?"]
        if is_retryable(letter):
            counts.dlq_retryable += 1
        else:
            counts.dlq_permanent += 1


def _count_hits(ledger: Ledger, vendors: dict[str, VendorCounts]) -> None:
    for hit in ledger.evidence.hits:
        counts = vendors[hit.vendor]
        counts.requests += 1
        if hit.fault:
            counts.faults[hit.fault] += 1
        if hit.status is not None and 200 <= hit.status < 300:
            counts.answered_2xx += 1


def _count_duplicates(ledger: Ledger, vendors: dict[str, VendorCounts]) -> None:
    requests, effects = doubles(ledger)
    for (vendor, *_request), times in requests.items():
        vendors[vendor].duplicate_requests += times - 1
    for (vendor, *_key), times in effects.items():
        vendors[vendor].duplicate_effects += times - 1


def count(ledger: Ledger) -> dict[str, VendorCounts]:
    vendors: dict[str, VendorCounts] = defaultdict(VendorCounts)
    for counter in (_count_finals, _count_letters, _count_hits, _count_duplicates):
        counter(ledger, vendors)
    return dict(sorted(vendors.items()))


def _notes(ledger: Ledger) -> list[str]:
    notes = []
    copies = sum(v.crash_copies for v in ledger.verdicts.values())
    if copies:
        notes.append(
            f"{copies} DLQ message(s) were copies: written by invocations that never answered (crashed or "
            "killed) or repeated by a retried write; a replay passes them through idempotency"
        )
    _by_event, by_effect = window_resends(ledger)
    resent = sum(min(times, by_effect[key]) for key, times in effect_counts(ledger).items() if times > 1)
    if resent:
        notes.append(
            f"{resent} effect(s) sent again after an invocation died between the vendor's answer and the "
            "record of it (the window architecture.md names); none was sent more than that"
        )
    reprocessed = sum(1 for v in ledger.verdicts.values() if v.reprocessed)
    if reprocessed:
        notes.append(
            f"{reprocessed} record(s) reached a final state twice (SQS delivers at least once); "
            "each agreed with the first and no effect was repeated unless reported above"
        )
    return notes


def reconcile(evidence: SoakEvidence) -> SoakResult:
    ledger = Ledger(evidence)
    return SoakResult(
        vendors=count(ledger),
        checks=[check(ledger) for check in CHECKS],
        notes=_notes(ledger),
        latency_delivered=[
            v.first_delivered - ledger.expected[pair].accepted_at
            for pair, v in ledger.verdicts.items()
            if v.first_delivered is not None
        ],
        latency_final=[
            v.first_final - ledger.expected[pair].accepted_at
            for pair, v in ledger.verdicts.items()
            if v.first_final is not None
        ],
        accepted=len(ledger.accepted),
        reposts=sum(len(s.deliveries) - 1 for s in evidence.sent),
        duplicates_answered=sum(
            1 for s in evidence.sent for a in s.attempts if a.status == 200 and a.answer_status == "duplicate"
        ),
    )
