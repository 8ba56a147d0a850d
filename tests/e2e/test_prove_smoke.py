"""`shoprelay prove` in miniature, and proof that its checks can fail.

The smoke run goes through every phase (a soak with faults on the vendors' side and ours,
Shopify's retries, duplicates, a crash and restart of the vendor functions, bad input) on
the local stack with its functions in processes; the other tests forge evidence with one
broken invariant each and expect the reconciliation to say so.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import boto3
import pytest

from shoprelay_tools.prove.bad_input import CLASSES, BadAnswer, BadRequest, ClassResult
from shoprelay_tools.prove.faults import FaultRates, RandomFaults
from shoprelay_tools.prove.outcome import BadInputResult, quick_config
from shoprelay_tools.prove.reconcile import (
    Attempt,
    Call,
    DeadLetter,
    Delivery,
    Hit,
    Outcome,
    RequestKinds,
    Sent,
    SoakEvidence,
    reconcile,
)
from shoprelay_tools.prove.run import run_prove
from shoprelay_tools.prove.shopify import RetrySchedule
from shoprelay_tools.prove.soak import read_dead_letters
from shoprelay_tools.prove.workload import WorkloadBuilder

ROOT = Path(__file__).resolve().parents[2]


def test_quick_prove_run_holds_every_invariant(tmp_path: Path) -> None:
    """The ``--quick`` run itself: every phase, every fault, every invariant."""
    out = io.StringIO()
    config = replace(quick_config(), seed=20261125, log_file=tmp_path / "functions.log", root=ROOT)
    code = run_prove(config, out)
    report = out.getvalue()
    assert code == 0, report
    for section in ("SOAK", "RESTART", "OUR SIDE", "BAD INPUT", "INVARIANTS", "RESULT: PASS"):
        assert section in report, report
    assert "FAIL" not in report, report
    assert "records in flight at the crash all reached a final state" in report
    for kind in CLASSES:
        assert f"  {kind}  " in report, f"bad-input class {kind!r} missing:\n{report}"
    assert "0 message(s) on a tap subscription" in report
    # The faults on our side happened: the trickling publishes killed the ingress, the
    # trickling query killed a vendor function mid-batch, and Shopify retried.
    assert re.search(r"ingress +\d+ invocations, [1-9]\d* killed at the timeout", report), report
    # the vendor-side kill rides on a retry the run's random vendor faults may not cause in time
    assert re.search(r"vendors +\d+ invocation\(s\) killed at the timeout", report), report
    assert re.search(r"[1-9]\d* attempts retried by Shopify", report), report


# -- the checker can fail ---------------------------------------------------------------------------

SHOP = "prove-alpha.myshopify.com"
EVENT = "11111111-1111-5111-8111-111111111111"
PAID = "22222222-2222-5222-8222-222222222222"
SANDBOX = "http://127.0.0.1:9"
VENDORS = ("edrone", "esputnik")
FINAL_STATES = "every accepted event reached exactly one final state at each routed vendor"
SETTLED = "every webhook answered 2xx was delivered, skipped or dead-lettered with a reason at every enabled vendor"
DUPLICATES = (
    "no vendor effect was delivered twice, but for a killed invocation's uncompleted record "
    "(sandbox 2xx per request; effects per order)"
)
IDEMPOTENT = "every webhook was accepted at most once; every other 2xx for it was 'duplicate' with the same event id"


def _answer(status: int | None, event: str | None = None, at: float = 100.0) -> Attempt:
    answer_status = {202: "accepted", 200: "duplicate"}.get(status or 0)
    vendors = VENDORS if status == 202 else ()
    return Attempt(status, answer_status, event if status in (200, 202) else None, vendors, at)


def _sent(webhook_id: str, topic: str, *deliveries: tuple[Attempt, ...]) -> Sent:
    modes = ["original", "after", "late"]
    return Sent(
        webhook_id,
        SHOP,
        topic,
        "order:1",
        VENDORS,
        tuple(Delivery(modes[i], attempts) for i, attempts in enumerate(deliveries)),
    )


def _evidence() -> SoakEvidence:
    """One order placed (answered 503 once, then 202, re-posted) and paid, routed to edrone
    and esputnik; esputnik's placement gave up."""
    exhausted = "retries exhausted after 5 attempts: orderCreated: HTTP 503: injected fault 503"
    return SoakEvidence(
        sent=[
            _sent("w1", "orders/create", (_answer(503), _answer(202, EVENT)), (_answer(200, EVENT),)),
            _sent("w2", "orders/paid", (_answer(None), _answer(202, PAID, 101.0))),
        ],
        outcomes=[
            Outcome("edrone", EVENT, "delivered", None, 101.5),
            Outcome("edrone", PAID, "delivered", None, 102.0),
            *[Outcome("esputnik", EVENT, "retrying", "HTTP 503", 101.0 + i) for i in range(4)],
            Outcome("esputnik", EVENT, "dead_lettered", exhausted, 110.0),
            Outcome("esputnik", PAID, "skipped", "orderUpdated:paid superseded", 103.0),
        ],
        calls=[
            Call("edrone", EVENT, "order:placed", 1, "delivered"),
            Call("edrone", PAID, "order:paid", 1, "delivered"),
            Call("esputnik", EVENT, "contact", 1, "delivered"),
            Call("esputnik", EVENT, "contact", 1, "delivered"),
        ],
        hits=[
            Hit("edrone", EVENT, "POST", f"{SANDBOX}/edrone/trace", "placed", 200, None),
            Hit("edrone", PAID, "POST", f"{SANDBOX}/edrone/trace", "paid", 200, None),
            *[Hit("esputnik", EVENT, "POST", f"{SANDBOX}/esputnik/api/v1/event", "e", 503, "status 503")] * 5,
            # the contact upsert is declared repeatable: sent before each attempt, never a duplicate
            *[Hit("esputnik", EVENT, "POST", f"{SANDBOX}/esputnik/api/v1/contacts", "c", 200, None)] * 5,
        ],
        dead_letters=[DeadLetter("esputnik", EVENT, exhausted, "503", "injected fault 503")],
        max_receive_count=6,
        kinds=RequestKinds(
            repeatable_effects=frozenset({("esputnik", "contact")}),
            repeatable_paths=frozenset({("esputnik", "POST", "/esputnik/api/v1/contacts")}),
        ),
    )


def _failed(evidence: SoakEvidence) -> dict[str, list[str]]:
    return {check.name: check.failures for check in reconcile(evidence).checks if not check.ok}


def test_consistent_evidence_passes_and_balances() -> None:
    result = reconcile(_evidence())
    assert result.ok, [c.failures for c in result.checks if not c.ok]
    assert result.vendors["edrone"].delivered == 2
    assert result.vendors["esputnik"].dead_lettered == 1
    assert result.vendors["esputnik"].skipped == 1
    assert all(counts.balanced for counts in result.vendors.values())
    assert (result.accepted, result.reposts, result.duplicates_answered) == (2, 1, 1)


def test_a_request_answered_2xx_twice_is_a_duplicate_delivery() -> None:
    evidence = _evidence()
    evidence.hits.append(Hit("edrone", EVENT, "POST", f"{SANDBOX}/edrone/trace", "placed", 202, None))
    failed = _failed(evidence)
    assert list(failed) == [DUPLICATES]
    assert "edrone" in failed[DUPLICATES][0]
    assert reconcile(evidence).vendors["edrone"].duplicate_requests == 1


def _resent_after_a_kill(evidence: SoakEvidence, *, interrupted: bool) -> None:
    """edrone's paid order sent again by the same event, its first delivery made by an
    invocation that died (or not) before the record's outcome."""
    evidence.calls = [
        replace(c, interrupted=interrupted) if (c.vendor, c.event_id) == ("edrone", PAID) else c for c in evidence.calls
    ]
    evidence.calls.append(Call("edrone", PAID, "order:paid", 1, "delivered"))
    evidence.hits.append(Hit("edrone", PAID, "POST", f"{SANDBOX}/edrone/trace", "paid", 200, None))


def test_an_effect_sent_again_after_its_invocation_died_before_the_record_is_the_named_window() -> None:
    evidence = _evidence()
    _resent_after_a_kill(evidence, interrupted=True)
    result = reconcile(evidence)
    assert _failed(evidence) == {}
    assert result.vendors["edrone"].duplicate_effects == 0
    assert any("1 effect(s) sent again after an invocation died" in note for note in result.notes)


def test_the_window_allows_one_more_delivery_and_no_more() -> None:
    evidence = _evidence()
    _resent_after_a_kill(evidence, interrupted=True)
    evidence.calls.append(Call("edrone", PAID, "order:paid", 1, "delivered"))
    evidence.hits.append(Hit("edrone", PAID, "POST", f"{SANDBOX}/edrone/trace", "paid", 200, None))
    assert _failed(evidence)[DUPLICATES] == [
        f"edrone {PAID}: POST /edrone/trace answered 2xx 3 times",
        f"edrone {SHOP} order:1: effect order:paid#1 delivered 3 times",
    ]


def test_an_effect_sent_again_after_a_completed_record_is_a_duplicate() -> None:
    evidence = _evidence()
    _resent_after_a_kill(evidence, interrupted=False)
    assert len(_failed(evidence)[DUPLICATES]) == 2


def test_an_effect_delivered_for_two_events_of_one_order_is_a_duplicate() -> None:
    evidence = _evidence()
    evidence.calls.append(Call("edrone", PAID, "order:placed", 1, "delivered"))
    assert _failed(evidence)[DUPLICATES] == [f"edrone {SHOP} order:1: effect order:placed#1 delivered 2 times"]


def _edrone_placed_deduplicated(evidence: SoakEvidence) -> None:
    """edrone's placed order declared deduplicated by the vendor; its path, ``/trace``, is
    shared with requests that are not, so it names no deduplicated path."""
    kinds = evidence.kinds
    evidence.kinds = RequestKinds(
        repeatable_effects=kinds.repeatable_effects,
        repeatable_paths=kinds.repeatable_paths,
        deduplicated_effects=frozenset({("edrone", "order:placed")}),
    )


def test_an_effect_the_vendor_deduplicates_may_be_sent_again_by_its_own_event_only() -> None:
    evidence = _evidence()
    _edrone_placed_deduplicated(evidence)
    # the same event sends it again (a redelivery after a crash): the vendor keeps the first
    evidence.calls.append(Call("edrone", EVENT, "order:placed", 1, "delivered"))
    evidence.hits.append(Hit("edrone", EVENT, "POST", f"{SANDBOX}/edrone/trace", "placed", 200, None))
    assert _failed(evidence) == {}
    # another event of the order sending it too is a double
    evidence.calls.append(Call("edrone", PAID, "order:placed", 1, "delivered"))
    assert _failed(evidence)[DUPLICATES] == [f"edrone {SHOP} order:1: effect order:placed#1 delivered 2 times"]


def test_a_request_on_a_shared_path_is_still_held_to_once_when_the_vendor_keeps_every_repeat() -> None:
    # the paid order's event sends an effect edrone does not deduplicate, on the same path
    evidence = _evidence()
    _edrone_placed_deduplicated(evidence)
    evidence.hits.append(Hit("edrone", PAID, "POST", f"{SANDBOX}/edrone/trace", "paid", 200, None))
    failed = _failed(evidence)
    assert list(failed) == [DUPLICATES]
    assert failed[DUPLICATES] == [f"edrone {PAID}: POST /edrone/trace answered 2xx 2 times"]


def test_a_lost_event_is_reported() -> None:
    evidence = _evidence()
    evidence.outcomes = [o for o in evidence.outcomes if not (o.vendor == "edrone" and o.event_id == PAID)]
    assert list(_failed(evidence)) == [FINAL_STATES, SETTLED]
    result = reconcile(evidence)
    assert result.vendors["edrone"].lost == 1
    assert not result.vendors["edrone"].balanced


def test_an_outcome_whose_invocation_never_answered_does_not_count() -> None:
    evidence = _evidence()
    evidence.outcomes = [
        replace(o, acknowledged=False) if (o.vendor, o.event_id) == ("edrone", PAID) else o for o in evidence.outcomes
    ]
    assert FINAL_STATES in _failed(evidence)


def test_a_duplicate_answer_for_an_event_never_published_is_reported() -> None:
    """The lost-publish bug: the first attempt died mid-publish, the retry was told 'duplicate'."""
    evidence = _evidence()
    lost = "33333333-3333-5333-8333-333333333333"
    evidence.sent.append(_sent("w3", "orders/cancelled", (_answer(None), _answer(200, lost))))
    failures = _failed(evidence)[SETTLED]
    assert [f.split()[:2] for f in failures] == [["edrone", lost], ["esputnik", lost]]


def test_a_skip_without_a_reason_does_not_settle_a_webhook() -> None:
    evidence = _evidence()
    evidence.outcomes = [
        replace(o, reason=None) if (o.vendor, o.event_id) == ("esputnik", PAID) else o for o in evidence.outcomes
    ]
    assert list(_failed(evidence)) == [SETTLED]


def test_a_4xx_for_a_valid_webhook_and_a_delivery_that_never_got_a_2xx_are_reported() -> None:
    evidence = _evidence()
    refused = _answer(400)
    refused = replace(refused, detail="event is larger than 262144 bytes")
    evidence.sent.append(_sent("w4", "orders/create", tuple([refused] * 9)))
    failed = _failed(evidence)
    assert len(failed["no webhook got a 4xx that Shopify's own payload deserved a 2xx for"]) == 9
    assert failed["every delivery of every webhook got a 2xx within Shopify's retries"] == [
        "w4 (prove-alpha, orders/create, 0 lines, 0 B), original delivery: no 2xx in 9 attempts; "
        "last HTTP 400 event is larger than 262144 bytes"
    ]


def test_dead_letters_without_reason_or_too_early_or_unexplained_are_reported() -> None:
    for letter, check in [
        (DeadLetter("esputnik", EVENT, None, None, None), "no DLQ message lacks a reason"),
        (
            DeadLetter("esputnik", EVENT, "retries exhausted after 3 attempts: HTTP 503", "503", None),
            "retryable failures reached a DLQ only after all 5 attempts",
        ),
        (
            DeadLetter("esputnik", EVENT, "unexpected ReadTimeoutError on attempt 2 of 5", None, None),
            "retryable failures reached a DLQ only after all 5 attempts",
        ),
        (
            DeadLetter("esputnik", EVENT, "orderCreated: HTTP 503: down", "503", None),
            "retryable failures reached a DLQ only after all 5 attempts",
        ),
        (
            DeadLetter("esputnik", EVENT, "orderCreated: HTTP 422: bad email", "422", "bad email"),
            "permanent DLQ messages are explained by an injected 400",
        ),
    ]:
        evidence = _evidence()
        evidence.dead_letters = [letter]
        assert check in _failed(evidence), letter


def test_a_second_dlq_copy_and_a_second_acceptance_are_reported() -> None:
    evidence = _evidence()
    evidence.dead_letters = evidence.dead_letters * 2
    evidence.sent[1] = _sent("w2", "orders/paid", (_answer(202, PAID),), (_answer(202, PAID),))
    failed = _failed(evidence)
    assert "dead-lettered outcomes and DLQ messages match one to one" in failed
    assert failed[IDEMPOTENT] == ["webhook w2 accepted 2 times"]


def test_wrong_routing_is_reported() -> None:
    evidence = _evidence()
    wrong = replace(_answer(202, EVENT), vendors=("edrone",))
    evidence.sent[0] = _sent("w1", "orders/create", (wrong,))
    assert "the ingress routed every event to exactly the shop's enabled vendors that can use it" in _failed(evidence)


def test_shopify_retries_eight_times_doubling_over_the_window() -> None:
    delays = RetrySchedule(window_seconds=60.0).delays()
    assert len(delays) == 8
    assert sum(delays) == pytest.approx(60.0)
    assert all(later == pytest.approx(2 * earlier) for earlier, later in itertools.pairwise(delays))


def test_a_plan_holds_orders_of_one_and_a_thousand_lines_and_one_just_under_the_body_limit() -> None:
    limit = 2 * 1024 * 1024
    plan = WorkloadBuilder(5, max_body_bytes=limit).plan(120)
    orders = [w for w in plan.webhooks if w.topic == "orders/create"]
    assert min(w.lines for w in orders) == 1
    assert max(w.lines for w in orders) == 1000
    largest = max(len(w.body) for w in plan.webhooks)
    assert limit - 64 * 1024 <= largest <= limit


def test_bad_input_answers_outside_the_readme_fail() -> None:
    request = BadRequest("bad signature", "random bytes", (), b"{}", frozenset({401}))
    accepted = BadAnswer(request, 202, "accepted", "")
    crashed = BadAnswer(request, 503, None, "")
    ignored = BadAnswer(BadRequest("unknown topic", "x", (), b"{}", frozenset({200})), 200, "ignored", "")
    assert not accepted.as_documented
    assert crashed.server_error
    assert ignored.as_documented
    classes = {"bad signature": ClassResult("bad signature", 2, undocumented=[accepted], server_errors=[crashed])}
    result = BadInputResult(classes=classes, tapped=1, new_outcomes=0, new_requests=0, queued=0)
    assert [len(check.failures) for check in result.checks] == [2, 1, 0]
    flood = BadInputResult(classes={}, tapped=0, new_outcomes=0, new_requests=0, queued=0, flood_ssm_calls=9)
    assert [len(check.failures) for check in flood.checks] == [0, 0, 1]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_faults_follow_their_rates(seed: int) -> None:
    faults = RandomFaults(FaultRates(), seed)
    draws = [faults("edrone") for _ in range(20_000)]
    share = sum(1 for f in draws if f is not None) / len(draws)
    assert abs(share - FaultRates().total) < 0.015
    assert {f.status for f in draws if f is not None and f.kind == "status"} == {400, 429, 503}
    faults.enabled = False
    assert faults("edrone") is None


def test_every_dead_letter_is_read_and_left_in_place(aws: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=aws)
    url = sqs.create_queue(QueueName="prove-dlq")["QueueUrl"]
    for index in range(25):  # more than one receive's worth: moto repeats the first ten at visibility 0
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"id": f"event-{index}"}),
            MessageAttributes={"reason": {"DataType": "String", "StringValue": "HTTP 400"}},
        )
    stack = SimpleNamespace(
        clients={"sqs": sqs}, stack=SimpleNamespace(functions={}, dead_letter_queues=lambda: {"Q": url})
    )
    letters = read_dead_letters(cast(Any, stack))
    assert sorted(letter.event_id or "" for letter in letters) == sorted(f"event-{i}" for i in range(25))
    assert {letter.reason for letter in letters} == {"HTTP 400"}
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "25"
