"""`shoprelay replay` against template.yaml's queues on moto, with a vendor sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from support.sandboxes import running_sandboxes, shop_settings
from support.stack import LocalAws
from support.webhooks import api_event, fixture_json

from shoprelay_tools.cli import main
from shoprelay_tools.sandboxes.corvidae import CorvidaeSandbox
from shoprelay_tools.sandboxes.server import Fault, SandboxServer


@pytest.fixture
def corvidae(local: LocalAws) -> Iterator[SandboxServer]:
    with running_sandboxes("corvidae") as server:
        local.seed_shop({"corvidae": shop_settings("corvidae", server)})
        yield server


def replay(local: LocalAws, *extra: str) -> int:
    return main(
        [
            "replay",
            "--vendor",
            "corvidae",
            "--endpoint-url",
            local.endpoint,
            "--stack-name",
            local.stack.name,
            "--region",
            "us-east-1",
            *extra,
        ]
    )


def dead_letter_one(local: LocalAws, corvidae: SandboxServer, webhook_id: str = "w-1") -> str:
    corvidae.add_faults("corvidae", Fault(status=400), times=1)
    body = json.dumps(fixture_json("orders-create.test-store-shop-AUD-buyer-USD.json")).encode()
    response = local.invoke("IngressFunction", api_event(body, webhook_id=webhook_id))
    local.poll("CorvidaeFunction")
    # One dead-lettering; a loaded machine may leave a second copy of it (LocalAws.dead_letters)
    assert len(local.dead_letters("CorvidaeDeadLetterQueue")) == 1
    event_id: str = json.loads(response["body"])["id"]
    return event_id


def copy_of_first_dead_letter(local: LocalAws) -> None:
    """A second copy of the DLQ's message, attributes and all, as a repeated send leaves it."""
    (parked, *_) = local.receive_all("CorvidaeDeadLetterQueue")
    local.clients["sqs"].send_message(
        QueueUrl=local.stack.queues["CorvidaeDeadLetterQueue"],
        MessageBody=parked["Body"],
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value["StringValue"]}
            for name, value in parked["MessageAttributes"].items()
        },
    )


def test_dry_run_lists_reasons_and_moves_nothing(
    local: LocalAws, corvidae: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    event_id = dead_letter_one(local, corvidae)
    assert replay(local, "--dry-run") == 0
    out = capsys.readouterr()
    listed = [json.loads(line) for line in out.out.splitlines() if line.startswith('{"event_id"')]
    (line,) = listed
    assert line["event_id"] == event_id
    assert "HTTP 400" in line["reason"]
    assert "would replay 1 corvidae message(s)" in out.err
    assert len(local.dead_letters("CorvidaeDeadLetterQueue")) == 1


def test_replay_delivers_once_after_the_cause_is_fixed(local: LocalAws, corvidae: SandboxServer) -> None:
    dead_letter_one(local, corvidae)
    assert replay(local) == 0
    assert local.queue_depth("CorvidaeDeadLetterQueue") == 0
    local.poll("CorvidaeFunction")
    assert [d.status for d in corvidae.recorded("corvidae")] == [400, 200]


def test_copies_of_one_dead_letter_go_back_once(
    local: LocalAws, corvidae: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN one dead letter standing twice in the DLQ, as a send repeated after a lost answer leaves it
    dead_letter_one(local, corvidae)
    copy_of_first_dead_letter(local)
    copies = len(local.receive_all("CorvidaeDeadLetterQueue"))
    assert copies >= 2
    # WHEN a dry run lists it, and then it is replayed
    assert replay(local, "--dry-run") == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if line.startswith('{"event_id"')]
    assert len(listed) == 1
    assert len(local.receive_all("CorvidaeDeadLetterQueue")) == copies
    assert replay(local) == 0
    # THEN one message went back, every copy left the DLQ, and the vendor got the event once
    assert f"replayed 1 corvidae message(s); left 0 of other shops in the DLQ; {copies - 1} second" in (
        capsys.readouterr().err
    )
    assert local.queue_depth("CorvidaeDeadLetterQueue") == 0
    assert local.queue_depth("CorvidaeQueue") == 1
    local.poll("CorvidaeFunction")
    assert [d.status for d in corvidae.recorded("corvidae")] == [400, 200]


def test_replaying_an_already_delivered_event_is_counted_once_by_the_vendor(
    local: LocalAws, corvidae: SandboxServer
) -> None:
    # GIVEN an event that ended in the DLQ, was replayed and delivered
    dead_letter_one(local, corvidae)
    (parked, *_) = local.receive_all("CorvidaeDeadLetterQueue")
    replay(local)
    local.poll("CorvidaeFunction")
    # WHEN a second copy of the same event is replayed from the DLQ
    local.clients["sqs"].send_message(
        QueueUrl=local.stack.queues["CorvidaeDeadLetterQueue"], MessageBody=parked["Body"]
    )
    replay(local)
    local.poll("CorvidaeFunction")
    # THEN the copy went out again with the same eventID, which Corvidae keeps only once (the
    # transaction is marked by this very event, and a repeat of it is the vendor's to drop)
    hits = corvidae.recorded("corvidae")
    assert [d.status for d in hits] == [400, 200, 200]
    assert len({d.url.split("eventID=")[1].split("&")[0] for d in hits}) == 1
    sandbox = corvidae.sandboxes["corvidae"]
    assert isinstance(sandbox, CorvidaeSandbox)
    assert len(sandbox.transactions) == 1
    # AND nothing is left anywhere
    assert local.queue_depth("CorvidaeQueue") == 0
    assert local.queue_depth("CorvidaeDeadLetterQueue") == 0


def test_shop_filter_leaves_other_shops_in_the_dlq(local: LocalAws, corvidae: SandboxServer) -> None:
    dead_letter_one(local, corvidae)
    assert replay(local, "--shop", "other-shop.myshopify.com") == 0
    assert len(local.dead_letters("CorvidaeDeadLetterQueue")) == 1


def test_on_aws_the_queues_come_from_the_stack_outputs(local: LocalAws, corvidae: SandboxServer) -> None:
    # GIVEN a deployed stack whose outputs name the Corvidae queues (as template.yaml's do)
    dead_letter_one(local, corvidae)
    outputs = {
        "CorvidaeQueueUrl": local.stack.queues["CorvidaeQueue"],
        "CorvidaeDeadLetterQueueUrl": local.stack.queues["CorvidaeDeadLetterQueue"],
    }
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {name: {"Value": value} for name, value in outputs.items()},
    }
    cloudformation = boto3.client("cloudformation", region_name="us-east-1", endpoint_url=local.endpoint)
    cloudformation.create_stack(StackName="shoprelay-prod", TemplateBody=json.dumps(template))
    # WHEN replay runs against AWS (no emulator URL: the default endpoint, moto's here)
    code = main(["replay", "--vendor", "corvidae", "--stack-name", "shoprelay-prod", "--region", "us-east-1"])
    # THEN the message went back to the queue the outputs named
    assert code == 0
    assert local.queue_depth("CorvidaeDeadLetterQueue") == 0
    assert local.queue_depth("CorvidaeQueue") == 1
