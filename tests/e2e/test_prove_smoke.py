"""`shoprelay prove` in miniature, and proof that its checks can fail.

The smoke run goes through every phase (faulty soak with duplicates, a crash and restart of
the vendor functions, bad input) on the in-process local stack; the other tests forge
evidence with one broken invariant each and expect the reconciliation to say so.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import boto3
import pytest

from shoprelay_tools.prove.bad_input import CLASSES, BadAnswer, BadRequest, ClassResult
from shoprelay_tools.prove.faults import FaultRates, RandomFaults
from shoprelay_tools.prove.reconcile import (
    Accepted,
    Call,
    DeadLetter,
    Hit,
    Outcome,
    Repost,
    SoakEvidence,
    reconcile,
)
from shoprelay_tools.prove.run import BadInputResult, ProveConfig, run_prove
from shoprelay_tools.prove.soak import read_dead_letters

ROOT = Path(__file__).resolve().parents[2]


def test_quick_prove_run_holds_every_invariant(tmp_path: Path) -> None:
    out = io.StringIO()
    config = ProveConfig(
        webhooks=60,
        bad=60,
        seed=20261125,
        concurrency=5,
        posters=6,
        visibility_timeout=8,
        restart_pause=0.5,
        settle_timeout=45.0,
        progress_every=1000.0,
        log_file=tmp_path / "functions.log",
        root=ROOT,
    )
    code = run_prove(config, out)
    report = out.getvalue()
    assert code == 0, report
    for section in ("SOAK", "RESTART", "BAD INPUT", "INVARIANTS", "RESULT: PASS"):
        assert section in report, report
    assert "FAIL" not in report, report
    assert "60 webhooks, 60 accepted" in report, report
    assert "records in flight at the crash all reached a final state" in report
    for kind in CLASSES:
        assert f"  {kind}  " in report, f"bad-input class {kind!r} missing:\n{report}"
    assert "0 message(s) on a tap subscription" in report


# -- the checker can fail ---------------------------------------------------------------------------

SHOP = "prove-alpha.myshopify.com"
EVENT = "11111111-1111-5111-8111-111111111111"
PAID = "22222222-2222-5222-8222-222222222222"
SANDBOX = "http://127.0.0.1:9"


def _evidence() -> SoakEvidence:
    """One order placed and paid, routed to edrone and esputnik; esputnik's placement gave up."""
    accepted = [
        Accepted("w1", EVENT, SHOP, "orders/create", "order:1", ("edrone", "esputnik"), ("edrone", "esputnik"), 100.0),
        Accepted("w2", PAID, SHOP, "orders/paid", "order:1", ("edrone", "esputnik"), ("edrone", "esputnik"), 101.0),
    ]
    exhausted = "retries exhausted after 5 attempts: orderCreated: HTTP 503: injected fault 503"
    return SoakEvidence(
        accepted=accepted,
        reposts=[Repost("w1", "after", 200, "duplicate", EVENT, EVENT)],
        rejected=[],
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
        repeatable_effects=frozenset({("esputnik", "contact")}),
        repeatable_paths=frozenset({("esputnik", "POST", "/esputnik/api/v1/contacts")}),
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


def test_a_request_answered_2xx_twice_is_a_duplicate_delivery() -> None:
    evidence = _evidence()
    evidence.hits.append(Hit("edrone", EVENT, "POST", f"{SANDBOX}/edrone/trace", "placed", 202, None))
    failed = _failed(evidence)
    assert list(failed) == ["no vendor effect was delivered twice (sandbox 2xx per request; effects per order)"]
    assert "edrone" in failed[next(iter(failed))][0]


def test_an_effect_delivered_for_two_events_of_one_order_is_a_duplicate() -> None:
    evidence = _evidence()
    evidence.calls.append(Call("edrone", PAID, "order:placed", 1, "delivered"))
    failures = _failed(evidence)["no vendor effect was delivered twice (sandbox 2xx per request; effects per order)"]
    assert failures == [f"edrone {SHOP} order:1: effect order:placed#1 delivered 2 times"]


def test_a_lost_event_is_reported() -> None:
    evidence = _evidence()
    evidence.outcomes = [o for o in evidence.outcomes if not (o.vendor == "edrone" and o.event_id == PAID)]
    failed = _failed(evidence)
    assert list(failed) == ["every accepted event reached exactly one final state at each routed vendor"]
    result = reconcile(evidence)
    assert result.vendors["edrone"].lost == 1
    assert not result.vendors["edrone"].balanced


def test_an_outcome_whose_invocation_never_answered_does_not_count() -> None:
    evidence = _evidence()
    evidence.outcomes = [
        replace(o, acknowledged=False) if (o.vendor, o.event_id) == ("edrone", PAID) else o for o in evidence.outcomes
    ]
    assert "every accepted event reached exactly one final state at each routed vendor" in _failed(evidence)


def test_dead_letters_without_reason_or_too_early_or_unexplained_are_reported() -> None:
    for letter, check in [
        (DeadLetter("esputnik", EVENT, None, None, None), "every DLQ message carries a reason"),
        (
            DeadLetter("esputnik", EVENT, "retries exhausted after 3 attempts: HTTP 503", "503", None),
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


def test_a_second_dlq_copy_and_a_wrong_duplicate_answer_are_reported() -> None:
    evidence = _evidence()
    evidence.dead_letters = evidence.dead_letters * 2
    evidence.reposts = [Repost("w2", "racing", 202, "accepted", PAID, PAID)]
    failed = _failed(evidence)
    assert "dead-lettered outcomes and DLQ messages match one to one" in failed
    assert "every re-posted webhook was answered 'duplicate' with the original's event id" in failed


def test_wrong_routing_is_reported() -> None:
    evidence = _evidence()
    evidence.accepted[0] = replace(evidence.accepted[0], vendors=("edrone",))
    assert "the ingress routed every event to exactly the shop's enabled vendors" in _failed(evidence)


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
    assert [len(check.failures) for check in result.checks] == [2, 1]


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
